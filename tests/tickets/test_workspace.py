"""The agents' workspace: saved views and their counts (one query), the queue's new
filters (assignee "me", tags, SLA breach), bulk assign and close, canned replies in the
ticket's language, and the customer's activity beside a ticket."""

import datetime as dt
import json
import re

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from search.models import SearchClick, SearchLog
from tests.factories import UserFactory, make_article, make_category
from tickets import services
from tickets.errors import TicketError
from tickets.models import CannedReply, SavedView, Ticket, TicketChange
from tickets.workspace import clean_filters, view_counts, visible_views

pytestmark = pytest.mark.django_db

QUEUE = "/admin/support/tickets/"
LONG_AGO = timezone.now() - dt.timedelta(days=30)


@pytest.fixture
def queue(file_ticket, customer, agent, products):
    """Five tickets: two breached (filed a month ago, unanswered), one tagged billing,
    one in Romanian and one closed."""
    old_urgent = file_ticket(customer, subject="Old urgent outage", priority=4, at=LONG_AGO)
    old_low = file_ticket(customer, subject="Old low question", priority=1, at=LONG_AGO)
    billing = file_ticket(customer, subject="Invoice is wrong", categories=["billing"])
    romanian = file_ticket(
        customer, subject="Nu pot să mă conectez", language="ro", product=products["atlas"]
    )
    done = file_ticket(customer, subject="Done and dusted")
    services.assign(old_urgent, agent, agent)
    services.assign(billing, agent, agent)
    services.change_status(done, agent, "closed")
    return {
        "old_urgent": old_urgent,
        "old_low": old_low,
        "billing": billing,
        "romanian": romanian,
        "done": done,
    }


def test_saved_view_counts_in_one_query(
    queue, agent, second_agent, products, django_assert_num_queries
):
    views = [
        services.save_view(agent, "Mine", {"assignee": "me"}, shared=True),
        services.save_view(agent, "Nobody's", {"assignee": "null", "status": ["new", "open"]}),
        services.save_view(agent, "Billing", {"tag": ["billing"]}),
        services.save_view(agent, "Breached", {"sla": "breached"}),
        services.save_view(
            agent, "Romanian Atlas", {"language": "ro", "product": str(products["atlas"].pk)}
        ),
        services.save_view(agent, "Urgent", {"priority": ["4"]}),
        services.save_view(agent, "Closed", {"status": ["closed"]}),
    ]
    with django_assert_num_queries(1):
        counts = view_counts(views, agent)
    assert [counts[view.pk] for view in views] == [2, 2, 1, 2, 1, 1, 1]
    # "Me" is whoever looks; the other agent sees the shared view only.
    assert list(visible_views(second_agent)) == [views[0]]
    assert view_counts(visible_views(second_agent), second_agent) == {views[0].pk: 0}


def test_the_queue_lists_views_with_counts_and_filters(client, queue, agent):
    services.save_view(agent, "Breached work", {"sla": "breached"})
    client.force_login(agent)
    body = client.get(QUEUE).content.decode()
    assert "Breached work" in body and "2 tickets" in body
    breached = client.get(QUEUE, {"sla": "breached"}).content.decode()
    assert queue["old_urgent"].subject in breached and queue["billing"].subject not in breached
    assert "Overdue by" in breached and "data-sla-breached" in breached
    mine = client.get(QUEUE, {"assignee": "me"}).content.decode()
    assert queue["billing"].subject in mine and queue["old_low"].subject not in mine
    tagged = client.get(QUEUE, {"tag": "billing"}).content.decode()
    assert queue["billing"].subject in tagged and queue["old_urgent"].subject not in tagged


def test_saving_and_deleting_a_view(client, queue, agent, second_agent):
    client.force_login(agent)
    response = client.post(
        f"{QUEUE}views/", {"name": "  My  urgent ", "priority": "4", "bogus": "x", "shared": "on"}
    )
    assert response.status_code == 302
    view = SavedView.objects.get()
    assert (view.name, view.filters, view.shared, view.owner) == (
        "My urgent",
        {"priority": ["4"]},
        True,
        agent,
    )
    client.force_login(second_agent)
    client.post(f"{QUEUE}views/{view.pk}/delete/")
    assert SavedView.objects.filter(pk=view.pk).exists(), "only the owner deletes a view"
    client.force_login(agent)
    client.post(f"{QUEUE}views/{view.pk}/delete/")
    assert not SavedView.objects.exists()


