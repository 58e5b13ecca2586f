"""Change capture → queue → drain → index, in-process (tasks run eagerly without a broker)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from wagtail.models import PageViewRestriction

from forum import services as forum
from indexing import services
from indexing.models import IndexQueueItem, IndexRebuild
from indexing.tasks import drain_queue
from kb import services as kb
from kb.models import ArticlePage
from tests.core.outbox_support import CountingListener
from tests.factories import (
    make_announcement,
    make_article,
    make_category,
    make_kb_index,
    publish,
)
from tests.indexing.helpers import answer, ask, attach, make_document, pdf_bytes
from tests.indexing.support import (
    assert_index_matches_database,
    celery_broker,
    committing,
    found,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def commit(django_capture_on_commit_callbacks, site_backend):
    return lambda: committing(django_capture_on_commit_callbacks, site_backend)


def key(obj, kind="article"):
    return f"{kind}:{obj.pk}"


def test_a_publish_queues_its_item_in_the_same_transaction(
    home, site_backend, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        article = make_article(title="Quarterly close checklist")
        assert IndexQueueItem.objects.filter(key=key(article)).exists()
    # Only after the commit does anything reach the index.
    assert any(c.__name__ == "_send_drain_task" for c in callbacks)
    assert site_backend.all_ids() == set()


def test_a_change_that_rolls_back_queues_nothing(home):
    with pytest.raises(RuntimeError), transaction.atomic():
        make_article(title="Never happened")
        raise RuntimeError
    assert not IndexQueueItem.objects.exists()


@pytest.mark.parametrize("site_backend", ["embedded", "osmem"], indirect=True)
def test_article_lifecycle(home, products, site_backend, commit):
    with commit():
        category = make_category(title="Banking", slug="banking")
        article = make_article(
            category, title="Reconcile bank statements", body="Match each line.", summary="Monthly."
        )
    assert found(site_backend, "reconcile") == {key(article)}
    assert not IndexQueueItem.objects.exists()

    with commit():
        article.title = "Reconcile card statements"
        publish(article)
    assert site_backend.get([key(article)])[key(article)].title == "Reconcile card statements"
    assert found(site_backend, "bank") == set()

    with commit():
        article.restricted = True
        article.segments.set([products["ledger"]])
        publish(article)
    assert found(site_backend, "reconcile", access=["public"]) == set()
    assert found(site_backend, "reconcile", access=[f"segment:{products['ledger'].pk}"]) == {
        key(article)
    }

    with commit():
        article.unpublish()
    assert found(site_backend, "reconcile") == set()

    with commit():
        publish(article)
    assert found(site_backend, "reconcile") == {key(article)}

    with commit():
        ArticlePage.objects.get(pk=article.pk).delete()
    assert found(site_backend, "reconcile") == set()
    assert not IndexQueueItem.objects.exists()

    with commit():
        other = make_article(category, title="Bank holidays and transfers")
    assert found(site_backend, "holidays") == {key(other)}
    with commit():
        category.delete()  # deleting a section deletes the articles in it
    assert found(site_backend, "holidays") == set()
    assert_index_matches_database(site_backend)


def test_moving_or_renaming_a_section_updates_urls_below_it(home, site_backend, commit):
    with commit():
        banking = make_category(title="Banking", slug="banking")
        cards = make_category(title="Cards", slug="cards")
        article = make_article(banking, title="Card limits", slug="card-limits")
    url = lambda: site_backend.get([key(article)])[key(article)].url  # noqa: E731
    assert url() == "/kb/banking/card-limits/"

    with commit():
        article.move(cards, pos="last-child")
    assert url() == "/kb/cards/card-limits/"

    with commit():
        cards.refresh_from_db()
        cards.slug = "payment-cards"
        publish(cards)
    assert url() == "/kb/payment-cards/card-limits/"
    assert_index_matches_database(site_backend)


def test_wagtail_privacy_on_a_section_hides_its_articles(home, site_backend, commit):
    with commit():
        category = make_category(title="Partners", slug="partners")
        article = make_article(category, title="Partner margins")
    with commit():
        restriction = PageViewRestriction.objects.create(
            page=category, restriction_type=PageViewRestriction.LOGIN
        )
    assert found(site_backend, "margins", access=["public"]) == set()
    assert found(site_backend, "margins") == {key(article)}
    with commit():
        restriction.delete()
    assert found(site_backend, "margins", access=["public"]) == {key(article)}


def test_renaming_a_segment_updates_what_targets_it(home, products, member, site_backend, commit):
    with commit():
        article = make_article(title="Ledger exports", segments=[products["ledger"]])
        question = ask(member, products["ledger"], title="Where are Ledger exports stored?")
    with commit():
        ledger = products["ledger"]
        ledger.slug = "ledger-cloud"
        ledger.save()
    documents = site_backend.get([key(article), key(question, "question")])
    assert [d.products for d in documents.values()] == [["ledger-cloud"], ["ledger-cloud"]]


def test_helpful_votes_reach_the_index(home, member, site_backend, commit):
    with commit():
        article = make_article(title="Exporting payroll")
    with commit():
        kb.record_helpful_vote(article, user=member, helpful=True)
    assert site_backend.get([key(article)])[key(article)].helpful_votes == 1


def test_attached_files_follow_their_article(home, products, site_backend, commit):
    with commit():
        article = make_article(title="Install guide", segments=[products["relay"]])
        manual = make_document("Installation manual", "manual.pdf", pdf_bytes("Open port 8443"))
        sheet = make_document("Port sheet", "ports.txt", b"The console listens on port 9000.")
        attach(article, manual, sheet)
    file_key = f"document:{article.pk}-{manual.pk}"
    assert found(site_backend, "8443") == {file_key}
    assert found(site_backend, "console") == {f"document:{article.pk}-{sheet.pk}"}

    with commit():
        manual.title = "Installation manual v2"
        manual.save()
    assert site_backend.get([file_key])[file_key].title == "Installation manual v2"

    with commit():
        attach(article, manual)  # the sheet is no longer attached
    assert found(site_backend, "console") == set()

    with commit():
        article.unpublish()
    assert found(site_backend, "8443") == set()
    assert_index_matches_database(site_backend)


@pytest.mark.parametrize("site_backend", ["embedded", "osmem"], indirect=True)
def test_forum_lifecycle(home, products, member, other_member, staff, site_backend, commit):
    with commit():
        question = ask(member, products["relay"], title="Relay agent stops syncing overnight")
    qkey = key(question, "question")
    assert found(site_backend, "syncing") == {qkey}

    with commit():
        reply = answer(question, other_member, body="Disable the **power saving** mode.")
    assert found(site_backend, "power") == {qkey}
    assert site_backend.get([qkey])[qkey].answer_count == 1

    with commit():
        forum.accept_answer(reply, member, notify=False)
    document = site_backend.get([qkey])[qkey]
    assert document.solved and "power saving" in document.accepted_answer

    with commit():
        forum.edit_answer(reply, other_member, body="Disable the **sleep** mode.")
    assert found(site_backend, "power") == set()
    assert found(site_backend, "sleep") == {qkey}

    with commit():
        forum.vote(other_member, question, 1)
    assert site_backend.get([qkey])[qkey].helpful_votes == 1

    with commit():
        forum.hide_post(reply, staff)
    assert found(site_backend, "sleep") == set()
    assert site_backend.get([qkey])[qkey].solved is False

    with commit():
        forum.hide_post(question, staff)
    assert found(site_backend, "syncing") == set()

    with commit():
        forum.restore_post(question, staff)
        forum.set_restricted(question, staff, True)
    assert found(site_backend, "syncing", access=["public"]) == set()
    assert found(site_backend, "syncing", access=[f"segment:{products['relay'].pk}"]) == {qkey}

    with commit():
        question.delete()
    assert found(site_backend, "syncing") == set()
    assert_index_matches_database(site_backend)


def test_an_unavailable_backend_never_breaks_a_publish(home, site_backend, commit):
    """The embedded writer lock is held elsewhere: the publish succeeds, the row waits."""
    import tantivy

    site_backend.lock_timeout = 0.1
    holder = tantivy.Index.open(str(site_backend.root / site_backend.ensure_index())).writer(
        heap_size=15_000_000, num_threads=1
    )
    try:
        with commit():
            article = make_article(title="Published while the index is busy")
        row = IndexQueueItem.objects.get(key=key(article))
        assert article.live
        assert row.attempts == 1 and "locked" in row.last_error
        assert row.next_attempt_at > timezone.now()
        # Nothing is due yet: the periodic drain leaves it alone.
        drain_queue.apply()
        assert IndexQueueItem.objects.get(key=key(article)).attempts == 1
    finally:
        holder.wait_merging_threads()
    call_command("search_sync", verbosity=0)
    assert found(site_backend, "busy") == {key(article)}
    assert not IndexQueueItem.objects.exists()


def test_backoff_grows_and_is_capped(settings):
    settings.INDEXING_RETRY_BASE_SECONDS = 10
    settings.INDEXING_RETRY_MAX_SECONDS = 60
    assert [services.backoff(n).total_seconds() for n in (1, 2, 3, 4, 5)] == [10, 20, 40, 60, 60]


def test_the_periodic_drain_is_scheduled():
    entry = settings.CELERY_BEAT_SCHEDULE["drain-search-index-queue"]
    assert entry["task"] == drain_queue.name == "indexing.drain_queue"


def test_a_row_requeued_while_it_is_processed_stays_for_the_next_round(home, site_backend):
    article = make_article(title="Edited twice")
    started = timezone.now()
    claim, rows = services._claim(10, started=started, include_waiting=False)
    assert [r.key for r in rows] == [key(article)]
    # A second drainer cannot take the same rows.
    assert services._claim(10, started=started, include_waiting=False)[1] == []
    services.enqueue([key(article)], "edited", schedule=False)
    services.process_batch(rows, claim, site_backend, started)
    row = IndexQueueItem.objects.get(key=key(article))
    assert row.claim is None and row.claimed_until is None
    assert services.drain().indexed == 1
    assert not IndexQueueItem.objects.exists()


def test_broker_down_publish_succeeds_and_rows_wait(home, site_backend, commit):
    # A broker that accepts connections and drops them: the publish after the commit
    # tries it once (and one retry at most), whatever the machine's load, then gives up
    # and the row waits.
    with CountingListener() as broker, celery_broker(broker.url):
        with commit():
            article = make_article(title="Published without a broker")
        assert 1 <= broker.accepted <= 2
        assert IndexQueueItem.objects.filter(key=key(article), attempts=0).exists()
        assert site_backend.all_ids() == set()
    call_command("search_sync", verbosity=0)
    assert found(site_backend, "broker") == {key(article)}


def test_search_sync_since_picks_up_bulk_updates(home, site_backend, commit):
    with commit():
        article = make_article(title="Before the import")
        untouched = make_article(title="Untouched by the import")
    yesterday = timezone.now() - timedelta(days=1)
    ArticlePage.objects.filter(pk=untouched.pk).update(
        last_published_at=yesterday - timedelta(days=9)
    )
    ArticlePage.objects.filter(pk=article.pk).update(
        title="After the import", last_published_at=timezone.now()
    )
    assert found(site_backend, "after") == set()
    call_command("search_sync", since=yesterday.date().isoformat(), verbosity=0)
    assert found(site_backend, "after") == {key(article)}


def test_search_sync_all_removes_entries_whose_item_is_gone(home, site_backend, commit):
    from tests.search.support import doc

    with commit():
        article = make_article(title="Still here")
    site_backend.upsert(
        [doc(999_999, "Deleted behind our back"), doc(888, "Gone", kind="question")]
    )
    call_command("search_sync", all=True, verbosity=0)
    assert site_backend.all_ids() == {key(article)}


def test_search_sync_rejects_a_bad_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Not a date"):
        call_command("search_sync", since="last tuesday", verbosity=0)


def test_reindex_builds_a_fresh_version_while_searches_keep_answering(
    home, products, member, other_member, site_backend, commit
):
    with commit():
        old_article = make_article(title="Close the books")
        make_announcement(title="Atlas launches", segments=[products["atlas"]])
        question = ask(member, products["ledger"], title="Closing the books takes hours")
        answer(question, other_member, body="Archive old periods first.")
    # Content the signals never saw (a bulk import) is picked up by a rebuild.
    ArticlePage.objects.filter(pk=old_article.pk).update(title="Close the books quickly")
    old_version = site_backend.current_version()
    seen_during_rebuild = []

    def progress(done):
        if not seen_during_rebuild:
            # The old version still answers; a change made now waits for the switch.
            seen_during_rebuild.append(found(site_backend, "books"))
            ArticlePage.objects.filter(pk=old_article.pk).update(title="Close the books today")
            services.enqueue([key(old_article)], "edited", schedule=False)
            assert services.drain().held

    result = services.rebuild(progress=progress, chunk_size=1)
    assert seen_during_rebuild == [{key(old_article), key(question, "question")}]
    assert result.version != old_version
    assert site_backend.versions() == [result.version]
    assert result.dropped == [old_version]
    assert site_backend.get([key(old_article)])[key(old_article)].title == "Close the books today"
    assert IndexRebuild.objects.get().status == IndexRebuild.Status.DONE
    assert not IndexQueueItem.objects.exists()
    assert_index_matches_database(site_backend)


def test_search_reindex_command(home, site_backend, capsys):
    make_kb_index(home)
    for n in range(3):
        make_article(title=f"Guide {n}")
    call_command("search_reindex", no_progress=True)
    assert "Indexed 3 documents" in capsys.readouterr().out
    assert_index_matches_database(site_backend)


def test_a_rebuild_refuses_to_run_twice(site_backend):
    IndexRebuild.objects.create(backend="embedded", index_name="x")
    with pytest.raises(services.RebuildRunning):
        services.rebuild()
    # A queue drain waits for the running rebuild.
    services.enqueue(["article:1"], schedule=False)
    assert services.drain().held
    assert IndexQueueItem.objects.exists()
