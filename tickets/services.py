"""Every write in support: the support flow and its funnel events, filing a ticket, replies,
internal notes, status, priority, assignee and tag changes, turning an unanswered forum
question into a ticket and a solved ticket into a draft article. Views, the admin, the
demo loader and tests call these functions; nothing else writes support data.

Each function checks who may do what and raises a ``tickets.errors.TicketError`` (with a
message fit for the person) when it refuses. Every status, priority and assignee change is
written to the audit log (``TicketChange``). Emails leave through Celery tasks queued with
``transaction.on_commit``: nothing is sent for a write that rolls back, and internal notes
are never queued at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from segments import policy
from segments.models import Segment

from . import attachments, conf
from .errors import InvalidTicket, NotAllowed, RateLimited
from .models import (
    FlowQuery,
    FlowSuggestion,
    FunnelEvent,
    SupportFlow,
    Ticket,
    TicketAttachment,
    TicketChange,
    TicketMessage,
)
from .permissions import is_agent

SUBJECT_MIN, SUBJECT_MAX = 5, 200
DESCRIPTION_MIN, DESCRIPTION_MAX = 10, 20_000
MESSAGE_MAX = 20_000
MAX_QUERIES_PER_FLOW = 50
MAX_TAGS = 10
_SPACES = re.compile(r"\s+")
_TAG = re.compile(r"^[\w][\w .+#-]*$")


# --- Validation -----------------------------------------------------------------------


def clean_subject(subject: str) -> str:
    subject = _SPACES.sub(" ", subject or "").strip()
    if len(subject) < SUBJECT_MIN:
        raise InvalidTicket(
            _("Please give your request a subject of at least %(n)s characters.")
            % {"n": SUBJECT_MIN}
        )
    if len(subject) > SUBJECT_MAX:
        raise InvalidTicket(
            _("The subject can have at most %(n)s characters.") % {"n": SUBJECT_MAX}
        )
    return subject


def clean_description(text: str) -> str:
    text = (text or "").strip()
    if len(text) < DESCRIPTION_MIN:
        raise InvalidTicket(
            _("Please describe the problem in at least %(n)s characters.") % {"n": DESCRIPTION_MIN}
        )
    if len(text) > DESCRIPTION_MAX:
        raise InvalidTicket(
            _("The description can have at most %(n)s characters (this one has %(count)s).")
            % {"n": DESCRIPTION_MAX, "count": len(text)}
        )
    return text


def clean_message(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidTicket(_("The message is empty."))
    if len(text) > MESSAGE_MAX:
        raise InvalidTicket(
            _("Messages can have at most %(n)s characters (this one has %(count)s).")
            % {"n": MESSAGE_MAX, "count": len(text)}
        )
    return text


def clean_product(product) -> Segment:
    if not isinstance(product, Segment) or product.kind != Segment.Kind.PRODUCT:
        raise InvalidTicket(_("Choose the product your request is about."))
    return product


def clean_priority(priority) -> int:
    try:
        value = int(priority)
    except (TypeError, ValueError):
        value = None
    if value not in Ticket.Priority.values:
        raise InvalidTicket(_("Choose a priority."))
    return value


def clean_categories(categories: Iterable[str]) -> list[str]:
    """A customer's categories: only the ones offered (``TICKETS_CATEGORIES``)."""
    offered = conf.category_slugs()
    chosen = []
    for slug in categories or ():
        if slug not in offered:
            raise InvalidTicket(_("Choose categories from the list."))
        if slug not in chosen:
            chosen.append(slug)
    return chosen


def parse_tags(tags: str | Iterable[str]) -> list[str]:
    """An agent's tags: ``"billing, vip"`` → ``["billing", "vip"]`` (any tag, at most 10)."""
    items = tags.split(",") if isinstance(tags, str) else list(tags)
    cleaned: list[str] = []
    for item in items:
        name = _SPACES.sub(" ", str(item)).strip().lower()
        if name and name not in cleaned:
            cleaned.append(name)
    if len(cleaned) > MAX_TAGS:
        raise InvalidTicket(_("Use at most %(n)s tags.") % {"n": MAX_TAGS})
    for name in cleaned:
        if len(name) > 50 or not _TAG.match(name):
            raise InvalidTicket(
                _("“%(tag)s” is not a valid tag: use letters, digits, spaces or - . + #.")
                % {"tag": name[:60]}
            )
    return cleaned


