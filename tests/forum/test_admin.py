"""The "Community" admin menu: viewsets for questions, answers, flags, standing, history."""

import pytest
from django.contrib.auth.models import Group

from forum import services
from forum.models import ForumProfile, PostRevision


@pytest.fixture
def question(ask, member):
    return ask(member, "How do I export the delivery log?")


def test_viewsets_render_for_superusers(client, superuser, question, answer, other_member, home):
    reply = answer(question, other_member)
    services.flag_post(other_member, question, reason="off-topic")
    services.edit_question(
        question,
        question.author,
        title=question.title,
        body="Changed body text for the history.",
        tags="webhooks",
    )
    services.suspend_member(other_member, superuser, days=1, reason="Testing")
    client.force_login(superuser)
    for url in [
        "/admin/forum_moderation/",
        "/admin/forum_questions/",
        f"/admin/forum_questions/edit/{question.pk}/",
        f"/admin/forum_questions/inspect/{question.pk}/",
        "/admin/forum_answers/",
        f"/admin/forum_answers/edit/{reply.pk}/",
        "/admin/forum_flags/",
        "/admin/forum_standing/",
        "/admin/forum_standing/new/",
        "/admin/forum_history/",
    ]:
        assert client.get(url).status_code == 200, url
    menu = client.get("/admin/").content.decode()
    assert "Community" in menu
    # Questions and answers come from the site, flags and history are records.
    assert client.get("/admin/forum_questions/new/").status_code in (302, 403)
    assert client.get("/admin/forum_flags/new/").status_code in (302, 403)


def test_admin_edit_keeps_history_and_state(
    client, superuser, question, answer, other_member, home, products
):
    answer(question, other_member)
    client.force_login(superuser)
    response = client.post(
        f"/admin/forum_questions/edit/{question.pk}/",
        {
            "title": "How do I export the Relay delivery log?",
            "body": question.body,
            "product": products["relay"].pk,
            "tags": "exports, delivery log",
            "duplicate_of": "",
            "is_hidden": "",
            "awaiting_review": "",
            "is_locked": "on",
            "restricted": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    question.refresh_from_db()
    assert question.is_locked
    revision = PostRevision.objects.get(question=question)
    assert revision.editor == superuser
    assert revision.old_title == "How do I export the delivery log?"
    assert revision.new_tags == "delivery log, exports"


def test_standing_admin_suspends_through_services(client, superuser, other_member, home):
    client.force_login(superuser)
    response = client.post(
        "/admin/forum_standing/new/",
        {
            "user": other_member.pk,
            "suspended_until": "2099-01-01 00:00",
            "suspension_reason": "Repeated spam",
            "email_on_answers": "on",
            "email_on_mentions": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    profile = ForumProfile.objects.get(user=other_member)
    assert profile.is_suspended and profile.suspended_by == superuser
    assert profile.email_on_answers and not profile.email_on_mentions


def test_editors_and_moderators_groups_can_moderate(client, editor, question, home):
    assert Group.objects.get(name="Editors").permissions.filter(codename="change_question").exists()
    assert Group.objects.get(name="Moderators").permissions.filter(codename="view_flag").exists()
    client.force_login(editor)
    assert client.get("/admin/forum_questions/").status_code == 200
    assert client.get("/admin/forum_moderation/").status_code == 200
    assert "Community" in client.get("/admin/").content.decode()
