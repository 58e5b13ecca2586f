"""Community lists are kept per access signature (and per author's own held questions) and
follow every change at once: a new question, a question held for review, moderation and
restriction — read again as anonymous, as a granted member and as a member granted
nothing, and by the author and a moderator."""

import html
import re

import pytest
from django.test import Client

from forum.services import moderation
from tests.factories import UserFactory, grant

pytestmark = pytest.mark.django_db


def titles(client, url="/community/") -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    found = re.findall(
        r'<h2 class="card__title"><a href="[^"]+"><span class="content-lang"[^>]*>([^<]*)</span>',
        response.content.decode(),
    )
    return sorted(html.unescape(title) for title in found)


@pytest.fixture
def readers(settings, member, other_member, products, staff):
    # Anonymous lists are built from the same fragments as members' (the whole-page cache
    # for anonymous visitors is tested in tests/core/test_pagecache.py).
    settings.PORTICO_PAGE_CACHE = False
    grant(member, products["ledger"])
    clients = {"anonymous": Client()}
    for name, user in (("granted", member), ("not granted", other_member), ("moderator", staff)):
        clients[name] = Client()
        clients[name].force_login(user)
    return clients


def seen(readers, url="/community/") -> dict[str, list[str]]:
    # Twice each: the second read comes from the cache and must agree with the first.
    out = {}
    for who, client in readers.items():
        first = titles(client, url)
        assert titles(client, url) == first, who
        out[who] = first
    return out


def test_lists_follow_new_held_hidden_and_restricted_questions(
    readers, ask, member, other_member, staff, products, settings
):
    ask(member, "Webhook retries stopped after the rotation")
    everyone = ["Webhook retries stopped after the rotation"]
    assert set(map(tuple, seen(readers).values())) == {tuple(everyone)}

    # A new question shows at once for everyone.
    spam = ask(other_member, "Export to spreadsheets loses the accents")
    both = sorted([*everyone, "Export to spreadsheets loses the accents"])
    assert set(map(tuple, seen(readers).values())) == {tuple(both)}

    # Held for review: its author and moderators see it; nobody else, though the author
    # shares everyone else's access signature.
    settings.FORUM_MAX_LINKS = 0
    author = UserFactory(username="newcomer")
    held = ask(
        author,
        "Where do I find the audit log download",
        body="See https://example.com/audit and tell me where the download button went.",
        enforce_limits=True,
    )
    assert held.awaiting_review
    readers["author"] = Client()
    readers["author"].force_login(author)
    lists = seen(readers)
    assert lists["author"] == sorted([*both, "Where do I find the audit log download"])
    assert lists["moderator"] == lists["author"]
    assert lists["anonymous"] == lists["granted"] == lists["not granted"] == both
    moderation.approve_post(held, staff, notify=False)
    with_held = sorted([*both, "Where do I find the audit log download"])
    assert set(map(tuple, seen(readers).values())) == {tuple(with_held)}

    # Hidden by a moderator: gone for everyone but moderators.
    moderation.hide_post(spam, staff)
    lists = seen(readers)
    assert "Export to spreadsheets loses the accents" in lists["moderator"]
    for who in ("anonymous", "granted", "not granted", "author"):
        assert "Export to spreadsheets loses the accents" not in lists[who], who

    # Restricted to Ledger: only people granted Ledger (and moderators) list it.
    ask(other_member, "Ledger close fails on the last day", product=products["ledger"],
        restricted=True)  # fmt: skip
    lists = seen(readers)
    assert "Ledger close fails on the last day" in lists["granted"]
    assert "Ledger close fails on the last day" in lists["moderator"]
    for who in ("anonymous", "not granted", "author"):
        assert "Ledger close fails on the last day" not in lists[who], who


def test_a_grant_changes_the_list_at_once(readers, ask, other_member, products):
    ask(other_member, "Ledger close fails on the last day", product=products["ledger"],
        restricted=True)  # fmt: skip
    assert seen(readers)["not granted"] == []
    grant(other_member, products["ledger"])
    assert seen(readers)["not granted"] == ["Ledger close fails on the last day"]


def test_related_content_of_a_question_follows_restriction_and_unpublishing(
    readers, ask, member, products, sync_search
):
    from tests.factories import make_article, make_category, publish

    question = ask(member, "Quokka exports stop after midnight")
    article = make_article(
        make_category(), title="Quokka exports explained", body="How quokka exports run."
    )
    sync_search()
    url = question.get_absolute_url()

    def related(client) -> bool:
        response = client.get(url)
        assert response.status_code == 200
        return "Quokka exports explained" in response.content.decode()

    for _ in range(2):  # the second read comes from the cache
        assert {who: related(c) for who, c in readers.items()} == dict.fromkeys(readers, True)

    article.restricted = True
    article.segments.set([products["ledger"]])
    publish(article)
    sync_search()
    assert {who: related(c) for who, c in readers.items()} == {
        "anonymous": False,
        "granted": True,
        "not granted": False,
        "moderator": True,
    }

    article.unpublish()
    sync_search()
    assert {who: related(c) for who, c in readers.items()} == dict.fromkeys(readers, False)
