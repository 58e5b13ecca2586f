"""Each domain action, done through its service (or Wagtail's publish), records a delivery
for every active endpoint subscribed to its event — and only for those."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from forum import services as forum
from tests.factories import UserFactory
from tests.factories.pages import make_announcement, make_article, publish
from tickets import services as tickets
from webhooks import events
from webhooks.models import Delivery

pytestmark = pytest.mark.django_db

URL = "https://hooks.example.com/portico"


@pytest.fixture
def everything(make_endpoint):
    return make_endpoint(URL)


@pytest.fixture
def customer(db):
    return UserFactory(username="customer", display_name="Priya Customer")


@pytest.fixture
def agent(db):
    user = UserFactory(username="agent", display_name="Sam Agent", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


@pytest.fixture
def ticket(customer, products):
    return tickets.file_ticket(
        customer,
        product=products["relay"],
        subject="Webhook deliveries fail with 401",
        description="Since this morning every delivery to our endpoint fails.",
        enforce_limits=False,
        notify=False,
    )


def data(event):
    deliveries = list(Delivery.objects.filter(event=event))
    assert len(deliveries) == 1, [d.event for d in Delivery.objects.all()]
    assert deliveries[0].payload["event"] == event
    return deliveries[0].payload["data"]


def test_ticket_created(everything, ticket, customer):
    payload = data(events.TICKET_CREATED)["ticket"]
    assert payload["id"] == ticket.pk and payload["number"] == ticket.number
    assert payload["status"] == "new" and payload["product"]["slug"] == "relay"
    assert payload["requester"]["email"] == customer.email
    assert payload["admin_url"] == f"http://testserver/admin/support/tickets/edit/{ticket.pk}/"


def test_ticket_updated_once_per_change_with_every_field(everything, ticket, agent):
    tickets.assign(ticket, agent, agent)  # the assignee and, with it, the status
    payload = data(events.TICKET_UPDATED)
    assert payload["ticket"]["assignee"]["id"] == agent.pk
    assert payload["ticket"]["status"] == "open"
    assert {(c["field"], c["new_value"]) for c in payload["changes"]} == {
        ("assignee", str(agent.pk)),
        ("status", "open"),
    }
    assert not Delivery.objects.filter(event=events.TICKET_SOLVED).exists()
    # Nothing changed, nothing sent.
    assert tickets.change_priority(ticket, agent, ticket.priority) is False
    assert Delivery.objects.filter(event=events.TICKET_UPDATED).count() == 1


def test_ticket_replied_but_never_for_an_internal_note(everything, ticket, agent, customer):
    tickets.add_internal_note(ticket, agent, "Customer is on the old plan; check limits.")
    assert not Delivery.objects.filter(event=events.TICKET_REPLIED).exists()
    message = tickets.reply_as_agent(ticket, agent, "We rotated your key; try again.", notify=False)
    payload = data(events.TICKET_REPLIED)
    assert payload["message"]["id"] == message.pk
    assert payload["message"]["from_agent"] is True
    assert payload["message"]["body"] == "We rotated your key; try again."
    assert "old plan" not in str(Delivery.objects.values_list("payload", flat=True))


def test_ticket_solved(everything, ticket, agent):
    tickets.change_status(ticket, agent, "solved")
    payload = data(events.TICKET_SOLVED)
    assert payload["ticket"]["status"] == "solved"
    assert payload["solved_by"]["id"] == agent.pk
    assert data(events.TICKET_UPDATED)["changes"][0]["new_value"] == "solved"


def test_question_asked_answered_and_accepted(everything, customer, products):
    other = UserFactory(username="helper")
    question = forum.ask_question(
        customer,
        title="How do I rotate the webhook signing secret?",
        body="We rotated the secret and now every delivery fails.",
        product=products["relay"],
        tags="webhooks, security",
        enforce_limits=False,
    )
    asked = data(events.QUESTION_ASKED)["question"]
    assert asked["id"] == question.pk and asked["title"] == question.title
    assert asked["tags"] == ["security", "webhooks"]
    assert asked["url"] == "http://testserver" + question.get_absolute_url()
    assert asked["product"]["slug"] == "relay" and asked["restricted"] is False

    answer = forum.post_answer(question, other, body="Rotate it, then redeploy.", notify=False)
    answered = data(events.QUESTION_ANSWERED)
    assert answered["answer"]["id"] == answer.pk
    assert answered["question"]["id"] == question.pk

    forum.accept_answer(answer, customer, notify=False)
    accepted = data(events.QUESTION_ACCEPTED)
    assert accepted["answer"]["is_accepted"] is True
    assert accepted["answer"]["accepted_by"]["id"] == customer.pk


def test_article_published_restricted_content_marked(everything, home, products):
    article = make_article(title="Signing secrets", segments=[products["ledger"]], restricted=True)
    payload = data(events.ARTICLE_PUBLISHED)["article"]
    assert payload["id"] == article.pk and payload["title"] == "Signing secrets"
    assert payload["url"].startswith("http://") and payload["url"].endswith(f"/{article.slug}/")
    assert payload["restricted"] is True
    assert [s["slug"] for s in payload["segments"]] == ["ledger"]
    assert payload["revision_id"] == article.live_revision_id

    article.title = "Signing secrets, rotated"
    publish(article)
    assert Delivery.objects.filter(event=events.ARTICLE_PUBLISHED).count() == 2


def test_announcement_published(everything, home, products):
    page = make_announcement(title="Ledger 5.0", segments=[products["ledger"]])
    payload = data(events.ANNOUNCEMENT_PUBLISHED)["announcement"]
    assert payload["id"] == page.pk and payload["title"] == "Ledger 5.0"
    assert payload["date"] == page.date.isoformat()


def test_an_inactive_endpoint_gets_nothing(make_endpoint, ticket, home):
    make_endpoint(URL, is_active=False)
    make_article()
    tickets.change_status(ticket, UserFactory(is_superuser=True, is_staff=True), "solved")
    assert Delivery.objects.count() == 0


def test_only_the_subscribed_events_are_sent(make_endpoint, customer, products, home):
    questions = make_endpoint(URL, [events.QUESTION_ASKED])
    articles = make_endpoint(URL + "/kb", [events.ARTICLE_PUBLISHED])
    tickets.file_ticket(
        customer,
        product=products["relay"],
        subject="Nobody listens to this one",
        description="No endpoint subscribes to new tickets here.",
        enforce_limits=False,
        notify=False,
    )
    forum.ask_question(
        customer,
        title="Does anyone listen to questions?",
        body="One endpoint subscribes to questions.",
        product=products["relay"],
        tags="webhooks",
        enforce_limits=False,
    )
    make_article()
    assert sorted(Delivery.objects.values_list("endpoint_id", "event")) == sorted(
        [(questions.pk, events.QUESTION_ASKED), (articles.pk, events.ARTICLE_PUBLISHED)]
    )


def test_ticket_rated(everything, ticket, customer, agent):
    tickets.change_status(ticket, agent, "solved", notify=False)
    tickets.rate_ticket(ticket, customer, "bad", "Took too long", source="portal")
    payload = data(events.TICKET_RATED)
    assert payload["ticket"]["number"] == ticket.number
    assert payload["rating"]["score"] == "bad" and payload["rating"]["comment"] == "Took too long"
    assert payload["rating"]["first"] is True
    assert payload["solved_by"]["id"] == agent.pk
