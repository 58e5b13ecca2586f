"""A restricted question is invisible outside its product segment — by every way in."""

import pytest
from django.core import mail

from forum import services
from forum.models import Question, Watch
from tests.factories import UserFactory, grant

SECRET = "Atlas private beta connector keeps timing out"


@pytest.fixture
def insider(db, products):
    user = UserFactory(username="insider")
    grant(user, products["atlas"])
    return user


@pytest.fixture
def outsider(db, products):
    user = UserFactory(username="outsider", display_name="Olivia")
    user.declared_products.add(products["atlas"])  # declaring never unlocks anything
    return user


@pytest.fixture
def secret(ask, insider, products):
    return ask(
        insider,
        SECRET,
        product=products["atlas"],
        tags="private beta, connectors",
        body="Only beta customers can see this question.",
        restricted=True,
    )


@pytest.fixture
def reply(secret, answer, staff):
    return answer(secret, staff, body="The beta connector needs the new gateway address.")


def test_restricted_question_everywhere(
    client, secret, reply, insider, outsider, staff, ask, products, sync_search
):
    public = ask(
        outsider,
        "Atlas connector keeps timing out on large tables",
        product=products["atlas"],
        tags="connectors",
    )
    sync_search()
    pages = [
        "/community/",
        "/community/p/atlas/",
        "/community/tags/connectors/",
        "/community/tags/",
        f"/community/u/{insider.username}/",
        f"/community/u/{staff.username}/",
        public.get_absolute_url(),
    ]
    for person in (None, outsider):
        if person:
            client.force_login(person)
        else:
            client.logout()
        assert client.get(secret.get_absolute_url()).status_code == 404
        assert client.get(f"/community/q/{secret.pk}/").status_code == 404
        assert client.get("/community/tags/private-beta/").context["questions"].count() == 0
        for url in pages:
            html = client.get(url).content.decode()
            assert SECRET not in html, url
            assert "private beta" not in html, url
            assert "gateway address" not in html, url
        similar = client.get("/community/similar/", {"q": "beta connector timing out"}).json()
        assert SECRET not in [item["title"] for item in similar["results"]]
        assert (
            "private beta"
            not in client.get("/community/tag-suggestions/", {"q": "priv"}).json()["results"]
        )
    client.force_login(outsider)
    for url in [f"/community/flag/question/{secret.pk}/", f"/community/flag/answer/{reply.pk}/"]:
        assert client.get(url).status_code == 404
    assert (
        client.post(
            f"/community/q/{secret.pk}/answer/", {"body": "Can I answer without access?"}
        ).status_code
        == 404
    )
    assert client.post(f"/community/vote/answer/{reply.pk}/", {"value": "up"}).status_code == 404
    assert client.post(f"/community/q/{secret.pk}/watch/").status_code == 404

    for person in (insider, staff):
        client.force_login(person)
        assert client.get(secret.get_absolute_url()).status_code == 200
        assert SECRET in client.get("/community/p/atlas/").content.decode()
        similar = client.get("/community/similar/", {"q": "beta connector timing out"}).json()
        assert SECRET in [item["title"] for item in similar["results"]]
        assert "Restricted" in client.get(secret.get_absolute_url()).content.decode()


def test_no_email_about_restricted_questions(
    secret, insider, outsider, staff, django_capture_on_commit_callbacks
):
    Watch.objects.create(question=secret, user=outsider)  # e.g. watched before it was restricted
    with django_capture_on_commit_callbacks(execute=True):
        services.post_answer(secret, staff, body="@outsider and @insider: the fix is deployed.")
    assert sorted(address for m in mail.outbox for address in m.to) == [insider.email]


def test_restricted_products_setting(settings, ask, member, products):
    settings.FORUM_RESTRICTED_PRODUCTS = ["atlas"]
    question = ask(member, "A question in the restricted Atlas forum", product=products["atlas"])
    assert question.restricted
    assert ask(member, "A question in the open Relay forum").restricted is False
    # Moving a question into a restricted product restricts it; moving out does not lift it.
    services.edit_question(
        question,
        member,
        title=question.title,
        body=question.body,
        tags="webhooks",
        product=products["relay"],
    )
    assert Question.objects.get(pk=question.pk).restricted


def test_outsider_cannot_act_on_restricted_question(secret, reply, outsider):
    from forum.errors import NotAllowed

    with pytest.raises(NotAllowed):
        services.post_answer(secret, outsider, body="Answering without access here.")
    with pytest.raises(NotAllowed):
        services.vote(outsider, reply, 1)
    with pytest.raises(NotAllowed):
        services.add_comment(outsider, question=secret, body="Commenting without access.")
    with pytest.raises(NotAllowed):
        services.watch(secret, outsider)
    with pytest.raises(NotAllowed):
        services.flag_post(outsider, secret, reason="spam")


def test_duplicate_banner_does_not_leak_the_original(
    client, secret, ask, outsider, staff, products
):
    copy = ask(
        outsider, "Atlas connector timing out (copy of a beta question)", product=products["atlas"]
    )
    services.mark_duplicate(copy, secret, staff)
    client.force_login(outsider)
    html = client.get(copy.get_absolute_url()).content.decode()
    assert "closed as a duplicate" in html
    assert SECRET not in html and secret.get_absolute_url() not in html
