"""Events from the other apps, through signals sent inside the transaction of each change.

- Tickets: ``post_save`` of ``Ticket`` (created), of ``TicketMessage`` (a reply that is not
  an internal note) and of ``TicketChange`` (the audit row every status, priority and
  assignee change writes). The changes of one service call are gathered on the ticket
  object and sent as one ``ticket.updated`` when the service saves the ticket; a change of
  status to solved also sends ``ticket.solved``; ``post_save`` of ``SatisfactionRating``
  (given or changed) sends ``ticket.rated``.
- Community: ``post_save`` of ``Question`` (created) and ``Answer`` (created; saved as
  accepted). The forum's own ``post_changed`` is sent after the commit, too late to record
  a delivery with the change.
- Pages: Wagtail's ``page_published`` for articles and announcements.
"""

from __future__ import annotations

from django.db.models.signals import post_save
from wagtail.signals import page_published

from announcements.models import AnnouncementPage
from forum.models import Answer, Question
from kb.models import ArticlePage
from tickets.models import SatisfactionRating, Ticket, TicketChange, TicketMessage

from . import events, payloads, services

PENDING_CHANGES = "_webhook_changes"


def _raw(kwargs) -> bool:
    return bool(kwargs.get("raw"))  # fixtures being loaded


def on_ticket_saved(sender, instance, created, **kwargs):
    if _raw(kwargs):
        return
    if created:
        services.emit(events.TICKET_CREATED, lambda: {"ticket": payloads.ticket(instance)})
        return
    changes = instance.__dict__.pop(PENDING_CHANGES, None)
    if not changes:
        return
    services.emit(
        events.TICKET_UPDATED,
        lambda: {
            "ticket": payloads.ticket(instance),
            "changes": [payloads.ticket_change(c) for c in changes],
        },
    )
    solved = [
        c for c in changes if c.field == "status" and c.new_value == Ticket.Status.SOLVED.value
    ]
    if solved and instance.status == Ticket.Status.SOLVED:
        services.emit(
            events.TICKET_SOLVED,
            lambda: {
                "ticket": payloads.ticket(instance),
                "solved_by": payloads.person(solved[-1].actor),
            },
        )


def on_ticket_change(sender, instance, created, **kwargs):
    if not created or _raw(kwargs):
        return
    ticket = instance.ticket  # the very object the service saves next
    ticket.__dict__.setdefault(PENDING_CHANGES, []).append(instance)


def on_ticket_message(sender, instance, created, **kwargs):
    if not created or instance.is_internal or _raw(kwargs):
        return
    services.emit(
        events.TICKET_REPLIED,
        lambda: {
            "ticket": payloads.ticket(instance.ticket),
            "message": payloads.ticket_message(instance),
        },
    )


def on_rating_saved(sender, instance, created, **kwargs):
    if _raw(kwargs):
        return
    services.emit(
        events.TICKET_RATED,
        lambda: {
            "ticket": payloads.ticket(instance.ticket),
            "rating": {
                "score": instance.score,
                "comment": instance.comment,
                "source": instance.source,
                "rated_at": payloads._when(instance.rated_at),
                "changed_at": payloads._when(instance.changed_at),
                "first": created,
            },
            "solved_by": payloads.person(instance.agent),
        },
    )


def on_question_saved(sender, instance, created, **kwargs):
    if not created or _raw(kwargs):
        return
    services.emit(events.QUESTION_ASKED, lambda: {"question": payloads.question(instance)})


def on_answer_saved(sender, instance, created, update_fields=None, **kwargs):
    if _raw(kwargs):
        return
    if created:
        services.emit(
            events.QUESTION_ANSWERED,
            lambda: {
                "question": payloads.question(instance.question),
                "answer": payloads.answer(instance),
            },
        )
    elif instance.is_accepted and update_fields and "is_accepted" in update_fields:
        services.emit(
            events.QUESTION_ACCEPTED,
            lambda: {
                "question": payloads.question(instance.question),
                "answer": payloads.answer(instance),
            },
        )


def on_article_published(sender, instance, revision=None, alias=False, **kwargs):
    if alias:
        return
    services.emit(events.ARTICLE_PUBLISHED, lambda: {"article": payloads.page(instance, revision)})


def on_announcement_published(sender, instance, revision=None, alias=False, **kwargs):
    if alias:
        return
    services.emit(
        events.ANNOUNCEMENT_PUBLISHED,
        lambda: {"announcement": payloads.announcement(instance, revision)},
    )


def connect() -> None:
    post_save.connect(on_ticket_saved, sender=Ticket, dispatch_uid="webhooks-ticket")
    post_save.connect(on_ticket_change, sender=TicketChange, dispatch_uid="webhooks-ticket-change")
    post_save.connect(
        on_ticket_message, sender=TicketMessage, dispatch_uid="webhooks-ticket-message"
    )
    post_save.connect(on_rating_saved, sender=SatisfactionRating, dispatch_uid="webhooks-rating")
    post_save.connect(on_question_saved, sender=Question, dispatch_uid="webhooks-question")
    post_save.connect(on_answer_saved, sender=Answer, dispatch_uid="webhooks-answer")
    page_published.connect(
        on_article_published, sender=ArticlePage, dispatch_uid="webhooks-article"
    )
    page_published.connect(
        on_announcement_published, sender=AnnouncementPage, dispatch_uid="webhooks-announcement"
    )
