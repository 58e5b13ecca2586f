"""Support data: tickets with their conversation, and the support flow that came before.

Plain Django models, written only through ``tickets.services``.
"""

from .flow import DirectAnswerFeedback, FlowQuery, FlowSuggestion, FunnelEvent, SupportFlow
from .satisfaction import SatisfactionRating
from .ticket import (
    OPEN_STATUSES,
    TaggedTicket,
    Ticket,
    TicketAttachment,
    TicketChange,
    TicketMessage,
    TicketTag,
)
from .workspace import CannedReply, SavedView, SLAPolicy

__all__ = [
    "OPEN_STATUSES",
    "CannedReply",
    "SLAPolicy",
    "SavedView",
    "SatisfactionRating",
    "DirectAnswerFeedback",
    "FlowQuery",
    "FlowSuggestion",
    "FunnelEvent",
    "SupportFlow",
    "TaggedTicket",
    "Ticket",
    "TicketAttachment",
    "TicketChange",
    "TicketMessage",
    "TicketTag",
]
