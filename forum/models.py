"""Community forum data: plain Django models, written only through ``forum.services``.

A question's product is its target segment; with ``restricted`` set it is visible only to
people granted that product (``segments.policy``). Answers and comments inherit the
visibility of their question. ``is_hidden`` (moderation) and ``awaiting_review`` (held by
the anti-abuse rules) keep a post away from members while moderators still see it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from taggit.models import TaggedItemBase

from segments.models import Segment, TargetedContentMixin


class PostState(models.Model):
    """Moderation state shared by questions, answers and comments."""

    is_hidden = models.BooleanField(
        _("hidden by a moderator"),
        default=False,
        help_text=_("Hidden posts are invisible to members; moderators still see them."),
    )
    awaiting_review = models.BooleanField(
        _("awaiting review"),
        default=False,
        help_text=_("Held by the anti-abuse rules until a moderator approves it."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_public(self) -> bool:
        """Shown to members (other than its author)."""
        return not self.is_hidden and not self.awaiting_review


class QuestionTag(TaggedItemBase):
    content_object = ParentalKey(
        "forum.Question", on_delete=models.CASCADE, related_name="tagged_items"
    )

    class Meta:
        verbose_name = _("question tag")
        verbose_name_plural = _("question tags")


class Question(PostState, TargetedContentMixin, ClusterableModel):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ANSWERED = "answered", _("Answered")
        SOLVED = "solved", _("Solved")

    title = models.CharField(_("title"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=160, allow_unicode=True)
    body = models.TextField(_("body (Markdown)"))
    #: The language the question is written in (search analyses it that way; readers of
    #: that language see it first).
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en", db_index=True
    )
    product = models.ForeignKey(
        Segment,
        on_delete=models.PROTECT,
        related_name="forum_questions",
        limit_choices_to={"kind": Segment.Kind.PRODUCT},
        verbose_name=_("product"),
    )
    tags = ClusterTaggableManager(through=QuestionTag, blank=True, verbose_name=_("tags"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="forum_questions",
        verbose_name=_("author"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    score = models.IntegerField(_("score"), default=0)
    view_count = models.PositiveIntegerField(_("views"), default=0)
    answer_count = models.PositiveIntegerField(_("answers"), default=0)
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("edited by"),
    )
    is_locked = models.BooleanField(
        _("locked"), default=False, help_text=_("No new answers, comments or member edits.")
    )
    duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
    )

    class Meta:
        ordering = ["-last_activity_at"]
        indexes = [
            models.Index(fields=["status", "-last_activity_at"], name="forum_q_status_activity"),
            models.Index(fields=["product", "-last_activity_at"], name="forum_q_product_activity"),
            models.Index(fields=["-score", "-created_at"], name="forum_q_score"),
        ]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self):
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("forum:question", kwargs={"pk": self.pk, "slug": self.slug or "-"})

    @property
    def accepts_answers(self) -> bool:
        return not self.is_locked and self.duplicate_of_id is None


class Answer(PostState):
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="answers", verbose_name=_("question")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="forum_answers",
        verbose_name=_("author"),
    )
    body = models.TextField(_("body (Markdown)"))
    score = models.IntegerField(_("score"), default=0)
    is_official = models.BooleanField(
        _("official"), default=False, help_text=_("Written by a member of staff.")
    )
    is_accepted = models.BooleanField(_("accepted"), default=False)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("accepted by"),
    )
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("edited by"),
    )

    class Meta:
        ordering = ["-is_accepted", "-score", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["question"],
                condition=Q(is_accepted=True),
                name="forum_one_accepted_answer",
            )
        ]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def __str__(self):
        return _("Answer to “%(title)s”") % {"title": self.question.title}

    def get_absolute_url(self) -> str:
        return f"{self.question.get_absolute_url()}#answer-{self.pk}"


class Comment(PostState):
    """A short comment under a question (``answer`` empty) or under one of its answers."""

    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="comments", verbose_name=_("question")
    )
    answer = models.ForeignKey(
        Answer,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="comments",
        verbose_name=_("answer"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="forum_comments",
        verbose_name=_("author"),
    )
    body = models.TextField(_("comment"), max_length=600)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self):
        return self.body[:60]

    def get_absolute_url(self) -> str:
        return f"{self.question.get_absolute_url()}#comment-{self.pk}"


class QuestionVote(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forum_question_votes"
    )
    value = models.SmallIntegerField(_("value"), choices=[(1, "+1"), (-1, "-1")])
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["question", "user"], name="forum_one_question_vote")
        ]
        verbose_name = _("question vote")
        verbose_name_plural = _("question votes")

    def __str__(self):
        return f"{self.user} {self.value:+d} on {self.question}"


class AnswerVote(models.Model):
    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forum_answer_votes"
    )
    value = models.SmallIntegerField(_("value"), choices=[(1, "+1"), (-1, "-1")])
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["answer", "user"], name="forum_one_answer_vote")
        ]
        verbose_name = _("answer vote")
        verbose_name_plural = _("answer votes")

    def __str__(self):
        return f"{self.user} {self.value:+d} on answer {self.answer_id}"


class Watch(models.Model):
    """A member following a question: emailed about its new and accepted answers."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="watches")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forum_watches"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["question", "user"], name="forum_one_watch")]
        verbose_name = _("watch")
        verbose_name_plural = _("watches")

    def __str__(self):
        return f"{self.user} watches {self.question}"


