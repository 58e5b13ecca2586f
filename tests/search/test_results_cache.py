"""Pages of search results are kept for everyone who would get the same page, and are
forgotten at once when the index, the content or access changes: publish, unpublish,
restrict, moderate — read again as anonymous, as a granted member and as a member
granted nothing, through the page, the API and the service."""

import pytest
from django.test import Client

from forum.services import moderation
from search import service
from search.service import SearchRequest
from tests.factories import grant, make_article, make_category, publish
from tests.indexing.helpers import ask

pytestmark = pytest.mark.django_db

WORD = "quokka"


@pytest.fixture
def readers(member, other_member, products):
    """Anonymous, a member granted Ledger, a member granted nothing."""
    grant(member, products["ledger"])
    granted, not_granted = Client(), Client()
    granted.force_login(member)
    not_granted.force_login(other_member)
    return {"anonymous": Client(), "granted": granted, "not granted": not_granted}


def found(readers, q=WORD) -> dict[str, list[str]]:
    """Titles each reader finds on the search page and through the API (which must agree)."""
    out = {}
    for who, client in readers.items():
        response = client.get("/api/v1/search", {"q": q})
        assert response.status_code == 200, response.content
        results = response.json()["results"]
        page = client.get("/search/", {"q": q})
        assert page.status_code == 200
        html = page.content.decode()
        assert html.count('class="search-result search-result--') == len(results), who
        for result in results:
            assert f'href="{result["url"]}"' in html, f"{who}: the page lacks {result['title']}"
        out[who] = sorted(r["title"] for r in results)
    return out


def test_the_same_page_comes_from_the_cache(home, site_backend, sync_search, member):
    make_article(make_category(), title=f"Feed the {WORD}", body=f"A {WORD} eats leaves.")
    sync_search()
    first = service.search(SearchRequest(q=WORD), None)
    again = service.search(SearchRequest(q=WORD), None)
    assert not first.from_cache
    assert again.from_cache
    assert [r.id for r in again.results] == [r.id for r in first.results]
    assert again.total == first.total == 1
    # Another reading language, another page size, another person's ranking: not shared.
    assert not service.search(SearchRequest(q=WORD, per_page=5), None).from_cache
    assert not service.search(SearchRequest(q=WORD), member).from_cache
    assert not service.search(SearchRequest(q=WORD, debug=True), None).from_cache


def test_no_cache_when_turned_off(home, site_backend, sync_search, settings):
    settings.SEARCH_RESULTS_CACHE_SECONDS = 0
    make_article(make_category(), title=f"Feed the {WORD}", body=f"A {WORD} eats leaves.")
    sync_search()
    for _ in range(2):
        assert not service.search(SearchRequest(q=WORD), None).from_cache


def test_publish_restrict_unpublish(home, site_backend, sync_search, readers, products):
    category = make_category()
    make_article(category, title="Quokka basics", body=f"All about the {WORD}.")
    sync_search()
    everyone = ["Quokka basics"]
    for _ in range(2):  # the second read comes from the cache
        assert found(readers) == {
            "anonymous": everyone,
            "granted": everyone,
            "not granted": everyone,
        }

    # Published and indexed: every reader finds it, though their pages were kept.
    care = make_article(category, title="Quokka care", body=f"Brush the {WORD} daily.")
    sync_search()
    both = ["Quokka basics", "Quokka care"]
    assert found(readers) == {"anonymous": both, "granted": both, "not granted": both}

    # Restricted: gone for outsiders at once — before the index has even caught up.
    care.restricted = True
    care.segments.set([products["ledger"]])
    publish(care)
    for _ in range(2):
        assert found(readers) == {"anonymous": everyone, "granted": both, "not granted": everyone}
    sync_search()
    assert found(readers) == {"anonymous": everyone, "granted": both, "not granted": everyone}

    # Unpublished: gone for everyone at once.
    care.unpublish()
    for _ in range(2):
        assert found(readers) == {
            "anonymous": everyone,
            "granted": everyone,
            "not granted": everyone,
        }


def test_a_grant_changes_what_a_member_finds(
    home, site_backend, sync_search, readers, products, other_member
):
    make_article(make_category(), title="Quokka basics", body=f"All about the {WORD}.")
    make_article(
        make_category(),
        title="Quokka ledger export",
        body=f"Export the {WORD} ledger.",
        restricted=True,
        segments=[products["ledger"]],
    )
    sync_search()
    assert found(readers)["not granted"] == ["Quokka basics"]
    grant(other_member, products["ledger"])
    assert found(readers)["not granted"] == ["Quokka basics", "Quokka ledger export"]


def test_moderation_hides_a_question_at_once(
    home, site_backend, sync_search, readers, products, member, staff
):
    body = f"The {WORD} stalls every night since Monday."
    question = ask(member, products["ledger"], title=f"My {WORD} will not sync", body=body)
    sync_search()
    title = f"My {WORD} will not sync"
    for _ in range(2):
        assert all(titles == [title] for titles in found(readers).values())
    moderation.hide_post(question, staff)
    # Before the index catches up, and after.
    assert found(readers) == {"anonymous": [], "granted": [], "not granted": []}
    sync_search()
    assert found(readers) == {"anonymous": [], "granted": [], "not granted": []}
