"""Restricted items never reach outsiders through search: not in results, counts, facets,
snippets, "did you mean", type-ahead, similar questions, related articles or the API —
and every hit is checked against the database before it is shown."""

import json
from urllib.parse import unquote_plus

import pytest

from forum import services as forum
from kb.models import ArticlePage
from search import service
from search.service import SearchRequest
from tests.factories import grant, make_article, make_category
from tests.indexing.helpers import ask
from tests.search.support import BACKENDS

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.parametrize("site_backend", BACKENDS, indirect=True),
]

SECRET = "quetzalcoatl"


@pytest.fixture
def secret(home, products, member, site_backend, sync_search):
    category = make_category(title="Data connectors")
    make_article(category, title="Connect a warehouse", body="Pick a warehouse connector.")
    article = make_article(
        category,
        title="Warehouse beta connector",
        body=f"The {SECRET} connector streams warehouse tables.",
        summary=f"Beta: {SECRET}.",
        segments=[products["ledger"]],
        tags=["beta-connector"],
        restricted=True,
    )
    question = ask(
        member,
        products["ledger"],
        title=f"{SECRET.capitalize()} connector drops rows",
        body="Since the beta started, the warehouse connector drops rows at night.",
        tags=["beta-connector"],
        restricted=True,
    )
    sync_search()
    return article, question


def everything_an_outsider_can_reach(user, client) -> str:
    parts = []
    for q in (SECRET, SECRET[:-1], f"{SECRET} warehouse", "warehouse", "beta connector"):
        page = service.search(SearchRequest(q=q), user)
        parts.append(json.dumps([r.as_api() for r in page.results]))
        parts.append(json.dumps({k: [vars(v) for v in vs] for k, vs in page.facets.items()}))
        parts.append(page.suggestion)
        parts.append(str(page.total))
        for prefix in (SECRET[:3], "ware", "beta"):
            parts.append(json.dumps([s.as_api() for s in service.suggest(prefix, user)]))
        parts.append(json.dumps([r.as_api() for r in service.similar(q, user)]))
        for url in ("/search/", "/api/v1/search", "/api/v1/search/suggest"):
            body = unquote_plus(unquote_plus(client.get(url, {"q": q}).content.decode()))
            parts.append(body.lower().replace(q.lower(), ""))  # the echo of what was typed
    return "\n".join(parts).lower()


def test_outsiders_find_nothing_anywhere(client, secret, products, other_member):
    other_member.declared_products.set([products["ledger"]])  # declaring unlocks nothing
    for user in (None, other_member):
        if user:
            client.force_login(user)
        reachable = everything_an_outsider_can_reach(user, client)
        assert SECRET not in reachable
        assert "beta-connector" not in reachable, "not even the restricted items' tag"
        assert "warehouse beta connector" not in reachable
        page = service.search(SearchRequest(q="warehouse"), user)
        assert page.total == 1, "counts leave restricted items out"
        assert {v.value: v.count for v in page.facets["type"]} == {"article": 1}


def test_granted_members_and_staff_find_it(secret, products, other_member, staff):
    grant(other_member, products["ledger"])
    for user in (type(other_member).objects.get(pk=other_member.pk), staff):
        titles = {r.title for r in service.search(SearchRequest(q=SECRET), user).results}
        assert titles == {"Warehouse beta connector", "Quetzalcoatl connector drops rows"}


def test_a_hit_the_database_no_longer_shows_is_dropped_and_healed(secret, site_backend):
    from indexing.models import IndexQueueItem

    public = ArticlePage.objects.get(title="Connect a warehouse")
    # A change that bypassed the signals: the index still says "public".
    ArticlePage.objects.filter(pk=public.pk).update(restricted=True)
    public.segments.set(secret[0].segments.all())
    page = service.search(SearchRequest(q="warehouse"), None)
    assert page.results == [] and page.total == 0
    assert IndexQueueItem.objects.filter(key=f"article:{public.pk}", reason="stale").exists()


def test_hidden_questions_vanish(secret, member, staff, site_backend, sync_search):
    question = ask(member, secret[1].product, title="Warehouse connector pauses", body="x" * 30)
    sync_search()
    assert "Warehouse connector pauses" in {
        r.title for r in service.search(SearchRequest(q="pauses"), None).results
    }
    forum.hide_post(question, staff)
    sync_search()
    assert service.search(SearchRequest(q="pauses"), None).results == []