def ensure_agent(user) -> None:
    if not is_agent(user):
        raise NotAllowed(_("Only the support team can do this."))


def _ensure_requester(ticket: Ticket, user) -> None:
    if not getattr(user, "is_authenticated", False) or ticket.requester_id != user.pk:
        raise NotAllowed(_("This request is not yours."))


def _queue(task, *args) -> None:
    transaction.on_commit(lambda: task.delay(*args))


# --- The support flow and its funnel events -------------------------------------------


def record_event(flow: SupportFlow, name: str, *, item_key: str = "", at=None) -> bool:
    """Record funnel step ``name`` for ``flow`` unless it is already recorded; ``True`` if new."""
    try:
        with transaction.atomic():
            _event, created = FunnelEvent.objects.get_or_create(
                flow=flow,
                name=name,
                defaults={
                    "product_id": flow.product_id,
                    "item_key": item_key,
                    "created_at": at or timezone.now(),
                },
            )
    except IntegrityError:  # recorded at the same moment by another request
        return False
    return created


@transaction.atomic
def start_flow(user=None, *, product: Segment | None = None, flow_id=None, at=None) -> SupportFlow:
    """A person began describing a problem: the flow and its "started" event."""
    now = at or timezone.now()
    person = user if getattr(user, "is_authenticated", False) else None
    extra = {"id": flow_id} if flow_id else {}
    flow = SupportFlow.objects.create(
        user=person, product=product, started_at=now, last_seen_at=now, **extra
    )
    granted = policy.granted_segment_ids(person)
    if granted:
        flow.segments.set(granted)
    record_event(flow, FunnelEvent.Name.STARTED, at=now)
    return flow


def adopt_flow(flow: SupportFlow, user) -> None:
    """An anonymous visitor signed in mid-flow: the flow (and its segments) become theirs."""
    if flow.user_id or not getattr(user, "is_authenticated", False):
        return
    flow.user = user
    flow.save(update_fields=["user"])
    granted = policy.granted_segment_ids(user)
    if granted:
        flow.segments.add(*granted)


def touch_flow(flow: SupportFlow, *, product: Segment | None = None, subject=None, at=None):
    fields = {"last_seen_at": at or timezone.now()}
    if product is not None and product.pk != flow.product_id:
        fields["product"] = product
    if subject is not None:
        fields["subject"] = _SPACES.sub(" ", subject).strip()[:200]
    for name, value in fields.items():
        setattr(flow, name, value)
    SupportFlow.objects.filter(pk=flow.pk).update(**fields)


@transaction.atomic
def record_suggestions(
    flow: SupportFlow,
    text: str,
    suggestions: Sequence,
    *,
    source: str = FlowQuery.Source.TYPED,
    at=None,
) -> None:
    """What was typed and what we suggested; the first non-empty answer is "shown"."""
    now = at or timezone.now()
    text = _SPACES.sub(" ", text or "").strip()[:500]
    if text and flow.queries.count() < MAX_QUERIES_PER_FLOW:
        last = flow.queries.order_by("-created_at", "-pk").first()
        if last is None or last.text != text:
            FlowQuery.objects.create(
                flow=flow, text=text, source=source, result_count=len(suggestions), created_at=now
            )
    existing = {s.key: s for s in flow.suggestions.filter(key__in=[s.key for s in suggestions])}
    for rank, suggestion in enumerate(suggestions, start=1):
        row = existing.get(suggestion.key)
        if row is None:
            FlowSuggestion.objects.get_or_create(
                flow=flow,
                key=suggestion.key,
                defaults={
                    "kind": suggestion.kind,
                    "title": suggestion.title[:255],
                    "url": suggestion.url[:500],
                    "best_rank": rank,
                    "first_shown_at": now,
                },
            )
        else:
            FlowSuggestion.objects.filter(pk=row.pk).update(
                times_shown=F("times_shown") + 1, best_rank=min(row.best_rank, rank)
            )
    if suggestions:
        record_event(flow, FunnelEvent.Name.SHOWN, at=now)


