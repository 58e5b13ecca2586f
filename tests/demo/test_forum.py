"""The demo loader: strict parsing, creation through the services, idempotence."""

import textwrap

import pytest

from demo.forum import CONTENT_DIR, DemoContentError, load_forum_demo, parse_file, read_folder
from forum.models import Answer, AnswerVote, Comment, Flag, Question
from tests.factories import UserFactory, grant

VALID = """\
---
title: Webhook retries stopped after we rotated the signing secret
product: relay
tags: webhooks, signing secret
author: community-3
status: solved
votes: 3
views: 184
days_ago: 12
restricted: no
flag: spam
---
We rotated the secret and **retries stopped**.

=== answer author=agent votes=2 accepted=yes
Re-enable the endpoint after rotating, then retry failed deliveries.

=== comment on=question author=community-1
Which plan are you on?

=== answer author=community-1 votes=-1
Have you tried turning it off and on again?
=== comment on=answer-2 author=community-3
That did not help.
"""

RESTRICTED = """\
---
title: Atlas beta connector question for granted members
product: atlas
tags: beta
author: community-2
restricted: yes
---
Only Atlas customers see this.
"""


@pytest.fixture
def people(db, products):
    users = {f"community-{n}": UserFactory(username=f"community-{n}") for n in range(1, 5)}
    users["agent"] = UserFactory(username="agent", is_staff=True)
    grant(users["community-2"], products["atlas"])
    return users


def write(folder, name, text):
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_valid_content_is_created_once(tmp_path, people, products):
    write(tmp_path, "001-webhooks.md", VALID)
    write(tmp_path, "002-atlas.md", RESTRICTED)
    calls = []
    totals = load_forum_demo(people, progress=lambda: calls.append(1), content_dir=tmp_path)
    assert len(calls) == 2
    assert totals["questions"] == 2 and totals["answers"] == 2 and totals["comments"] == 2

    question = Question.objects.get(
        slug="webhook-retries-stopped-after-we-rotated-the-signing-secret"
    )
    assert question.author == people["community-3"]
    assert question.status == Question.Status.SOLVED
    assert question.score == 3 and question.view_count == 184
    assert sorted(t.name for t in question.tags.all()) == ["signing secret", "webhooks"]
    official = Answer.objects.get(author=people["agent"])
    assert official.is_accepted and official.is_official and official.score == 2
    assert Answer.objects.get(author=people["community-1"]).score == -1
    assert not AnswerVote.objects.filter(answer=official, user=people["agent"]).exists()
    assert Comment.objects.filter(answer__author=people["community-1"]).count() == 1
    assert Flag.objects.get().reason == "spam"
    assert (question.last_activity_at - question.created_at).days < 12

    atlas = Question.objects.get(product=products["atlas"])
    assert atlas.restricted

    again = load_forum_demo(people, progress=lambda: calls.append(1), content_dir=tmp_path)
    assert again["questions"] == 0 and again["skipped"] == 2
    assert Question.objects.count() == 2 and Answer.objects.count() == 2


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("title: No opening line\n---\nBody\n", 1, "must start with"),
        ("---\ntitle: Unclosed front matter here\n", 2, "not closed"),
        (VALID.replace("views: 184", "views: many"), 8, "whole number"),
        (VALID.replace("restricted: no", "colour: blue"), 10, "unknown key"),
        (VALID.replace("status: solved", "status: done"), 6, "status must be"),
        (VALID.replace("accepted=yes", "accepted=maybe"), 15, "yes or no"),
        (VALID.replace("=== comment on=answer-2", "=== comment on=answer-7"), 23, "no answer-7"),
        (
            VALID.replace("=== answer author=community-1", "=== reply author=community-1"),
            21,
            "unknown section",
        ),
        (VALID.replace("status: solved", "status: open"), 6, "answers make it 'solved'"),
        (VALID.replace("votes=-1", "votes=-1 accepted=yes"), 21, "only one answer"),
        (
            VALID.replace(
                "Re-enable the endpoint after rotating, then retry failed deliveries.\n", ""
            ),
            15,
            "no text",
        ),
        (VALID.replace("tags: webhooks, signing secret", "tags:"), 1, "needs 'tags'"),
    ],
)
def test_malformed_files_raise_clear_errors(tmp_path, people, text, line, message):
    path = write(tmp_path, "bad.md", text)
    with pytest.raises(DemoContentError) as error:
        parse_file(path)
    assert str(error.value).startswith(f"{path}:{line}:"), str(error.value)
    assert message in str(error.value)
    with pytest.raises(DemoContentError):
        load_forum_demo(people, content_dir=tmp_path)
    assert not Question.objects.exists()


def test_unknown_people_and_products_fail_before_writing(tmp_path, people):
    write(tmp_path, "001.md", VALID)
    write(
        tmp_path,
        "002.md",
        VALID.replace("author=community-1", "author=community-99").replace(
            "title: Webhook", "title: Another webhook"
        ),
    )
    with pytest.raises(DemoContentError, match="002.md:18: no demo account 'community-99'"):
        load_forum_demo(people, content_dir=tmp_path)
    write(tmp_path, "002.md", RESTRICTED.replace("product: atlas", "product: nowhere"))
    with pytest.raises(DemoContentError, match="no product segment 'nowhere'"):
        load_forum_demo(people, content_dir=tmp_path)
    assert not Question.objects.exists()


def test_shipped_demo_content_parses():
    items = read_folder(CONTENT_DIR)
    for item in items:
        assert item.title and item.body


def test_shipped_demo_content_loads(products):
    keys = [
        "member-administrator",
        "member-developer",
        "member-end-user",
        "member-partner",
        "agent",
        "editor",
        *(f"community-{n}" for n in range(1, 13)),
    ]
    users = {key: UserFactory(username=key, is_staff=key == "agent") for key in keys}
    items = read_folder(CONTENT_DIR)
    totals = load_forum_demo(users)
    assert totals["questions"] == len(items) == Question.objects.count()
    solved = [item for item in items if item.status == "solved"]
    assert Question.objects.filter(status=Question.Status.SOLVED).count() == len(solved)


SPAM_TITLES = [
    "250 premium Atlas dashboard templates, 70 percent off today only",
    "Cheapest bulk SMS routes worldwide, 0.002 per message, no registration",
]


def test_the_demos_spam_is_hidden_by_a_trusted_members_flag(db, client, settings):
    from demo.seed import DemoSeeder
    from forum import trust

    settings.PORTICO_PAGE_CACHE = True
    seeder = DemoSeeder()
    seeder.segments()
    seeder.accounts()
    load_forum_demo(seeder.users)
    spam = Question.objects.filter(title__in=SPAM_TITLES)
    assert spam.count() == 2
    for question in spam:
        assert question.is_hidden
        flag = Flag.objects.get(question=question)
        assert flag.reason == "spam" and flag.status == "open"  # pending review
        assert trust.trust_level(flag.reporter) >= 2
        assert question.moderation_events.get().reason == "trusted-flag"
    # The other flagged questions wait in the queue, still visible.
    others = Flag.objects.exclude(reason="spam")
    assert others.count() == 2
    assert not any(flag.question.is_hidden for flag in others)
    for _ in range(2):  # rendered, then from the anonymous page cache
        page = client.get("/community/").content.decode()
        assert "dashboard templates" not in page and "70 percent" not in page
        assert SPAM_TITLES[1] not in page
    # Levels across the demo's community: some of every kind.
    levels = {trust.trust_level(user) for user in seeder.users.values()}
    assert {1, 2, 3} <= levels
