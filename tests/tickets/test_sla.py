"""SLA arithmetic in business hours, with fixed datetimes: weekends, evenings, mornings
before opening, several days, time zones and a daylight-saving change; then the due dates
a ticket gets from the policy of its priority."""

import datetime as dt

import pytest

from tickets import services, sla
from tickets.models import SLAPolicy, Ticket

UTC = dt.UTC
OFFICE = sla.Calendar(
    weekdays=frozenset({0, 1, 2, 3, 4}), opens=dt.time(9), closes=dt.time(17), time_zone="UTC"
)
BUCHAREST = sla.Calendar(
    weekdays=frozenset({0, 1, 2, 3, 4}),
    opens=dt.time(9),
    closes=dt.time(17),
    time_zone="Europe/Bucharest",
)
HOUR = dt.timedelta(hours=1)


def at(day, hour, minute=0, tz=UTC):
    """A moment in December 2026 (the 4th is a Friday, the 7th a Monday)."""
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=tz)


@pytest.mark.parametrize(
    ("start", "duration", "due"),
    [
        (at(1, 10), 2 * HOUR, at(1, 12)),  # Tuesday, inside the day
        (at(4, 16), 2 * HOUR, at(7, 10)),  # Friday afternoon: one hour Friday, one Monday
        (at(5, 12), dt.timedelta(minutes=30), at(7, 9, 30)),  # Saturday: counts from Monday
        (at(6, 23, 59), HOUR, at(7, 10)),  # Sunday night
        (at(1, 7), HOUR, at(1, 10)),  # before opening: counts from 09:00
        (at(1, 18), HOUR, at(2, 10)),  # after closing: counts from the next morning
        (at(1, 17), HOUR, at(2, 10)),  # exactly at closing time
        (at(7, 9), 40 * HOUR, at(11, 17)),  # a whole working week ends Friday at closing
        (at(7, 9), 40 * HOUR + dt.timedelta(minutes=1), at(14, 9, 1)),  # one minute more
        (at(4, 12), dt.timedelta(0), at(4, 12)),  # nothing to add
    ],
)
def test_adding_business_time(start, duration, due):
    assert sla.add_business_time(start, duration, OFFICE) == due


def test_business_hours_are_read_in_their_time_zone():
    # 14:00 UTC on Friday is 16:00 in Bucharest (UTC+2 in winter): one hour is left on
    # Friday, the other is Monday 09:00–10:00 local, 08:00 UTC.
    assert sla.add_business_time(at(4, 14), 2 * HOUR, BUCHAREST) == at(7, 8)
    # 06:00 UTC on Monday is 08:00 in Bucharest, before opening.
    assert sla.add_business_time(at(7, 6), HOUR, BUCHAREST) == at(7, 8)


def test_a_daylight_saving_change_over_the_weekend():
    # Bucharest moves to summer time (UTC+3) on Sunday 28 March 2027.
    friday = dt.datetime(2027, 3, 26, 14, tzinfo=UTC)  # 16:00 local (UTC+2)
    assert sla.add_business_time(friday, 2 * HOUR, BUCHAREST) == dt.datetime(
        2027, 3, 29, 7, tzinfo=UTC
    )  # Monday 10:00 local (UTC+3)
    assert sla.business_time_between(
        friday, dt.datetime(2027, 3, 29, 7, tzinfo=UTC), BUCHAREST
    ) == (2 * HOUR)


def test_business_time_between_two_moments():
    assert sla.business_time_between(at(4, 16), at(7, 10), OFFICE) == 2 * HOUR
    assert sla.business_time_between(at(7, 10), at(4, 16), OFFICE) == -2 * HOUR
    assert sla.business_time_between(at(5, 8), at(6, 20), OFFICE) == dt.timedelta(0)
    assert sla.business_time_between(at(1, 18), at(2, 8), OFFICE) == dt.timedelta(0)
    assert sla.business_time_between(at(7, 0), at(12, 0), OFFICE) == 40 * HOUR
    assert sla.business_time_between(at(1, 16, 30), at(1, 16, 45), OFFICE) == dt.timedelta(
        minutes=15
    )


def test_a_calendar_needs_working_days_and_an_order():
    with pytest.raises(ValueError):
        sla.Calendar(weekdays=frozenset(), opens=dt.time(9), closes=dt.time(17))
    with pytest.raises(ValueError):
        sla.Calendar(weekdays=frozenset({0}), opens=dt.time(17), closes=dt.time(9))
    with pytest.raises(ValueError):
        sla.add_business_time(dt.datetime(2026, 12, 1, 9), HOUR, OFFICE)
    weekend = sla.Calendar.from_setting(
        {"weekdays": [5, 6], "opens": "10:00", "closes": "14:00", "time_zone": "UTC"}
    )
    assert sla.add_business_time(at(4, 12), HOUR, weekend) == at(5, 11)


SOON = HOUR


