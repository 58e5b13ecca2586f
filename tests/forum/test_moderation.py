"""Flag → moderation queue → hide (invisible to members, marked for moderators) → restore."""

import pytest

from forum import services
from forum.errors import InvalidPost, NotAllowed
from forum.models import Flag, Question

QUEUE = "/admin/forum_moderation/"
ACTION = "/admin/forum_moderation/action/"


@pytest.fixture
def question(ask, member):
    return ask(member, "Is there a discount code for Relay annual plans?")


def test_flag_queue_hide_restore(
    client, question, answer, member, other_member, third_member, superuser, home
):
    spam = answer(question, other_member, body="Cheap pills at pills.example, buy now!")
    client.force_login(third_member)
    form = client.get(f"/community/flag/answer/{spam.pk}/")
    assert form.status_code == 200 and "Flag this answer" in form.content.decode()
    response = client.post(f"/community/flag/answer/{spam.pk}/", {"reason": "spam"})
    assert response.status_code == 302
    flag = Flag.objects.get()
    assert (flag.reporter, flag.answer, flag.status) == (third_member, spam, "open")

    client.force_login(superuser)
    queue = client.get(QUEUE)
    assert queue.status_code == 200
    assert "Cheap pills" in queue.content.decode()

    response = client.post(ACTION, {"action": "hide", "kind": "answer", "pk": spam.pk})
    assert response.status_code == 302
    spam.refresh_from_db()
    flag.refresh_from_db()
    assert spam.is_hidden and flag.status == Flag.Status.RESOLVED
    assert "Cheap pills" not in client.get(QUEUE).content.decode()

    # Members (the author included) no longer see it; moderators see it, marked.
    for person in (member, other_member, third_member):
        client.force_login(person)
        html = client.get(question.get_absolute_url()).content.decode()
        assert "Cheap pills" not in html
    client.force_login(superuser)
    html = client.get(question.get_absolute_url()).content.decode()
    assert "Cheap pills" in html and "Hidden by a moderator" in html
    question.refresh_from_db()
    assert question.answer_count == 0 and question.status == "open"

    client.post(ACTION, {"action": "restore", "kind": "answer", "pk": spam.pk})
    client.force_login(third_member)
    assert "Cheap pills" in client.get(question.get_absolute_url()).content.decode()


def test_hidden_question_is_404_for_members(client, question, other_member, member, editor):
    services.hide_post(question, editor)
    for person in (member, other_member):
        client.force_login(person)
        assert client.get(question.get_absolute_url()).status_code == 404
        assert question.title not in client.get("/community/").content.decode()
        assert client.get("/community/similar/", {"q": "discount code"}).json()["results"] == []
    client.logout()
    assert client.get(question.get_absolute_url()).status_code == 404
    client.force_login(editor)
    page = client.get(question.get_absolute_url())
    assert page.status_code == 200
    assert "hidden by a moderator" in page.content.decode()
    services.restore_post(question, editor)
    client.force_login(other_member)
    assert client.get(question.get_absolute_url()).status_code == 200


def test_hidden_comment_omitted(client, question, member, other_member, editor):
    comment = services.add_comment(
        other_member, question=question, body="You are all idiots", enforce_limits=False
    )
    services.flag_post(member, comment, reason="abusive")
    services.hide_post(comment, editor)
    client.force_login(member)
    assert "You are all idiots" not in client.get(question.get_absolute_url()).content.decode()
    client.force_login(editor)
    assert "You are all idiots" in client.get(question.get_absolute_url()).content.decode()


def test_members_cannot_moderate(client, question, member, other_member):
    with pytest.raises(NotAllowed):
        services.hide_post(question, other_member)
    client.force_login(other_member)
    response = client.post(ACTION, {"action": "hide", "kind": "question", "pk": question.pk})
    assert response.status_code in (302, 403)
    question.refresh_from_db()
    assert not question.is_hidden


