"""The JSON API: ``/api/v1/search`` and ``/api/v1/search/suggest``."""

import pytest

from search.models import SearchLog
from tests.factories import grant, make_article, make_category

pytestmark = pytest.mark.django_db

RESULT_KEYS = {
    "type",
    "title",
    "url",
    "snippet",
    "score",
    "products",
    "tags",
    "updated",
    "language",
}


@pytest.fixture
def content(home, products, sync_search):
    category = make_category(title="Webhooks")
    make_article(
        category,
        title="Verify webhook signatures",
        body="Compute the HMAC of the raw body with your signing secret.",
        segments=[products["relay"]],
        tags=["webhooks", "security"],
    )
    make_article(
        category,
        title="Webhook incident runbook",
        body="Page the wombat rotation when webhooks fail.",
        segments=[products["ledger"]],
        restricted=True,
    )
    sync_search()


def test_search_schema(client, content):
    response = client.get("/api/v1/search", {"q": "webhook signature"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    data = response.json()
    assert {"total", "results", "facets", "suggestion"} <= set(data)
    assert data["total"] == 1
    [result] = data["results"]
    assert set(result) == RESULT_KEYS
    assert result["type"] == "article" and result["title"] == "Verify webhook signatures"
    assert result["url"].startswith("/") and result["products"] == ["relay"]
    assert result["tags"] == ["security", "webhooks"]
    assert result["updated"] and result["score"] > 0
    assert "<" not in result["snippet"], "the API's snippet is plain text"
    assert data["facets"]["type"] == [{"value": "article", "label": "Articles", "count": 1}]
    assert data["suggestion"] is None
    from search import analytics

    analytics.flush()
    assert SearchLog.objects.get().source == "api"


def test_filters_and_paging(client, content):
    data = client.get("/api/v1/search", {"q": "webhook", "type": "question"}).json()
    assert data["total"] == 0 and data["results"] == []
    data = client.get("/api/v1/search", {"q": "webhook", "product": "relay", "page": "1"}).json()
    assert data["total"] == 1
    data = client.get("/api/v1/search", {"q": "webhook", "tag": "security"}).json()
    assert [r["title"] for r in data["results"]] == ["Verify webhook signatures"]


def test_access_is_the_sessions(client, content, member, products):
    assert client.get("/api/v1/search", {"q": "wombat"}).json()["total"] == 0
    grant(member, products["ledger"])
    client.force_login(member)
    data = client.get("/api/v1/search", {"q": "wombat"}).json()
    assert [r["title"] for r in data["results"]] == ["Webhook incident runbook"]


@pytest.mark.parametrize(
    "params, message",
    [
        ({"q": "x", "page": "abc"}, "page must be a whole number"),
        ({"q": "x", "page": "0"}, "page must be between"),
        ({"q": "x", "page": "101"}, "page must be between"),
        ({"q": "x", "type": "nonsense"}, "Unknown type"),
        ({"q": "x", "product": "nowhere"}, "Unknown product"),
        ({"q": "x", "sort": "random"}, "sort must be one of"),
        ({"q": "x", "color": "red"}, "Unknown parameter"),
        ({"q": "x" * 10_001}, "longer than"),
    ],
)
def test_bad_parameters_get_a_clear_400(client, content, params, message):
    response = client.get("/api/v1/search", params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == 400 and message in error["message"]


@pytest.mark.parametrize("q", ['"unbalanced', "-", "🙂🙂", "x" * 9000, "product:", "((("])
def test_odd_queries_still_answer(client, content, q):
    response = client.get("/api/v1/search", {"q": q})
    assert response.status_code == 200
    assert isinstance(response.json()["results"], list)


def test_suggest(client, content):
    data = client.get("/api/v1/search/suggest", {"q": "verify web"}).json()
    assert data["suggestions"] == [
        {
            "kind": "article",
            "text": "Verify webhook signatures",
            "url": data["suggestions"][0]["url"],
            "type": "Article",
        }
    ]
    assert client.get("/api/v1/search/suggest", {"q": "wom"}).json()["suggestions"] == []
    assert client.get("/api/v1/search/suggest", {"q": ""}).json()["suggestions"] == []
    assert client.get("/api/v1/search/suggest", {"q": "x" * 201}).status_code == 400
    assert client.get("/api/v1/search/suggest", {"q": "x", "limit": "50"}).status_code == 400
    assert client.get("/api/v1/search/suggest", {"q": "x", "nope": "1"}).status_code == 400


def test_search_down_still_answers(client, content, settings):
    settings.SEARCH_BACKEND = "opensearch"
    settings.OPENSEARCH_URL = "http://127.0.0.1:9"
    settings.SEARCH_TIMEOUT = 0.5
    settings.SEARCH_MAX_RETRIES = 0
    data = client.get("/api/v1/search", {"q": "signatures"}).json()
    assert data["degraded"] is True
    assert [r["title"] for r in data["results"]] == ["Verify webhook signatures"]
    assert client.get("/api/v1/search/suggest", {"q": "ver"}).json()["suggestions"] == []
