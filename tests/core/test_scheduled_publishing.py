from datetime import timedelta

from django.utils import timezone

from core.tasks import publish_scheduled
from tests.factories import make_article


def test_scheduled_article_goes_live_when_its_time_comes(client, home):
    article = make_article(title="Release notes", live=False)
    article.go_live_at = timezone.now() + timedelta(hours=1)
    revision = article.save_revision()
    revision.publish()  # as the editor's "Publish" with a go-live date: scheduled
    article.refresh_from_db()
    assert not article.live
    assert client.get(article.url).status_code == 404

    publish_scheduled.delay()  # not due yet
    article.refresh_from_db()
    assert not article.live

    # Time passes: move the schedule (and the revision's own go-live date) into the past.
    past = timezone.now() - timedelta(minutes=1)
    revision.approved_go_live_at = past
    revision.content["go_live_at"] = past.isoformat()
    revision.save(update_fields=["approved_go_live_at", "content"])
    publish_scheduled.delay()
    article.refresh_from_db()
    assert article.live
    assert client.get(article.url).status_code == 200
