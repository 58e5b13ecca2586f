"""The index heals itself: a periodic comparison with the database queues what differs.

The index is damaged the ways it really gets damaged — an old snapshot restored (stale
documents), writes lost (missing items), deletes lost (items that are gone) — on both
backends, then one reconcile run and a drain bring it back to match the database exactly.
"""

import pytest
from django.core.management import call_command

from indexing import services
from indexing.models import IndexQueueItem, ReconcileCursor
from indexing.tasks import reconcile as reconcile_task
from tests.factories import make_announcement, make_article
from tests.indexing.helpers import answer, ask, attach, make_document
from tests.indexing.support import assert_index_matches_database

pytestmark = pytest.mark.django_db


@pytest.fixture
def indexed(home, products, member, other_member, site_backend, sync_search):
    article = make_article(title="Close the books", body="Month-end close in six steps.")
    attach(article, make_document("Checklist", "close.txt", b"Reconcile the bank accounts."))
    plain = make_article(title="Invite your team", body="Send invitations from Settings.")
    news = make_announcement(title="Ledger 4.2", body="Faster exports.")
    question = ask(member, products["ledger"], title="Why does the close take so long?")
    answer(question, other_member, body="Archive the old periods first.")
    sync_search()
    return {"article": article, "plain": plain, "news": news, "question": question}


@pytest.mark.parametrize("site_backend", ["embedded", "osmem"], indirect=True)
def test_a_restored_old_index_heals_in_one_run(indexed, site_backend, sync_search):
    backend = site_backend
    sync_search()
    snapshot = backend.get(backend.all_ids())
    # Changes made after the snapshot was taken...
    article, plain = indexed["article"], indexed["plain"]
    article.title = "Close the books faster"
    article.save_revision().publish()
    new = make_article(title="Export to CSV", body="Download any list as CSV.")
    indexed["news"].delete()
    sync_search()
    # ... are lost when the snapshot is restored.
    backend.drop_all()
    backend.ensure_index()
    backend.upsert(list(snapshot.values()))
    backend.refresh()
    assert f"article:{new.pk}" not in backend.all_ids()

    result = services.reconcile(backend=backend, batch=1000)
    assert result.missing == 1  # the new article
    assert result.extra == 1  # the deleted announcement
    assert result.stale >= 1  # the renamed article
    assert IndexQueueItem.objects.filter(key=f"article:{article.pk}").exists()
    sync_search()
    assert_index_matches_database(backend)
    assert plain.pk  # untouched items were compared and left alone
    assert services.reconcile(backend=backend, batch=1000).queued == 0


def test_a_lost_attachment_and_a_changed_document_are_found(indexed, site_backend, sync_search):
    backend = site_backend
    article = indexed["article"]
    attachment = next(i for i in backend.all_ids() if i.startswith("document:"))
    backend.delete([attachment])
    stale = backend.get([f"question:{indexed['question'].pk}"])
    changed = next(iter(stale.values()))
    changed.title = "An old title"
    backend.upsert([changed])
    backend.refresh()
    result = services.reconcile(backend=backend, batch=1000)
    assert result.stale == 2
    assert set(IndexQueueItem.objects.values_list("key", flat=True)) == {
        f"article:{article.pk}",
        f"question:{indexed['question'].pk}",
    }
    sync_search()
    assert_index_matches_database(backend)


def test_each_run_compares_the_next_slice(indexed, site_backend):
    first = services.reconcile(backend=site_backend, batch=1)
    second = services.reconcile(backend=site_backend, batch=1)
    assert first.checked == 3  # the first article, the announcement, the question
    assert second.checked == 1  # the second article; the others start a new round
    cursor = ReconcileCursor.objects.get(type="article")
    assert cursor.last_pk == max(indexed["article"].pk, indexed["plain"].pk)
    assert ReconcileCursor.objects.get(type="announcement").rounds == 1
    services.reconcile(backend=site_backend, batch=1)  # past the end: a new round starts
    assert ReconcileCursor.objects.get(type="article").rounds == 1


def test_the_periodic_task_and_the_command_heal_the_index(indexed, site_backend):
    site_backend.delete([f"announcement:{indexed['news'].pk}"])
    site_backend.refresh()
    assert reconcile_task()["missing"] == 1
    site_backend.refresh()
    assert_index_matches_database(site_backend)
    site_backend.delete([f"article:{indexed['plain'].pk}"])
    site_backend.refresh()
    call_command("search_sync", reconcile=True, no_progress=True, verbosity=0)
    assert_index_matches_database(site_backend)


def test_the_task_is_scheduled():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["reconcile-search-index"]
    assert entry["task"] == "indexing.reconcile"
