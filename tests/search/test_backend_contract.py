"""The backend contract: the same tests on every backend (embedded, osmem, a real cluster)."""

from datetime import UTC, datetime

import pytest

from search.schema import FACET_FIELDS, SearchDocument, SearchQuery
from tests.search.support import doc


def ids(backend, **query):
    query.setdefault("access", None)
    query.setdefault("limit", 100)
    return set(backend.search(SearchQuery(**query)).ids)


def load(backend, *documents):
    backend.upsert(documents)
    backend.refresh()


def test_ensure_index_is_idempotent(backend):
    version = backend.current_version()
    assert version
    assert backend.ensure_index() == version
    assert backend.versions() == [version]


def test_index_and_find_with_english_stemming(backend):
    load(
        backend,
        doc(1, "Resetting your password", text="Members reset passwords from the sign-in page."),
        doc(2, "Exporting invoices", text="Download every invoice as a CSV file."),
    )
    assert ids(backend, text="reset") == {"article:1"}
    assert ids(backend, text="passwords resets") == {"article:1"}
    assert ids(backend, text="invoice") == {"article:2"}
    assert ids(backend, text="exported") == {"article:2"}


def test_terms_are_ored_one_unknown_word_does_not_empty_the_results(backend):
    load(backend, doc(1, "Resetting your password"), doc(2, "Exporting invoices"))
    assert ids(backend, text="password zebra") == {"article:1"}
    assert ids(backend, text="password invoices") == {"article:1", "article:2"}
    assert ids(backend, text="password invoices", min_should_match=2) == set()


def test_round_trip_keeps_every_field(backend):
    original = SearchDocument(
        id="question:7",
        type="question",
        title="Sync stops after the upgrade",
        url="/community/7/sync/",
        text="The sync stops.",
        summary="Short",
        accepted_answer="Restart the agent.",
        tags=["sync", "upgrade"],
        tag_names=["Sync", "Upgrade"],
        products=["relay"],
        roles=["admin"],
        stages=["trial"],
        access=["segment:3", "segment:9"],
        locale="en",
        parent="",
        parent_title="",
        created=datetime(2024, 3, 1, 8, 30, tzinfo=UTC),
        updated=datetime(2024, 3, 2, 9, 45, tzinfo=UTC),
        published=datetime(2024, 3, 1, 8, 30, tzinfo=UTC),
        helpful_votes=12,
        answer_count=3,
        solved=True,
        views=420,
        promoted=False,
    )
    load(backend, original)
    assert backend.get(["question:7", "question:8"]) == {"question:7": original}
    [hit] = backend.search(SearchQuery(text="agent", access=None)).hits
    assert hit.document == original and hit.score > 0


def test_update_replaces_the_document(backend):
    load(backend, doc(1, "Old title", text="zeppelin"))
    load(backend, doc(1, "New title", text="submarine"))
    assert backend.count() == 1
    assert ids(backend, text="zeppelin") == set()
    assert ids(backend, text="submarine") == {"article:1"}
    assert backend.get(["article:1"])["article:1"].title == "New title"


def test_delete_removes_and_ignores_unknown_ids(backend):
    load(backend, doc(1, "One"), doc(2, "Two"))
    backend.delete(["article:1", "article:404"])
    backend.refresh()
    assert backend.all_ids() == {"article:2"}


def test_delete_children_removes_only_that_parents_attachments(backend):
    load(
        backend,
        doc(1, "Install guide"),
        doc("1-5", "Setup PDF", kind="document", parent="article:1"),
        doc("1-6", "Checklist", kind="document", parent="article:1"),
        doc("2-5", "Setup PDF", kind="document", parent="article:2"),
    )
    backend.delete_children(["article:1"])
    backend.refresh()
    assert backend.all_ids() == {"article:1", "document:2-5"}


def test_apply_writes_a_whole_batch(backend):
    load(
        backend,
        doc(1, "Keep"),
        doc(2, "Drop"),
        doc("1-5", "Old file", kind="document", parent="article:1"),
    )
    backend.apply(
        upserts=[
            doc(1, "Kept and updated"),
            doc("1-6", "New file", kind="document", parent="article:1"),
            doc(3, "Added"),
        ],
        deletes=["article:2"],
        replace_children_of=["article:1"],
    )
    backend.refresh()
    assert backend.all_ids() == {"article:1", "document:1-6", "article:3"}
    assert backend.get(["article:1"])["article:1"].title == "Kept and updated"


FILTER_CASES = [
    ("type", "question"),
    ("tags", "billing"),
    ("products", "ledger"),
    ("roles", "admin"),
    ("stages", "trial"),
    ("locale", "de"),
    ("parent", "article:9"),
    ("solved", True),
    ("promoted", True),
]


@pytest.mark.parametrize(("field", "value"), FILTER_CASES, ids=[c[0] for c in FILTER_CASES])
def test_filter_by_every_facet_field(backend, field, value):
    matching = doc(1, "Connecting the bank feed", kind="article")
    if field == "type":
        matching = doc(1, "Connecting the bank feed", kind="question")
    elif isinstance(value, bool) or field in ("locale", "parent"):
        setattr(matching, field, value)
    else:
        setattr(matching, field, [value, "other"])
    other = doc(2, "Connecting the bank feed")
    load(backend, matching, other)
    assert ids(backend, text="bank", filters={field: [value]}) == {matching.id}
    assert ids(backend, filters={field: [value]}) == {matching.id}
    assert len(ids(backend, text="bank")) == 2


