"""Service-level targets counted in business hours.

The arithmetic is pure (``add_business_time``, ``business_time_between``, ``timer``): it
takes aware datetimes and a ``Calendar`` and touches no database, so it is tested with
fixed datetimes. ``calendar_for``, ``due_dates`` and ``timers_for`` read the SLA policy of a
ticket's priority (``tickets.models.SLAPolicy``); without a policy a ticket has no targets.

A ticket's due dates are stored on it (``first_reply_due_at``, ``resolution_due_at``) when it
is filed and again when its priority or its policy changes, so the queue filters "breached"
and "due soon" in the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

UTC = dt.UTC
WEEKDAYS = range(7)


@dataclass(frozen=True)
class Calendar:
    """Working days (0 = Monday … 6 = Sunday) and one daily window, in a time zone."""

    weekdays: frozenset[int]
    opens: dt.time
    closes: dt.time
    time_zone: str = "UTC"

    def __post_init__(self):
        if not self.weekdays or not set(self.weekdays) <= set(WEEKDAYS):
            raise ValueError("A business calendar needs at least one weekday (0–6).")
        if self.opens >= self.closes:
            raise ValueError("Business hours must close after they open.")
        ZoneInfo(self.time_zone)

    @classmethod
    def from_setting(cls, value: dict) -> Calendar:
        return cls(
            weekdays=frozenset(int(day) for day in value["weekdays"]),
            opens=_time(value["opens"]),
            closes=_time(value["closes"]),
            time_zone=value.get("time_zone") or "UTC",
        )

    def windows(self, start: dt.datetime, end: dt.datetime | None = None):
        """The working windows (UTC start, UTC end) from the day of ``start`` on (until
        ``end`` when given), in order."""
        zone = ZoneInfo(self.time_zone)
        day = start.astimezone(zone).date()
        last = end.astimezone(zone).date() if end is not None else None
        while last is None or day <= last:
            if day.weekday() in self.weekdays:
                opens = dt.datetime.combine(day, self.opens, tzinfo=zone).astimezone(UTC)
                closes = dt.datetime.combine(day, self.closes, tzinfo=zone).astimezone(UTC)
                yield opens, closes
            day += dt.timedelta(days=1)


def _time(value) -> dt.time:
    return value if isinstance(value, dt.time) else dt.time.fromisoformat(str(value))


def add_business_time(start: dt.datetime, duration: dt.timedelta, calendar: Calendar):
    """The moment ``duration`` of business time after ``start`` (counting starts at the
    next opening when ``start`` is out of hours)."""
    if timezone.is_naive(start):
        raise ValueError("add_business_time needs an aware datetime.")
    start = start.astimezone(UTC)
    left = duration
    if left <= dt.timedelta(0):
        return start
    for opens, closes in calendar.windows(start):
        if closes <= start:
            continue
        begin = max(opens, start)
        available = closes - begin
        if left <= available:
            return begin + left
        left -= available
    raise AssertionError("unreachable: a calendar has at least one working day a week")


def business_time_between(start: dt.datetime, end: dt.datetime, calendar: Calendar):
    """Business time from ``start`` to ``end`` (negative when ``end`` comes first)."""
    if end < start:
        return -business_time_between(end, start, calendar)
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    total = dt.timedelta(0)
    for opens, closes in calendar.windows(start, end):
        begin, finish = max(opens, start), min(closes, end)
        if finish > begin:
            total += finish - begin
    return total


@dataclass(frozen=True)
class Timer:
    """One target of one ticket, as it stands at ``now``.

    ``state``: ``met`` (done in time), ``missed`` (done late), ``running`` (time left),
    ``due_soon`` (less than the warning time left) or ``overdue``. ``business`` is the
    business time left (``running``/``due_soon``) or past the target (``overdue``/
    ``missed``)."""

    kind: str
    due: dt.datetime
    done_at: dt.datetime | None
    state: str
    business: dt.timedelta

    @property
    def is_breached(self) -> bool:
        return self.state in ("overdue", "missed")

    @property
    def label(self) -> str:
        return str(TIMER_LABELS[self.kind])

    @property
    def text(self) -> str:
        amount = format_duration(self.business)
        if self.state == "met":
            return _("Met")
        if self.state == "missed":
            return _("Missed by %(time)s") % {"time": amount}
        if self.state == "overdue":
            return _("Overdue by %(time)s") % {"time": amount}
        return _("%(time)s left") % {"time": amount}


TIMER_LABELS = {
    "first_reply": gettext_lazy("First reply"),
    "resolution": gettext_lazy("Resolution"),
}


def timer(kind, due, done_at, now, calendar: Calendar, *, soon: dt.timedelta) -> Timer:
    """Where one target stands at ``now``. "Due soon" compares clock time (a target due
    first thing Monday is due soon on Friday evening only if ``soon`` covers the weekend);
    the amounts shown are business time."""
    if done_at is not None:
        if done_at <= due:
            return Timer(kind, due, done_at, "met", dt.timedelta(0))
        return Timer(kind, due, done_at, "missed", business_time_between(due, done_at, calendar))
    if now > due:
        return Timer(kind, due, None, "overdue", business_time_between(due, now, calendar))
    state = "due_soon" if due - now <= soon else "running"
    return Timer(kind, due, None, state, business_time_between(now, due, calendar))


def format_duration(value: dt.timedelta) -> str:
    """Business time as "2 h 05 min" (whole minutes, rounded down; the reader's digits)."""
    from core.dates import local_number

    minutes = max(int(value.total_seconds() // 60), 0)
    hours, minutes = divmod(minutes, 60)
    if hours:
        padded = f"{local_number(0) if minutes < 10 else ''}{local_number(minutes)}"
        return _("%(hours)s h %(minutes)s min") % {"hours": local_number(hours), "minutes": padded}
    return _("%(minutes)s min") % {"minutes": local_number(minutes)}


# --- reading the policies ----------------------------------------------------------------


def default_calendar() -> Calendar:
    from . import conf

    return Calendar.from_setting(conf.get("TICKETS_SLA_CALENDAR"))


def soon() -> dt.timedelta:
    from . import conf

    return dt.timedelta(minutes=conf.get("TICKETS_SLA_DUE_SOON_MINUTES"))


def policies() -> dict[int, object]:
    from .models import SLAPolicy

    return {policy.priority: policy for policy in SLAPolicy.objects.all()}


def due_dates(created_at, policy) -> tuple[dt.datetime | None, dt.datetime | None]:
    if policy is None:
        return None, None
    calendar = policy.calendar()
    return (
        add_business_time(created_at, dt.timedelta(minutes=policy.first_reply_minutes), calendar),
        add_business_time(created_at, dt.timedelta(minutes=policy.resolution_minutes), calendar),
    )


def schedule(ticket, policy=...) -> None:
    """Set ``ticket``'s due dates from the policy of its priority (not saved)."""
    if policy is ...:
        from .models import SLAPolicy

        policy = SLAPolicy.objects.filter(priority=ticket.priority).first()
    ticket.first_reply_due_at, ticket.resolution_due_at = due_dates(ticket.created_at, policy)


def timers_for(ticket, now=None, *, policy=..., first_reply_at=...) -> list[Timer]:
    """The first-reply and resolution timers of ``ticket`` (none without a policy).
    ``first_reply_at`` may come annotated on the ticket (the queue does so)."""
    now = now or timezone.now()
    if policy is ...:
        from .models import SLAPolicy

        policy = SLAPolicy.objects.filter(priority=ticket.priority).first()
    calendar = policy.calendar() if policy is not None else default_calendar()
    if first_reply_at is ...:
        first_reply_at = getattr(ticket, "first_reply_at", ...)
        if first_reply_at is ...:
            first_reply_at = first_public_reply(ticket)
    resolved_at = ticket.solved_at or ticket.closed_at
    found = []
    if ticket.first_reply_due_at:
        found.append(
            timer(
                "first_reply",
                ticket.first_reply_due_at,
                first_reply_at,
                now,
                calendar,
                soon=soon(),
            )
        )
    if ticket.resolution_due_at:
        found.append(
            timer("resolution", ticket.resolution_due_at, resolved_at, now, calendar, soon=soon())
        )
    return found


def first_public_reply(ticket):
    from .models import TicketMessage

    first = (
        TicketMessage.objects.filter(ticket=ticket, from_agent=True, is_internal=False)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return first