def record_opened(flow: SupportFlow, key: str, *, at=None) -> FlowSuggestion | None:
    """The person opened suggestion ``key`` (only suggestions shown in this flow count)."""
    suggestion = flow.suggestions.filter(key=key).first()
    if suggestion is None:
        return None
    now = at or timezone.now()
    if suggestion.opened_at is None:
        FlowSuggestion.objects.filter(pk=suggestion.pk).update(opened_at=now)
        suggestion.opened_at = now
    record_event(flow, FunnelEvent.Name.OPENED, item_key=key, at=now)
    return suggestion


@transaction.atomic
def record_solved(flow: SupportFlow, key: str, *, at=None) -> FlowSuggestion:
    """ "This solved my problem": the flow ends, deflected by suggestion ``key``."""
    if flow.is_finished:
        raise InvalidTicket(_("This request is already finished."))
    suggestion = flow.suggestions.filter(key=key).first()
    if suggestion is None:
        raise InvalidTicket(_("That suggestion was not shown to you."))
    now = at or timezone.now()
    FlowSuggestion.objects.filter(pk=suggestion.pk).update(solved=True)
    suggestion.solved = True
    flow.outcome = SupportFlow.Outcome.SOLVED
    flow.solved_by = key
    flow.ended_at = flow.last_seen_at = now
    flow.save(update_fields=["outcome", "solved_by", "ended_at", "last_seen_at"])
    record_event(flow, FunnelEvent.Name.SOLVED, item_key=key, at=now)
    return suggestion


# --- Filing ---------------------------------------------------------------------------


def _next_number() -> int:
    last = Ticket.objects.aggregate(last=Max("number"))["last"] or 0
    return max(last, conf.get("TICKETS_FIRST_NUMBER") - 1) + 1


def _create_numbered(**fields) -> Ticket:
    """Tickets are numbered one after another; two filed at once retry the next number."""
    for attempt in range(5):
        try:
            with transaction.atomic():
                return Ticket.objects.create(number=_next_number(), **fields)
        except IntegrityError:
            if attempt == 4:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _check_rate(user) -> None:
    most = conf.get("TICKETS_PER_HOUR")
    if not most or is_agent(user):
        return
    since = timezone.now() - timedelta(hours=1)
    if Ticket.objects.filter(requester=user, created_at__gte=since).count() >= most:
        raise RateLimited(
            _(
                "You have sent %(n)s requests in the last hour. Please add to an open "
                "request instead, or try again a little later."
            )
            % {"n": most}
        )


def _attach(ticket, message, checked, user, when) -> list[TicketAttachment]:
    saved = []
    for item in checked:
        attachment = TicketAttachment(
            ticket=ticket,
            message=message,
            name=item.name,
            content_type=item.content_type,
            size=item.size,
            uploaded_by=user,
            created_at=when,
        )
        item.upload.seek(0)
        attachment.file.save(item.name, item.upload, save=False)
        attachment.save()
        saved.append(attachment)
    return saved


@transaction.atomic
def file_ticket(
    requester,
    *,
    product: Segment,
    subject: str,
    description: str,
    priority: int = Ticket.Priority.NORMAL,
    categories: Iterable[str] = (),
    files: Iterable = (),
    flow: SupportFlow | None = None,
    enforce_limits: bool = True,
    notify: bool = True,
    at=None,
) -> Ticket:
    """A customer files a ticket (the end of a support flow, when there is one)."""
    if not getattr(requester, "is_authenticated", False) or not requester.is_active:
        raise NotAllowed(_("Sign in to send a request to support."))
    subject, description = clean_subject(subject), clean_description(description)
    product, priority = clean_product(product), clean_priority(priority)
    categories = clean_categories(categories)
    checked = attachments.check_files(files)
    if enforce_limits:
        _check_rate(requester)
    if flow is not None and (flow.is_finished or flow.user_id not in (None, requester.pk)):
        flow = None
    now = at or timezone.now()
    ticket = _create_numbered(
        requester=requester,
        product=product,
        subject=subject,
        description=description,
        priority=priority,
        flow=flow,
        created_at=now,
        last_activity_at=now,
    )
    if categories:
        ticket.tags.set(categories)
    _attach(ticket, None, checked, requester, now)
    if flow is not None:
        flow.user = requester
        flow.product = product
        flow.outcome = SupportFlow.Outcome.TICKET
        flow.ended_at = flow.last_seen_at = now
        flow.save(update_fields=["user", "product", "outcome", "ended_at", "last_seen_at"])
        record_event(flow, FunnelEvent.Name.FILED, at=now)
    if notify:
        from . import tasks

        _queue(tasks.confirm_ticket, ticket.pk)
    return ticket


