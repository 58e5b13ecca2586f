"""The search page: results with snippets, facets, sort, paging, "did you mean", a helpful
page when nothing is found, any input turned into a page, and the database fallback when
the engine is down."""

import html as html_lib
import re
from urllib.parse import parse_qsl

import pytest

from search import analytics
from search.models import SearchLog
from search.query import MAX_QUERY_LENGTH
from tests.factories import (
    grant,
    make_announcement,
    make_article,
    make_category,
    make_kb_index,
)
from users.services import update_profile

pytestmark = pytest.mark.django_db


@pytest.fixture
def content(home, products, sync_search):
    kb = make_kb_index(home)
    relay = make_category(kb, title="Relay messaging")
    items = {
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
    sync_search()
    return items


def get(client, **params):
    response = client.get("/search/", params)
    assert response.status_code == 200
    return response.content.decode()


def result_titles(html: str) -> list[str]:
    titles = re.findall(r'class="search-result__title"><a [^>]*>(.*?)</a>', html)
    return [re.sub(r"</?mark>", "", t) for t in titles]


def test_finds_a_public_article_by_a_word_in_its_body(client, content):
    html = get(client, q="dashboard")
    assert result_titles(html) == ["Retry failed deliveries"]
    assert "Relay messaging" in html, "the category is shown as a breadcrumb"
    assert "<mark>dashboard</mark>" in html, "the matching passage is highlighted"
    assert "1 result for" in html


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
    assert result_titles(get(client, q="zanzibar")) == ["Escalation runbook"]


def test_staff_find_restricted_articles(client, content, staff):
    client.force_login(staff)
    assert "Escalation runbook" in result_titles(get(client, q="zanzibar"))


def test_drafts_are_never_found(client, content):
    assert "Webhook draft" not in get(client, q="webhook")


def test_facets_filter_without_losing_the_query(client, content):
    html = get(client, q="webhook")
    assert set(result_titles(html)) == {"Retry failed deliveries", "Webhook replay shipped"}
    link = re.search(r'href="(\?[^"]*type=announcement[^"]*)"', html).group(1)
    assert "q=webhook" in link
    filtered = client.get("/search/" + link.replace("&amp;", "&")).content.decode()
    assert result_titles(filtered) == ["Webhook replay shipped"]
    assert 'aria-current="true"' in filtered
    assert "Clear filters" in filtered


def test_inline_filters_and_operators(client, content):
    assert result_titles(get(client, q="webhook type:article")) == ["Retry failed deliveries"]
    assert result_titles(get(client, q="webhook -dashboard")) == ["Webhook replay shipped"]
    assert result_titles(get(client, q='"replay a webhook"')) == ["Retry failed deliveries"]
    html = get(client, q="webhook product:nowhere")
    assert "There is no product" in html


def test_sort_newest(client, content, sync_search):
    from datetime import timedelta

    from django.utils import timezone

    from indexing.services import enqueue
    from kb.models import ArticlePage

    last_week = timezone.now() - timedelta(days=7)
    article = content["public"]
    ArticlePage.objects.filter(pk=article.pk).update(
        first_published_at=last_week, last_published_at=last_week
    )
    enqueue([f"article:{article.pk}"], "test")
    sync_search()
    html = get(client, q="webhook", sort="newest")
    assert result_titles(html) == ["Webhook replay shipped", "Retry failed deliveries"]
    assert 'aria-current="true">Newest' in html


def test_a_misspelled_query_shows_the_corrected_results(client, content):
    html = get(client, q="dashbord")
    assert "Showing results for <strong>dashboard</strong>." in html
    assert result_titles(html), "the corrected query's results are shown"
    assert "Did you mean" not in html
    exact = re.search(r'<a href="(\?[^"]*exact=1[^"]*)">Search instead for', html)[1]
    assert "q=dashbord" in exact
    typed = get(client, **dict(parse_qsl(html_lib.unescape(exact)[1:])))
    assert "Showing results for" not in typed
    assert "Did you mean" in typed and "dashboard" in typed
    api = client.get("/api/v1/search", {"q": "dashbord"}).json()
    assert api["corrected_from"] == "dashbord" and api["query"] == "dashboard"
    as_typed = client.get("/api/v1/search", {"q": "dashbord", "exact": "1"}).json()
    assert as_typed["corrected_from"] is None and as_typed["suggestion"] == "dashboard"
    assert api["total"] > as_typed["total"]


def test_empty_state_suggests_articles_topics_community_and_support(client, content):
    html = get(client, q="nothing-matches-this")
    assert "No results for" in html
    assert "Retry failed deliveries" in html, "featured articles are suggested"
    assert 'href="/kb/"' in html
    assert "Ask the community" in html


def test_empty_query_shows_the_search_page(client, content):
    html = get(client)
    assert "Search the help center" in html
    assert "Popular articles" in html
    analytics.flush()
    assert not SearchLog.objects.exists(), "an empty search page is not a search"


def test_searches_are_logged(client, content, member):
    client.force_login(member)
    get(client, q="Webhook  Replay", type="announcement")
    analytics.flush()
    log = SearchLog.objects.get()
    assert (log.query, log.normalized, log.source) == ("Webhook Replay", "webhook replay", "page")
    assert log.filters == {"type": ["announcement"]}
    assert log.result_count == 1 and log.backend == "embedded" and log.user == member
    assert log.latency_ms > 0


def test_debug_explains_ranking_to_staff_only(client, content, staff, member):
    client.force_login(member)
    html = get(client, q="webhook", debug="1")
    assert "Why this rank?" not in html and "Vector search on" not in html
    client.force_login(staff)
    html = get(client, q="webhook", debug="1")
    assert "Why this rank?" in html and "engine score (BM25)" in html
    # How vectors are searched (here: not at all, the test settings are lexical).
    assert "Vector search on embedded: off" in html


def test_pagination(client, home, sync_search):
    category = make_category(make_kb_index(home), title="Guides")
    for n in range(23):
        make_article(category, title=f"Guide {n} to exports", body="How to export data.")
    sync_search()
    first = get(client, q="export")
    assert len(result_titles(first)) == 10 and "Page 1 of 3" in first
    third = get(client, q="export", page="3")
    assert len(result_titles(third)) == 3 and 'rel="prev"' in third
    seen = set(result_titles(first)) | set(result_titles(get(client, q="export", page="2")))
    assert len(seen | set(result_titles(third))) == 23, "no item twice, none missing"


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
        "\u202eright-to-left override",
        "a",
        "*",
        "-",
        "-webhook",
        "product:",
        "type:bogus",
        ":::",
        '""',
        "ÉCHEC d'envoi",
    ],
)
def test_any_input_gives_a_page(client, content, query):
    html = get(client, q=query)
    assert "<script>alert(1)</script>" not in html