@pytest.mark.parametrize(
    ("due", "done", "now", "state", "business", "text"),
    [
        # Due Monday 10:00, now Friday 15:00: 3 business hours left, not "soon" in clock time.
        (at(7, 10), None, at(4, 15), "running", 3 * HOUR, "3 h 00 min left"),
        # 45 minutes before the target.
        (at(7, 10), None, at(7, 9, 15), "due_soon", dt.timedelta(minutes=45), "45 min left"),
        # Overdue since Friday 16:00; Monday 09:30: 1 h 30 of business time.
        (
            at(4, 16),
            None,
            at(7, 9, 30),
            "overdue",
            dt.timedelta(minutes=90),
            "Overdue by 1 h 30 min",
        ),
        # Done in time, or late (the weekend does not count).
        (at(4, 16), at(4, 15), at(7, 12), "met", dt.timedelta(0), "Met"),
        (
            at(4, 16),
            at(7, 9, 5),
            at(7, 12),
            "missed",
            dt.timedelta(minutes=65),
            "Missed by 1 h 05 min",
        ),
    ],
)
def test_a_timer_at_a_moment(due, done, now, state, business, text):
    timer = sla.timer("first_reply", due, done, now, OFFICE, soon=SOON)
    assert (timer.state, timer.business, timer.text) == (state, business, text)
    assert timer.is_breached == (state in ("overdue", "missed"))
    assert timer.label == "First reply"


# --- due dates on tickets --------------------------------------------------------------


@pytest.fixture
def office_hours(settings):
    settings.TICKETS_SLA_CALENDAR = {
        "weekdays": [0, 1, 2, 3, 4],
        "opens": "09:00",
        "closes": "17:00",
        "time_zone": "UTC",
    }
    settings.TICKETS_SLA_DUE_SOON_MINUTES = 60


@pytest.mark.django_db
def test_the_default_policies_and_due_dates_when_filed(office_hours, file_ticket, customer):
    assert set(SLAPolicy.objects.values_list("priority", flat=True)) == {1, 2, 3, 4}
    urgent = SLAPolicy.objects.get(priority=Ticket.Priority.URGENT)
    urgent.first_reply_minutes, urgent.resolution_minutes = 60, 480
    urgent.save()
    ticket = file_ticket(customer, priority=4, at=at(4, 16, 30), notify=False)
    assert ticket.first_reply_due_at == at(7, 9, 30)
    assert ticket.resolution_due_at == at(7, 16, 30)
    ticket.refresh_from_db()
    assert ticket.first_reply_due_at == at(7, 9, 30)


@pytest.mark.django_db
def test_a_priority_change_moves_the_targets(office_hours, file_ticket, customer, agent):
    ticket = file_ticket(customer, priority=1, at=at(1, 9), notify=False)
    low = SLAPolicy.objects.get(priority=1)
    assert ticket.first_reply_due_at == sla.add_business_time(
        at(1, 9), dt.timedelta(minutes=low.first_reply_minutes), OFFICE
    )
    services.change_priority(ticket, agent, Ticket.Priority.URGENT)
    ticket.refresh_from_db()
    assert ticket.first_reply_due_at == at(1, 10)


@pytest.mark.django_db
def test_a_policy_with_its_own_hours_and_rescheduling(office_hours, file_ticket, customer):
    ticket = file_ticket(customer, priority=3, at=at(5, 12), notify=False)  # Saturday
    policy = SLAPolicy.objects.get(priority=3)
    policy.first_reply_minutes = 60
    policy.custom_hours = True
    policy.weekdays = "0,1,2,3,4,5,6"
    policy.opens_at, policy.closes_at = dt.time(8), dt.time(20)
    policy.time_zone = "UTC"
    policy.full_clean()
    policy.save()
    assert services.reschedule(3) >= 1
    ticket.refresh_from_db()
    assert ticket.first_reply_due_at == at(5, 13)
    policy.delete()
    services.reschedule(3)
    ticket.refresh_from_db()
    assert ticket.first_reply_due_at is None and sla.timers_for(ticket) == []


@pytest.mark.django_db
def test_a_policy_with_its_own_hours_must_be_complete():
    from django.core.exceptions import ValidationError

    policy = SLAPolicy(priority=2, first_reply_minutes=10, resolution_minutes=20)
    policy.custom_hours = True
    with pytest.raises(ValidationError) as error:
        policy.clean()
    assert set(error.value.message_dict) == {"weekdays", "opens_at", "closes_at"}


def test_timers_read_in_persian_and_romanian():
    from django.utils import translation

    timer = sla.timer("resolution", at(4, 16), None, at(7, 10, 5), OFFICE, soon=SOON)
    with translation.override("fa"):
        assert (timer.label, timer.text) == ("حل", "۲ ساعت و ۰۵ دقیقه از مهلت گذشته")
    with translation.override("ro"):
        assert (timer.label, timer.text) == ("Rezolvare", "Întârziat cu 2 h 05 min")
