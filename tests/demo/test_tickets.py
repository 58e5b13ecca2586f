"""The support demo: tickets in every state with conversations and internal notes, funnel
history for the report, loaded through the services and idempotent."""

import pytest
from django.db.models import Count

from demo import tickets as tickets_demo
from demo.seed import DemoSeeder
from tickets import reports
from tickets.models import FunnelEvent, SupportFlow, Ticket, TicketChange, TicketMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(products):
    seeder = DemoSeeder()
    seeder.segments()
    seeder.accounts()
    return seeder.users


def test_the_demo_has_every_state_and_loads_once(people):
    steps = []
    made = tickets_demo.load_tickets_demo(people, progress=lambda n=1: steps.append(n))
    assert len(steps) == tickets_demo.steps_count()
    statuses = set(Ticket.objects.values_list("status", flat=True))
    assert statuses == set(Ticket.Status.values)
    assert TicketMessage.objects.filter(is_internal=True).exists()
    assert TicketMessage.objects.filter(is_internal=False, from_agent=True).exists()
    assert TicketMessage.objects.filter(from_agent=False).exists()
    assert TicketChange.objects.filter(field="priority").exists()
    assert TicketChange.objects.filter(field="assignee").exists()
    assert Ticket.objects.filter(attachments__isnull=False).exists()
    assert made["flows"] == SupportFlow.objects.count() > 100
    names = dict(FunnelEvent.objects.values_list("name").annotate(n=Count("pk")))
    assert names["started"] == SupportFlow.objects.count()
    assert names["filed"] == Ticket.objects.exclude(flow=None).count()
    # Ticket numbers follow the order the tickets were filed in.
    numbers = list(Ticket.objects.order_by("created_at").values_list("number", flat=True))
    assert numbers == sorted(numbers)
    report = reports.build_report(days=90)
    assert report.started > 50 and report.filed > 0

    counts = (Ticket.objects.count(), SupportFlow.objects.count(), FunnelEvent.objects.count())
    again = tickets_demo.load_tickets_demo(people)
    assert again["tickets"] == again["flows"] == 0
    assert (
        Ticket.objects.count(),
        SupportFlow.objects.count(),
        FunnelEvent.objects.count(),
    ) == counts


def test_demo_prose_is_real_support_language():
    for story in tickets_demo.STORIES:
        for text in [story.subject, story.description, *(s.body for s in story.steps)]:
            assert "lorem" not in text.lower()
            assert "ipsum" not in text.lower()
    products = {story.product for story in tickets_demo.STORIES}
    assert products == {"ledger", "relay", "atlas"}