def test_clean_filters_keeps_only_known_values():
    assert clean_filters(
        {
            "status": ["open", "nonsense"],
            "priority": ["x", "3"],
            "assignee": "robert'; --",
            "sla": "whenever",
            "language": "fa",
            "product": "12",
        }
    ) == {"status": ["open"], "priority": ["3"], "language": "fa", "product": "12"}


def test_without_permission_nothing_is_seen(client, queue, agent):
    services.save_view(agent, "Shared", {"status": ["new"]}, shared=True)
    staff = UserFactory(username="editor", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="access_admin"))
    assert list(visible_views(staff)) == []
    assert view_counts(SavedView.objects.all(), staff) == {}
    client.force_login(staff)
    assert client.get(QUEUE).status_code in (302, 403)
    ticket = queue["old_low"]
    response = client.post(f"{QUEUE}bulk/", {"action": "close", "ticket": [ticket.pk]})
    assert response.status_code in (302, 403)
    assert client.post(f"{QUEUE}views/", {"name": "x", "status": "new"}).status_code in (302, 403)
    assert SavedView.objects.count() == 1
    ticket.refresh_from_db()
    assert ticket.status == "new"


def test_bulk_assign_and_close_log_each_ticket(client, queue, agent, second_agent):
    picked = [queue["old_low"], queue["romanian"], queue["done"]]
    client.force_login(second_agent)
    response = client.post(
        f"{QUEUE}bulk/",
        {"action": "assign_me", "ticket": [t.pk for t in picked], "next": f"{QUEUE}?sla=breached"},
    )
    assert response.status_code == 302 and response["Location"] == f"{QUEUE}?sla=breached"
    for ticket in picked:
        ticket.refresh_from_db()
        assert ticket.assignee == second_agent
        assert ticket.changes.filter(field="assignee", actor=second_agent).count() == 1
    client.post(
        f"{QUEUE}bulk/",
        {"action": "assign", "assignee": str(agent.pk), "ticket": [queue["old_low"].pk]},
    )
    queue["old_low"].refresh_from_db()
    assert queue["old_low"].assignee == agent

    before = TicketChange.objects.filter(field="status", new_value="closed").count()
    client.post(f"{QUEUE}bulk/", {"action": "close", "ticket": [t.pk for t in picked]})
    for ticket in picked:
        ticket.refresh_from_db()
        assert ticket.status == Ticket.Status.CLOSED
    # The ticket already closed gets no second entry.
    assert TicketChange.objects.filter(field="status", new_value="closed").count() == before + 2


def test_bulk_changes_are_all_or_nothing(queue, agent, customer):
    ids = [queue["old_low"].pk, queue["romanian"].pk]
    with pytest.raises(TicketError):
        services.bulk_assign(ids, agent, customer)  # a customer cannot be assigned
    with pytest.raises(TicketError):
        services.bulk_close([], agent)
    with pytest.raises(TicketError):
        services.bulk_close(ids, customer)
    assert not Ticket.objects.filter(pk__in=ids, assignee__isnull=False).exists()
    assert not Ticket.objects.filter(pk__in=ids, status="closed").exists()


@pytest.fixture
def replies(db):
    both = CannedReply.objects.create(
        title="Thanks",
        body="Hello {{ customer_name }}, thanks for {{ ticket_number }}. "
        "— {{agent_name}} {{ other }}",
        title_fa="سپاس",
        body_fa="سلام {{ customer_name }}، برای {{ ticket_number }} سپاسگزاریم.",
        title_ro="Mulțumim",
        body_ro="",
    )
    return both


