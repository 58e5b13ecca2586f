"""The events an endpoint may subscribe to (and ``ping``, the test event, sent on demand)."""

from django.utils.translation import gettext_lazy as _

TICKET_CREATED = "ticket.created"
TICKET_UPDATED = "ticket.updated"
TICKET_REPLIED = "ticket.replied"
TICKET_SOLVED = "ticket.solved"
TICKET_RATED = "ticket.rated"
QUESTION_ASKED = "question.asked"
QUESTION_ANSWERED = "question.answered"
QUESTION_ACCEPTED = "question.accepted"
ARTICLE_PUBLISHED = "article.published"
ANNOUNCEMENT_PUBLISHED = "announcement.published"
#: The test event an administrator sends from the admin; never subscribed to.
PING = "ping"

CHOICES = [
    (TICKET_CREATED, _("Ticket created")),
    (TICKET_UPDATED, _("Ticket updated (status, priority or assignee)")),
    (TICKET_REPLIED, _("Ticket replied to (customer or support team, not internal notes)")),
    (TICKET_SOLVED, _("Ticket solved")),
    (TICKET_RATED, _("Ticket rated by the customer (satisfaction)")),
    (QUESTION_ASKED, _("Community question asked")),
    (QUESTION_ANSWERED, _("Community question answered")),
    (QUESTION_ACCEPTED, _("Community answer accepted")),
    (ARTICLE_PUBLISHED, _("Knowledge base article published")),
    (ANNOUNCEMENT_PUBLISHED, _("Announcement published")),
]
NAMES = [name for name, _label in CHOICES]
LABELS = dict([*CHOICES, (PING, _("Test event"))])
