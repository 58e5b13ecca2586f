"""Why a support action was refused. The message is shown to the person as is."""


class TicketError(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


class NotAllowed(TicketError):
    """The person may not do this (not their ticket, not an agent, closed for replies)."""


class RateLimited(TicketError):
    """Too many tickets in the last hour."""


class InvalidTicket(TicketError):
    """The content itself is not acceptable (empty, too long, unknown product)."""


class InvalidAttachment(TicketError):
    """A file that is too big, of a type we do not take, or not what its name says."""
