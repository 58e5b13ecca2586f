"""Who may accept, edit and vote; status, scores and history follow."""

import pytest
from django.contrib.auth.models import Group

from forum import permissions, services
from forum.errors import InvalidPost, NotAllowed
from forum.models import AnswerVote, PostRevision, Question, QuestionVote, Watch
from forum.visibility import is_moderator
from tests.factories import UserFactory


@pytest.fixture
def question(ask, member):
    return ask(member)


def test_asking_watches_and_targets_the_product(question, member, products):
    assert question.status == Question.Status.OPEN
    assert list(question.segments.all()) == [products["relay"]]
    assert not question.restricted
    assert Watch.objects.filter(question=question, user=member).exists()
    assert [t.name for t in question.tags.all()] == ["webhooks"]


def test_tags_are_required_and_limited(ask, member):
    with pytest.raises(InvalidPost):
        ask(member, tags="")
    with pytest.raises(InvalidPost):
        ask(member, tags="a1, b2, c3, d4, e5, f6")
    question = ask(member, tags="Webhooks, signing  secret, webhooks")
    assert sorted(t.name for t in question.tags.all()) == ["signing secret", "webhooks"]


def test_only_the_author_or_staff_accepts(
    question, answer, member, other_member, third_member, staff
):
    first = answer(question, other_member)
    with pytest.raises(NotAllowed):
        services.accept_answer(first, third_member)
    with pytest.raises(NotAllowed):
        services.accept_answer(first, other_member)  # the answerer is not the asker
    services.accept_answer(first, member)
    question.refresh_from_db()
    assert question.status == Question.Status.SOLVED

    second = answer(question, third_member)
    services.accept_answer(second, staff)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.is_accepted, second.is_accepted) == (False, True)  # one accepted answer

    services.unaccept_answer(second, member)
    question.refresh_from_db()
    assert question.status == Question.Status.ANSWERED
    with pytest.raises(NotAllowed):
        services.unaccept_answer(second, third_member)


def test_answer_ordering_accepted_then_score_then_oldest(
    client, question, answer, member, other_member, third_member, staff
):
    oldest = answer(question, other_member, body="First answer with enough text.")
    voted = answer(question, third_member, body="Second answer with enough text.")
    accepted = answer(question, staff, body="Third answer with enough text here.")
    services.vote(member, voted, 1)
    services.accept_answer(accepted, member)
    response = client.get(question.get_absolute_url())
    assert [a.pk for a in response.context["answers"]] == [accepted.pk, voted.pk, oldest.pk]
    assert accepted.is_official and not voted.is_official
    assert "Official" in response.content.decode()


def test_only_author_or_moderator_edits_and_history_is_kept(question, member, other_member, editor):
    with pytest.raises(NotAllowed):
        services.edit_question(
            question,
            other_member,
            title="Something else entirely",
            body=question.body,
            tags="webhooks",
        )
    services.edit_question(
        question,
        member,
        title="Rotating the webhook signing secret",
        body="New details about the problem we have.",
        tags="webhooks, relay",
    )
    services.edit_question(
        question,
        editor,
        title="Rotating the webhook signing secret safely",
        body="New details about the problem we have.",
        tags="webhooks, relay",
    )
    revisions = list(PostRevision.objects.filter(question=question).order_by("created_at", "pk"))
    assert [r.editor for r in revisions] == [member, editor]
    assert revisions[0].old_title == "How do I rotate the webhook signing secret?"
    assert revisions[0].new_tags == "relay, webhooks"
    assert revisions[0].old_tags == "webhooks"
    question.refresh_from_db()
    assert question.slug == "rotating-the-webhook-signing-secret-safely"


def test_answer_edits_are_recorded(question, answer, other_member, member):
    reply = answer(question, other_member)
    with pytest.raises(NotAllowed):
        services.edit_answer(reply, member, body="Hijacked answer text here.")
    services.edit_answer(
        reply, other_member, body="Rotate it in Settings → Webhooks, then redeploy."
    )
    revision = PostRevision.objects.get(answer=reply)
    assert revision.old_body.startswith("Rotate it in Settings, then")


def test_no_self_votes_and_one_vote_each(question, answer, member, other_member, third_member):
    reply = answer(question, other_member)
    with pytest.raises(NotAllowed):
        services.vote(member, question, 1)
    with pytest.raises(NotAllowed):
        services.vote(other_member, reply, 1)
    assert services.vote(member, reply, 1) == 1
    assert services.vote(member, reply, 1) == 1  # the same vote again changes nothing
    assert services.vote(third_member, reply, 1) == 2
    assert services.vote(member, reply, -1) == 0  # switching replaces the vote
    assert AnswerVote.objects.filter(answer=reply).count() == 2
    assert services.vote(member, reply, 0) == 1
    assert services.vote(other_member, question, -1) == -1
    assert QuestionVote.objects.filter(question=question).count() == 1


