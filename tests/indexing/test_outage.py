"""The search server goes away while content changes: nothing is lost, nothing goes stale."""

import os
import signal
from urllib.parse import urlsplit

import pytest
from osmem_server import OsmemServer

from forum import services as forum
from indexing.models import IndexQueueItem
from indexing.tasks import drain_queue
from kb.models import ArticlePage
from search.backends import get_backend, reset_backends
from tests.factories import make_announcement, make_article, publish
from tests.indexing.helpers import answer, ask
from tests.indexing.support import assert_index_matches_database, committing, found
from tests.search.support import TcpProxy, unique_prefix

pytestmark = pytest.mark.django_db


def use_opensearch(settings, url):
    settings.SEARCH_BACKEND = "opensearch"
    settings.OPENSEARCH_URL = url
    settings.SEARCH_INDEX_PREFIX = unique_prefix()
    settings.SEARCH_TIMEOUT = 0.5
    settings.SEARCH_MAX_RETRIES = 0
    settings.INDEXING_RETRY_BASE_SECONDS = 0  # retry as soon as the periodic drain runs
    return get_backend()


@pytest.fixture
def proxied(osmem, settings):
    """The site talks to osmem-server through a proxy the test can stop and start."""
    target = urlsplit(osmem.url)
    proxy = TcpProxy(target.hostname, target.port)
    proxy.start()
    backend = use_opensearch(settings, proxy.url)
    yield proxy, backend
    proxy.stop()
    proxy.start()
    backend.drop_all()
    proxy.stop()
    reset_backends()


def test_outage_publish_edit_delete_then_recover(
    home, products, member, other_member, staff, proxied, django_capture_on_commit_callbacks
):
    proxy, backend = proxied

    def commit():
        return committing(django_capture_on_commit_callbacks, backend)

    with commit():
        make_article(title="Kept as it was")
        edited = make_article(title="Edited during the outage", body="Original wording.")
        deleted = make_article(title="Deleted during the outage")
        unpublished = make_article(title="Unpublished during the outage")
        make_announcement(title="Maintenance window", segments=[products["relay"]])
        question = ask(member, products["relay"], title="Agent stops after the update")
        reply = answer(question, other_member, body="Reinstall the agent service.")
    assert_index_matches_database(backend)

    proxy.stop()  # the search server is gone
    with django_capture_on_commit_callbacks(execute=True):
        created = make_article(title="Published during the outage")
        edited.title = "Edited: new wording"
        publish(edited)
        ArticlePage.objects.get(pk=deleted.pk).delete()
        unpublished.unpublish()
        forum.edit_answer(reply, other_member, body="Restart the agent service instead.")
        forum.accept_answer(reply, member, notify=False)
        other = ask(member, products["ledger"], title="Exports are empty since Monday")
    # Every change was accepted by the site and waits in the queue, with its failure noted.
    rows = {row.key: row for row in IndexQueueItem.objects.all()}
    assert set(rows) >= {
        f"article:{created.pk}",
        f"article:{edited.pk}",
        f"article:{deleted.pk}",
        f"article:{unpublished.pk}",
        f"question:{question.pk}",
        f"question:{other.pk}",
    }
    assert all(row.attempts >= 1 for row in rows.values())
    assert all("OpenSearch is not answering" in row.last_error for row in rows.values())

    drain_queue.apply()  # the periodic drain while the server is still down
    assert set(IndexQueueItem.objects.values_list("key", flat=True)) == set(rows)

    proxy.start()  # the server is back: the periodic drain catches up, no manual step
    drain_queue.apply()
    assert not IndexQueueItem.objects.exists()
    assert_index_matches_database(backend)
    assert found(backend, "outage") == {f"article:{created.pk}", f"article:{edited.pk}"}
    assert backend.get([f"question:{question.pk}"])[f"question:{question.pk}"].solved


def test_a_hung_server_times_out_and_the_change_waits(
    home, settings, django_capture_on_commit_callbacks
):
    server = OsmemServer.start(japanese=False)
    try:
        backend = use_opensearch(settings, server.url)
        backend.ensure_index()
        os.kill(server.pid, signal.SIGSTOP)  # accepts connections, never answers
        with django_capture_on_commit_callbacks(execute=True):
            article = make_article(title="Published while the server hangs")
        row = IndexQueueItem.objects.get(key=f"article:{article.pk}")
        assert row.attempts == 1 and "not answering" in row.last_error
        os.kill(server.pid, signal.SIGCONT)
        drain_queue.apply()
        assert found(backend, "hangs") == {f"article:{article.pk}"}
        assert not IndexQueueItem.objects.exists()
        backend.drop_all()
    finally:
        os.kill(server.pid, signal.SIGCONT)
        server.close()
        reset_backends()