class Flag(models.Model):
    """A member's report about a post, handled in the moderation queue."""

    class Reason(models.TextChoices):
        SPAM = "spam", _("Spam")
        ABUSIVE = "abusive", _("Abusive or rude")
        OFF_TOPIC = "off-topic", _("Off-topic")
        DUPLICATE = "duplicate", _("Duplicate of another question")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Acted on")
        DISMISSED = "dismissed", _("Dismissed")

    #: Told apart from a ``ModerationEvent`` in a post's history.
    is_flag = True

    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="flags", verbose_name=_("question")
    )
    answer = models.ForeignKey(
        Answer,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="flags",
        verbose_name=_("answer"),
    )
    comment = models.ForeignKey(
        Comment,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="flags",
        verbose_name=_("comment"),
    )
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    duplicate_of = models.ForeignKey(
        Question,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("duplicate of"),
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="forum_flags",
        verbose_name=_("reported by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("handled by"),
    )
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    resolution = models.CharField(_("resolution"), max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("flag")
        verbose_name_plural = _("flags")

    def __str__(self):
        return f"{self.get_reason_display()}: {self.target}"

    @property
    def target(self):
        return self.comment or self.answer or self.question

    @property
    def target_kind(self) -> str:
        if self.comment_id:
            return "comment"
        if self.answer_id:
            return "answer"
        return "question"


class ModerationEvent(models.Model):
    """One thing that happened to a post's visibility: held by the anti-abuse rules, hidden
    by flags or by a moderator, restored, approved, flags dismissed, locked. With the post's
    flags it is the post's moderation history (``actor`` empty: the rules did it)."""

    class Action(models.TextChoices):
        HELD = "held", _("Held for review")
        HIDDEN_BY_FLAGS = "flag-hidden", _("Hidden by flags")
        HIDDEN = "hidden", _("Hidden by a moderator")
        RESTORED = "restored", _("Restored")
        APPROVED = "approved", _("Approved")
        DISMISSED = "dismissed", _("Flags dismissed")
        LOCKED = "locked", _("Locked")
        UNLOCKED = "unlocked", _("Unlocked")
        DUPLICATE = "duplicate", _("Closed as a duplicate")

    class Reason(models.TextChoices):
        NEW_MEMBER_LINK = "new-member-link", _("a link from a new member")
        TOO_MANY_LINKS = "too-many-links", _("too many links")
        TRUSTED_FLAG = "trusted-flag", _("a flag from a trusted member")
        FLAG_COUNT = "flag-count", _("flags from several members")

    is_flag = False

    question = models.ForeignKey(
        Question,
        on_delete=models.CASCADE,
        related_name="moderation_events",
        verbose_name=_("question"),
    )
    answer = models.ForeignKey(
        Answer,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="moderation_events",
        verbose_name=_("answer"),
    )
    comment = models.ForeignKey(
        Comment,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="moderation_events",
        verbose_name=_("comment"),
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("moderation event")
        verbose_name_plural = _("moderation history")

    def __str__(self):
        return f"{self.get_action_display()} ({self.created_at:%Y-%m-%d %H:%M})"


class PostRevision(models.Model):
    """One edit of a question (``answer`` empty) or answer: who, when, before and after."""

    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("question")
    )
    answer = models.ForeignKey(
        Answer,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="revisions",
        verbose_name=_("answer"),
    )
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("edited by"),
    )
    created_at = models.DateTimeField(_("edited at"), default=timezone.now, db_index=True)
    old_title = models.CharField(_("old title"), max_length=150, blank=True)
    new_title = models.CharField(_("new title"), max_length=150, blank=True)
    old_body = models.TextField(_("old body"), blank=True)
    new_body = models.TextField(_("new body"), blank=True)
    old_tags = models.CharField(_("old tags"), max_length=300, blank=True)
    new_tags = models.CharField(_("new tags"), max_length=300, blank=True)
    # Empty on answer edits (and on question edits recorded before products were kept).
    old_product = models.ForeignKey(
        Segment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("old product"),
    )
    new_product = models.ForeignKey(
        Segment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("new product"),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("edit")
        verbose_name_plural = _("edit history")

    def __str__(self):
        return f"{self.question} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def title_changed(self) -> bool:
        return self.old_title != self.new_title

    @property
    def body_changed(self) -> bool:
        return self.old_body != self.new_body

    @property
    def tags_changed(self) -> bool:
        return self.old_tags != self.new_tags

    @property
    def product_changed(self) -> bool:
        return self.old_product_id != self.new_product_id


class ForumProfile(models.Model):
    """A member's standing in the community and their notification choices."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="forum_profile",
        verbose_name=_("member"),
    )
    suspended_until = models.DateTimeField(
        _("suspended until"),
        null=True,
        blank=True,
        help_text=_("While suspended, the member cannot post, comment, vote or flag."),
    )
    suspension_reason = models.CharField(_("reason for suspension"), max_length=300, blank=True)
    suspended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("suspended by"),
    )
    email_on_answers = models.BooleanField(
        _("email me about answers"),
        default=True,
        help_text=_("New and accepted answers on questions I watch, and on my answers."),
    )
    email_on_mentions = models.BooleanField(_("email me when someone mentions me"), default=True)

    class Meta:
        verbose_name = _("member standing")
        verbose_name_plural = _("member standing")

    def __str__(self):
        return str(self.user)

    @property
    def is_suspended(self) -> bool:
        return bool(self.suspended_until and self.suspended_until > timezone.now())


class NotificationDelivery(models.Model):
    """Which member was emailed about which forum event (``key``, e.g. ``answer:42``,
    ``accepted:42``, ``mention:comment:7``), so a retried or repeated task never emails
    anyone twice about the same thing."""

    key = models.CharField(_("event"), max_length=64)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "user"], name="forum_one_delivery_per_event")
        ]
        verbose_name = _("community email")
        verbose_name_plural = _("community emails")

    def __str__(self):
        return f"{self.key} → {self.user}"
