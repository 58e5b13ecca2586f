"""The embedded beat: without a broker, the web process runs the periodic schedule."""

import pytest

from core.periodic import EmbeddedBeat
from indexing.models import IndexQueueItem
from indexing.services import enqueue
from tests.factories import make_article, make_category

pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def beat(settings):
    settings.PORTICO_EMBEDDED_BEAT = True
    settings.CELERY_BROKER_URL = ""
    settings.CELERY_BEAT_SCHEDULE = {
        "drain-search-index-queue": {"task": "indexing.drain_queue", "schedule": 60.0},
    }
    return EmbeddedBeat(clock=Clock())


def test_due_tasks_run_once_per_interval(beat):
    assert beat.due() == [("drain-search-index-queue", "indexing.drain_queue")]
    assert beat.due() == []
    beat.clock.now += 59
    assert beat.due() == []
    beat.clock.now += 1
    assert beat.due() == [("drain-search-index-queue", "indexing.drain_queue")]


def test_a_due_drain_indexes_what_waits(beat, home, sync_search):
    article = make_article(make_category(), title="Waiting for the periodic drain")
    enqueue([f"article:{article.pk}"], "test")  # a change whose drain never ran
    assert IndexQueueItem.objects.exists()
    beat.tick(blocking=True)
    assert not IndexQueueItem.objects.exists()
    backend = sync_search()
    assert f"article:{article.pk}" in backend.all_ids()


def test_off_with_a_broker_or_when_disabled(beat, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    assert beat.tick(blocking=True) is None and beat.last_run == {}
    settings.CELERY_BROKER_URL = ""
    settings.PORTICO_EMBEDDED_BEAT = False
    assert beat.tick(blocking=True) is None and beat.last_run == {}


@pytest.mark.django_db(transaction=True)
def test_the_middleware_starts_one_background_run(beat, client, settings):
    from core import periodic

    settings.CELERY_BEAT_SCHEDULE = {"publish": {"task": "core.publish_scheduled", "schedule": 60}}
    periodic.beat = beat
    try:
        client.get("/robots.txt")
        thread = beat._thread
        assert thread is not None
        thread.join(10)
        assert not thread.is_alive() and "publish" in beat.last_run
    finally:
        periodic.beat = EmbeddedBeat()
