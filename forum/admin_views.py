"""The moderation queue in the Wagtail admin: open flags and posts held for review, with
one-click actions that call ``forum.services``."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from . import services
from .errors import ForumError
from .forms import ModerationActionForm, question_id_from
from .models import Answer, Comment, Flag, ModerationEvent, Question
from .services import history
from .visibility import is_moderator

KINDS = {"question": Question, "answer": Answer, "comment": Comment}


@dataclass
class QueueEntry:
    kind: str
    post: object
    question: Question
    flags: list = field(default_factory=list)
    #: Flags of every status and moderation events on the post, oldest first.
    history: list = field(default_factory=list)

    @property
    def suggested_original(self):
        for flag in self.flags:
            if flag.duplicate_of_id:
                return flag.duplicate_of
        return None

    @property
    def held_reason(self) -> str:
        for row in reversed(self.history):
            if isinstance(row, ModerationEvent) and row.action == ModerationEvent.Action.HELD:
                return row.get_reason_display()
        return ""

    @property
    def first_seen(self):
        dates = [flag.created_at for flag in self.flags] or [self.post.created_at]
        return min(dates)


class ModeratorRequiredMixin:
    def dispatch(self, request, *args, **kwargs):
        if not is_moderator(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def queue_entries() -> list[QueueEntry]:
    entries: dict[tuple[str, int], QueueEntry] = {}
    flags = Flag.objects.filter(status=Flag.Status.OPEN).select_related(
        "question__author",
        "question__product",
        "answer__author",
        "comment__author",
        "reporter",
        "duplicate_of",
    )
    for flag in flags.order_by("created_at"):
        post = flag.target
        key = (flag.target_kind, post.pk)
        if key not in entries:
            entries[key] = QueueEntry(flag.target_kind, post, flag.question)
        entries[key].flags.append(flag)
    held = [
        ("question", Question.objects.filter(awaiting_review=True).select_related("author")),
        (
            "answer",
            Answer.objects.filter(awaiting_review=True).select_related("author", "question"),
        ),
        (
            "comment",
            Comment.objects.filter(awaiting_review=True).select_related("author", "question"),
        ),
    ]
    for kind, posts in held:
        for post in posts.filter(is_hidden=False):
            key = (kind, post.pk)
            if key not in entries:
                question = post if kind == "question" else post.question
                entries[key] = QueueEntry(kind, post, question)
    found = history.histories(sorted({entry.question.pk for entry in entries.values()}))
    for key, entry in entries.items():
        entry.history = found.get(key, [])
    return sorted(entries.values(), key=lambda entry: entry.first_seen)


class ModerationQueueView(ModeratorRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "forum/admin/moderation_queue.html"
    page_title = gettext_lazy("Moderation queue")
    header_icon = "warning"
    action_url_name = None

    def get_breadcrumbs_items(self):
        return [*super().get_breadcrumbs_items(), {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["entries"] = queue_entries()
        context["action_url"] = reverse(self.action_url_name)
        return context


class ModerationActionView(ModeratorRequiredMixin, View):
    index_url_name = None

    def post(self, request):
        form = ModerationActionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("That moderation action was not understood."))
            return redirect(self.index_url_name)
        data = form.cleaned_data
        model = KINDS[data["kind"]]
        post = model.objects.filter(pk=data["pk"]).first()
        if post is None:
            raise Http404
        moderator = request.user
        action = data["action"]
        try:
            message = self.perform(action, post, moderator, data)
        except ForumError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, message)
        return redirect(self.index_url_name)

    def perform(self, action, post, moderator, data) -> str:
        if action == "hide":
            services.hide_post(post, moderator)
            return _("The post is hidden.")
        if action == "restore":
            services.restore_post(post, moderator)
            return _("The post is visible again.")
        if action == "approve":
            services.approve_post(post, moderator)
            return _("The post is published.")
        if action == "dismiss":
            services.dismiss_flags(post, moderator)
            return _("The flags are dismissed.")
        if action == "suspend":
            if post.author is None:
                raise ForumError(_("This post has no author to suspend."))
            services.suspend_member(
                post.author, moderator, days=data.get("days") or 7, reason=data.get("reason", "")
            )
            return _("%(name)s is suspended.") % {"name": post.author.public_name}
        if not isinstance(post, Question):
            raise ForumError(_("Only questions can be locked or marked as duplicates."))
        if action in ("lock", "unlock"):
            services.set_locked(post, moderator, action == "lock")
            return _("The question is locked.") if action == "lock" else _("The question is open.")
        if action == "duplicate":
            pk = question_id_from(data.get("duplicate_of") or "")
            original = Question.objects.filter(pk=pk).first() if pk else None
            if original is None:
                raise ForumError(_("Give the number or link of the original question."))
            services.mark_duplicate(post, original, moderator)
            return _("The question is marked as a duplicate.")
        raise ForumError(_("That moderation action was not understood."))
