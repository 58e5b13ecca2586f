"""The agents' side in the Wagtail admin: the queue with its filters, the ticket workspace
(reply, internal note, status, priority, assignee, tags — all audited), drafting a KB
article from a solved ticket, and tickets for unanswered forum questions."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from kb.models import ArticlePage
from tests.factories import UserFactory
from tickets import services
from tickets.models import Ticket, TicketChange
from tickets.permission_policies import TicketPermissionPolicy

from .conftest import PNG, upload

pytestmark = pytest.mark.django_db

QUEUE = "/admin/support/tickets/"


def workspace(ticket):
    return f"/admin/support/tickets/edit/{ticket.pk}/"


@pytest.fixture
def ticket(file_ticket, customer):
    return file_ticket(customer, notify=False)


def test_the_queue_lists_work_first_and_filters(client, agent, customer, file_ticket, products):
    urgent = file_ticket(customer, subject="Everything is down", priority=4)
    low = file_ticket(customer, subject="A small wording question", priority=1)
    done = file_ticket(customer, subject="Already solved thing", priority=4)
    services.reply_as_agent(done, agent, "Fixed.", status="closed")
    atlas = file_ticket(customer, subject="Atlas dashboards slow", product=products["atlas"])
    services.assign(atlas, agent, agent)
    client.force_login(agent)
    body = client.get(QUEUE).content.decode()
    positions = [body.index(t.subject) for t in (urgent, low, done)]
    assert positions[0] < positions[1] < positions[2], "work to do first, urgent first"
    filtered = client.get(QUEUE, {"status": "new", "priority": "4"}).content.decode()
    assert urgent.subject in filtered and low.subject not in filtered
    by_product = client.get(QUEUE, {"product": products["atlas"].pk}).content.decode()
    assert atlas.subject in by_product and urgent.subject not in by_product
    mine = client.get(QUEUE, {"assignee": agent.pk}).content.decode()
    assert atlas.subject in mine and urgent.subject not in mine
    nobody = client.get(QUEUE, {"assignee": "null"}).content.decode()
    assert urgent.subject in nobody and atlas.subject not in nobody
    searched = client.get(QUEUE, {"q": "dashboards"}).content.decode()
    assert atlas.subject in searched and urgent.subject not in searched
    assert "Support" in client.get("/admin/").content.decode()


def test_tickets_are_never_added_or_deleted_in_the_admin(client, agent, superuser, ticket):
    for person in (agent, superuser):
        client.force_login(person)
        assert client.get(f"{QUEUE}new/").status_code in (302, 403)
        assert client.post(f"{QUEUE}delete/{ticket.pk}/").status_code in (302, 403)
    assert Ticket.objects.filter(pk=ticket.pk).exists()
    policy = TicketPermissionPolicy(Ticket)
    assert not policy.user_has_permission(agent, "add")
    assert policy.user_has_permission(agent, "change")
    assert agent in policy.users_with_any_permission(["change"])


def test_the_workspace_shows_everything_the_agent_needs(client, agent, customer, content, indexed):
    indexed()
    client.force_login(customer)
    client.post(
        "/support/new/suggest/",
        {"product": "relay", "subject": "Webhook signature fails", "description": ""},
    )
    client.post(
        "/support/new/",
        {"product": "relay", "subject": "Webhook signature fails", "action": "continue"},
    )
    client.post(
        "/support/new/details/",
        {
            "product": "relay",
            "subject": "Webhook signature fails",
            "description": "Every delivery fails since Monday.",
            "priority": "2",
        },
    )
    ticket = Ticket.objects.get()
    services.add_internal_note(ticket, agent, "Checked the logs: CDN rewrites bodies.")
    client.force_login(agent)
    body = client.get(workspace(ticket)).content.decode()
    assert "Every delivery fails since Monday." in body
    assert "Checked the logs: CDN rewrites bodies." in body and "Internal note" in body
    assert "What the customer tried first" in body
    assert "“Webhook signature fails”" in body
    assert "Verify webhook signatures" in body and "shown, not opened" in body


def test_reply_note_and_changes_are_audited(
    client, agent, second_agent, customer, ticket, django_capture_on_commit_callbacks
):
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            workspace(ticket),
            {
                "action": "reply",
                "body": "Please send the request id.",
                "status": "pending",
                "attachments": [upload("steps.png", PNG)],
            },
        )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.PENDING
    assert ticket.assignee == agent, "an unassigned ticket goes to the agent who answers"
    assert [m.to for m in mail.outbox] == [[customer.email]]
    response = client.post(workspace(ticket), {"action": "note", "body": "VIP customer."})
    assert response.status_code == 302
    assert ticket.messages.filter(is_internal=True, body="VIP customer.").exists()
    response = client.post(
        workspace(ticket),
        {
            "action": "update",
            "status": "open",
            "priority": "3",
            "assignee": second_agent.pk,
            "tags": "webhooks, cdn",
        },
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority, ticket.assignee) == ("open", 3, second_agent)
    assert sorted(t.name for t in ticket.tags.all()) == ["cdn", "webhooks"]
    log = list(ticket.changes.values_list("field", "old_label", "new_label", "actor"))
    assert ("assignee", "Nobody", "Sam Agent", agent.pk) in log
    assert ("status", "New", "Open", agent.pk) in log
    assert ("status", "Open", "Pending", agent.pk) in log
    assert ("priority", "Normal", "High", agent.pk) in log
    assert ("assignee", "Sam Agent", "Rita Agent", agent.pk) in log
    assert ("status", "Pending", "Open", agent.pk) in log
    assert all(change.created_at for change in TicketChange.objects.all())
    body = client.get(workspace(ticket)).content.decode()
    assert "Sam Agent: Priority Normal → High" in body


def test_invalid_actions_keep_what_was_typed(client, agent, ticket, customer):
    client.force_login(agent)
    response = client.post(workspace(ticket), {"action": "reply", "body": "", "status": "open"})
    assert response.status_code == 400
    response = client.post(
        workspace(ticket),
        {
            "action": "update",
            "status": "open",
            "priority": "2",
            "assignee": customer.pk,
            "tags": "",
        },
    )
    assert response.status_code == 400, "customers cannot be assignees"
    response = client.post(workspace(ticket), {"action": "hack"})
    assert response.status_code == 302


def test_a_solved_ticket_becomes_a_draft_article(client, agent, ticket, content):
    services.reply_as_agent(ticket, agent, "Rotate the secret in Settings, then redeploy.")
    services.add_internal_note(ticket, agent, "Secret internal remark.")
    client.force_login(agent)
    body = client.get(workspace(ticket)).content.decode()
    assert "Turn into a knowledge-base article" not in body, "only once solved"
    services.change_status(ticket, agent, "solved")
    response = client.post(
        workspace(ticket),
        {
            "action": "draft_article",
            "category": content["category"].pk,
            "title": "Webhook deliveries fail with 401 after rotating the secret",
        },
    )
    article = ArticlePage.objects.get(title__startswith="Webhook deliveries fail with 401")
    assert response.status_code == 302
    assert response["Location"] == f"/admin/pages/{article.pk}/edit/"
    assert not article.live and article.has_unpublished_changes
    assert article.get_parent().pk == content["category"].pk
    revision = article.latest_revision
    assert revision is not None and revision.user == agent
    text = article.markdown_source
    assert ticket.description in text
    assert "Rotate the secret in Settings, then redeploy." in text
    assert "Secret internal remark." not in text
    ticket.refresh_from_db()
    assert ticket.kb_article_id == article.pk
    assert client.get(article.url or "/kb/x/").status_code == 404, "a draft is not public"


def test_an_unanswered_question_becomes_a_ticket_for_its_author(
    client, agent, content, member, django_capture_on_commit_callbacks
):
    question = content["unanswered"]
    type(question).objects.filter(pk=question.pk).update(
        created_at=timezone.now() - dt.timedelta(days=3)
    )
    client.force_login(agent)
    body = client.get("/admin/support/unanswered/").content.decode()
    assert question.title in body
    assert content["solved"].title not in body
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/support/unanswered/",
            {"question": question.pk, "message": "Nobody answered, so we are on it."},
        )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == workspace(ticket)
    assert ticket.source == Ticket.Source.FORUM and ticket.question == question
    assert ticket.requester == question.author and ticket.assignee == agent
    assert ticket.status == Ticket.Status.PENDING
    assert [m.to for m in mail.outbox] == [[question.author.email]]
    assert question.title not in client.get("/admin/support/unanswered/").content.decode()
    # Both ways: the question page shows agents the ticket; members see nothing of it.
    page = client.get(question.get_absolute_url()).content.decode()
    assert f'href="{workspace(ticket)}"' in page
    client.force_login(member)
    assert "Support tickets" not in client.get(question.get_absolute_url()).content.decode()
    # The author sees the link back to the question.
    client.force_login(question.author)
    assert question.title in client.get(ticket.get_absolute_url()).content.decode()
    with pytest.raises(Exception, match="already open"):
        services.ticket_from_question(question, agent)


def test_solved_tickets_close_after_a_week(ticket, agent):
    services.reply_as_agent(ticket, agent, "Done.", status="solved")
    assert services.close_solved_tickets() == 0
    later = timezone.now() + dt.timedelta(days=8)
    assert services.close_solved_tickets(now=later) == 1
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CLOSED
    change = ticket.changes.get(new_value="closed")
    assert change.actor is None


def test_workspace_query_count_is_fixed(
    client, agent, customer, ticket, django_assert_max_num_queries
):
    services.reply_as_customer(ticket, customer, "First detail", files=[upload("x.png", PNG)])
    client.force_login(agent)
    url = workspace(ticket)
    client.get(url)
    with django_assert_max_num_queries(30) as small:
        client.get(url)
    for n in range(6):
        services.reply_as_customer(ticket, customer, f"Detail {n}", files=[upload("x.png", PNG)])
        services.add_internal_note(ticket, agent, f"Note {n}")
        services.change_priority(ticket, agent, 1 + n % 4)
    with django_assert_max_num_queries(30) as large:
        client.get(url)
    assert len(large) == len(small)


def test_people_outside_support_get_no_menu(client, editor):
    UserFactory(username="nobody")
    client.force_login(editor)
    menu = client.get("/admin/").content.decode()
    assert "Ticket queue" not in menu
