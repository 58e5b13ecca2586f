"""``suggest_answers``: the one door for suggestions. Only what the person may see, articles
and solved questions first, the chosen product preferred, a plain-text passage."""

import pytest

from forum import services as forum_services
from tests.factories import UserFactory, grant, make_article
from tickets.deflection import Suggestion, passage, suggest_answers

pytestmark = pytest.mark.django_db


def keys(results):
    return [item.key for item in results]


def test_suggestions_are_typed_and_carry_a_plain_passage(content, customer, indexed):
    indexed()
    results = suggest_answers("webhook signature fails", customer, product="relay")
    assert results and all(isinstance(item, Suggestion) for item in results)
    article = next(item for item in results if item.kind == "article")
    assert article.key == f"article:{content['article'].pk}"
    assert article.url == content["article"].url
    assert article.passage.startswith("A signature fails when the signing secret was rotated")
    assert "#" not in article.passage
    question = next(item for item in results if item.kind == "question")
    assert question.key == f"question:{content['solved'].pk}"
    assert question.solved
    # A solved question's passage comes from its accepted answer.
    assert "keeps the old webhook secret" in question.passage


def test_questions_nobody_answered_are_left_out(content, customer, indexed):
    indexed()
    results = suggest_answers("webhook signature question", customer)
    assert f"question:{content['unanswered'].pk}" not in keys(results)


def test_restricted_content_is_suggested_only_to_people_granted_it(
    content, customer, products, indexed
):
    indexed()
    restricted_key = f"article:{content['restricted'].pk}"
    declarer = UserFactory(username="declarer")
    declarer.declared_products.set([products["relay"]])
    for outsider in (None, customer, declarer):
        found = suggest_answers("webhook signing partner accounts", outsider, limit=10)
        assert restricted_key not in keys(found)
        assert all("Quillwhistle" not in item.passage for item in found)
    grant(customer, products["relay"])
    customer = type(customer).objects.get(pk=customer.pk)  # fresh grants
    assert restricted_key in keys(suggest_answers("webhook signing partner", customer, limit=10))


def test_hidden_questions_are_never_suggested(content, customer, agent, indexed):
    forum_services.hide_post(content["solved"], agent)
    indexed()
    found = suggest_answers("webhook signature fails rotating", customer, limit=10)
    assert f"question:{content['solved'].pk}" not in keys(found)


def test_articles_and_solved_questions_come_before_other_answers(
    content, customer, products, indexed
):
    asker, helper = UserFactory(username="asker"), UserFactory(username="helper2")
    answered = forum_services.ask_question(
        asker,
        title="Webhook signature fails fails fails on every webhook signature",
        body="Same problem here, any idea?",
        product=products["relay"],
        tags="webhooks",
        enforce_limits=False,
    )
    forum_services.post_answer(
        answered,
        helper,
        body="Maybe a proxy rewrites the body before it reaches you?",
        enforce_limits=False,
    )
    indexed()
    results = suggest_answers("webhook signature fails", customer, limit=10)
    order = keys(results)
    assert f"question:{answered.pk}" in order
    last_good = max(
        order.index(key)
        for key in (f"article:{content['article'].pk}", f"question:{content['solved'].pk}")
    )
    assert order.index(f"question:{answered.pk}") > last_good


def test_the_chosen_product_comes_first(content, customer, products, indexed):
    ledger = make_article(
        content["category"],
        "Webhook signature for Ledger payment events",
        body="Ledger webhook signatures use the account's own signing secret.",
        segments=[products["ledger"]],
    )
    indexed()
    for_ledger = keys(suggest_answers("webhook signature", customer, product="ledger"))
    for_relay = keys(suggest_answers("webhook signature", customer, product="relay"))
    ledger_key = f"article:{ledger.pk}"
    relay_key = f"article:{content['article'].pk}"
    assert for_ledger.index(ledger_key) < for_ledger.index(relay_key)
    assert for_relay.index(relay_key) < for_relay.index(ledger_key)


def test_limit_and_short_text(content, customer, indexed, django_assert_num_queries):
    indexed()
    assert len(suggest_answers("webhook signature", customer, limit=1)) == 1
    with django_assert_num_queries(0):
        assert suggest_answers("ab", customer) == []
        assert suggest_answers("webhook", customer, limit=0) == []
        assert suggest_answers("", None) == []


def test_passage_prefers_the_sentence_with_the_most_words():
    text = "Welcome to Relay. Webhooks are signed. A signature fails when the secret rotates."
    assert passage(text, ["signature", "fails", "secret"]).startswith("… A signature fails")
    assert passage(text, ["nothing"]).startswith("Welcome to Relay.")
    assert len(passage("word " * 200, ["word"], length=50)) <= 52


def test_anonymous_json_never_carries_restricted_words(client, content, indexed):
    indexed()
    response = client.post("/support/new/suggest/", {"subject": "webhook signing partner accounts"})
    assert response.status_code == 200
    assert "quillwhistle" not in response.content.decode().lower()
    assert content["restricted"].title not in response.content.decode()
