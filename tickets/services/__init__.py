"""Every write in support: the support flow and its funnel events, filing a ticket, replies,
internal notes, status, priority, assignee and tag changes, satisfaction ratings, turning
an unanswered forum question into a ticket and a solved ticket into a draft article.
Views, the admin, the demo loader and tests call these functions (``from tickets import
services; services.file_ticket(...)``); each part has its module. Nothing else writes
support data.

Each function checks who may do what and raises a ``tickets.errors.TicketError`` (with a
message fit for the person) when it refuses. Every status, priority and assignee change is
written to the audit log (``TicketChange``). Emails leave through Celery tasks queued
through the outbox (``core.outbox``): nothing is sent for a write that rolls back,
and internal notes are never queued at all.
"""

from .changes import assign, change_priority, change_status, close_solved_tickets, set_tags
from .community import draft_article, ticket_from_question, unanswered_questions
from .conversation import (
    add_internal_note,
    close_by_customer,
    close_solved_by_suggestion,
    reopen_by_customer,
    reply_as_agent,
    reply_as_customer,
)
from .filing import file_ticket
from .funnel import (
    MAX_QUERIES_PER_FLOW,
    adopt_flow,
    record_direct_answer,
    record_event,
    record_opened,
    record_solved,
    record_suggestions,
    start_flow,
    touch_flow,
)
from .satisfaction import clean_comment, queue_satisfaction_request, rate_ticket
from .validation import (
    DESCRIPTION_MAX,
    DESCRIPTION_MIN,
    MAX_TAGS,
    MESSAGE_MAX,
    SUBJECT_MAX,
    SUBJECT_MIN,
    clean_categories,
    clean_description,
    clean_message,
    clean_priority,
    clean_product,
    clean_subject,
    ensure_agent,
    parse_tags,
)
from .workspace import BULK_MAX, bulk_assign, bulk_close, delete_view, reschedule, save_view

__all__ = [
    "BULK_MAX",
    "bulk_assign",
    "clean_comment",
    "queue_satisfaction_request",
    "rate_ticket",
    "bulk_close",
    "delete_view",
    "reschedule",
    "save_view",
    "DESCRIPTION_MAX",
    "DESCRIPTION_MIN",
    "MAX_QUERIES_PER_FLOW",
    "MAX_TAGS",
    "MESSAGE_MAX",
    "SUBJECT_MAX",
    "SUBJECT_MIN",
    "add_internal_note",
    "adopt_flow",
    "assign",
    "change_priority",
    "change_status",
    "clean_categories",
    "clean_description",
    "clean_message",
    "clean_priority",
    "clean_product",
    "clean_subject",
    "close_by_customer",
    "close_solved_by_suggestion",
    "close_solved_tickets",
    "draft_article",
    "ensure_agent",
    "file_ticket",
    "parse_tags",
    "record_event",
    "record_opened",
    "record_direct_answer",
    "record_solved",
    "record_suggestions",
    "reopen_by_customer",
    "reply_as_agent",
    "reply_as_customer",
    "set_tags",
    "start_flow",
    "ticket_from_question",
    "touch_flow",
    "unanswered_questions",
]
