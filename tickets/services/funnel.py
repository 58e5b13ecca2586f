"""The support flow ("Contact support") and its funnel events."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Least
from django.utils import timezone
from django.utils.translation import gettext as _

from segments import policy
from segments.models import Segment

from ..errors import InvalidTicket
from ..models import DirectAnswerFeedback, FlowQuery, FlowSuggestion, FunnelEvent, SupportFlow
from .validation import _SPACES

MAX_QUERIES_PER_FLOW = 50


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


def touch_flow(
    flow: SupportFlow, *, product: Segment | None = None, subject=None, page_url=None, at=None
):
    """The flow is still going; ``page_url``: the help widget's host page it came from
    (already checked by ``tickets.flow.clean_page_url``)."""
    fields = {"last_seen_at": at or timezone.now()}
    if page_url:
        fields["page_url"] = str(page_url)[:500]
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
            row, created = FlowSuggestion.objects.get_or_create(
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
            if created:
                continue
        # Counted in the database: another request of the same flow may count it too.
        FlowSuggestion.objects.filter(pk=row.pk).update(
            times_shown=F("times_shown") + 1, best_rank=Least(F("best_rank"), Value(rank))
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


@transaction.atomic
def record_direct_answer(
    shown, helpful: bool, *, flow: SupportFlow | None = None, at=None
) -> tuple[DirectAnswerFeedback, bool]:
    """ "Did this answer your question?" on a direct answer (``shown``: a
    ``search.answers.Shown`` read from the form's signed token).

    One row per showing (its nonce): answering again changes it. In Contact support the
    row belongs to the person's open ``flow``, and a "yes" ends the flow solved by the
    answer's source, as "This solved my problem" does (the source is one of the
    suggestions shown). Returns the row and whether the flow was solved by it.
    """
    now = at or timezone.now()
    surface = DirectAnswerFeedback.Surface
    if shown.surface not in surface.values:
        raise InvalidTicket(_("That answer was not shown to you."))
    if shown.surface != surface.SUPPORT or (flow is not None and flow.is_finished):
        flow = None
    feedback, _created = DirectAnswerFeedback.objects.update_or_create(
        nonce=shown.nonce[:32],
        defaults={"helpful": bool(helpful)},
        create_defaults={
            "helpful": bool(helpful),
            "surface": shown.surface,
            "flow": flow,
            "item_key": shown.key[:40],
            "title": shown.title[:255],
            "url": shown.url[:500],
            "created_at": now,
        },
    )
    solved = False
    if helpful and flow is not None and flow.suggestions.filter(key=shown.key).exists():
        record_solved(flow, shown.key, at=now)
        solved = True
    return feedback, solved