# --- Status, priority, assignee, tags (all audited) -----------------------------------


def _log(ticket, actor, field, old_value, new_value, old_label, new_label, when):
    TicketChange.objects.create(
        ticket=ticket,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        field=field,
        old_value="" if old_value is None else str(old_value),
        new_value="" if new_value is None else str(new_value),
        old_label=str(old_label or "")[:150],
        new_label=str(new_label or "")[:150],
        created_at=when,
    )


def _set_status(ticket: Ticket, actor, status: str, when) -> bool:
    if status not in Ticket.Status.values:
        raise InvalidTicket(_("Choose a status."))
    if status == ticket.status:
        return False
    old = ticket.status
    old_label = ticket.get_status_display()
    ticket.status = status
    if status == Ticket.Status.SOLVED:
        ticket.solved_at = when
    elif status == Ticket.Status.CLOSED:
        ticket.closed_at = when
    else:
        ticket.solved_at = ticket.closed_at = None
    _log(ticket, actor, "status", old, status, old_label, ticket.get_status_display(), when)
    return True


def _save(ticket: Ticket, when, *fields) -> None:
    ticket.last_activity_at = when
    ticket.save(update_fields=[*fields, "last_activity_at"])


@transaction.atomic
def change_status(ticket: Ticket, agent, status: str, *, at=None) -> bool:
    ensure_agent(agent)
    now = at or timezone.now()
    if _set_status(ticket, agent, status, now):
        _save(ticket, now, "status", "solved_at", "closed_at")
        return True
    return False


@transaction.atomic
def change_priority(ticket: Ticket, agent, priority, *, at=None) -> bool:
    ensure_agent(agent)
    priority = clean_priority(priority)
    if priority == ticket.priority:
        return False
    now = at or timezone.now()
    old, old_label = ticket.priority, ticket.get_priority_display()
    ticket.priority = priority
    _log(ticket, agent, "priority", old, priority, old_label, ticket.get_priority_display(), now)
    _save(ticket, now, "priority")
    return True


def _assign(ticket: Ticket, actor, assignee, when) -> bool:
    if assignee is not None and not is_agent(assignee):
        raise InvalidTicket(_("Tickets can only be assigned to members of the support team."))
    if (assignee.pk if assignee else None) == ticket.assignee_id:
        return False
    old = ticket.assignee
    ticket.assignee = assignee
    _log(
        ticket,
        actor,
        "assignee",
        old.pk if old else None,
        assignee.pk if assignee else None,
        old.public_name if old else _("Nobody"),
        assignee.public_name if assignee else _("Nobody"),
        when,
    )
    if assignee is not None and ticket.status == Ticket.Status.NEW:
        _set_status(ticket, actor, Ticket.Status.OPEN, when)
    return True


@transaction.atomic
def assign(ticket: Ticket, agent, assignee, *, at=None) -> bool:
    ensure_agent(agent)
    now = at or timezone.now()
    if _assign(ticket, agent, assignee, now):
        _save(ticket, now, "assignee", "status", "solved_at", "closed_at")
        return True
    return False


@transaction.atomic
def set_tags(ticket: Ticket, agent, tags) -> list[str]:
    ensure_agent(agent)
    names = parse_tags(tags)
    ticket.tags.set(names)
    return names


# --- The conversation -----------------------------------------------------------------


def _message(ticket, author, body, *, internal, from_agent, files, when) -> TicketMessage:
    checked = attachments.check_files(files)
    message = TicketMessage.objects.create(
        ticket=ticket,
        author=author,
        body=clean_message(body),
        is_internal=internal,
        from_agent=from_agent,
        created_at=when,
    )
    _attach(ticket, message, checked, author, when)
    return message


