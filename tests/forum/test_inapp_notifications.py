"""In-site notifications (the bell) and follows: created with the forum's emails, counted
cheaply, never shown across people, never revealing a question one may not open."""

import pytest
from django.core.cache import cache
from taggit.models import Tag

from forum import services
from tests.factories import UserFactory
from users import follows, notifications
from users.models import Notification


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def kinds(user):
    return sorted(Notification.objects.filter(user=user).values_list("kind", flat=True))


def test_answer_notifies_asker_and_watchers_once(
    ask, member, other_member, third_member, run_tasks
):
    question = ask(member)
    services.watch(question, third_member)
    with run_tasks():
        reply = services.post_answer(question, other_member, body="Rotate it in Settings.")
    assert kinds(member) == ["answer"] and kinds(third_member) == ["answer"]
    assert kinds(other_member) == []  # never about one's own post
    from forum import notifications as forum_notifications

    forum_notifications.send_new_answer(reply.pk)  # a retried task adds nothing
    assert Notification.objects.filter(user=member).count() == 1


def test_accept_comment_and_mention_notify(
    ask, answer, member, other_member, third_member, run_tasks
):
    third_member.username = "thirdperson"
    third_member.save()
    question = ask(member)
    reply = answer(question, other_member, notify=False)
    with run_tasks():
        services.accept_answer(reply, member)
    assert "accepted" in kinds(other_member)
    with run_tasks():
        services.add_comment(
            member, question=question, answer=reply, body="Thanks, @thirdperson look at this."
        )
    assert "comment" in kinds(other_member)  # a comment on their answer
    assert kinds(third_member) == ["mention"]


def test_bell_shows_the_count_and_clears_when_read(client, ask, member, other_member, run_tasks):
    question = ask(member)
    with run_tasks():
        services.post_answer(question, other_member, body="Rotate it in Settings.")
    client.force_login(member)
    html = client.get("/community/").content.decode()
    assert 'class="notification-bell" href="/account/notifications/" data-unread="1"' in html
    page = client.get("/account/notifications/")
    assert page["Cache-Control"].startswith("private") or "no-store" in page["Cache-Control"]
    body = page.content.decode()
    assert question.title in body and "New answer from" in body
    note = Notification.objects.get(user=member)
    client.post("/account/notifications/read/", {"id": note.pk})
    assert 'data-unread="0"' in client.get("/community/").content.decode()


def test_mark_all_read(client, member):
    client.force_login(member)
    other = UserFactory()
    from forum.models import Question

    q = Question(pk=1)
    for n in range(3):
        notifications.notify([member], kind="answer", key=f"answer:{n}", subject=q, actor=other)
    assert notifications.unread_count(member) == 3
    client.post("/account/notifications/read/", {})
    assert notifications.unread_count(member) == 0


def test_count_is_cached_per_person_and_never_shared(
    ask, member, other_member, django_assert_num_queries
):
    question = ask(member)
    notifications.notify(
        [member], kind="answer", key="answer:x", subject=question, actor=other_member
    )
    assert notifications.unread_count(member) == 1
    with django_assert_num_queries(0):
        assert notifications.unread_count(member) == 1
    assert notifications.unread_count(other_member) == 0
    assert cache.get(f"notifications:unread:{other_member.pk}") == 0


def test_anonymous_pages_carry_no_bell(client, member, ask):
    ask(member)
    html = client.get("/community/").content.decode()
    assert "notification-bell" not in html


def test_restricted_question_title_never_shown(
    client, ask, member, other_member, products, run_tasks
):
    question = ask(member, "A title only granted people may read")
    with run_tasks():
        services.post_answer(question, other_member, body="Rotate it in Settings.")
    assert kinds(member) == ["answer"]
    # Now the question is restricted to a product the asker is not granted.
    services.set_restricted(question, UserFactory(is_staff=True, is_superuser=True), True)
    client.force_login(member)
    html = client.get("/account/notifications/").content.decode()
    assert "A title only granted people may read" not in html
    assert notifications.unread_count(member) == 0  # left out, and no longer counted


def test_follow_a_tag_then_hear_of_new_questions(client, ask, member, other_member, run_tasks):
    ask(member, "Existing question about webhooks", tags="webhooks")
    client.force_login(other_member)
    response = client.post("/community/tags/webhooks/follow/", {"action": "follow"})
    assert response.status_code == 302
    tag = Tag.objects.get(slug="webhooks")
    assert follows.follows_tag(other_member, tag)
    assert 'aria-pressed="true"' in client.get("/community/tags/webhooks/").content.decode()
    with run_tasks():
        ask(member, "A new question about webhook retries", tags="webhooks, retries")
    note = Notification.objects.get(user=other_member)
    assert note.kind == "tag" and note.context == "webhooks"
    assert (
        "A new question about webhook retries"
        in client.get("/account/notifications/").content.decode()
    )
    profile = client.get("/account/profile/").content.decode()
    assert 'href="/community/tags/webhooks/"' in profile
    client.post("/community/tags/webhooks/follow/", {"action": "unfollow"})
    assert not follows.follows_tag(other_member, tag)


def test_cannot_follow_a_tag_only_on_invisible_questions(client, ask, member, other_member, staff):
    question = ask(member, "A question to hide", tags="secretive")
    services.hide_post(question, staff)
    client.force_login(other_member)
    assert client.post("/community/tags/secretive/follow/").status_code == 404


def test_signed_out_tag_page_invites_sign_in_to_follow(client, ask, member):
    ask(member, tags="webhooks")
    html = client.get("/community/tags/webhooks/").content.decode()
    assert "Sign in to follow this tag" in html
