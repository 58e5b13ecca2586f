"""What only the OpenSearch backend has: prefixed names, an alias, explicit mappings."""

import socket
import time

import pytest

from search.backends import SearchUnavailable, build_backend
from search.schema import KEYWORD_FIELDS, SearchQuery
from tests.search.support import CLUSTER_URL, doc, unique_prefix

SERVERS = ["osmem", *(["cluster"] if CLUSTER_URL else [])]


@pytest.fixture(params=SERVERS)
def opensearch(request):
    url = request.getfixturevalue("osmem").url if request.param == "osmem" else CLUSTER_URL
    backend = build_backend("opensearch", prefix=unique_prefix(), url=url, timeout=5)
    yield backend
    backend.drop_all()
    backend.close()


def test_index_names_carry_the_prefix_behind_an_alias(opensearch):
    version = opensearch.ensure_index()
    physical = f"{opensearch.prefix}-content-{version}"
    aliases = opensearch.client.indices.get_alias(name=f"{opensearch.prefix}-content")
    assert list(aliases) == [physical]
    assert version.startswith("v") and version[1:].isdigit()


def test_mapping_is_explicit(opensearch):
    opensearch.ensure_index()
    mapping = opensearch.client.indices.get_mapping(index=opensearch.alias)
    mappings = next(iter(mapping.values()))["mappings"]
    assert mappings["dynamic"] == "strict"
    properties = mappings["properties"]
    for name in KEYWORD_FIELDS:
        assert properties[name]["type"] == "keyword"
    assert properties["text"]["analyzer"] == "portico_en"
    assert properties["title"]["fields"]["suggest"]["type"] == "search_as_you_type"
    assert properties["updated"]["type"] == "date"


def test_two_prefixes_share_a_cluster_without_seeing_each_other(opensearch):
    other = build_backend("opensearch", prefix=unique_prefix(), url=opensearch.url)
    try:
        opensearch.upsert([doc(1, "Site one")])
        other.upsert([doc(1, "Site two")])
        opensearch.refresh()
        other.refresh()
        assert opensearch.get(["article:1"])["article:1"].title == "Site one"
        assert other.get(["article:1"])["article:1"].title == "Site two"
    finally:
        other.drop_all()


def test_a_server_that_does_not_answer_is_reported_unavailable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    backend = build_backend(
        "opensearch", prefix=unique_prefix(), url=f"http://127.0.0.1:{port}", max_retries=1
    )
    started = time.monotonic()
    with pytest.raises(SearchUnavailable):
        backend.upsert([doc(1, "Nowhere to go")])
    with pytest.raises(SearchUnavailable):
        backend.search(SearchQuery(text="anything"))
    assert time.monotonic() - started < 5
