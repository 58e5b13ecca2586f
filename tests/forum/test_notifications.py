"""Watches and emails: answers, accepts, mentions, preferences and unsubscribe links."""

import re
import smtplib

import pytest
from django.core import mail

from forum import notifications, services, tasks
from forum.models import ForumProfile, NotificationDelivery, Watch
from tests.factories import UserFactory


@pytest.fixture
def question(ask, member):
    return ask(member, "Webhook deliveries fail after rotating the secret")


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def test_new_answer_emails_watchers_not_the_answerer(
    question, member, other_member, third_member, django_capture_on_commit_callbacks
):
    services.watch(question, third_member)
    services.watch(question, other_member)
    with django_capture_on_commit_callbacks(execute=True):
        services.post_answer(question, other_member, body="Rotate it in Settings, then redeploy.")
    assert recipients() == sorted([member.email, third_member.email])
    message = mail.outbox[0]
    assert "New answer" in message.subject
    assert question.get_absolute_url() in message.body
    assert "Rotate it in Settings" in message.body
    assert "/community/unsubscribe/" in message.body
    assert message.extra_headers["List-Unsubscribe"].startswith("<http://testserver/community/")


def test_nothing_is_sent_when_the_write_rolls_back(
    question, other_member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.post_answer(question, other_member, body="An answer that gets queued.")
    assert callbacks  # queued for after the commit, not sent inline
    assert mail.outbox == []


def test_accept_emails_answer_author_and_watchers(
    question, answer, member, other_member, third_member, django_capture_on_commit_callbacks
):
    reply = answer(question, other_member, notify=False)
    services.watch(question, third_member)
    with django_capture_on_commit_callbacks(execute=True):
        services.accept_answer(reply, member)
    assert recipients() == sorted([other_member.email, third_member.email])
    yours = next(m for m in mail.outbox if m.to == [other_member.email])
    assert "Your answer" in yours.subject and "accepted" in yours.subject


def test_mentions_are_emailed(
    question, member, other_member, third_member, django_capture_on_commit_callbacks
):
    third_member.display_name = "Jane Doe"
    third_member.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.add_comment(
            member,
            question=question,
            enforce_limits=False,
            body="@other can you help? Also @JaneDoe. Not me@example.com.",
        )
    assert recipients() == sorted([other_member.email, third_member.email])
    assert all("mentioned you" in m.subject for m in mail.outbox)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.post_answer(
            question,
            other_member,
            enforce_limits=False,
            body="Thanks @third, here is what worked for us.",
        )
    mention = next(m for m in mail.outbox if m.to == [third_member.email])
    assert "mentioned you" in mention.subject
    assert next(m for m in mail.outbox if m.to == [member.email]).subject.count("New answer")


def test_edit_only_emails_new_mentions(
    question, member, other_member, third_member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.edit_question(
            question,
            member,
            title=question.title,
            tags="webhooks",
            body="Any ideas, @other? Every delivery fails.",
        )
    assert recipients() == [other_member.email]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.edit_question(
            question,
            member,
            title=question.title,
            tags="webhooks",
            body="Any ideas, @other or @third? Every delivery fails.",
        )
    assert recipients() == [third_member.email]


def test_preferences_and_one_click_unsubscribe(
    client, question, member, other_member, third_member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.post_answer(question, other_member, body="First answer, with a fix inside.")
    link = re.search(r"http://testserver(/community/unsubscribe/\S+/)", mail.outbox[0].body)
    path = link.group(1)
    client.logout()
    page = client.get(path)  # a link scanner's GET changes nothing
    assert page.status_code == 200
    assert ForumProfile.objects.filter(user=member, email_on_answers=False).count() == 0
    response = client.post(path)  # no sign-in, no CSRF token: the token is the credential
    assert response.status_code == 200
    assert "no longer be emailed" in response.content.decode()
    assert ForumProfile.objects.get(user=member).email_on_answers is False
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.post_answer(question, third_member, body="Second answer, also helpful.")
    assert mail.outbox == []
    assert client.get("/community/unsubscribe/not-a-token/").status_code == 400

    services.update_notification_settings(member, email_on_answers=True, email_on_mentions=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.add_comment(
            other_member, question=question, body="@member ping", enforce_limits=False
        )
    assert mail.outbox == []


def test_settings_page_and_watch_button(client, question, other_member):
    client.force_login(other_member)
    client.post(f"/community/q/{question.pk}/watch/", {"action": "watch"})
    assert Watch.objects.filter(question=question, user=other_member).exists()
    assert question.title in client.get("/community/settings/").content.decode()
    client.post(f"/community/q/{question.pk}/watch/", {"action": "unwatch"})
    assert not Watch.objects.filter(question=question, user=other_member).exists()
    client.post("/community/settings/", {"email_on_answers": "on"})
    profile = ForumProfile.objects.get(user=other_member)
    assert profile.email_on_answers and not profile.email_on_mentions


def test_no_email_to_unverified_or_about_hidden_posts(
    question, member, other_member, editor, django_capture_on_commit_callbacks
):
    unverified = UserFactory(username="unverified", verified=False)
    Watch.objects.create(question=question, user=unverified)
    with django_capture_on_commit_callbacks(execute=True):
        services.post_answer(question, other_member, body="A visible answer to the question.")
    assert recipients() == [member.email]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        reply = services.post_answer(question, other_member, body="An answer that gets hidden.")
        services.hide_post(reply, editor)
    assert len(callbacks) >= 1
    assert mail.outbox == []  # hidden before the task ran: nobody hears about it


@pytest.fixture
def flaky_smtp(monkeypatch):
    """The mail server drops the connection on the second message, once."""
    from django.core.mail.backends.locmem import EmailBackend

    real_send = EmailBackend.send_messages
    calls = {"n": 0}

    def flaky(self, messages):
        calls["n"] += 1
        if calls["n"] == 2:
            raise smtplib.SMTPServerDisconnected("connection lost")
        return real_send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", flaky)
    return calls


@pytest.fixture
def watchers(question, db):
    people = [UserFactory(username=f"watcher{n}") for n in range(3)]
    for person in people:
        services.watch(question, person)
    return people


def test_emails_resume_after_a_mail_server_failure_and_nobody_gets_two(
    question, member, other_member, watchers, flaky_smtp
):
    reply = services.post_answer(question, other_member, body="Rotate it, then redeploy the app.")
    expected = sorted([member.email, *(w.email for w in watchers)])
    with pytest.raises(smtplib.SMTPServerDisconnected):
        notifications.send_new_answer(reply.pk)
    assert len(mail.outbox) == 1
    assert NotificationDelivery.objects.filter(key=f"answer:{reply.pk}").count() == 1

    # The retry reaches the rest, and nobody twice; running it again sends nothing.
    assert tasks.notify_new_answer.apply(args=[reply.pk]).get() == 3
    assert recipients() == expected
    assert tasks.notify_new_answer.apply(args=[reply.pk]).get() == 0
    assert recipients() == expected


def test_tasks_retry_by_themselves_on_mail_server_errors(
    question, member, other_member, watchers, flaky_smtp
):
    reply = services.post_answer(question, other_member, body="Rotate it, then redeploy the app.")
    # Celery retries the failed run by itself (at once here: eager, without propagating).
    result = tasks.notify_new_answer.apply(args=[reply.pk], throw=False)
    assert result.get() == 3
    assert flaky_smtp["n"] == 5  # 1 sent, 1 failed, then the 3 not reached yet
    assert len(recipients()) == 4 == len(set(recipients()))

    services.accept_answer(reply, member, notify=False)
    assert tasks.notify_accepted_answer.apply(args=[reply.pk, member.pk]).get() == 4
    assert tasks.notify_accepted_answer.apply(args=[reply.pk, member.pk]).get() == 0

    for task in (tasks.notify_new_answer, tasks.notify_accepted_answer, tasks.notify_mentions):
        assert smtplib.SMTPException in task.autoretry_for
        assert ConnectionError in task.autoretry_for
        assert task.retry_backoff and task.max_retries and task.acks_late


def test_mentions_are_sent_once_per_post(
    question, member, other_member, third_member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        comment = services.add_comment(
            member, question=question, enforce_limits=False, body="@other and @third, any idea?"
        )
    assert recipients() == sorted([other_member.email, third_member.email])
    # The same task delivered twice (a broker redelivery, acks_late) emails nobody again.
    assert tasks.notify_mentions.apply(args=["comment", comment.pk, [member.pk]]).get() == 0
    assert len(mail.outbox) == 2


def test_each_watcher_reads_the_new_answer_email_in_their_language(
    question, member, other_member, third_member, django_capture_on_commit_callbacks
):
    member.language = "fa"
    member.save(update_fields=["language"])
    third_member.language = "ro"
    third_member.save(update_fields=["language"])
    services.watch(question, third_member)
    with django_capture_on_commit_callbacks(execute=True):
        services.post_answer(question, other_member, body="Rotate it in Settings, then redeploy.")
    by_recipient = {message.to[0]: message for message in mail.outbox}
    title = question.title
    assert by_recipient[member.email].subject == f"[Portico] پاسخ جدید به «{title}»"
    assert by_recipient[member.email].body.startswith(f"سلام {member.public_name}،")
    assert by_recipient[third_member.email].subject == f"[Portico] Răspuns nou la „{title}”"