def test_canned_replies_in_the_ticket_language(client, replies, file_ticket, customer, agent):
    persian = file_ticket(customer, language="fa", notify=False)
    romanian = file_ticket(customer, language="ro", notify=False)
    assert replies.render(persian, agent) == (
        "fa",
        "سپاس",
        f"سلام Priya Customer، برای {persian.reference} سپاسگزاریم.",
    )
    # No Romanian text: English, placeholders filled, unknown ones left alone.
    assert replies.render(romanian, agent) == (
        "en",
        "Thanks",
        f"Hello Priya Customer, thanks for {romanian.reference}. — Sam Agent {{{{ other }}}}",
    )
    client.force_login(agent)
    body = client.get(f"{QUEUE}edit/{persian.pk}/").content.decode()
    data = json.loads(
        re.search(
            r'<script id="support-canned-data" type="application/json">(.*?)</script>', body
        ).group(1)
    )
    assert data == [
        {
            "id": replies.pk,
            "language": "fa",
            "title": "سپاس",
            "text": replies.render(persian, agent)[2],
        }
    ]


def test_the_customer_activity_beside_a_ticket(
    client, home, products, file_ticket, customer, agent
):
    other = UserFactory(username="someone")
    article = make_article(make_category(title="Billing"), "Read your invoice", body="Lines.")
    restricted = make_article(
        make_category(title="Partners"),
        "Partner pricing",
        body="Secret.",
        restricted=True,
        segments=[products["relay"]],
    )
    mine = SearchLog.objects.create(
        source="page", query="invoice vat", user=customer, result_count=3
    )
    SearchClick.objects.create(search=mine, rank=1, item=f"article:{article.pk}")
    SearchClick.objects.create(search=mine, rank=2, item=f"article:{restricted.pk}")
    SearchLog.objects.create(source="page", query="someone else's secret", user=other)
    SearchLog.objects.create(source="page", query="anonymous search", session_key="abc")
    past = file_ticket(customer, subject="An older request", notify=False)
    ticket = file_ticket(customer, notify=False)
    client.force_login(agent)
    body = client.get(f"{QUEUE}edit/{ticket.pk}/").content.decode()
    panel = body[body.index("data-support-activity") :]
    assert "invoice vat" in panel and "Read your invoice" in panel
    assert "someone else" not in body and "anonymous search" not in body
    assert past.subject in panel
    # Titles go through segments.policy for the agent: staff may see restricted articles.
    assert "Partner pricing" in panel
    restricted.unpublish()
    body = client.get(f"{QUEUE}edit/{ticket.pk}/").content.decode()
    assert "Partner pricing" not in body, "an unpublished article is not listed"


def test_due_soon_and_breached_states(client, file_ticket, customer, agent, settings):
    from tickets.workspace import breached_q, due_soon_q

    settings.TICKETS_SLA_DUE_SOON_MINUTES = 60
    now = timezone.now()
    soon = file_ticket(customer, subject="Due in half an hour", notify=False)
    later = file_ticket(customer, subject="Due tomorrow", notify=False)
    late_reply = file_ticket(customer, subject="Answered after the target", notify=False)
    Ticket.objects.filter(pk=soon.pk).update(
        first_reply_due_at=now + dt.timedelta(minutes=30),
        resolution_due_at=now + dt.timedelta(days=3),
    )
    Ticket.objects.filter(pk=later.pk).update(
        first_reply_due_at=now + dt.timedelta(days=1),
        resolution_due_at=now + dt.timedelta(days=3),
    )
    services.reply_as_agent(late_reply, agent, "Sorry for the wait.", status="open")
    Ticket.objects.filter(pk=late_reply.pk).update(
        first_reply_due_at=now - dt.timedelta(hours=2),
        resolution_due_at=now + dt.timedelta(days=3),
    )
    hour = dt.timedelta(hours=1)
    assert set(Ticket.objects.filter(due_soon_q(now, hour))) == {soon}
    assert set(Ticket.objects.filter(breached_q(now))) == {late_reply}
    # A public reply before the target stops the first-reply timer: not due soon any more.
    services.reply_as_agent(soon, agent, "On it.", status="open")
    assert not Ticket.objects.filter(due_soon_q(now, hour)).exists()

    client.force_login(agent)
    body = client.get(f"{QUEUE}edit/{late_reply.pk}/").content.decode()
    assert "First reply: <strong>Missed by" in body and "data-sla-breached" in body
    body = client.get(QUEUE, {"sla": "due_soon"}).content.decode()
    assert later.subject not in body
