"""From the community, to the knowledge base: tickets for unanswered forum questions,
draft articles from solved tickets."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .. import conf
from ..errors import InvalidTicket, NotAllowed
from ..models import Ticket
from .changes import _assign
from .conversation import reply_as_agent
from .filing import _create_numbered
from .validation import _SPACES, DESCRIPTION_MAX, SUBJECT_MAX, ensure_agent


def unanswered_questions():
    """Published forum questions nobody answered for ``TICKETS_UNANSWERED_AFTER_HOURS``,
    with an author to help, no ticket yet and no open flag (a moderator decides those)."""
    from forum.models import Question

    before = timezone.now() - timedelta(hours=conf.get("TICKETS_UNANSWERED_AFTER_HOURS"))
    from forum.models import Flag

    flagged = Flag.objects.filter(status=Flag.Status.OPEN).values("question_id")
    return (
        Question.objects.exclude(pk__in=flagged)
        .filter(
            answer_count=0,
            status=Question.Status.OPEN,
            is_hidden=False,
            awaiting_review=False,
            duplicate_of__isnull=True,
            author__isnull=False,
            author__is_active=True,
            created_at__lte=before,
            support_tickets__isnull=True,
        )
        .select_related("author", "product")
        .order_by("created_at")
    )


@transaction.atomic
def ticket_from_question(
    question, agent, *, message: str = "", notify: bool = True, at=None
) -> Ticket:
    """Open a ticket for the author of an unanswered forum question, linked both ways.

    With ``message``, the agent's first public reply goes out with it (and is emailed).
    """
    ensure_agent(agent)
    if question.author_id is None or not question.author.is_active:
        raise InvalidTicket(_("This question has no author to help."))
    existing = question.support_tickets.order_by("pk").first()
    if existing is not None:
        raise InvalidTicket(
            _("Ticket %(ref)s is already open for this question.") % {"ref": existing.reference}
        )
    now = at or timezone.now()
    ticket = _create_numbered(
        requester=question.author,
        product=question.product,
        subject=question.title[:SUBJECT_MAX],
        description=question.body[:DESCRIPTION_MAX],
        priority=Ticket.Priority.NORMAL,
        source=Ticket.Source.FORUM,
        question=question,
        created_at=now,
        last_activity_at=now,
    )
    _assign(ticket, agent, agent, now)
    ticket.save(update_fields=["assignee", "status"])
    if message.strip():
        reply_as_agent(ticket, agent, message, status=Ticket.Status.PENDING, notify=notify, at=now)
    return ticket


def _article_body(ticket: Ticket) -> str:
    """The problem and the team's public answers as Markdown — never internal notes."""
    parts = [f"## {_('The problem')}\n\n{ticket.description.strip()}"]
    replies = [
        m.body.strip()
        for m in ticket.messages.filter(is_internal=False, from_agent=True).order_by("created_at")
    ]
    if replies:
        parts.append(f"## {_('The solution')}\n\n" + "\n\n".join(replies))
    return "\n\n".join(parts) + "\n"


@transaction.atomic
def draft_article(ticket: Ticket, agent, *, category, title: str = ""):
    """Turn a solved ticket into a draft knowledge-base article (saved, not published).

    The draft starts from the problem and the team's public replies; the editor rewrites it
    for everyone before publishing. The ticket remembers the article.
    """
    from kb.models import ArticlePage, CategoryPage

    ensure_agent(agent)
    if ticket.status not in (Ticket.Status.SOLVED, Ticket.Status.CLOSED):
        raise InvalidTicket(_("Only solved tickets can become articles."))
    if not isinstance(category, CategoryPage):
        raise InvalidTicket(_("Choose the category the article goes into."))
    if not category.permissions_for_user(agent).can_add_subpage():
        raise NotAllowed(_("You may not add articles to this category."))
    title = _SPACES.sub(" ", title or ticket.subject).strip()[:255]
    if not title:
        raise InvalidTicket(_("Give the article a title."))
    base = slugify(title)[:70].strip("-") or "article"
    slug, n = base, 2
    while ArticlePage.objects.child_of(category).filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    article = ArticlePage(
        title=title,
        slug=slug,
        summary=ticket.subject[:300],
        body=[("text", _article_body(ticket))],
        live=False,
        owner=agent,
    )
    category.add_child(instance=article)
    article.segments.set([ticket.product])
    article.tags.set([tag.name for tag in ticket.tags.all()])
    article.save()
    article.save_revision(user=agent, log_action=True)
    ticket.kb_article = article
    ticket.save(update_fields=["kb_article"])
    return article