def test_queue_actions_lock_duplicate_dismiss_suspend(
    client, ask, question, member, other_member, third_member, superuser
):
    original = ask(other_member, "Discount codes for annual Relay plans")
    services.flag_post(third_member, question, reason="duplicate", duplicate_of=original)
    client.force_login(superuser)
    assert f'value="{original.pk}"' in client.get(QUEUE).content.decode()  # suggested

    client.post(
        ACTION,
        {
            "action": "duplicate",
            "kind": "question",
            "pk": question.pk,
            "duplicate_of": f"http://testserver/community/q/{original.pk}/x/",
        },
    )
    question.refresh_from_db()
    assert question.duplicate_of == original
    assert Flag.objects.get().status == Flag.Status.RESOLVED
    client.force_login(member)
    html = client.get(question.get_absolute_url()).content.decode()
    assert "closed as a duplicate" in html and original.get_absolute_url() in html

    client.force_login(superuser)
    client.post(ACTION, {"action": "lock", "kind": "question", "pk": original.pk})
    original.refresh_from_db()
    assert original.is_locked
    client.post(ACTION, {"action": "unlock", "kind": "question", "pk": original.pk})
    original.refresh_from_db()
    assert not original.is_locked

    services.flag_post(member, original, reason="off-topic")
    client.post(ACTION, {"action": "dismiss", "kind": "question", "pk": original.pk})
    assert not Flag.objects.filter(status=Flag.Status.OPEN).exists()

    client.post(
        ACTION,
        {
            "action": "suspend",
            "kind": "question",
            "pk": original.pk,
            "days": 2,
            "reason": "Spamming",
        },
    )
    other_member.forum_profile.refresh_from_db()
    assert other_member.forum_profile.is_suspended
    with pytest.raises(NotAllowed):
        services.post_answer(question, other_member, body="Posting while suspended fails.")


def test_flag_rules(question, answer, member, other_member, third_member):
    with pytest.raises(NotAllowed):
        services.flag_post(member, question, reason="spam")  # own post
    with pytest.raises(InvalidPost):
        services.flag_post(other_member, question, reason="duplicate")  # needs a target
    with pytest.raises(InvalidPost):
        services.flag_post(other_member, question, reason="nonsense")
    first = services.flag_post(other_member, question, reason="spam")
    assert services.flag_post(other_member, question, reason="spam") == first  # no repeats


def test_enough_flags_hide_until_a_moderator_looks(
    settings, question, member, other_member, third_member, editor
):
    from tests.factories import UserFactory

    settings.FORUM_FLAGS_TO_HIDE = 3
    services.flag_post(other_member, question, reason="spam")
    services.flag_post(third_member, question, reason="spam")
    question.refresh_from_db()
    assert not question.is_hidden
    services.flag_post(UserFactory(username="fourth"), question, reason="spam")
    question.refresh_from_db()
    assert question.is_hidden
    services.restore_post(question, editor)
    question.refresh_from_db()
    assert not question.is_hidden


def test_held_posts_are_approved_from_the_queue(
    settings, client, products, member, superuser, django_capture_on_commit_callbacks
):
    settings.FORUM_MAX_LINKS = 0
    question = services.ask_question(
        member,
        title="Where is the status page for Relay?",
        body="Is it https://status.example.com or another one?",
        product=products["relay"],
        tags="status",
    )
    assert question.awaiting_review
    client.force_login(superuser)
    assert "Where is the status page" in client.get(QUEUE).content.decode()
    client.post(ACTION, {"action": "approve", "kind": "question", "pk": question.pk})
    assert not Question.objects.get(pk=question.pk).awaiting_review


def test_editors_see_the_queue_members_do_not(client, editor, member, home):
    client.force_login(editor)
    assert client.get(QUEUE).status_code == 200
    client.force_login(member)
    assert client.get(QUEUE).status_code in (302, 403)
