"""The "Community" menu of the Wagtail admin."""

from __future__ import annotations

from django import forms
from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, ObjectList
from wagtail.admin.views.generic import CreateView, EditView
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from . import services
from .admin_views import ModerationActionView, ModerationQueueView
from .models import Answer, Flag, ForumProfile, PostRevision, Question
from .visibility import is_moderator


class ModeratorMenuItem(MenuItem):
    def is_shown(self, request):
        return is_moderator(request.user)


class ModerationQueueViewSet(ViewSet):
    icon = "warning"
    menu_label = _("Moderation queue")
    name = "forum_moderation"

    @property
    def menu_item_class(self):
        return ModeratorMenuItem

    def get_urlpatterns(self):
        return [
            path(
                "",
                ModerationQueueView.as_view(action_url_name=self.get_url_name("action")),
                name="index",
            ),
            path(
                "action/",
                ModerationActionView.as_view(index_url_name=self.get_url_name("index")),
                name="action",
            ),
        ]


class PostEditView(EditView):
    """Moderator edits of questions and answers keep the edit history and the question's
    derived state (status, answer count, audience) right."""

    def save_instance(self):
        before = services.snapshot(self.object)
        instance = super().save_instance()
        services.record_admin_edit(instance, before, self.request.user)
        return instance


class QuestionViewSet(ModelViewSet):
    model = Question
    icon = "help"
    menu_label = _("Questions")
    list_display = ["title", "product", "author", "status", "score", "answer_count", "created_at"]
    list_filter = ["status", "product", "is_hidden", "awaiting_review", "is_locked", "restricted"]
    search_fields = ["title", "body"]
    search_backend_name = None
    ordering = ["-created_at"]
    inspect_view_enabled = True
    copy_view_enabled = False
    edit_view_class = PostEditView
    panels = [
        FieldPanel("title"),
        FieldPanel("body"),
        FieldPanel("product"),
        FieldPanel("tags"),
        MultiFieldPanel(
            [
                FieldPanel("is_hidden"),
                FieldPanel("awaiting_review"),
                FieldPanel("is_locked"),
                FieldPanel("duplicate_of"),
                FieldPanel("restricted"),
            ],
            heading=_("Moderation"),
        ),
    ]


class AnswerViewSet(ModelViewSet):
    model = Answer
    icon = "comment"
    menu_label = _("Answers")
    list_display = ["__str__", "author", "score", "is_accepted", "is_official", "created_at"]
    list_filter = ["is_accepted", "is_official", "is_hidden", "awaiting_review"]
    search_fields = ["body"]
    search_backend_name = None
    ordering = ["-created_at"]
    inspect_view_enabled = True
    copy_view_enabled = False
    edit_view_class = PostEditView
    panels = [
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldPanel("is_hidden"), FieldPanel("awaiting_review")], heading=_("Moderation")
        ),
    ]


class FlagViewSet(ModelViewSet):
    model = Flag
    icon = "warning"
    menu_label = _("Flags")
    list_display = ["__str__", "reason", "status", "reporter", "created_at"]
    list_filter = ["status", "reason"]
    search_fields = ["note", "question__title"]
    search_backend_name = None
    ordering = ["-created_at"]
    inspect_view_enabled = True
    copy_view_enabled = False
    # Flags are records: the permission policy allows no edits; act in the queue instead.
    form_fields = ["status", "resolution"]


class StandingForm(WagtailAdminModelForm):
    def clean(self):
        data = super().clean()
        user = data.get("user") or getattr(self.instance, "user", None)
        if data.get("suspended_until") and user is not None and is_moderator(user):
            self.add_error(
                "suspended_until", _("Staff accounts cannot be suspended from the community.")
            )
        return data


class StandingSaveMixin:
    """Suspensions and email settings change through the services."""

    def save_instance(self):
        data = self.form.cleaned_data
        user = data.get("user") or self.form.instance.user
        if data.get("suspended_until"):
            services.suspend_member(
                user,
                self.request.user,
                until=data["suspended_until"],
                reason=data.get("suspension_reason", ""),
            )
        else:
            services.lift_suspension(user, self.request.user)
        services.update_notification_settings(
            user,
            email_on_answers=data.get("email_on_answers", True),
            email_on_mentions=data.get("email_on_mentions", True),
        )
        return ForumProfile.objects.get(user=user)


class StandingCreateView(StandingSaveMixin, CreateView):
    pass


class StandingEditView(StandingSaveMixin, EditView):
    pass


class ForumProfileViewSet(ModelViewSet):
    model = ForumProfile
    icon = "user"
    menu_label = _("Member standing")
    list_display = ["user", "suspended_until", "suspension_reason"]
    list_filter = ["email_on_answers", "email_on_mentions"]
    search_fields = ["user__email", "user__display_name", "user__username"]
    search_backend_name = None
    ordering = ["-suspended_until"]
    copy_view_enabled = False
    add_view_class = StandingCreateView
    edit_view_class = StandingEditView
    edit_handler = ObjectList(
        [
            FieldPanel("user", widget=forms.Select),
            FieldPanel("suspended_until"),
            FieldPanel("suspension_reason"),
            FieldPanel("email_on_answers"),
            FieldPanel("email_on_mentions"),
        ],
        base_form_class=StandingForm,
    )


class PostRevisionViewSet(ModelViewSet):
    model = PostRevision
    icon = "history"
    menu_label = _("Edit history")
    list_display = ["question", "answer", "editor", "created_at"]
    search_fields = ["old_title", "new_title", "question__title"]
    search_backend_name = None
    ordering = ["-created_at"]
    inspect_view_enabled = True
    copy_view_enabled = False
    # History is a record: the permission policy allows no edits.
    form_fields = ["new_title"]


class CommunityViewSetGroup(ViewSetGroup):
    menu_label = _("Community")
    menu_icon = "group"
    menu_order = 260
    items = (
        ModerationQueueViewSet(),
        QuestionViewSet("forum_questions"),
        AnswerViewSet("forum_answers"),
        FlagViewSet("forum_flags"),
        ForumProfileViewSet("forum_standing"),
        PostRevisionViewSet("forum_history"),
    )
