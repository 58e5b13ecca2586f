"""The transactional outbox: side effects written with the change, sent after the commit,
delivered once — and a broker that is down never fails the write that caused them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.utils import timezone

from core import outbox
from core.models import OutboxMessage
from core.tasks import outbox_dispatch
from forum.models import Question
from tests.core import outbox_support
from tests.factories import UserFactory
from tests.indexing.support import celery_broker
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

#: Nothing listens there ("discard"): publishing fails at once.
CLOSED_BROKER = "redis://127.0.0.1:9/0"
State = OutboxMessage.State


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


@pytest.fixture
def runs(tmp_path):
    path = tmp_path / "runs.txt"
    path.touch()
    return path


def lines(path) -> list[str]:
    return path.read_text().split()


# --- Through the site, with the broker down ---------------------------------------------


def ask_form(products, **overrides):
    return {
        "title": "Webhook deliveries fail after rotating the secret",
        "product": products["relay"].pk,
        "tags": "webhooks",
        "body": "Since we rotated the secret every delivery fails, @other any idea?",
        "website": "",
        **overrides,
    }


def test_asking_with_the_broker_down_succeeds_and_the_dispatcher_emails_once(
    client, member, other_member, products, django_capture_on_commit_callbacks
):
    client.force_login(member)
    with celery_broker(CLOSED_BROKER), django_capture_on_commit_callbacks(execute=True):
        response = client.post("/community/ask/", ask_form(products))
    assert response.status_code == 302, response.content.decode()[:2000]
    question = Question.objects.get()
    # Two side effects wait: the mention's email and the notice to the tag's followers.
    assert set(OutboxMessage.objects.values_list("task", "state")) == {
        ("forum.tasks.notify_mentions", State.PENDING),
        ("forum.tasks.notify_followers", State.PENDING),
    }
    row = OutboxMessage.objects.get(task="forum.tasks.notify_mentions")
    assert row.args == ["question", question.pk, [member.pk]]
    assert row.dispatches == 0 and row.attempts == 0
    assert mail.outbox == []

    # The broker is back (here: tasks run in-process): the periodic dispatcher sends them.
    assert outbox_dispatch.apply().get()["ran"] == 2
    assert recipients() == [other_member.email]
    row.refresh_from_db()
    assert row.state == State.DONE and row.done_at and row.attempts == 1
    # A second run of the dispatcher sends nothing more.
    assert outbox_dispatch.apply().get()["ran"] == 0
    assert recipients() == [other_member.email]


def test_answering_with_the_broker_down_emails_each_watcher_once_later(
    client, products, member, other_member, django_capture_on_commit_callbacks
):
    from forum import services

    question = services.ask_question(
        member,
        title="How do I rotate the webhook signing secret?",
        body="We rotated the secret and now every delivery fails.",
        product=products["relay"],
        tags="webhooks",
        enforce_limits=False,
    )
    watchers = [UserFactory(username=f"watcher{n}") for n in range(3)]
    for person in watchers:
        services.watch(question, person)
    client.force_login(other_member)
    with celery_broker(CLOSED_BROKER), django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/community/q/{question.pk}/answer/", {"body": "Rotate it, then redeploy."}
        )
        assert response.status_code == 302
    answer = question.answers.get()
    assert set(OutboxMessage.objects.values_list("key", "state")) >= {
        (f"forum-new-answer:{answer.pk}", State.PENDING)
    }
    assert mail.outbox == []

    outbox_dispatch.apply()
    expected = sorted([member.email, *(w.email for w in watchers)])
    assert recipients() == expected
    outbox_dispatch.apply()
    assert recipients() == expected


def test_filing_a_ticket_with_the_broker_down_succeeds_and_confirms_once(
    client, customer, products, django_capture_on_commit_callbacks
):
    client.force_login(customer)
    problem = {
        "product": "relay",
        "subject": "Webhook signature fails",
        "description": "Every delivery fails the signature check since Monday.",
    }
    with celery_broker(CLOSED_BROKER), django_capture_on_commit_callbacks(execute=True):
        assert client.post("/support/new/", {**problem, "action": "continue"}).status_code == 302
        response = client.post("/support/new/details/", {**problem, "priority": "2"})
    assert response.status_code == 302, response.content.decode()[:2000]
    ticket = Ticket.objects.get()
    row = OutboxMessage.objects.get(key=f"ticket-confirmation:{ticket.pk}")
    assert row.state == State.PENDING and row.ordering_key == f"ticket:{ticket.pk}"
    assert mail.outbox == []

    outbox_dispatch.apply()
    assert recipients() == [customer.email]
    outbox_dispatch.apply()
    assert recipients() == [customer.email]


@pytest.fixture
def customer(db):
    return UserFactory(username="customer", display_name="Priya Customer")


def test_publishing_tries_the_broker_once_without_retries(django_capture_on_commit_callbacks):
    """The request does not depend on how long a broker takes to refuse: it asks once."""
    with outbox_support.CountingListener() as broker:
        with celery_broker(broker.url), django_capture_on_commit_callbacks(execute=True):
            outbox.enqueue("tests.core.outbox_record", "/dev/null", "one", key="a")
        tries = broker.accepted
    assert OutboxMessage.objects.get(key="a").state == State.PENDING
    # One connection attempt and one retry at most (OUTBOX_PUBLISH_MAX_RETRIES), not the
    # default publish retry policy.
    assert 1 <= tries <= 1 + settings.OUTBOX_PUBLISH_MAX_RETRIES


# --- The outbox itself --------------------------------------------------------------------


def test_a_rolled_back_change_leaves_no_message(runs):
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.enqueue("tests.core.outbox_record", str(runs), "never")
        raise RuntimeError
    assert not OutboxMessage.objects.exists()
    assert lines(runs) == []


def test_the_message_is_sent_only_after_the_commit(runs, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        outbox.enqueue("tests.core.outbox_record", str(runs), "later", key="later")
    assert OutboxMessage.objects.get(key="later").state == State.PENDING
    assert lines(runs) == [] and len(callbacks) == 1
    callbacks[0]()
    assert lines(runs) == ["later"]
    assert OutboxMessage.objects.get(key="later").state == State.DONE


def test_an_idempotency_key_runs_the_task_once(runs, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        outbox.enqueue("tests.core.outbox_record", str(runs), "first", key="same")
        outbox.enqueue("tests.core.outbox_record", str(runs), "second", key="same")
    assert OutboxMessage.objects.filter(key="same").count() == 1
    assert lines(runs) == ["first"]
    # The same key queued again later, dispatched again, or delivered twice by the broker:
    # the task finds its row done and skips.
    with django_capture_on_commit_callbacks(execute=True):
        outbox.enqueue("tests.core.outbox_record", str(runs), "again", key="same")
    row = OutboxMessage.objects.get(key="same")
    outbox.dispatch([row])
    result = outbox_support.outbox_record.apply(
        args=[str(runs), "duplicate"], kwargs={outbox.KEY_ARGUMENT: "same"}
    )
    assert result.get() is None
    assert lines(runs) == ["first"]
    row.refresh_from_db()
    assert row.attempts == 1 and row.dispatches == 2


def test_a_task_run_by_another_worker_is_skipped(runs):
    key = outbox.enqueue("tests.core.outbox_record", str(runs), "x", dispatch_on_commit=False)
    assert outbox.claim(key) is not None  # a worker has it
    outbox_support.outbox_record.apply(args=[str(runs), "x"], kwargs={outbox.KEY_ARGUMENT: key})
    assert lines(runs) == []
    # Its worker died: once the lease has run out the dispatcher sends it again.
    assert outbox.due() == []
    OutboxMessage.objects.filter(key=key).update(locked_until=timezone.now() - timedelta(1))
    assert [m.key for m in outbox.due()] == [key]
    outbox.dispatch_pending()
    assert lines(runs) == ["x"]
    assert OutboxMessage.objects.get(key=key).state == State.DONE


def test_called_without_a_key_a_task_runs_as_usual(runs):
    assert outbox_support.outbox_record.apply(args=[str(runs), "plain"]).get() == "plain"
    assert outbox_support.outbox_record(str(runs), "direct") == "direct"
    assert lines(runs) == ["plain", "direct"]


def test_a_message_lost_by_the_broker_is_sent_again(runs):
    key = outbox.enqueue("tests.core.outbox_record", str(runs), "lost", dispatch_on_commit=False)
    sent_at = timezone.now() - timedelta(seconds=settings.OUTBOX_REDISPATCH_SECONDS - 60)
    OutboxMessage.objects.filter(key=key).update(state=State.SENT, sent_at=sent_at)
    assert outbox.due() == []  # still on its way
    OutboxMessage.objects.filter(key=key).update(sent_at=sent_at - timedelta(seconds=120))
    outbox.dispatch_pending()
    assert lines(runs) == ["lost"]


def test_a_failing_task_waits_with_a_backoff_then_gives_up(
    runs, settings, django_capture_on_commit_callbacks
):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    with django_capture_on_commit_callbacks(execute=True):
        key = outbox.enqueue("tests.core.outbox_fail", str(runs))
    row = OutboxMessage.objects.get(key=key)
    assert row.state == State.PENDING and row.attempts == 1
    assert "the side effect broke" in row.last_error
    assert row.available_at > timezone.now()  # waits for its backoff
    assert outbox.dispatch_pending().ran == 0

    for attempt in (2, 3):
        OutboxMessage.objects.filter(key=key).update(available_at=timezone.now())
        outbox.dispatch_pending()
        assert OutboxMessage.objects.get(key=key).attempts == attempt
    assert OutboxMessage.objects.get(key=key).state == State.FAILED
    OutboxMessage.objects.filter(key=key).update(available_at=timezone.now())
    outbox.dispatch_pending()
    assert lines(runs) == ["tried"] * 3


def test_rows_of_one_ordering_key_run_in_order(runs, django_capture_on_commit_callbacks):
    with celery_broker(CLOSED_BROKER), django_capture_on_commit_callbacks(execute=True):
        for label in ("one", "two", "three"):
            outbox.enqueue("tests.core.outbox_record", str(runs), label, ordering_key="t:1")
        outbox.enqueue("tests.core.outbox_record", str(runs), "other", ordering_key="t:2")
    assert lines(runs) == []
    # The third row is sent on its own (a late publish): its earlier rows go first.
    third = OutboxMessage.objects.filter(ordering_key="t:1").order_by("pk").last()
    outbox.dispatch([third])
    assert lines(runs) == ["one", "two", "three"]
    outbox.dispatch_pending()
    assert lines(runs) == ["one", "two", "three", "other"]


def test_a_row_waits_while_an_earlier_one_of_its_key_is_on_its_way(runs):
    first = outbox.enqueue("tests.core.outbox_record", str(runs), "1", ordering_key="k")
    second = outbox.enqueue("tests.core.outbox_record", str(runs), "2", ordering_key="k")
    OutboxMessage.objects.filter(key=first).update(state=State.SENT, sent_at=timezone.now())
    result = outbox.dispatch_keys([second])
    assert result.waiting == 1 and lines(runs) == []
    # Delivered out of order anyway: the task gives it back instead of running it first.
    outbox_support.outbox_record.apply(args=[str(runs), "2"], kwargs={outbox.KEY_ARGUMENT: second})
    assert lines(runs) == []
    assert OutboxMessage.objects.get(key=second).state == State.PENDING
    # The first one arrives, and sends the second when done.
    outbox_support.outbox_record.apply(args=[str(runs), "1"], kwargs={outbox.KEY_ARGUMENT: first})
    assert lines(runs) == ["1", "2"]


def test_done_rows_are_pruned_after_the_keep_period(runs, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        key = outbox.enqueue("tests.core.outbox_record", str(runs), "old")
    assert outbox.dispatch_pending().pruned == 0
    old = timezone.now() - timedelta(days=settings.OUTBOX_KEEP_DAYS + 1)
    OutboxMessage.objects.filter(key=key).update(done_at=old)
    assert outbox.dispatch_pending().pruned == 1
    assert not OutboxMessage.objects.exists()


def test_the_dispatcher_is_on_the_periodic_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["dispatch-outbox"]
    assert entry["task"] == outbox_dispatch.name == "core.outbox_dispatch"
    assert entry["schedule"] == settings.OUTBOX_DISPATCH_INTERVAL


def test_tasks_are_acknowledged_late_and_redelivered_within_minutes():
    from config.celery import app

    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    timeout = app.conf.broker_transport_options["visibility_timeout"]
    assert 5 * 60 <= timeout <= 10 * 60
    # A redelivered message of a killed worker finds the row's lease run out.
    assert timeout > settings.OUTBOX_LEASE_SECONDS


def test_a_lease_longer_than_the_visibility_timeout_fails_the_checks(settings):
    from core.checks import check_outbox_settings

    assert check_outbox_settings(None) == []
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 120}
    assert [e.id for e in check_outbox_settings(None)] == ["portico.E030"]


def test_the_outbox_command_reports_and_sends_failed_rows_again(
    runs, settings, django_capture_on_commit_callbacks
):
    from io import StringIO

    from django.core.management import call_command

    settings.OUTBOX_MAX_ATTEMPTS = 1
    with django_capture_on_commit_callbacks(execute=True):
        key = outbox.enqueue("tests.core.outbox_fail", str(runs))
    assert OutboxMessage.objects.get(key=key).state == State.FAILED
    out = StringIO()
    call_command("outbox", stdout=out)
    assert "failed: 1" in out.getvalue() and "done: 0" in out.getvalue()
    call_command("outbox", retry_failed=True, stdout=out)
    assert "1 failed row(s) queued again." in out.getvalue()
    assert lines(runs) == ["tried", "tried"]
