"""The registry of searchable types: a new type is one module of its own.

The toy type below ("topic": a tag as a search result) is declared here and nowhere else —
no change to ``indexing``, ``search`` or any app — and then travels the whole way: a
change to a tag is captured and queued, the drain builds its document, the search page
and the API find it with its label, ``type:`` aliases and the type facet know it, hits are
checked against the database, and the toy's own ranking signal is applied.
"""

from __future__ import annotations

import pytest
from django.db.models.signals import post_delete, post_save
from taggit.models import Tag

from search import service
from search.registry import Change, Ranking, SearchableType, registry
from search.schema import SearchDocument

pytestmark = pytest.mark.django_db

TOPIC = "topic"


def build_topic(tag) -> list[SearchDocument]:
    if tag.name.startswith("hidden"):
        return []
    return [
        SearchDocument(
            id=f"{TOPIC}:{tag.pk}",
            type=TOPIC,
            title=f"Topic: {tag.name}",
            url=f"/topics/{tag.slug}/",
            text=f"Everything about {tag.name}.",
            access=["public"],
        )
    ]


def tag_keys(instance, raw=False, **kwargs):
    return [] if raw else [f"{TOPIC}:{instance.pk}"]


TOPIC_TYPE = SearchableType(
    key=TOPIC,
    label="Topic",
    plural="Topics",
    aliases=("topics", "subject"),
    model=Tag,
    build=build_topic,
    changes=(
        Change(post_save, tag_keys, sender=Tag, reason="topic"),
        Change(post_delete, tag_keys, sender=Tag, reason="topic"),
    ),
    visible=lambda user: Tag.objects.exclude(name__startswith="secret"),
    ranking=Ranking(factors=lambda document, profile, now: [("toy signal", 1.5)]),
)


@pytest.fixture
def topic_type():
    registry.register(TOPIC_TYPE)
    yield TOPIC_TYPE
    registry.unregister(TOPIC)


def test_a_new_type_travels_from_a_change_to_the_search_page(client, home, topic_type, sync_search):
    from indexing.models import IndexQueueItem

    tag = Tag.objects.create(name="Kaleidoscope", slug="kaleidoscope")
    assert IndexQueueItem.objects.filter(key=f"{TOPIC}:{tag.pk}").exists()
    sync_search()

    response = client.get("/search/", {"q": "kaleidoscope"})
    html = response.content.decode()
    assert "Topic: <mark>Kaleidoscope</mark>" in html
    assert "/topics/kaleidoscope/" in html

    data = client.get("/api/v1/search", {"q": "kaleidoscope type:subject"}).json()
    assert [r["type"] for r in data["results"]] == [TOPIC]
    assert data["facets"]["type"] == [{"value": TOPIC, "label": "Topics", "count": 1}]

    page = service.search(service.SearchRequest(q="kaleidoscope", debug=True), None)
    assert page.results[0].type_label == "Topic"
    assert ("toy signal", "× 1.50") in page.results[0].explanation


def test_hits_of_the_new_type_are_checked_against_the_database(home, topic_type, sync_search):
    Tag.objects.create(name="secret kaleidoscope", slug="secret-kaleidoscope")
    Tag.objects.create(name="hidden kaleidoscope", slug="hidden-kaleidoscope")
    sync_search()
    # Indexed, but its type's ``visible`` refuses it: never shown.
    page = service.search(service.SearchRequest(q="kaleidoscope"), None)
    assert page.results == []


def test_a_deleted_item_of_the_new_type_leaves_the_index(home, topic_type, sync_search):
    tag = Tag.objects.create(name="Kaleidoscope", slug="kaleidoscope")
    backend = sync_search()
    assert f"{TOPIC}:{tag.pk}" in backend.all_ids()
    tag.delete()
    backend = sync_search()
    assert f"{TOPIC}:{tag.pk}" not in backend.all_ids()


def test_unregistering_disconnects_its_changes(home):
    from indexing.models import IndexQueueItem

    registry.register(TOPIC_TYPE)
    registry.unregister(TOPIC)
    Tag.objects.create(name="Kaleidoscope", slug="kaleidoscope")
    assert not IndexQueueItem.objects.filter(key__startswith=f"{TOPIC}:").exists()


def test_the_portal_registers_its_own_types():
    keys = set(registry.keys())
    assert {"article", "document", "announcement", "question"} <= keys
    assert registry.owner_key("document:42-7") == "article:42"
    assert registry.resolve_alias("Forum") == "question"
    assert registry.resolve_alias("nonsense") is None
    assert registry.has_children("article") and not registry.has_children("question")


def test_a_key_cannot_be_registered_twice_with_different_definitions(topic_type):
    from dataclasses import replace

    with pytest.raises(ValueError):
        registry.register(replace(TOPIC_TYPE, label="Another"))
