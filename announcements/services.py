"""Writes and side effects of announcements: subscriptions and subscriber emails.

Views, admin and tests call these functions; nothing else writes subscriptions or sends
announcement emails.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from core import mail, outbox
from segments import policy
from segments.models import Segment

from .models import AnnouncementDelivery, AnnouncementPage, ProductSubscription

logger = logging.getLogger(__name__)

#: The unsubscribe tokens' purpose (``core.mail``).
UNSUBSCRIBE_PURPOSE = "announcements"

# --- Subscriptions --------------------------------------------------------------------


def subscribed_products(user) -> list[Segment]:
    """The products ``user`` is subscribed to, in the usual product order."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(Segment.objects.filter(kind=Segment.Kind.PRODUCT, subscriptions__user=user))


@transaction.atomic
def set_subscriptions(user, products: Iterable[Segment]) -> tuple[list[Segment], list[Segment]]:
    """Make ``products`` exactly the products ``user`` is emailed about.

    Returns the products added and removed. Segments that are not products are ignored.
    """
    wanted = {p.pk: p for p in products if p.kind == Segment.Kind.PRODUCT}
    current = {s.product_id: s for s in ProductSubscription.objects.filter(user=user)}
    removed_ids = set(current) - set(wanted)
    added = [wanted[pk] for pk in wanted if pk not in current]
    removed = list(Segment.objects.filter(pk__in=removed_ids))
    if removed_ids:
        ProductSubscription.objects.filter(user=user, product_id__in=removed_ids).delete()
    ProductSubscription.objects.bulk_create(
        [ProductSubscription(user=user, product=product) for product in added],
        ignore_conflicts=True,
    )
    return added, removed


@transaction.atomic
def unsubscribe(user, products: Iterable[Segment | int]) -> list[Segment]:
    """Stop emailing ``user`` about ``products``; returns the products actually removed."""
    ids = {p if isinstance(p, int) else p.pk for p in products}
    subscriptions = ProductSubscription.objects.filter(user=user, product_id__in=ids)
    removed = list(Segment.objects.filter(subscriptions__in=subscriptions))
    subscriptions.delete()
    return removed


def unsubscribe_token(user, products: Iterable[Segment]) -> str:
    """A signed token that unsubscribes ``user`` from ``products`` without signing in."""
    return mail.unsubscribe_token(user, UNSUBSCRIBE_PURPOSE, p=sorted(p.pk for p in products))


def read_unsubscribe_token(token: str):
    """``(user, [product segments])`` for a valid token, ``None`` otherwise."""
    found = mail.read_unsubscribe_token(token, UNSUBSCRIBE_PURPOSE)
    if found is None:
        return None
    user, data = found
    try:
        product_ids = [int(pk) for pk in data["p"]]
    except (KeyError, TypeError, ValueError):
        return None
    products = list(Segment.objects.filter(kind=Segment.Kind.PRODUCT, pk__in=product_ids))
    return user, products


# --- Publishing -----------------------------------------------------------------------


def announcement_published(page: AnnouncementPage) -> None:
    """Queue the subscriber emails for ``page`` through the outbox (``core.outbox``): the
    row is written with the publish and sent to Celery once it commits. One message per
    published revision; the task skips members already emailed, so republishing emails
    nobody twice."""
    from .tasks import send_announcement_emails

    outbox.enqueue(
        send_announcement_emails.name,
        page.pk,
        key=f"announcement-emails:{page.pk}:{page.live_revision_id or ''}",
    )


def announcement_url(page: AnnouncementPage) -> str:
    parts = page.get_url_parts()
    if not parts or parts[2] is None:
        return page.full_url or ""
    _site_id, _root_url, page_path = parts
    return mail.absolute_url(page_path)


def is_emailable(page: AnnouncementPage) -> bool:
    """Whether ``page`` should be emailed at all (recipients aside)."""
    if not page.live:
        return False
    max_age = settings.PORTICO_ANNOUNCEMENT_EMAIL_MAX_AGE_DAYS
    if page.date < timezone.localdate() - timedelta(days=max_age):
        return False
    # Pages behind a Wagtail password or group restriction are not mailed out.
    restrictions = page.get_view_restrictions()
    return all(r.restriction_type == r.LOGIN for r in restrictions)


def recipients(page: AnnouncementPage) -> list:
    """Everyone who should get an email about ``page`` now.

    A member is emailed when they (a) subscribed to one of the announcement's products,
    (b) may see it according to ``segments.policy.can_view`` (a restricted announcement
    reaches only subscribers granted one of its target segments, and staff), (c) are active
    with a verified email address, and (d) have not been emailed this announcement before.

    An announcement without a product segment emails nobody: subscriptions are per
    product, so there is no audience to choose from.
    """
    if not is_emailable(page):
        return []
    product_ids = [segment.pk for segment in page.product_segments]
    if not product_ids:
        return []
    verified = EmailAddress.objects.filter(
        user=OuterRef("pk"), email__iexact=OuterRef("email"), verified=True
    )
    delivered = AnnouncementDelivery.objects.filter(announcement=page, user=OuterRef("pk"))
    candidates = (
        get_user_model()
        .objects.filter(
            is_active=True,
            product_subscriptions__product_id__in=product_ids,
        )
        .exclude(email="")
        .filter(Exists(verified))
        .exclude(Exists(delivered))
        .distinct()
        .order_by("pk")
    )
    return [user for user in candidates if policy.can_view(page, user)]


def send_announcement_emails(page_id: int) -> int:
    """Email ``page_id`` to its recipients; returns how many emails went out.

    Safe to run again at any time: each recipient is recorded in ``AnnouncementDelivery``
    in the same transaction as their email is handed to the mail server
    (``core.mail.send_all``), so a retry after a failure only emails the members not
    reached yet, and a republish emails nobody twice.
    """
    page = AnnouncementPage.objects.filter(pk=page_id).prefetch_related("segments").first()
    if page is None:
        return 0
    people = recipients(page)
    if not people:
        return 0
    products = page.product_segments

    def delivery(user):
        message = build_announcement_email(page, user, products=products)
        return message, lambda: AnnouncementDelivery.objects.create(announcement=page, user=user)

    sent = mail.send_all(delivery(user) for user in people)
    logger.info("Announcement %s emailed to %s member(s)", page_id, sent)
    return sent


def build_announcement_email(page: AnnouncementPage, user, *, products=None, connection=None):
    """The email for one recipient: plain text with an HTML alternative."""
    products = list(page.product_segments) if products is None else products
    subscribed_ids = set(
        ProductSubscription.objects.filter(user=user, product__in=products).values_list(
            "product_id", flat=True
        )
    )
    subscribed = [p for p in products if p.pk in subscribed_ids] or products
    one_click = mail.absolute_url(
        reverse(
            "announcements_account:unsubscribe",
            kwargs={"token": unsubscribe_token(user, subscribed)},
        )
    )
    return mail.build_email(
        user,
        subject=None,
        subject_template="announcements/email/announcement_subject.txt",
        template="announcements/email/announcement_message.txt",
        html_template="announcements/email/announcement_message.html",
        context={
            "page": page,
            "announcement_url": announcement_url(page),
            "products": products,
            "subscribed_products": subscribed,
            "subscriptions_url": mail.absolute_url(reverse("announcements_account:subscriptions")),
            "unsubscribe_url": one_click,
        },
        unsubscribe_url=one_click,
        connection=connection,
    )
