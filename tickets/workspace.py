"""Reading for the agents' workspace: saved-view filters and their counts, SLA breach
filters, canned replies for a ticket and what the customer did before writing."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from .models import OPEN_STATUSES, SavedView, TaggedTicket, Ticket, TicketMessage
from .permissions import can_view_tickets

#: The queue's filter parameters a saved view keeps (lists for the multiple ones).
FILTER_LISTS = ("status", "priority", "tag")
FILTER_VALUES = ("assignee", "product", "language", "sla", "rating")
RATING_STATES = ("bad", "good", "none")
SLA_STATES = ("breached", "due_soon")


def clean_filters(data) -> dict:
    """The filters to keep from a query dict (the queue's GET parameters), normalized:
    unknown keys, empty and impossible values are dropped."""
    found: dict = {}
    get_list = getattr(data, "getlist", lambda key: data.get(key) or [])
    for key in FILTER_LISTS:
        values = get_list(key)
        values = [values] if isinstance(values, str) else values
        values = [str(value).strip() for value in values if str(value).strip()]
        if key == "status":
            values = [value for value in values if value in Ticket.Status.values]
        elif key == "priority":
            values = [value for value in values if value.isdigit()]
        if values:
            found[key] = sorted(set(values))
    for key in FILTER_VALUES:
        value = str(data.get(key) or "").strip()
        if not value:
            continue
        if key == "assignee" and not (value in ("me", "null") or value.isdigit()):
            continue
        if key == "product" and not value.isdigit():
            continue
        if key == "sla" and value not in SLA_STATES:
            continue
        if key == "rating" and value not in RATING_STATES:
            continue
        found[key] = value
    return found


def _public_reply_by_due():
    return TicketMessage.objects.filter(
        ticket=OuterRef("pk"),
        from_agent=True,
        is_internal=False,
        created_at__lte=OuterRef("first_reply_due_at"),
    )


def _any_public_reply():
    return TicketMessage.objects.filter(ticket=OuterRef("pk"), from_agent=True, is_internal=False)


def breached_q(now) -> Q:
    """Unresolved tickets past a target: no public reply by the first-reply target, or
    not solved by the resolution target."""
    first_reply = Q(first_reply_due_at__lt=now) & ~Q(Exists(_public_reply_by_due()))
    resolution = Q(resolution_due_at__lt=now)
    return Q(status__in=OPEN_STATUSES) & (first_reply | resolution)


def due_soon_q(now, soon: dt.timedelta) -> Q:
    """Unresolved tickets, not breached, with a target within ``soon`` (clock time)."""
    limit = now + soon
    first_reply = Q(first_reply_due_at__lte=limit) & ~Q(Exists(_any_public_reply()))
    resolution = Q(resolution_due_at__lte=limit)
    return Q(status__in=OPEN_STATUSES) & (first_reply | resolution) & ~breached_q(now)


def rating_q(value: str) -> Q:
    """Tickets rated ``bad`` or ``good`` by their customer, or not rated (``none``)."""
    if value == "none":
        return Q(rating__isnull=True)
    return Q(rating__score=value)


def filter_q(filters: dict, user, now=None) -> Q:
    """The tickets a saved view (or the queue's filters) selects, for ``user`` ("me")."""
    from . import sla

    now = now or timezone.now()
    q = Q()
    if filters.get("status"):
        q &= Q(status__in=filters["status"])
    if filters.get("priority"):
        q &= Q(priority__in=[int(value) for value in filters["priority"]])
    if filters.get("tag"):
        tagged = TaggedTicket.objects.filter(
            content_object=OuterRef("pk"), tag__name__in=filters["tag"]
        )
        q &= Q(Exists(tagged))
    assignee = filters.get("assignee")
    if assignee == "me":
        q &= Q(assignee_id=user.pk)
    elif assignee == "null":
        q &= Q(assignee__isnull=True)
    elif assignee:
        q &= Q(assignee_id=int(assignee))
    if filters.get("product"):
        q &= Q(product_id=int(filters["product"]))
    if filters.get("language"):
        q &= Q(language=filters["language"])
    if filters.get("rating") in RATING_STATES:
        q &= rating_q(filters["rating"])
    if filters.get("sla") == "breached":
        q &= breached_q(now)
    elif filters.get("sla") == "due_soon":
        q &= due_soon_q(now, sla.soon())
    return q


def visible_views(user) -> QuerySet:
    """The saved views ``user`` may use: their own and the team's shared ones (none for
    anyone who may not read tickets)."""
    if not can_view_tickets(user):
        return SavedView.objects.none()
    return SavedView.objects.filter(Q(owner=user) | Q(shared=True)).select_related("owner")


def view_counts(views, user, now=None) -> dict[int, int]:
    """{view pk: tickets it selects}, all counted in one query."""
    views = list(views)
    if not views or not can_view_tickets(user):
        return {}
    now = now or timezone.now()
    counts = Ticket.objects.aggregate(
        **{
            f"view_{view.pk}": Count("pk", filter=filter_q(view.filters, user, now))
            for view in views
        }
    )
    return {view.pk: counts[f"view_{view.pk}"] for view in views}


def canned_replies_for(ticket, agent) -> list[dict]:
    """Every canned reply, rendered for ``ticket`` in its language (English otherwise)."""
    from .models import CannedReply

    found = []
    for reply in CannedReply.objects.all():
        language, title, text = reply.render(ticket, agent)
        found.append({"id": reply.pk, "language": language, "title": title, "text": text})
    return found


def customer_activity(requester, viewer, *, limit: int = 8) -> dict:
    """What the search log holds for this customer's own account (searches they ran
    signed in, and the knowledge-base articles they opened from those results). Searches
    made signed out are logged without a user and never appear here. Articles go through
    ``segments.policy`` for the agent looking."""
    if requester is None:
        return {"searches": [], "articles": []}
    from kb.models import ArticlePage
    from search.analytics import person_activity
    from segments import policy

    activity = person_activity(requester, limit=limit, prefix="article:")
    searches = activity.searches
    opened: dict[int, dt.datetime] = {}
    for item, when in activity.opened:
        pk = item.split(":", 1)[1].split("-", 1)[0]
        if pk.isdigit() and int(pk) not in opened:
            opened[int(pk)] = when
    pages = {
        page.pk: page
        for page in policy.visible_to(
            ArticlePage.objects.live().filter(pk__in=list(opened)), viewer
        )
    }
    articles = [
        {"page": pages[pk], "opened_at": when} for pk, when in opened.items() if pk in pages
    ][:limit]
    return {"searches": searches, "articles": articles}