def test_a_null_character_gets_a_clear_refusal(client, content):
    response = client.get("/search/", {"q": "\x00null\x00byte"})
    assert response.status_code == 400
    assert "null character" in response.content.decode()


def test_long_queries_are_cut_with_a_clear_message(client, content):
    html = get(client, q="webhook " + "y" * 10_000)
    assert f"limited to {MAX_QUERY_LENGTH} characters" in html


@pytest.mark.parametrize(
    "params", [{"page": "abc"}, {"page": "99999"}, {"type": "bogus"}, {"sort": "random"}]
)
def test_odd_parameters_are_ignored(client, content, params):
    get(client, q="webhook", **params)


def test_search_engine_down_falls_back_to_the_database(client, content, settings):
    settings.SEARCH_BACKEND = "opensearch"
    settings.OPENSEARCH_URL = "http://127.0.0.1:9"  # nothing listens there
    settings.SEARCH_TIMEOUT = 0.5
    settings.SEARCH_MAX_RETRIES = 0
    html = get(client, q="dashboard")
    assert "limited mode" in html
    assert result_titles(html) == ["Retry failed deliveries"]
    assert "Escalation runbook" not in get(client, q="zanzibar")
    analytics.flush()
    assert SearchLog.objects.filter(backend="database").count() == 2


def test_search_stays_cheap(client, content, member, django_assert_max_num_queries):
    client.get("/search/", {"q": "webhook"})
    with django_assert_max_num_queries(6):
        client.get("/search/", {"q": "webhook"})
    client.force_login(member)
    client.get("/search/", {"q": "webhook"})
    with django_assert_max_num_queries(8):
        client.get("/search/", {"q": "webhook"})


def test_searches_lead_to_support_with_the_query(client, content, member):
    from django.test import RequestFactory

    from tickets.flow import SEARCHES_KEY, recent_searches

    def remembered():
        request = RequestFactory().get("/")
        request.session = client.session
        return recent_searches(request)

    html = get(client, q="webhook")
    assert "/support/new/?q=webhook" in html, "contact support keeps what was searched"
    # A visitor without a session gets none from a search: the link carries the query.
    assert SEARCHES_KEY not in client.session
    client.force_login(member)
    get(client, q="webhook")
    assert remembered() == ["webhook"]
    get(client, q="invoice")
    get(client, q="webhook")
    assert remembered() == ["invoice", "webhook"]
    empty = get(client, q="nothing-matches-this")
    assert "/support/new/?q=nothing-matches-this" in empty
