"""Rate limits, honeypot, verified email, suspension, links held for review, long posts."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from core.markdown import count_links, render_markdown
from forum import services, trust
from forum.errors import NotAllowed, RateLimited
from forum.models import Answer, Comment, Question
from tests.factories import UserFactory

# Per trust level 0, 1, 2, 3 (forum.trust).
LIMITS = {
    "question": ["1/h", "2/h", "4/h", "off"],
    "answer": ["1/h", "3/h", "5/h", "off"],
    "comment": ["1/h", "3/h", "5/h", "off"],
    "flag": ["1/h", "3/h", "5/h", "off"],
}


def ask_form(products, **overrides):
    data = {
        "title": "Webhook deliveries fail after rotating the secret",
        "product": products["relay"].pk,
        "tags": "webhooks, signing secret",
        "body": "Since we rotated the secret, every delivery fails with 401.",
        "website": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def veteran(db, products):
    """A level-1 member: old enough, with one published question."""
    user = UserFactory(username="veteran", date_joined=timezone.now() - timedelta(days=90))
    services.ask_question(
        user,
        title="An old question from the veteran",
        body="Asked long ago, still a fine question.",
        product=products["relay"],
        tags="webhooks",
        enforce_limits=False,
        at=timezone.now() - timedelta(days=60),
    )
    return user


@pytest.fixture
def limits(settings):
    settings.FORUM_RATE_LIMITS = LIMITS


@pytest.fixture
def links_from_anyone(settings):
    """Only the many-links rule: members of every level may post a link or two."""
    settings.FORUM_TRUST_LINKS_LEVEL = 0


def test_question_limit_by_trust_level(limits, veteran, products):
    assert trust.trust_level(veteran) == 1
    for n in range(2):
        services.ask_question(
            veteran,
            title=f"Question number {n} about webhooks",
            body="Enough text for a question body.",
            product=products["relay"],
            tags="webhooks",
        )
    with pytest.raises(RateLimited):
        services.ask_question(
            veteran,
            title="One question too many today",
            body="Enough text for a question body.",
            product=products["relay"],
            tags="webhooks",
        )
    # An hour later the member may ask again.
    Question.objects.update(created_at=timezone.now() - timedelta(hours=2))
    services.ask_question(
        veteran,
        title="Asking again after an hour",
        body="Enough text for a question body.",
        product=products["relay"],
        tags="webhooks",
    )


def test_new_accounts_get_stricter_limits(limits, ask, member, veteran, other_member, editor):
    assert trust.trust_level(member) == 0
    question = ask(other_member)
    services.post_answer(question, member, body="My first answer as a new member.")
    with pytest.raises(RateLimited):
        services.post_answer(question, member, body="My second answer as a new member.")
    for n in range(3):
        services.post_answer(question, veteran, body=f"Veteran answer number {n} here.")
    with pytest.raises(RateLimited):
        services.post_answer(question, veteran, body="One answer too many for a veteran.")
    services.add_comment(member, question=question, body="A first comment.")
    with pytest.raises(RateLimited):
        services.add_comment(member, question=question, body="A second comment.")
    # Moderators (level 3) have no limit.
    for n in range(6):
        services.post_answer(question, editor, body=f"Moderator answer number {n} here.")


def test_rate_limits_follow_the_settings_syntax(settings, member, ask, other_member):
    settings.FORUM_RATE_LIMITS = {**LIMITS, "answer": ["2/d", "off", "off", "off"]}
    question = ask(other_member)
    services.post_answer(question, member, body="A first answer today, fine.")
    Answer.objects.update(created_at=timezone.now() - timedelta(hours=5))
    services.post_answer(question, member, body="A second answer today, fine.")
    with pytest.raises(RateLimited):
        services.post_answer(question, member, body="A third answer within the day.")


def test_rate_limit_settings_are_checked(settings):
    from forum.limits import check_forum_rate_limits

    assert check_forum_rate_limits(None) == []
    settings.FORUM_RATE_LIMITS = {**LIMITS, "question": ["3/h", "often", "off", "off"]}
    assert [error.id for error in check_forum_rate_limits(None)] == ["forum.E001"]
    settings.FORUM_RATE_LIMITS = {**LIMITS, "answer": ["3/h"]}
    assert [error.id for error in check_forum_rate_limits(None)] == ["forum.E001"]


def test_rate_limit_shows_a_clear_error_and_keeps_the_text(limits, client, member, products, ask):
    ask(member, enforce_limits=True)  # uses up the new account's hourly question
    client.force_login(member)
    response = client.post("/community/ask/", ask_form(products))
    assert response.status_code == 429
    body = response.content.decode()
    assert "You have asked 1 questions recently" in body
    assert "Since we rotated the secret, every delivery fails with 401." in body
    assert Question.objects.count() == 1


def test_honeypot_rejects_silently(client, member, products, ask, other_member):
    client.force_login(member)
    response = client.post("/community/ask/", ask_form(products, website="http://spam.example"))
    assert response.status_code == 400
    assert Question.objects.count() == 0
    question = ask(other_member)
    response = client.post(
        f"/community/q/{question.pk}/answer/",
        {"body": "Buy cheap things at our shop now.", "website": "x"},
    )
    assert response.status_code == 400
    response = client.post(
        f"/community/q/{question.pk}/comment/", {"body": "Cheap things!", "website": "x"}
    )
    assert response.status_code == 400
    assert not Answer.objects.exists() and not Comment.objects.exists()


def test_posting_through_the_form(client, member, products):
    client.force_login(member)
    response = client.post("/community/ask/", ask_form(products))
    question = Question.objects.get()
    assert response.status_code == 302
    assert response["Location"] == question.get_absolute_url()
    assert question.author == member


def test_verified_email_required(client, products, ask, member):
    unverified = UserFactory(username="unverified", verified=False)
    with pytest.raises(NotAllowed):
        services.ask_question(
            unverified,
            title="Can I post without verifying?",
            body="Let me try to post this question.",
            product=products["relay"],
            tags="email",
        )
    question = ask(member)
    with pytest.raises(NotAllowed):
        services.post_answer(question, unverified, body="An answer from an unverified account.")
    with pytest.raises(NotAllowed):
        services.vote(unverified, question, 1)
    client.force_login(unverified)
    page = client.get("/community/ask/")
    assert "verify your email" in page.content.decode()
    response = client.post("/community/ask/", ask_form(products))
    assert response.status_code == 403
    assert Question.objects.count() == 1


def test_suspended_member_cannot_post(client, ask, member, other_member, staff, products):
    question = ask(other_member)
    services.suspend_member(member, staff, days=3, reason="Spam")
    with pytest.raises(NotAllowed):
        services.post_answer(question, member, body="Trying to answer while suspended.")
    with pytest.raises(NotAllowed):
        services.add_comment(member, question=question, body="A comment while suspended.")
    with pytest.raises(NotAllowed):
        services.vote(member, question, 1)
    client.force_login(member)
    assert "suspended" in client.get(question.get_absolute_url()).content.decode()
    response = client.post(
        f"/community/q/{question.pk}/answer/", {"body": "Trying to answer while suspended."}
    )
    assert response.status_code == 403
    services.lift_suspension(member, staff)
    services.post_answer(question, member, body="Back and answering properly now.")
    with pytest.raises(NotAllowed):
        services.suspend_member(staff, staff, days=1)


def test_expired_suspension_no_longer_blocks(ask, member, other_member, staff):
    question = ask(other_member)
    services.suspend_member(member, staff, until=timezone.now() - timedelta(minutes=1))
    services.post_answer(question, member, body="The suspension is over, so this works.")


def test_posts_with_many_links_are_held_for_review(
    links_from_anyone, settings, client, member, other_member, third_member, editor, products
):
    settings.FORUM_MAX_LINKS = 2
    links = " ".join(f"https://example.com/{n}" for n in range(3))
    question = services.ask_question(
        member,
        title="Look at these useful links please",
        body=f"See {links}",
        product=products["relay"],
        tags="links",
    )
    assert question.awaiting_review
    client.force_login(member)
    page = client.get(question.get_absolute_url())
    assert page.status_code == 200
    assert "awaiting review" in page.content.decode()
    client.force_login(other_member)
    assert client.get(question.get_absolute_url()).status_code == 404
    assert question.title not in client.get("/community/").content.decode()
    client.force_login(editor)
    assert "Awaiting review" in client.get(question.get_absolute_url()).content.decode()

    services.approve_post(question, editor)
    client.force_login(other_member)
    assert client.get(question.get_absolute_url()).status_code == 200

    held = services.post_answer(question, other_member, body=f"Mirrors: {links}")
    assert held.awaiting_review
    question.refresh_from_db()
    assert question.answer_count == 0
    client.force_login(third_member)
    assert f'id="answer-{held.pk}"' not in client.get(question.get_absolute_url()).content.decode()
    client.force_login(other_member)
    assert f'id="answer-{held.pk}"' in client.get(question.get_absolute_url()).content.decode()
    fine = services.post_answer(question, third_member, body="Only https://example.com here.")
    assert not fine.awaiting_review


def test_too_long_posts_keep_the_text(settings, client, member, ask, other_member, products):
    settings.FORUM_BODY_MAX_LENGTH = 100
    client.force_login(member)
    huge = "word " * 60
    response = client.post("/community/ask/", ask_form(products, body=huge))
    assert response.status_code == 200
    assert Question.objects.count() == 0
    content = response.content.decode()
    assert "at most 100 characters" in content
    assert huge.strip() in content
    # The browser must not cut pasted text short: no maxlength on the post's fields.
    for tag in re.findall(r"<textarea[^>]*>|<input[^>]*id=\"id_title\"[^>]*>", content):
        assert "maxlength" not in tag

    question = ask(other_member)
    response = client.post(f"/community/q/{question.pk}/answer/", {"body": huge})
    assert "at most 100 characters" in response.content.decode()
    assert huge.strip() in response.content.decode()
    long_comment = "c" * 700
    response = client.post(f"/community/q/{question.pk}/comment/", {"body": long_comment})
    assert "at most 600 characters" in response.content.decode()
    assert long_comment in response.content.decode()
    assert not Answer.objects.exists() and not Comment.objects.exists()


SPAM_LINKS = {
    "protocol-relative": "[cheap pills](//spam.example/{n})",
    "autolink": "<https://spam.example/{n}>",
    "reference": "[offer {n}][r{n}]\n\n[r{n}]: //spam.example/{n}",
    "image": "![banner](//spam.example/{n}.png)",
    "in a list": "- [deal](//spam.example/{n})",
    "in a quote": "> [deal](//spam.example/{n})",
    "in a table": "| deal |\n| --- |\n| [deal](//spam.example/{n}) |",
    "linked image": "[![b](//spam.example/{n}.png)](//spam.example/{n})",
}


def rendered_links(markdown: str) -> int:
    html = str(render_markdown(markdown))
    return html.count("<a ") + html.count("<img ")


@pytest.mark.parametrize("syntax", SPAM_LINKS)
def test_count_links_counts_what_the_renderer_links(syntax):
    source = "\n\n".join(SPAM_LINKS[syntax].format(n=n) for n in range(4))
    assert count_links(source) == rendered_links(source) >= 4


def test_count_links_ignores_what_is_not_a_link():
    assert count_links("") == count_links(None) == 0
    assert count_links("[click](javascript:alert(1)) and `[x](//spam.example)`") == 0
    assert count_links("See https://example.com and www.example.com") == 0  # not linked
    assert count_links("See https://example.com and www.example.com", bare_urls=True) == 2
    # A link whose text is its own address counts once.
    assert count_links("<https://example.com> [https://a.example](https://a.example)") == 2
    assert count_links("<https://example.com>", bare_urls=True) == 1


@pytest.mark.parametrize("syntax", SPAM_LINKS)
def test_answers_with_many_links_of_any_syntax_are_held(
    links_from_anyone, syntax, ask, member, other_member
):
    question = ask(member)
    body = "Try these:\n\n" + "\n\n".join(SPAM_LINKS[syntax].format(n=n) for n in range(10))
    held = services.post_answer(question, other_member, body=body)
    assert held.awaiting_review
    fine = services.post_answer(
        question, other_member, body="One place to look: [the docs](//docs.example/relay)."
    )
    assert not fine.awaiting_review


def test_questions_and_comments_count_their_links(
    links_from_anyone, ask, member, other_member, products
):
    question = services.ask_question(
        member,
        title="Mirrors for the SDK download",
        body="\n".join(f"{n}. <https://mirror{n}.example>" for n in range(5)),
        product=products["relay"],
        tags="sdk",
    )
    assert question.awaiting_review
    open_question = ask(member)
    # Comments are plain text shown through urlize: bare domains are links there.
    comment = services.add_comment(
        other_member,
        question=open_question,
        body="Try spam1.com, spam2.com, www.spam3.example and https://spam4.example",
    )
    assert comment.awaiting_review
    fine = services.add_comment(
        other_member, question=open_question, body="The docs at docs.example.com helped me."
    )
    assert not fine.awaiting_review


def test_editing_in_links_holds_the_answer(ask, answer, member, other_member):
    question = ask(member)
    reply = answer(question, other_member, enforce_limits=True)
    assert not reply.awaiting_review
    services.edit_answer(
        reply,
        other_member,
        body="Updated: "
        + " ".join(f"[mirror {n}][{n}]" for n in range(5))
        + "\n\n"
        + "\n".join(f"[{n}]: //spam.example/{n}" for n in range(5)),
    )
    reply.refresh_from_db()
    assert reply.awaiting_review