@transaction.atomic
def reply_as_customer(
    ticket: Ticket, user, body: str, *, files=(), notify: bool = True, at=None
) -> TicketMessage:
    """The requester writes again: the ticket is open again, the assignee is emailed."""
    _ensure_requester(ticket, user)
    if not ticket.accepts_replies:
        raise NotAllowed(_("This request is closed. Reopen it to write to us again."))
    now = at or timezone.now()
    message = _message(ticket, user, body, internal=False, from_agent=False, files=files, when=now)
    if ticket.status in (Ticket.Status.PENDING, Ticket.Status.SOLVED):
        _set_status(ticket, user, Ticket.Status.OPEN, now)
    _save(ticket, now, "status", "solved_at", "closed_at")
    if notify and ticket.assignee_id:
        from . import tasks

        _queue(tasks.notify_assignee, message.pk)
    return message


@transaction.atomic
def reply_as_agent(
    ticket: Ticket,
    agent,
    body: str,
    *,
    files=(),
    status: str | None = None,
    notify: bool = True,
    at=None,
) -> TicketMessage:
    """A public reply from the support team: emailed to the requester.

    ``status`` is where the ticket goes next (usually "pending", waiting for the customer);
    by default a new ticket becomes open. An unassigned ticket is assigned to the agent.
    """
    ensure_agent(agent)
    now = at or timezone.now()
    message = _message(ticket, agent, body, internal=False, from_agent=True, files=files, when=now)
    if ticket.assignee_id is None:
        _assign(ticket, agent, agent, now)
    if status:
        _set_status(ticket, agent, status, now)
    elif ticket.status == Ticket.Status.NEW:
        _set_status(ticket, agent, Ticket.Status.OPEN, now)
    _save(ticket, now, "assignee", "status", "solved_at", "closed_at")
    if notify:
        from . import tasks

        _queue(tasks.notify_customer, message.pk)
    return message


@transaction.atomic
def add_internal_note(ticket: Ticket, agent, body: str, *, files=(), at=None) -> TicketMessage:
    """A note for the support team only. Never shown to the customer, never emailed."""
    ensure_agent(agent)
    now = at or timezone.now()
    message = _message(ticket, agent, body, internal=True, from_agent=True, files=files, when=now)
    Ticket.objects.filter(pk=ticket.pk).update(last_activity_at=now)
    return message


@transaction.atomic
def close_by_customer(ticket: Ticket, user, *, at=None) -> bool:
    _ensure_requester(ticket, user)
    now = at or timezone.now()
    if _set_status(ticket, user, Ticket.Status.CLOSED, now):
        _save(ticket, now, "status", "solved_at", "closed_at")
        return True
    return False


@transaction.atomic
def reopen_by_customer(ticket: Ticket, user, *, at=None) -> bool:
    _ensure_requester(ticket, user)
    if ticket.status not in (Ticket.Status.SOLVED, Ticket.Status.CLOSED):
        return False
    now = at or timezone.now()
    _set_status(ticket, user, Ticket.Status.OPEN, now)
    _save(ticket, now, "status", "solved_at", "closed_at")
    return True


# --- From the community, to the knowledge base ----------------------------------------


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


def close_solved_tickets(*, days: int | None = None, now=None) -> int:
    """Close tickets solved more than ``days`` ago without a reply since (``None`` actor:
    the system). Returns how many were closed."""
    days = conf.get("TICKETS_AUTO_CLOSE_DAYS") if days is None else days
    if not days:
        return 0
    now = now or timezone.now()
    closed = 0
    stale = Ticket.objects.filter(
        status=Ticket.Status.SOLVED, solved_at__lte=now - timedelta(days=days)
    )
    for ticket in stale.order_by("pk").iterator():
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
            if ticket.status == Ticket.Status.SOLVED and _set_status(
                ticket, None, Ticket.Status.CLOSED, now
            ):
                ticket.save(update_fields=["status", "solved_at", "closed_at"])
                closed += 1
    return closed
