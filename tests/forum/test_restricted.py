"""A restricted question is invisible outside its product segment — by every way in."""

import pytest
from django.core import mail

from forum import services
from forum.errors import InvalidPost
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
        # A tag only restricted questions carry does not exist for them: no page, no name.
        response = client.get("/community/tags/private-beta/")
        assert response.status_code == 404
        assert "private beta" not in response.content.decode()
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
        assert "private beta" in client.get("/community/tags/private-beta/").content.decode()


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


# --- A restricted product's forum (FORUM_RESTRICTED_PRODUCTS) --------------------------


@pytest.fixture
def atlas_forum_restricted(settings):
    settings.FORUM_RESTRICTED_PRODUCTS = ["atlas"]


def ask_data(product, **overrides):
    data = {
        "title": "Dashboards stop refreshing after midnight",
        "product": product.pk,
        "tags": "dashboards",
        "body": "Every dashboard shows yesterday's numbers until we reload the page.",
        "website": "",
    }
    data.update(overrides)
    return data


def test_restricted_product_forum_is_invisible_to_outsiders(
    client, atlas_forum_restricted, products, outsider
):
    atlas = products["atlas"]
    for person in (None, outsider):
        if person:
            client.force_login(person)
        else:
            client.logout()
        response = client.get("/community/p/atlas/")
        assert response.status_code == 404
        assert "Atlas" not in response.content.decode()
        assert client.get("/community/p/relay/").status_code == 200
        listing = client.get("/community/")
        assert atlas not in listing.context["products"]
        assert products["relay"] in listing.context["products"]
        html = listing.content.decode()
        assert "/community/p/atlas/" not in html and "Atlas" not in html

    # Members not granted Atlas are not offered it, and cannot post there anyway.
    page = client.get("/community/ask/")
    assert atlas not in page.context["form"].fields["product"].queryset
    assert f'value="{atlas.pk}"' not in page.content.decode()
    response = client.post("/community/ask/", ask_data(atlas))
    assert response.status_code == 200
    assert response.context["form"].errors["product"]
    assert not Question.objects.exists()
    with pytest.raises(InvalidPost):
        services.ask_question(
            outsider,
            title="Dashboards stop refreshing after midnight",
            body="Every dashboard shows yesterday's numbers.",
            product=atlas,
            tags="dashboards",
        )
    assert not Question.objects.exists()


def test_restricted_product_forum_for_granted_members_and_staff(
    client, atlas_forum_restricted, products, insider, staff, editor
):
    atlas = products["atlas"]
    for person in (insider, staff, editor):
        client.force_login(person)
        response = client.get("/community/p/atlas/")
        assert response.status_code == 200
        assert "Atlas community" in response.content.decode()
        assert atlas in client.get("/community/").context["products"]
        assert atlas in client.get("/community/ask/").context["form"].fields["product"].queryset

    client.force_login(insider)
    response = client.post("/community/ask/", ask_data(atlas))
    question = Question.objects.get()
    assert response.status_code == 302 and response["Location"] == question.get_absolute_url()
    assert question.restricted and question.product == atlas
    assert client.get(question.get_absolute_url()).status_code == 200  # their own question
    assert question.title in client.get("/community/p/atlas/").content.decode()


def test_edits_keep_a_question_out_of_forums_the_editor_cannot_see(
    client, settings, ask, products, outsider
):
    older = ask(outsider, "Atlas question from before the beta", product=products["atlas"])
    relay = ask(outsider, "Relay question that stays in Relay", product=products["relay"])
    settings.FORUM_RESTRICTED_PRODUCTS = ["atlas"]
    client.force_login(outsider)

    # Its current product stays on offer, so an older question can still be edited...
    form = client.get(f"/community/q/{older.pk}/edit/").context["form"]
    assert products["atlas"] in form.fields["product"].queryset
    response = client.post(
        f"/community/q/{older.pk}/edit/",
        ask_data(products["atlas"], title="Atlas question from before the beta, edited"),
    )
    assert response.status_code == 302
    # ... but no question moves into a restricted forum its editor cannot open.
    form = client.get(f"/community/q/{relay.pk}/edit/").context["form"]
    assert products["atlas"] not in form.fields["product"].queryset
    response = client.post(f"/community/q/{relay.pk}/edit/", ask_data(products["atlas"]))
    assert response.status_code == 200 and response.context["form"].errors["product"]
    with pytest.raises(InvalidPost):
        services.edit_question(
            relay,
            outsider,
            title=relay.title,
            body=relay.body,
            tags="webhooks",
            product=products["atlas"],
        )
    assert Question.objects.get(pk=relay.pk).product == products["relay"]


# --- Tag pages -------------------------------------------------------------------------


def test_tag_pages_exist_only_for_tags_on_visible_questions(
    client, ask, member, other_member, staff, products
):
    hidden = ask(member, "A question a moderator hid from view", tags="moderated away")
    services.hide_post(hidden, staff)
    held = services.ask_question(
        member,
        title="A question held for its links",
        body=" ".join(f"[mirror](//mirror{n}.example)" for n in range(5)),
        product=products["relay"],
        tags="held for links",
    )
    assert held.awaiting_review

    for person in (None, other_member):
        if person:
            client.force_login(person)
        else:
            client.logout()
        for slug, name in [("moderated-away", "moderated away"), ("held-for-links", "held for")]:
            response = client.get(f"/community/tags/{slug}/")
            assert response.status_code == 404, slug
            assert name not in response.content.decode()
        assert client.get("/community/tags/moderated-away/?filter=solved").status_code == 404

    client.force_login(member)  # the author sees their own held question and its tag
    assert client.get("/community/tags/held-for-links/").status_code == 200
    assert client.get("/community/tags/moderated-away/").status_code == 404
    client.force_login(staff)  # moderators see everything, marked
    for slug in ("moderated-away", "held-for-links"):
        assert client.get(f"/community/tags/{slug}/").status_code == 200
