"""SLA policies and canned replies managed in the admin, and the queue's query count."""

import datetime as dt

import pytest

from tickets.models import CannedReply, SLAPolicy

pytestmark = pytest.mark.django_db

UTC = dt.UTC
QUEUE = "/admin/support/tickets/"


@pytest.fixture
def office_hours(settings):
    settings.TICKETS_SLA_CALENDAR = {
        "weekdays": [0, 1, 2, 3, 4],
        "opens": "09:00",
        "closes": "17:00",
        "time_zone": "UTC",
    }


def test_editing_a_policy_moves_open_tickets(
    client, superuser, office_hours, file_ticket, customer
):
    saturday = dt.datetime(2026, 12, 5, 12, tzinfo=UTC)
    ticket = file_ticket(customer, priority=4, at=saturday, notify=False)
    policy = SLAPolicy.objects.get(priority=4)
    client.force_login(superuser)
    url = f"/admin/support/sla/edit/{policy.pk}/"
    assert client.get(url).status_code == 200
    data = {
        "priority": "4",
        "first_reply_minutes": "30",
        "resolution_minutes": "120",
        "custom_hours": "on",
        "weekdays": ["5", "6"],
        "opens_at": "10:00",
        "closes_at": "14:00",
        "time_zone": "Europe/Bucharest",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    policy.refresh_from_db()
    assert (policy.weekdays, policy.time_zone) == ("5,6", "Europe/Bucharest")
    ticket.refresh_from_db()
    # Saturday 12:00 UTC is 14:00 in Bucharest, closing time: Sunday 10:30 local, 08:30 UTC.
    assert ticket.first_reply_due_at == dt.datetime(2026, 12, 6, 8, 30, tzinfo=UTC)
    # Incomplete own hours are refused.
    response = client.post(url, {**data, "weekdays": [], "closes_at": "09:00"})
    assert response.status_code == 200
    assert "Choose at least one working day." in response.content.decode()


def test_agents_keep_canned_replies_and_read_policies(client, agent):
    client.force_login(agent)
    response = client.post(
        "/admin/support/canned-replies/new/",
        {"title": "Logs", "body": "Hi {{ customer_name }}, please send us the logs."},
    )
    assert response.status_code == 302
    assert CannedReply.objects.get().title == "Logs"
    assert client.get("/admin/support/sla/").status_code == 200
    assert client.get("/admin/support/sla/new/").status_code in (302, 403)


def test_the_queue_query_count_does_not_grow_with_tickets(
    client, agent, customer, file_ticket, django_assert_max_num_queries
):
    from tickets import services

    for number in range(12):
        ticket = file_ticket(customer, subject=f"Problem number {number}", notify=False)
        services.reply_as_agent(ticket, agent, "Looking into it.")
        services.save_view(agent, f"View {number}", {"priority": [str(number % 4 + 1)]})
    client.force_login(agent)
    client.get(QUEUE)
    with django_assert_max_num_queries(30):
        response = client.get(QUEUE)
    assert response.status_code == 200