def test_filters_or_within_a_field_and_across_fields(backend):
    load(
        backend,
        doc(1, "Alpha", products=["ledger"], tags=["billing"]),
        doc(2, "Beta", products=["relay"], tags=["billing"]),
        doc(3, "Gamma", products=["relay"], tags=["sync"]),
    )
    assert ids(backend, filters={"products": ["ledger", "relay"]}) == {
        "article:1",
        "article:2",
        "article:3",
    }
    assert ids(backend, filters={"products": ["relay"], "tags": ["billing"]}) == {"article:2"}


def test_access_terms_filter_every_query(backend):
    load(
        backend,
        doc(1, "Public guide to exports"),
        doc(2, "Ledger partners guide to exports", access=["segment:1"]),
        doc(3, "Relay partners guide to exports", access=["segment:2", "segment:5"]),
        doc(4, "Editors only guide to exports", access=[]),
    )
    assert ids(backend, text="exports", access=["public"]) == {"article:1"}
    assert ids(backend, text="exports", access=["public", "segment:5"]) == {
        "article:1",
        "article:3",
    }
    assert ids(backend, text="exports", access=None) == {f"article:{n}" for n in range(1, 5)}
    assert ids(backend, text="exports", access=[]) == set()
    assert backend.count(SearchQuery(access=["public", "segment:1"])) == 2
    assert [d.id for d in backend.suggest_titles("ledger part", access=["public"])] == []


def test_facets_count_only_what_the_person_may_see(backend):
    load(
        backend,
        doc(1, "Sync guide", tags=["sync"], products=["relay"]),
        doc(2, "Sync errors", tags=["sync", "errors"], products=["relay"]),
        doc(3, "Secret sync roadmap", tags=["roadmap"], products=["atlas"], access=["segment:4"]),
        doc(4, "Sync question", kind="question", tags=["sync"], products=["ledger"]),
    )
    facets = backend.facets(SearchQuery(text="sync", access=["public"]), FACET_FIELDS)
    assert dict(facets["tags"]) == {"sync": 3, "errors": 1}
    assert dict(facets["products"]) == {"relay": 2, "ledger": 1}
    assert dict(facets["type"]) == {"article": 2, "question": 1}
    assert dict(facets["locale"]) == {"en": 3}
    staff = backend.search(SearchQuery(text="sync", access=None, facets=("tags",), limit=0))
    assert staff.total == 4 and dict(staff.facets["tags"])["roadmap"] == 1


def test_title_matches_rank_above_body_mentions(backend):
    load(
        backend,
        doc(1, "Getting started", text="Later you may want to configure webhooks for events."),
        doc(2, "Configure webhooks", text="Send events to your endpoint."),
    )
    result = backend.search(SearchQuery(text="webhooks", access=None))
    assert result.ids == ["article:2", "article:1"]
    assert result.hits[0].score > result.hits[1].score


def test_field_weights_can_be_chosen_per_query(backend):
    load(
        backend,
        doc(1, "Unrelated", accepted_answer="Restart the relay agent."),
        doc(2, "Relay agent", text="Overview."),
    )
    only_answers = backend.search(
        SearchQuery(text="restart", access=None, fields={"accepted_answer": 1.0})
    )
    assert only_answers.ids == ["article:1"]
    assert ids(backend, text="overview", fields={"title": 1.0}) == set()


def test_sort_newest_and_paging(backend):
    load(
        backend,
        *(
            doc(n, f"Release notes {n}", updated=datetime(2024, 1, n, tzinfo=UTC))
            for n in range(1, 8)
        ),
    )
    newest = backend.search(SearchQuery(text="release", access=None, sort="newest", limit=3))
    assert newest.total == 7
    assert newest.ids == ["article:7", "article:6", "article:5"]
    page2 = backend.search(
        SearchQuery(text="release", access=None, sort="newest", limit=3, offset=3)
    )
    assert page2.ids == ["article:4", "article:3", "article:2"]
    assert backend.search(SearchQuery(text="release", access=None, limit=0)).hits == []


def test_nonsense_input_finds_nothing_without_errors(backend):
    load(backend, doc(1, "Anything"))
    for text in ["!!!", '"', "-", "(((", "AND OR NOT", "title:x", "🙂", "x" * 10_000, "*"]:
        backend.search(SearchQuery(text=text, access=["public"]))
    assert ids(backend, text="!!!") == set()


def test_suggest_titles_completes_the_last_word(backend):
    load(
        backend,
        doc(1, "Resetting your password"),
        doc(2, "Reset two-factor authentication", access=["segment:2"]),
        doc(3, "Exporting invoices"),
    )
    assert {d.id for d in backend.suggest_titles("reset", access=None)} == {
        "article:1",
        "article:2",
    }
    assert {d.id for d in backend.suggest_titles("resetting your pass", access=None)} == {
        "article:1"
    }
    assert {d.id for d in backend.suggest_titles("reset", access=["public"])} == {"article:1"}
    assert backend.suggest_titles("", access=None) == []


def test_rebuild_into_a_new_version_and_switch(backend):
    load(backend, doc(1, "Old content"), doc(2, "Removed content"))
    old = backend.current_version()
    new = backend.create_version()
    assert new != old and backend.current_version() == old
    backend.upsert([doc(1, "New content"), doc(3, "Added content")], version=new)
    # Searches keep reading the old version until the switch.
    assert ids(backend, text="content") == {"article:1", "article:2"}
    backend.switch_to(new)
    backend.refresh()
    assert backend.current_version() == new
    assert ids(backend, text="content") == {"article:1", "article:3"}
    assert backend.drop_old_versions() == [old]
    assert backend.versions() == [new]
    # Writes after the switch go to the new version.
    load(backend, doc(4, "Later content"))
    assert ids(backend, text="content") == {"article:1", "article:3", "article:4"}


def test_current_version_cannot_be_dropped(backend):
    from search.backends import SearchBackendError

    with pytest.raises(SearchBackendError):
        backend.drop_version(backend.current_version())
