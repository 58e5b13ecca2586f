"""The community's part of the editors' dashboard: questions still without an answer.

Editors see everything in the admin, restricted questions included (marked as such)."""

from __future__ import annotations

from datetime import timedelta

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from segments import policy

from .models import Question

#: A question is listed once it has waited this long for an answer.
UNANSWERED_AFTER_HOURS = 24
LIMIT = 20


def unanswered_questions(limit: int = LIMIT, now=None):
    """Open, visible questions nobody answered, waiting longest first."""
    before = (now or timezone.now()) - timedelta(hours=UNANSWERED_AFTER_HOURS)
    questions = (
        Question.objects.filter(
            answer_count=0,
            status=Question.Status.OPEN,
            is_hidden=False,
            awaiting_review=False,
            duplicate_of__isnull=True,
            created_at__lte=before,
        )
        .select_related("product")
        .order_by("created_at", "pk")[:limit]
    )
    questions = list(questions)
    for question in questions:
        try:
            question.admin_url = reverse("forum_questions:edit", args=[question.pk])
        except NoReverseMatch:
            question.admin_url = ""
    return questions


def unanswered_section(request):
    from core.editors import Section

    if not policy.is_privileged(request.user):
        return None
    return Section(
        key="unanswered",
        title=_("Unanswered community questions"),
        description=_(
            "Open questions that have waited more than %(hours)s hours without an answer; "
            "restricted ones included. An article may answer them for everyone."
        )
        % {"hours": UNANSWERED_AFTER_HOURS},
        template="forum/admin/editors/unanswered.html",
        items=unanswered_questions(),
        order=50,
    )
