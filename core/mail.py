"""Outgoing email, in one place: links, unsubscribe tokens, headers, language, sending once.

Announcements, the forum and support build their emails here:

- ``absolute_url(path)``: links point at the portal's public address
  (``WAGTAILADMIN_BASE_URL``, or the default Wagtail site's root URL when it is empty);
- ``unsubscribe_token`` / ``read_unsubscribe_token``: one signed-token scheme
  (``django.core.signing``), salted per purpose so a token for one list never works for
  another;
- ``build_email``: text from a template, an optional HTML alternative (``html_template``,
  which usually extends ``email/base.html``: the portal's look, inline CSS only, no remote
  images or fonts), the subject prefixed with the site's name, ``Auto-Submitted``, an
  optional ``Reply-To`` and threading headers (``Message-ID``, ``In-Reply-To``,
  ``References``: see ``message_id``) and, for lists, the one-click ``List-Unsubscribe``
  headers (RFC 8058); everything is rendered in the recipient's language (their
  ``language`` when the account has one, the site's otherwise);
- ``send_once`` / ``send_all``: an email goes out together with the record that it went
  out, in one transaction, so a retried task never emails anyone twice.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from email.utils import parseaddr

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import translation

# --- Links ------------------------------------------------------------------------------


def base_url() -> str:
    """The portal's public address, without a trailing slash."""
    url = settings.WAGTAILADMIN_BASE_URL
    if not url:
        from wagtail.models import Site

        site = Site.objects.filter(is_default_site=True).first()
        url = site.root_url if site else ""
    return url.rstrip("/")


def absolute_url(path: str) -> str:
    """``path`` (``/community/q/1/…``) as a full URL for an email."""
    return base_url() + path


# --- Unsubscribe tokens -------------------------------------------------------------------


def _salt(purpose: str) -> str:
    return f"{purpose}.unsubscribe"


def unsubscribe_token(user, purpose: str, **data) -> str:
    """A signed token that lets ``user`` leave the ``purpose`` list without signing in.

    ``data`` (small, JSON-serialisable) says what exactly to stop; it comes back from
    ``read_unsubscribe_token``.
    """
    return signing.dumps({**data, "u": user.pk}, salt=_salt(purpose), compress=True)


def read_unsubscribe_token(token: str, purpose: str):
    """``(user, data)`` for a valid token of ``purpose`` and an active account, else ``None``."""
    try:
        data = signing.loads(token, salt=_salt(purpose))
        user_id = int(data.pop("u"))
    except (signing.BadSignature, AttributeError, KeyError, TypeError, ValueError):
        return None
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    return (user, data) if user else None


# --- Threading ------------------------------------------------------------------------


def mail_domain() -> str:
    """The domain our Message-IDs carry: the one of ``DEFAULT_FROM_EMAIL``."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or "localhost"


def message_id(local: str) -> str:
    """A stable ``<local@domain>`` Message-ID: the same ``local`` (``ticket-12.reply-40``)
    always gives the same id, so a mail client threads every email of one conversation."""
    return f"<{local}@{mail_domain()}>"


# --- Building ---------------------------------------------------------------------------


def recipient_language(user) -> str:
    """The language ``user`` reads their email in."""
    return getattr(user, "language", None) or settings.LANGUAGE_CODE


def build_email(
    user,
    *,
    subject,
    template: str,
    context: dict,
    subject_params: dict | None = None,
    subject_template: str | None = None,
    html_template: str | None = None,
    unsubscribe_url: str | None = None,
    reply_to: str | None = None,
    thread_id: str | None = None,
    references: Sequence[str] = (),
    connection=None,
) -> EmailMultiAlternatives:
    """One email to ``user``, rendered in their language.

    ``subject`` is a (lazily) translated string, formatted with ``subject_params``; or
    ``subject_template`` renders it. The templates get ``context`` plus ``user``,
    ``site_name`` and ``portal_url``; ``html_template`` renders the HTML alternative. With
    ``unsubscribe_url`` the email carries the one-click ``List-Unsubscribe`` headers; with
    ``reply_to`` a ``Reply-To``; ``thread_id`` (a ``message_id``) becomes its
    ``Message-ID`` and ``references`` (earlier Message-IDs of the conversation, oldest
    first) its ``In-Reply-To`` and ``References``.
    """
    context = {**context, "user": user, "site_name": settings.SITE_NAME, "portal_url": base_url()}
    with translation.override(recipient_language(user)):
        if subject_template:
            subject = render_to_string(subject_template, context)
        else:
            subject = str(subject)
            if subject_params:
                subject = subject % subject_params
        body = render_to_string(template, context)
        html = render_to_string(html_template, context) if html_template else None
    headers = {}
    if unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    headers["Auto-Submitted"] = "auto-generated"
    if thread_id:
        headers["Message-ID"] = thread_id
    if references:
        headers["In-Reply-To"] = references[-1]
        headers["References"] = " ".join(references)
    message = EmailMultiAlternatives(
        subject=f"[{settings.SITE_NAME}] " + " ".join(subject.split()),
        body=body,
        to=[user.email],
        reply_to=[reply_to] if reply_to else None,
        connection=connection,
        headers=headers,
    )
    if html is not None:
        message.attach_alternative(html, "text/html")
    return message


# --- Sending once -----------------------------------------------------------------------


def send_once(message, *, record: Callable[[], object]) -> bool:
    """Send ``message`` together with ``record()``, the proof that it went out.

    ``record`` writes that proof: a row with a unique key (a duplicate raises
    ``IntegrityError``), or a timestamp set only where it is still empty (it then returns
    ``False`` when nothing was left to set). Both happen in one transaction: when the mail
    server fails, the record rolls back and a retry sends the email; when the record
    exists, the email went out and is not sent again. Returns whether it was sent.
    """
    try:
        with transaction.atomic():
            if record() is False:
                return False
            message.send()
    except IntegrityError:
        return False  # sent by another run that got there first
    return True


def send_all(deliveries: Iterable[tuple[object, Callable[[], object]]]) -> int:
    """``send_once`` for each ``(message, record)``, over one mail-server connection.

    A mail-server error propagates (the task retries); what went out before it stays
    recorded, so the retry skips it. Returns how many emails were sent.
    """
    deliveries = iter(deliveries)  # built one at a time, as they go out
    first = next(deliveries, None)
    if first is None:
        return 0
    sent = 0
    with get_connection() as connection:
        for message, record in itertools.chain([first], deliveries):
            message.connection = connection
            sent += send_once(message, record=record)
    return sent
