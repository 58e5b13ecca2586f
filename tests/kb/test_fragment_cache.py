"""Shared page fragments (listings, related articles, tag clouds, home blocks) are cached
per access signature and forgotten when content or access changes."""

import re

import pytest
from django.test import Client

from core import fragments
from segments import policy
from tests.factories import grant, make_article, publish

pytestmark = pytest.mark.django_db


def titles(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    return re.findall(
        r'class="article-list__title"><a href="[^"]+">([^<]+)</a>', response.content.decode()
    )


@pytest.fixture
def readers(member, other_member, products):
    """Anonymous, a member granted Ledger, a member granted nothing."""
    grant(member, products["ledger"])
    granted, not_granted = Client(), Client()
    granted.force_login(member)
    not_granted.force_login(other_member)
    return {"anonymous": Client(), "granted": granted, "not granted": not_granted}


def read_all(readers, url) -> dict[str, list[str]]:
    return {who: titles(client.get(url)) for who, client in readers.items()}


def test_category_listing_follows_publish_restrict_unpublish(tree, readers, products):
    url = tree.billing.url
    # Read twice: the second read comes from the cache.
    for _ in range(2):
        assert read_all(readers, url) == {
            "anonymous": ["Download invoices"],
            "granted": ["Download invoices"],
            "not granted": ["Download invoices"],
        }

    refunds = make_article(tree.billing, "Refunds", slug="refunds", summary="Money back.")
    assert read_all(readers, url) == {
        "anonymous": ["Download invoices", "Refunds"],
        "granted": ["Download invoices", "Refunds"],
        "not granted": ["Download invoices", "Refunds"],
    }

    refunds.restricted = True
    refunds.segments.set([products["ledger"]])
    publish(refunds)
    assert read_all(readers, url) == {
        "anonymous": ["Download invoices"],
        "granted": ["Download invoices", "Refunds"],
        "not granted": ["Download invoices"],
    }

    refunds.unpublish()
    assert read_all(readers, url) == {
        "anonymous": ["Download invoices"],
        "granted": ["Download invoices"],
        "not granted": ["Download invoices"],
    }


def test_kb_home_and_tag_cloud_follow_restriction(tree, readers, products):
    def sees_tag(client, slug):
        return f"/kb/tags/{slug}/" in client.get(tree.kb.url).content.decode()

    for _ in range(2):
        assert not any(sees_tag(c, "refunds") for c in readers.values())
    refunds = make_article(tree.billing, "Refunds", slug="refunds", tags=["refunds"])
    assert all(sees_tag(c, "refunds") for c in readers.values())

    refunds.restricted = True
    refunds.segments.set([products["ledger"]])
    publish(refunds)
    assert not sees_tag(readers["anonymous"], "refunds")
    assert sees_tag(readers["granted"], "refunds")
    assert not sees_tag(readers["not granted"], "refunds")

    refunds.unpublish()
    assert not any(sees_tag(c, "refunds") for c in readers.values())


def test_home_blocks_follow_restriction(tree, readers, products):
    def featured(client):
        return "Refunds" in client.get("/").content.decode()

    for _ in range(2):
        assert not any(featured(c) for c in readers.values())
    refunds = make_article(tree.billing, "Refunds", slug="refunds", featured=True)
    assert all(featured(c) for c in readers.values())

    refunds.restricted = True
    refunds.segments.set([products["ledger"]])
    publish(refunds)
    assert not featured(readers["anonymous"])
    assert featured(readers["granted"])
    assert not featured(readers["not granted"])

    refunds.unpublish()
    assert not any(featured(c) for c in readers.values())


def test_related_articles_follow_restriction(tree, readers, products):
    """Related articles come from the database when no search index is built."""

    def related(client):
        page = client.get(tree.configure.url).content.decode()
        section = page.split('id="related-heading"')[1] if 'id="related-heading"' in page else ""
        return "Enterprise single sign-on" in section or "Secret setup" in section

    for _ in range(2):
        assert not any(related(c) for c in readers.values())
    secret = make_article(tree.start, "Secret setup", slug="secret-setup", tags=["setup", "agent"])
    assert all(related(c) for c in readers.values())
    secret.restricted = True
    secret.segments.set([products["ledger"]])
    publish(secret)
    assert not related(readers["anonymous"])
    assert related(readers["granted"])
    assert not related(readers["not granted"])
    secret.unpublish()
    assert not any(related(c) for c in readers.values())


def test_granting_a_segment_changes_what_the_member_sees_at_once(
    tree, readers, other_member, products
):
    url = tree.billing.url
    assert titles(readers["not granted"].get(url)) == ["Download invoices"]
    grant(other_member, products["atlas"])
    assert titles(readers["not granted"].get(url)) == [
        "Download invoices",
        "Enterprise single sign-on",
    ]


def test_a_segment_change_forgets_fragments(products):
    before = fragments.generation()
    products["ledger"].name = "Ledger Cloud"
    products["ledger"].save()
    assert fragments.generation() != before


def test_access_signature_is_shared_only_by_people_who_see_the_same(
    member, other_member, staff, products
):
    from django.contrib.auth.models import AnonymousUser

    from tests.factories import UserFactory

    third = UserFactory(username="third")
    grant(member, products["ledger"])
    grant(third, products["ledger"])
    signatures = {
        "anonymous": policy.access_signature(AnonymousUser()),
        "ledger": policy.access_signature(member),
        "ledger too": policy.access_signature(third),
        "nothing": policy.access_signature(other_member),
        "staff": policy.access_signature(staff),
    }
    assert signatures["ledger"] == signatures["ledger too"]
    assert len({signatures[k] for k in ("anonymous", "ledger", "nothing", "staff")}) == 4


def test_a_fragment_is_computed_once_per_signature():
    calls = []

    def compute(label):
        calls.append(label)
        return label

    assert fragments.cached("test", "a", (1,), lambda: compute("a")) == "a"
    assert fragments.cached("test", "a", (1,), lambda: compute("a again")) == "a"
    assert fragments.cached("test", "b", (1,), lambda: compute("b")) == "b"
    fragments.bump()
    assert fragments.cached("test", "a", (1,), lambda: compute("a new")) == "a new"
    assert calls == ["a", "b", "a new"]


def test_article_body_follows_edits_restriction_and_unpublishing(tree, readers, products):
    article = make_article(tree.billing, "Refunds", slug="refunds", body="Ask within 30 days.")
    url = article.url

    def bodies():
        found = {}
        for who, client in readers.items():
            response = client.get(url)
            found[who] = response.status_code, "within 30 days" in response.content.decode()
        return found

    everyone = dict.fromkeys(readers, (200, True))
    for _ in range(2):  # the second read comes from the kept HTML
        assert bodies() == everyone

    article.body = [("text", "Ask within 60 days.")]
    publish(article)
    assert {who: client.get(url).content.decode().count("within 60 days") > 0
            for who, client in readers.items()} == dict.fromkeys(readers, True)  # fmt: skip

    article.restricted = True
    article.segments.set([products["ledger"]])
    publish(article)
    seen = {who: client.get(url) for who, client in readers.items()}
    assert seen["granted"].status_code == 200
    assert "within 60 days" in seen["granted"].content.decode()
    for outsider in ("anonymous", "not granted"):
        assert seen[outsider].status_code in (302, 403, 404), outsider
        assert "within 60 days" not in seen[outsider].content.decode()

    article.unpublish()
    assert all(client.get(url).status_code == 404 for client in readers.values())


def test_a_preview_neither_keeps_its_draft_for_readers_nor_shows_them_the_live_page(
    tree, readers, admin_user
):
    article = make_article(tree.billing, "Refunds", slug="refunds", body="Ask within 30 days.")
    for _ in range(2):
        assert "within 30 days" in readers["granted"].get(article.url).content.decode()
    draft = article.get_latest_revision_as_object()
    draft.body = [("text", "Draft: ask within 90 days.")]
    draft.save_revision()
    preview = draft.make_preview_request()
    preview.render()
    assert "within 90 days" in preview.content.decode()  # the editor sees the draft
    for who, client in readers.items():
        body = client.get(article.url).content.decode()
        assert "within 30 days" in body and "within 90 days" not in body, who
