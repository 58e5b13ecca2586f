"""Writes in the community through the API: the token's person asks, answers and votes
through ``forum.services`` — the pages' validation, limits and moderation holds — and a
token without the ``write`` scope cannot write; the session needs its CSRF token."""

import json

import pytest
from django.test import Client

from forum.models import Answer, Question, QuestionVote

pytestmark = pytest.mark.django_db

QUESTION = {
    "title": "How do I rotate the webhook secret?",
    "body": "We need to rotate it every month without dropping deliveries.",
    "product": "relay",
    "tags": ["webhooks"],
}


def post(client, url, data, **headers):
    return client.post(url, json.dumps(data), content_type="application/json", **headers)


def test_ask_answer_and_vote_as_the_tokens_person(client, content, member, other_member, bearer):
    auth = bearer(member, scopes=["read", "write"])
    response = post(client, "/api/v1/questions", QUESTION, **auth)
    assert response.status_code == 201, response.content
    data = response.json()
    question = Question.objects.get(pk=data["id"])
    assert question.author == member and question.product.slug == "relay"
    assert data["awaiting_review"] is False and data["tags"] == ["webhooks"]
    assert data["id"] in [q["id"] for q in client.get("/api/v1/questions").json()["results"]]

    other = bearer(other_member, scopes=["write"])
    response = post(
        client,
        f"/api/v1/questions/{question.pk}/answers",
        {"body": "Add the new secret first, then remove the old one."},
        **other,
    )
    assert response.status_code == 201, response.content
    answer = Answer.objects.get(pk=response.json()["id"])
    assert answer.author == other_member

    voted = post(client, f"/api/v1/questions/{question.pk}/vote", {"value": "up"}, **other)
    assert voted.status_code == 200
    assert voted.json() == {"score": 1, "vote": "up"}
    assert QuestionVote.objects.get(question=question).user == other_member
    cleared = post(client, f"/api/v1/questions/{question.pk}/vote", {"value": "none"}, **other)
    assert cleared.json() == {"score": 0, "vote": "none"}
    down = post(client, f"/api/v1/answers/{answer.pk}/vote", {"value": "down"}, **auth)
    assert down.json() == {"score": -1, "vote": "down"}


def test_a_read_token_cannot_write(client, content, member, bearer):
    auth = bearer(member)  # "read" only
    before = Question.objects.count()
    response = post(client, "/api/v1/questions", QUESTION, **auth)
    assert response.status_code == 403
    assert "write" in response.json()["error"]["message"]
    question = content["question"]
    for url, data in (
        (f"/api/v1/questions/{question.pk}/answers", {"body": "A long enough answer body."}),
        (f"/api/v1/questions/{question.pk}/vote", {"value": "up"}),
    ):
        assert post(client, url, data, **auth).status_code == 403
    assert Question.objects.count() == before


def test_anonymous_writes_are_401(client, content):
    response = post(client, "/api/v1/questions", QUESTION)
    assert response.status_code == 401
    assert response.json()["error"]["status"] == 401


def test_the_session_writes_only_with_its_csrf_token(content, member):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)
    refused = post(browser, "/api/v1/questions", QUESTION)
    assert refused.status_code == 403
    assert refused.json()["error"]["status"] == 403
    browser.get("/accounts/login/")  # a page with a form sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    accepted = post(browser, "/api/v1/questions", QUESTION, HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201, accepted.content


def test_a_question_the_person_may_not_see_cannot_be_answered_or_voted(
    client, content, other_member, bearer
):
    auth = bearer(other_member, scopes=["read", "write"])
    secret = content["secret_question"]
    answered = post(
        client, f"/api/v1/questions/{secret.pk}/answers", {"body": "Long enough answer."}, **auth
    )
    assert answered.status_code == 404
    assert (
        post(client, f"/api/v1/questions/{secret.pk}/vote", {"value": "up"}, **auth).status_code
        == 404
    )
    assert not Answer.objects.filter(question=secret, author=other_member).exists()
    unknown = post(client, "/api/v1/questions", {**QUESTION, "product": "nope"}, **auth)
    assert unknown.status_code == 400
    assert unknown.json()["error"]["message"] == "Choose the product your question is about."


def test_the_pages_validation_and_limits_apply(client, content, member, bearer, settings):
    auth = bearer(member, scopes=["write"])
    short = post(client, "/api/v1/questions", {**QUESTION, "title": "Hi"}, **auth)
    assert short.status_code == 400
    no_tags = post(client, "/api/v1/questions", {**QUESTION, "tags": []}, **auth)
    assert no_tags.status_code == 400
    assert no_tags.json()["error"]["message"] == "Add at least one tag."
    own = post(
        client, f"/api/v1/questions/{content['secret_question'].pk}/vote", {"value": "up"}, **auth
    )
    assert own.status_code == 403
    settings.FORUM_RATE_LIMITS = {**settings.FORUM_RATE_LIMITS, "question": ["2/h"] * 4}
    first = post(client, "/api/v1/questions", QUESTION, **auth)
    assert first.status_code == 201
    second = post(
        client, "/api/v1/questions", {**QUESTION, "title": "Another question here"}, **auth
    )
    assert second.status_code == 429
    assert second.json()["error"]["status"] == 429


def test_a_post_with_many_links_waits_for_a_moderator(client, content, member, bearer, settings):
    settings.FORUM_MAX_LINKS = 1
    auth = bearer(member, scopes=["read", "write"])
    body = "See https://a.example.com and https://b.example.com and https://c.example.com"
    response = post(client, "/api/v1/questions", {**QUESTION, "body": body}, **auth)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["awaiting_review"] is True
    assert client.get(f"/api/v1/questions/{data['id']}").status_code == 404
