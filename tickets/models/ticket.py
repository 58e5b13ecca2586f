"""A ticket, its conversation (public messages and staff-only internal notes), its files and
the audit log of every status, priority and assignee change."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from taggit.models import ItemBase, TagBase

from segments.models import Segment

from ..storage import attachment_path, get_attachment_storage


class TicketTag(TagBase):
    """Ticket tags live apart from content tags: they never show up in KB or forum lists."""

    class Meta:
        verbose_name = _("ticket tag")
        verbose_name_plural = _("ticket tags")


class TaggedTicket(ItemBase):
    tag = models.ForeignKey(TicketTag, on_delete=models.CASCADE, related_name="tagged_tickets")
    content_object = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="tagged_items"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_object", "tag"], name="ticket_tag_once")
        ]
        verbose_name = _("ticket tag")
        verbose_name_plural = _("ticket tags")


class TicketQuerySet(models.QuerySet):
    def of(self, user):
        """The tickets ``user`` filed (the only tickets a customer may ever see)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(requester_id=user.pk)

    def unresolved(self):
        return self.filter(status__in=OPEN_STATUSES)


class Ticket(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        OPEN = "open", _("Open")
        PENDING = "pending", _("Pending")
        SOLVED = "solved", _("Solved")
        CLOSED = "closed", _("Closed")

    class Priority(models.IntegerChoices):
        LOW = 1, _("Low")
        NORMAL = 2, _("Normal")
        HIGH = 3, _("High")
        URGENT = 4, _("Urgent")

    class Source(models.TextChoices):
        WEB = "web", _("Contact form")
        FORUM = "forum", _("Unanswered community question")
        EMAIL = "email", _("Email")

    number = models.PositiveIntegerField(_("number"), unique=True, editable=False)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="support_tickets",
        verbose_name=_("requester"),
    )
    product = models.ForeignKey(
        Segment,
        on_delete=models.PROTECT,
        related_name="support_tickets",
        limit_choices_to={"kind": Segment.Kind.PRODUCT},
        verbose_name=_("product"),
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"))
    #: The language the customer wrote in (agents see it; answers are expected in it).
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en", db_index=True
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL, db_index=True
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.NEW, db_index=True
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
        limit_choices_to={"is_staff": True, "is_active": True},
        verbose_name=_("assignee"),
    )
    tags = TaggableManager(through=TaggedTicket, blank=True, verbose_name=_("tags"), help_text="")
    source = models.CharField(
        _("source"), max_length=16, choices=Source.choices, default=Source.WEB
    )
    question = models.ForeignKey(
        "forum.Question",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="support_tickets",
        verbose_name=_("community question"),
    )
    flow = models.OneToOneField(
        "tickets.SupportFlow",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ticket",
        verbose_name=_("support flow"),
    )
    kb_article = models.ForeignKey(
        "kb.ArticlePage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("drafted as article"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now)
    solved_at = models.DateTimeField(_("solved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(_("confirmation emailed at"), null=True, blank=True)
    #: When the "How did we do?" email went out (once per ticket, ``tickets.satisfaction``).
    satisfaction_sent_at = models.DateTimeField(
        _("satisfaction survey emailed at"), null=True, blank=True
    )
    #: Targets from the SLA policy of the ticket's priority (``tickets.sla``), set when it
    #: is filed and again when its priority or that policy changes.
    first_reply_due_at = models.DateTimeField(_("first reply due"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-last_activity_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "-priority"], name="ticket_queue"),
            models.Index(fields=["requester", "-last_activity_at"], name="ticket_requester"),
        ]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")

    def __str__(self):
        return f"{self.reference} {self.subject}"

    def get_absolute_url(self) -> str:
        """The customer's page for this ticket (agents work in the admin)."""
        return reverse("support:ticket", kwargs={"number": self.number})

    @property
    def reference(self) -> str:
        return f"#{self.number}"

    def get_admin_url(self) -> str:
        return reverse("support_tickets:edit", args=[self.pk])

    @property
    def customer_status(self) -> str:
        """The status as the customer reads it."""
        return str(CUSTOMER_STATUS.get(self.status, self.get_status_display()))

    @property
    def is_unresolved(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def accepts_replies(self) -> bool:
        return self.status != self.Status.CLOSED

    @property
    def accepts_rating(self) -> bool:
        """Solved (or closed after that): the requester may say how it went."""
        return self.status in (self.Status.SOLVED, self.Status.CLOSED) and bool(
            self.solved_at or self.closed_at
        )


OPEN_STATUSES = (Ticket.Status.NEW, Ticket.Status.OPEN, Ticket.Status.PENDING)
CUSTOMER_STATUS = {
    Ticket.Status.NEW: _("Received"),
    Ticket.Status.OPEN: _("In progress"),
    Ticket.Status.PENDING: _("Waiting for your reply"),
    Ticket.Status.SOLVED: _("Solved"),
    Ticket.Status.CLOSED: _("Closed"),
}


class TicketMessage(models.Model):
    """One entry of the conversation: a public message, or an internal note (staff only)."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="messages", verbose_name=_("ticket")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author"),
    )
    body = models.TextField(_("message"))
    is_internal = models.BooleanField(
        _("internal note"),
        default=False,
        help_text=_("Seen by the support team only: never shown or emailed to the customer."),
    )
    from_agent = models.BooleanField(_("written by the support team"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    notified_at = models.DateTimeField(_("emailed at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("ticket message")
        verbose_name_plural = _("ticket messages")

    def __str__(self):
        kind = _("Internal note") if self.is_internal else _("Message")
        return f"{kind} on {self.ticket.reference}"


class TicketAttachment(models.Model):
    """A file sent with a ticket (``message`` empty) or with one of its messages."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("ticket")
    )
    message = models.ForeignKey(
        TicketMessage,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("message"),
    )
    file = models.FileField(
        _("file"), storage=get_attachment_storage, upload_to=attachment_path, max_length=255
    )
    name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("support:attachment", kwargs={"pk": self.pk, "name": self.name})

    @property
    def is_internal(self) -> bool:
        return bool(self.message_id and self.message.is_internal)

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class TicketChange(models.Model):
    """The audit log: who changed a ticket's status, priority or assignee, when, from what."""

    class Field(models.TextChoices):
        STATUS = "status", _("Status")
        PRIORITY = "priority", _("Priority")
        ASSIGNEE = "assignee", _("Assignee")

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="changes", verbose_name=_("ticket")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("changed by"),
    )
    field = models.CharField(_("field"), max_length=16, choices=Field.choices)
    old_value = models.CharField(_("from (value)"), max_length=64, blank=True)
    new_value = models.CharField(_("to (value)"), max_length=64, blank=True)
    old_label = models.CharField(_("from"), max_length=150, blank=True)
    new_label = models.CharField(_("to"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("changed at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("ticket change")
        verbose_name_plural = _("ticket changes")

    def __str__(self):
        return f"{self.ticket.reference}: {self.field} {self.old_label} → {self.new_label}"
