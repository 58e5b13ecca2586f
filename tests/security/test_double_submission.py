"""A form sent twice (double click, reload, flaky connection) makes one thing, and the
second copy is sent to what the first one made."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from core import submissions
from forum import services as forum_services
from forum.models import Answer, Question
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

QUESTION = {
    "title": "How do I rotate the webhook signing secret?",
    "product": None,
    "tags": "webhooks",
    "body": "We rotated the secret and now every delivery fails. What did we miss?",
}


def _token_in(html: str) -> str:
    match = re.search(r'name="submission_token" value="([^"]+)"', html)
    assert match, "the form carries no submission token"
    return match.group(1)


@pytest.fixture
def signed_in(client, member):
    client.force_login(member)
    return client


def test_asking_twice_posts_one_question(signed_in, products):
    token = _token_in(signed_in.get("/community/ask/").content.decode())
    data = {**QUESTION, "product": products["relay"].pk, "submission_token": token}

    first = signed_in.post("/community/ask/", data)
    second = signed_in.post("/community/ask/", data)

    question = Question.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == question.get_absolute_url()


def test_a_new_form_is_a_new_question(signed_in, products):
    for title in ("Webhook secret rotation fails", "Webhook retries stop after an hour"):
        token = _token_in(signed_in.get("/community/ask/").content.decode())
        data = {**QUESTION, "title": title, "product": products["relay"].pk}
        assert signed_in.post("/community/ask/", {**data, "submission_token": token}).status_code
    assert Question.objects.count() == 2


def test_a_corrected_form_goes_through_with_the_same_token(signed_in, products):
    token = _token_in(signed_in.get("/community/ask/").content.decode())
    data = {**QUESTION, "product": products["relay"].pk, "submission_token": token}

    refused = signed_in.post("/community/ask/", {**data, "body": ""})
    assert refused.status_code == 200
    assert _token_in(refused.content.decode()) == token  # shown again with the same token
    accepted = signed_in.post("/community/ask/", data)

    assert accepted.status_code == 302
    assert Question.objects.count() == 1


def test_answering_twice_posts_one_answer(signed_in, other_member, products):
    question = forum_services.ask_question(
        other_member,
        title="Webhook signatures fail after rotation",
        body="Every delivery fails since we rotated the secret.",
        product=products["relay"],
        tags="webhooks",
        enforce_limits=False,
    )
    page = signed_in.get(question.get_absolute_url()).content.decode()
    data = {"body": "Update the secret on your server too.", "submission_token": _token_in(page)}
    url = f"/community/q/{question.pk}/answer/"

    first = signed_in.post(url, data)
    second = signed_in.post(url, data)

    answer = Answer.objects.get(question=question)
    assert first["Location"] == second["Location"] == answer.get_absolute_url()
    assert Question.objects.get(pk=question.pk).answer_count == 1


def test_filing_twice_files_one_ticket(signed_in, products):
    signed_in.post(
        "/support/new/",
        {"action": "continue", "product": "relay", "subject": "Exports fail halfway"},
    )
    page = signed_in.get("/support/new/details/").content.decode()
    data = {
        "product": "relay",
        "subject": "Exports fail halfway",
        "description": "Every CSV export stops halfway since this morning, for all users.",
        "priority": "2",
        "submission_token": _token_in(page),
    }

    first = signed_in.post("/support/new/details/", data)
    second = signed_in.post("/support/new/details/", data)

    ticket = Ticket.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == ticket.get_absolute_url()


def test_a_copy_sent_while_the_first_is_saving_waits_then_moves_on(
    signed_in, member, products, monkeypatch
):
    monkeypatch.setattr(submissions, "WAIT_SECONDS", 0)
    token = submissions.new_token()
    # The first copy has claimed the token and is still being saved.
    cache.set(f"submission:forum-ask:u{member.pk}:{token}", submissions.PENDING)
    data = {**QUESTION, "product": products["relay"].pk, "submission_token": token}

    response = signed_in.post("/community/ask/", data)

    assert response.status_code == 302
    assert response["Location"] == "/community/"
    assert not Question.objects.exists()


def test_tokens_belong_to_one_member(client, member, other_member, products):
    token = submissions.new_token()
    data = {**QUESTION, "product": products["relay"].pk, "submission_token": token}
    client.force_login(member)
    client.post("/community/ask/", data)
    client.force_login(other_member)
    client.post("/community/ask/", {**data, "title": "Webhook secret rotation, again"})
    assert Question.objects.count() == 2


def test_malformed_tokens_are_ignored():
    assert submissions.clean_token("short") is None
    assert submissions.clean_token("a" * 65) is None
    assert submissions.clean_token("x" * 20 + "\x00") is None
    assert submissions.clean_token(["x" * 20]) is None
    token = submissions.new_token()
    assert submissions.clean_token(token) == token
