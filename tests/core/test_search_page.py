"""The interim search page: finds live articles and announcements by their words, never
shows restricted items to outsiders, and turns any input into a page."""

import pytest

from core.simple_search import MAX_QUERY_LENGTH, clean_query, search_content, terms
from tests.factories import grant, make_announcement, make_article, make_category, make_kb_index
from users.services import update_profile

pytestmark = pytest.mark.django_db


@pytest.fixture
def content(home, products):
    kb = make_kb_index(home)
    relay = make_category(kb, title="Relay messaging")
    return {
        "public": make_article(
            relay,
            title="Retry failed deliveries",
            body="## Replays\n\nUse the **dashboard** to replay a webhook delivery.",
            summary="How retries work.",
            segments=[products["relay"]],
            featured=True,
        ),
        "restricted": make_article(
            relay,
            title="Escalation runbook",
            body="Call the zanzibar hotline for webhook outages.",
            summary="Internal escalation steps.",
            segments=[products["ledger"]],
            restricted=True,
        ),
        "announcement": make_announcement(
            title="Webhook replay shipped",
            body="Replays are now one click away.",
            summary="A new button.",
            segments=[products["relay"]],
        ),
        "draft": make_article(relay, title="Webhook draft", body="webhook", live=False),
    }


def get(client, **params):
    response = client.get("/search/", params)
    assert response.status_code == 200
    return response.content.decode()


def test_finds_a_public_article_by_a_word_in_its_body(client, content):
    html = get(client, q="dashboard")
    assert "Retry failed deliveries" in html
    assert "Relay messaging" in html, "the category is shown as a breadcrumb"
    assert "How retries work." in html
    assert "1 result for" in html


def test_every_word_must_match_and_title_hits_rank_first(client, content):
    hits = search_content("webhook replay", None)
    assert [h.title for h in hits] == ["Webhook replay shipped", "Retry failed deliveries"]
    assert search_content("webhook kangaroo", None) == []
    assert [h.kind for h in hits] == ["announcement", "article"]


def test_restricted_article_never_appears_for_outsiders(client, content, member, products):
    assert "Escalation runbook" not in get(client, q="zanzibar")
    assert "Escalation runbook" not in get(client, q="escalation")
    update_profile(member, display_name="", declared_products=list(products.values()))
    client.force_login(member)
    html = get(client, q="zanzibar")
    assert "Escalation runbook" not in html
    assert "No results for" in html


def test_restricted_article_is_found_by_a_granted_member(client, content, member, products):
    grant(member, products["ledger"])
    client.force_login(member)
    html = get(client, q="zanzibar")
    assert "Escalation runbook" in html
    assert "badge--restricted" in html


def test_staff_find_restricted_articles(client, content, staff):
    client.force_login(staff)
    assert "Escalation runbook" in get(client, q="zanzibar")


def test_drafts_are_never_found(client, content):
    assert "Webhook draft" not in get(client, q="webhook")


def test_stored_json_keys_do_not_match(client, content):
    # StreamField JSON contains "type", "value" and "id" keys: they are not content.
    assert search_content("value", None) == []
    assert search_content("type", None) == []


def test_filter_by_kind(client, content):
    html = get(client, q="webhook", type="announcement")
    assert "Webhook replay shipped" in html
    assert "Retry failed deliveries" not in html
    assert 'aria-current="page">Announcements' in html


def test_empty_state_suggests_articles_and_topics(client, content):
    html = get(client, q="nothing-matches-this")
    assert "No results for" in html
    assert "Retry failed deliveries" in html, "featured articles are suggested"
    assert 'href="/kb/"' in html


def test_empty_query_shows_the_search_page(client, content):
    html = get(client)
    assert "Search the help center" in html
    assert "Popular articles" in html


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "x" * 10_000,
        "webhook " * 2_000,
        '"unbalanced quote',
        '"webhook replay"',
        "'; DROP TABLE wagtailcore_page; --",
        "100% _match_ \\ [abc]",
        "🚀🔥 webhook",
        "<script>alert(1)</script>",
        "\x00null\x00byte",
        "\u202eright-to-left override",
        "a",
        "*",
        "ÉCHEC d'envoi",
    ],
)
def test_any_input_gives_a_page(client, content, query):
    html = get(client, q=query)
    assert "<script>alert(1)</script>" not in html


def test_long_queries_are_cut_with_a_clear_message(client, content):
    html = get(client, q="webhook " + "y" * 10_000)
    assert f"limited to {MAX_QUERY_LENGTH} characters" in html


@pytest.mark.parametrize("params", [{"page": "abc"}, {"page": "99999"}, {"type": "bogus"}])
def test_odd_parameters_are_ignored(client, content, params):
    get(client, q="webhook", **params)


def test_query_cleaning():
    assert clean_query("  a\tb\n\x00c  ") == ("a b c", False)
    assert clean_query("x" * (MAX_QUERY_LENGTH + 5))[1] is True
    assert terms('Webhook "Replay button" webhook, a') == ["webhook", "replay button"]
    assert terms("a") == ["a"]
    assert len(terms(" ".join(f"w{i}" for i in range(50)))) == 8


def test_non_ascii_words_match(client, home, products):
    make_article(
        make_category(make_kb_index(home), title="Aide"),
        title="Échec d’envoi",
        body="Le message n’a pas été envoyé : réessayez.",
    )
    assert [h.title for h in search_content("envoyé", None)] == ["Échec d’envoi"]


def test_search_stays_cheap(client, content, django_assert_max_num_queries):
    client.get("/search/", {"q": "webhook"})
    with django_assert_max_num_queries(12):
        client.get("/search/", {"q": "webhook"})
