"""One result per form submission, however many times it is sent.

A double click, a "resend the form?" reload or a flaky connection can send the same form
twice. Forms whose second copy would duplicate something (a question, an answer, a
support request) carry a random token in a hidden field (``SubmissionTokenMixin``); the
view claims it before writing:

    submission = Submission(request, "forum-ask")
    if (repeat := submission.repeat_response(fallback=...)) is not None:
        return repeat          # sent before: go to what the first copy made
    with submission:           # released again if nothing gets made
        ...
        submission.succeeded(question.get_absolute_url())

The first copy claims the token in the shared cache (``cache.add``: one winner, even
across processes). Copies that arrive later are sent to the first copy's result; a copy
that arrives while the first is still being saved waits a moment for it. A copy whose
first attempt failed (a form error, a refusal) is handled like a new submission, so
fixing the form and sending it again works. Tokens are per member (or browser session)
and kept for a day. Without a token (an old page, a script) nothing changes.
"""

from __future__ import annotations

import re
import secrets
import time

from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

TOKEN_FIELD = "submission_token"
TIMEOUT = 24 * 3600
PENDING = "\x00pending"
WAIT_SECONDS = 5.0
WAIT_STEP = 0.1
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def new_token() -> str:
    return secrets.token_urlsafe(24)


def clean_token(value) -> str | None:
    value = value if isinstance(value, str) else ""
    return value if _TOKEN.fullmatch(value) else None


class SubmissionTokenMixin(forms.Form):
    """A hidden ``submission_token`` with a fresh value each time the form is shown
    (a form shown again with errors keeps the token it was sent with)."""

    submission_token = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[TOKEN_FIELD].initial = new_token()

    def clean_submission_token(self):
        return clean_token(self.cleaned_data.get(TOKEN_FIELD)) or ""


class Submission:
    """The claim on one form submission's token (see the module's docstring)."""

    def __init__(self, request, scope: str):
        self.request = request
        self.token = (
            clean_token(request.POST.get(TOKEN_FIELD)) if request.method == "POST" else None
        )
        self.key = None
        if self.token:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                who = f"u{user.pk}"
            else:
                session = getattr(request, "session", None)
                who = f"s{session.session_key}" if session and session.session_key else ""
            if who:
                self.key = f"submission:{scope}:{who}:{self.token}"
        self.claimed = False
        self.done = False

    def _wait_for_result(self) -> str | None:
        deadline = time.monotonic() + WAIT_SECONDS
        value = cache.get(self.key)
        while value == PENDING and time.monotonic() < deadline:
            time.sleep(WAIT_STEP)
            value = cache.get(self.key)
        return value

    def repeat_response(self, *, fallback: str):
        """``None`` for a first submission (now claimed); for a repeat, a redirect to the
        first one's result (or to ``fallback`` while it is still being saved)."""
        if self.key is None:
            return None
        if cache.add(self.key, PENDING, TIMEOUT):
            self.claimed = True
            return None
        value = self._wait_for_result()
        if value is None:  # the first attempt failed and let go: this one goes ahead
            if cache.add(self.key, PENDING, TIMEOUT):
                self.claimed = True
                return None
            value = self._wait_for_result()
        if (
            value
            and value != PENDING
            and url_has_allowed_host_and_scheme(value, allowed_hosts={self.request.get_host()})
        ):
            messages.info(self.request, _("This form was already sent: here is the result."))
            return redirect(value)
        messages.info(
            self.request,
            _("This form was already sent and is still being saved. Check again in a moment."),
        )
        return redirect(fallback)

    def succeeded(self, url: str) -> None:
        """Remember where the first copy led, for the copies that follow."""
        if self.claimed:
            cache.set(self.key, url, TIMEOUT)
            self.done = True

    def release(self) -> None:
        """Nothing was made: a later copy (a corrected form) is a new submission."""
        if self.claimed and not self.done:
            cache.delete(self.key)
            self.claimed = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()
        return False
