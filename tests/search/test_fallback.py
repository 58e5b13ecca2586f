"""The database search that stands in while the search engine is unavailable (Wagtail's
database search backend over each type's fallback)."""

import pytest

from search.fallback import MAX_QUERY_LENGTH, clean_query, search_content, terms
from tests.factories import make_announcement, make_article, make_category, make_kb_index

pytestmark = pytest.mark.django_db


@pytest.fixture
def content(home, products):
    relay = make_category(make_kb_index(home), title="Relay messaging")
    make_article(
        relay,
        title="Retry failed deliveries",
        body="## Replays\n\nUse the **dashboard** to replay a webhook delivery.",
        segments=[products["relay"]],
    )
    make_article(
        relay,
        title="Escalation runbook",
        body="Call the zanzibar hotline for webhook outages.",
        segments=[products["ledger"]],
        restricted=True,
    )
    make_announcement(title="Webhook replay shipped", body="Replays are now one click away.")


def test_every_word_must_match_and_title_hits_rank_first(content):
    hits = search_content("webhook replay", None)
    assert [h.title for h in hits] == ["Webhook replay shipped", "Retry failed deliveries"]
    assert search_content("webhook kangaroo", None) == []
    assert [h.kind for h in hits] == ["announcement", "article"]


def test_restricted_items_stay_out(content):
    assert search_content("zanzibar", None) == []


def test_stored_json_keys_do_not_match(content):
    # StreamField JSON contains "type", "value" and "id" keys: they are not content.
    assert search_content("value", None) == []
    assert search_content("type", None) == []


def test_query_cleaning():
    assert clean_query("  a\tb\n\x00c  ") == ("a b c", False)
    assert clean_query("x" * (MAX_QUERY_LENGTH + 5))[1] is True
    assert terms('Webhook "Replay button" webhook, a') == ["webhook", "replay button"]
    assert terms("a") == ["a"]
    assert len(terms(" ".join(f"w{i}" for i in range(50)))) == 8


def test_non_ascii_words_match(home, products):
    make_article(
        make_category(make_kb_index(home), title="Aide"),
        title="Échec d’envoi",
        body="Le message n’a pas été envoyé : réessayez.",
    )
    assert [h.title for h in search_content("envoyé", None)] == ["Échec d’envoi"]