def test_vote_view_toggles(client, question, answer, member, other_member):
    reply = answer(question, other_member)
    client.force_login(member)
    url = f"/community/vote/answer/{reply.pk}/"
    response = client.post(url, {"value": "up"}, HTTP_ACCEPT="application/json")
    assert response.json() == {"score": 1, "vote": 1}
    response = client.post(url, {"value": "up"}, HTTP_ACCEPT="application/json")
    assert response.json() == {"score": 0, "vote": 0}
    client.force_login(other_member)
    response = client.post(url, {"value": "up"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 403


def test_accept_view_refuses_others(client, question, answer, other_member, third_member, member):
    reply = answer(question, other_member)
    client.force_login(third_member)
    assert client.post(f"/community/a/{reply.pk}/accept/").status_code == 403
    client.force_login(member)
    response = client.post(f"/community/a/{reply.pk}/accept/", {"action": "accept"})
    assert response.status_code == 302
    reply.refresh_from_db()
    assert reply.is_accepted


def test_edit_views_only_for_author_and_moderators(
    client, question, answer, member, other_member, editor
):
    reply = answer(question, other_member)
    client.force_login(other_member)
    assert client.get(f"/community/q/{question.pk}/edit/").status_code == 403
    assert client.get(f"/community/a/{reply.pk}/edit/").status_code == 200
    client.force_login(member)
    form = client.get(f"/community/q/{question.pk}/edit/")
    assert form.status_code == 200 and 'value="webhooks"' in form.content.decode()
    response = client.post(
        f"/community/q/{question.pk}/edit/",
        {
            "title": "Rotating the signing secret breaks deliveries",
            "product": question.product_id,
            "tags": "webhooks",
            "body": "Every delivery fails since the rotation.",
        },
    )
    assert response.status_code == 302
    client.force_login(editor)
    assert client.get(f"/community/a/{reply.pk}/edit/").status_code == 200
    history = client.get(f"/community/q/{question.pk}/history/")
    assert history.status_code == 200
    assert "How do I rotate the webhook signing secret?" in history.content.decode()
    # Everyone who may open the question may read its edits; moderation stays private.
    client.force_login(member)
    history = client.get(f"/community/q/{question.pk}/history/")
    assert history.status_code == 200
    assert "Flag and moderation history" not in history.content.decode()


def test_locked_and_duplicate_questions_take_no_answers(question, ask, member, other_member, staff):
    services.set_locked(question, staff, True)
    with pytest.raises(NotAllowed):
        services.post_answer(question, other_member, body="An answer that comes too late.")
    with pytest.raises(NotAllowed):
        services.add_comment(other_member, question=question, body="Too late as well.")
    services.set_locked(question, staff, False)
    original = ask(other_member, "The original webhook secret question here")
    services.mark_duplicate(question, original, staff)
    with pytest.raises(NotAllowed):
        services.post_answer(question, other_member, body="An answer to a duplicate.")
    with pytest.raises(InvalidPost):
        services.mark_duplicate(original, question, staff)  # no cycles
    with pytest.raises(NotAllowed):
        services.mark_duplicate(question, None, member)


def test_reputation(client, question, answer, member, other_member, third_member):
    reply = answer(question, other_member)
    services.vote(member, reply, 1)
    services.vote(third_member, reply, 1)
    services.accept_answer(reply, member)
    services.vote(other_member, question, 1)
    response = client.get(f"/community/u/{other_member.username}/")
    assert response.context["standing"].reputation == 10 + 10 + 15
    assert response.context["accepted_count"] == 1
    assert client.get(f"/community/u/{member.username}/").context["standing"].reputation == 2


def test_product_only_edits_are_in_the_history(client, question, member, staff, products):
    services.edit_question(
        question,
        member,
        title=question.title,
        body=question.body,
        tags="webhooks",
        product=products["ledger"],
    )
    revision = PostRevision.objects.get(question=question)
    assert (revision.old_product, revision.new_product) == (products["relay"], products["ledger"])
    assert revision.product_changed
    assert not (revision.title_changed or revision.body_changed or revision.tags_changed)

    # A moderator moving it in the admin is recorded the same way.
    question.refresh_from_db()
    before = services.snapshot(question)
    question.product = products["atlas"]
    question.save()
    services.record_admin_edit(question, before, staff)
    latest = PostRevision.objects.filter(question=question).first()
    assert (latest.old_product, latest.new_product, latest.editor) == (
        products["ledger"],
        products["atlas"],
        staff,
    )

    client.force_login(staff)
    html = client.get(f"/community/q/{question.pk}/history/").content.decode()
    assert "Old product" in html
    assert "<del>Relay</del>" in html and "<ins>Ledger</ins>" in html
    assert "<del>Ledger</del>" in html and "<ins>Atlas</ins>" in html


@pytest.fixture
def agent(db):
    """A support agent: in the Moderators group, without ``is_staff``."""
    user = UserFactory(username="agent")
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


def test_forum_staff_accept_and_answer_officially_editors_do_not(
    client, question, answer, ask, member, other_member, editor, agent, staff
):
    assert editor.groups.filter(name="Editors").exists() and not editor.is_staff
    assert is_moderator(editor)  # editors still see and moderate everything...
    assert not permissions.is_forum_staff(editor)  # ...but are not "staff" for the forum
    reply = answer(question, other_member)

    editor_answer = answer(question, editor, body="An editor's answer, not an official one.")
    assert not editor_answer.is_official
    with pytest.raises(NotAllowed):
        services.accept_answer(reply, editor)
    client.force_login(editor)
    page = client.get(question.get_absolute_url())
    assert page.context["can_accept"] is False
    assert client.post(f"/community/a/{reply.pk}/accept/").status_code == 403
    own = ask(editor, "A question the editor asked themselves")
    services.accept_answer(answer(own, other_member), editor)  # their own question: fine

    for person in (agent, staff):
        assert permissions.is_forum_staff(person)
        official = answer(question, person, body="The answer from the support team here.")
        assert official.is_official
        client.force_login(person)
        assert client.get(question.get_absolute_url()).context["can_accept"] is True
        response = client.post(f"/community/a/{reply.pk}/accept/", {"action": "accept"})
        assert response.status_code == 302
        reply.refresh_from_db()
        assert reply.is_accepted and reply.accepted_by == person
        services.unaccept_answer(reply, person)

    agent.is_active = False
    agent.save()
    assert not permissions.is_forum_staff(UserFactory._meta.model.objects.get(pk=agent.pk))
