"""Trust levels, links held for new members, flags that hide, reputation and badges, the
moderation history — and a held or hidden post never leaking."""

from datetime import timedelta

import pytest
from django.utils import timezone

from forum import services, trust
from forum.models import Flag, ModerationEvent, Question
from forum.reputation import standing
from tests.factories import UserFactory

QUEUE = "/admin/forum_moderation/"
SPAM_TITLE = "Premium dashboard templates, seventy percent off"
SPAM_BODY = "Buy our bundle at https://templates.example/deal before midnight, huge savings."


def make_member(username, *, days, posts, accepted=0, products, asker=None):
    """A member with ``days`` of age, ``posts`` published posts of which ``accepted``
    answers were accepted — made through the services, as activity really is."""
    user = UserFactory(username=username, date_joined=timezone.now() - timedelta(days=days))
    asker = asker or UserFactory(username=f"{username}-asker")
    for n in range(posts - accepted):
        services.ask_question(
            user,
            title=f"{username} asks question number {n}",
            body="A real question about the product, with details.",
            product=products["relay"],
            tags="webhooks",
            enforce_limits=False,
        )
    for n in range(accepted):
        question = services.ask_question(
            asker,
            title=f"{asker.username} needs help number {n}",
            body="A real question about the product, with details.",
            product=products["relay"],
            tags="webhooks",
            enforce_limits=False,
        )
        reply = services.post_answer(
            question, user, body="Here is how to fix it.", enforce_limits=False
        )
        services.accept_answer(reply, asker)
    return user


@pytest.fixture
def trusted(db, products):
    """A level-2 member (15 days, 5 posts, 1 accepted answer)."""
    return make_member("trusted", days=20, posts=6, accepted=1, products=products)


@pytest.fixture
def basic(db, products):
    return make_member("basic", days=5, posts=1, products=products)


def spam(author, products, **kwargs):
    return services.ask_question(
        author,
        title=SPAM_TITLE,
        body=SPAM_BODY,
        product=products["atlas"],
        tags="dashboards",
        **kwargs,
    )


# --- 1. the levels ------------------------------------------------------------------


def test_the_rule(settings):
    level = trust.level_for
    assert level(trust.Activity(days=0, posts=0, accepted=0, penalties=0)) == 0
    assert level(trust.Activity(days=1, posts=0, accepted=0, penalties=0)) == 0
    assert level(trust.Activity(days=1, posts=1, accepted=0, penalties=0)) == 1
    assert level(trust.Activity(days=15, posts=10, accepted=0, penalties=0)) == 1
    assert level(trust.Activity(days=14, posts=10, accepted=1, penalties=0)) == 1
    assert level(trust.Activity(days=15, posts=5, accepted=1, penalties=0)) == 2
    assert level(trust.Activity(days=59, posts=99, accepted=9, penalties=0)) == 2
    assert level(trust.Activity(days=60, posts=20, accepted=3, penalties=0)) == 3
    # Each post hidden recently costs a level; never below 0.
    assert level(trust.Activity(days=60, posts=20, accepted=3, penalties=2)) == 1
    assert level(trust.Activity(days=60, posts=20, accepted=3, penalties=7)) == 0
    settings.FORUM_TRUST_LEVELS = {1: {"days": 0, "posts": 0}, 2: {"days": 999}, 3: {}}
    assert level(trust.Activity(days=0, posts=0, accepted=0, penalties=0)) == 1


def test_levels_come_from_activity(member, basic, trusted, editor, staff, products):
    assert trust.trust_level(None) == 0
    assert trust.trust_level(member) == 0  # a new account
    assert trust.trust_level(basic) == 1
    assert trust.trust_level(trusted) == 2
    assert trust.trust_level(editor) == trust.trust_level(staff) == 3  # moderators: top
    # Posts that are held or hidden do not count as published.
    newcomer = make_member("newcomer", days=5, posts=0, products=products)
    question = spam(newcomer, products)
    assert question.awaiting_review
    trust.forget(newcomer)
    assert trust.trust_level(newcomer) == 0


def test_a_hidden_post_costs_a_level(staff, products):
    user = make_member("busy", days=20, posts=6, accepted=1, products=products)
    assert trust.trust_level(user) == 2
    question = Question.objects.filter(author=user).first()
    services.hide_post(question, staff)
    trust.forget(user)
    assert trust.trust_level(user) == 1  # 5 published posts are enough; the penalty is not
    services.restore_post(question, staff)
    trust.forget(user)
    assert trust.trust_level(user) == 2


# --- 2. links from new members wait for a moderator --------------------------------


def test_a_new_members_link_is_held(client, member, basic, other_member, products):
    held = spam(member, products)
    assert held.awaiting_review
    event = ModerationEvent.objects.get(question=held)
    assert (event.action, event.reason, event.actor) == ("held", "new-member-link", None)
    # The author sees it, marked as held; others do not.
    client.force_login(member)
    page = client.get(held.get_absolute_url())
    assert page.status_code == 200
    assert "awaiting review" in page.content.decode()
    client.force_login(other_member)
    assert client.get(held.get_absolute_url()).status_code == 404
    # A link without other links is fine from a basic member, and text without links from
    # anyone.
    fine = services.ask_question(
        basic,
        title="Where is the Atlas changelog page?",
        body="Is it https://atlas.example/changelog or somewhere else?",
        product=products["atlas"],
        tags="changelog",
    )
    assert not fine.awaiting_review
    plain = services.post_answer(fine, member, body="It moved to the Help menu last month.")
    assert not plain.awaiting_review
    linked = services.post_answer(fine, member, body="See https://atlas.example/help now.")
    assert linked.awaiting_review
    comment = services.add_comment(member, question=fine, body="Also www.spam.example")
    assert comment.awaiting_review


def test_editing_a_link_in_is_held_for_new_members(client, member, other_member, ask):
    question = ask(member, enforce_limits=True)
    assert not question.awaiting_review
    services.edit_question(
        question,
        member,
        title=question.title,
        body=question.body + " More at https://spam.example/offer",
        tags="webhooks",
    )
    question.refresh_from_db()
    assert question.awaiting_review
    assert ModerationEvent.objects.filter(question=question, action="held").exists()


# --- 3. flags ----------------------------------------------------------------------


def test_one_flag_from_a_trusted_member_hides(trusted, member, products):
    question = spam(member, products, enforce_limits=False)  # as if it got through
    assert question.is_public
    services.flag_post(trusted, question, reason="spam")
    question.refresh_from_db()
    assert question.is_hidden
    event = ModerationEvent.objects.get(question=question, action="flag-hidden")
    assert event.reason == "trusted-flag" and event.actor is None


def test_one_flag_from_a_new_member_does_not_hide_two_do(member, other_member, products):
    author = UserFactory(username="spammer")
    question = spam(author, products, enforce_limits=False)
    services.flag_post(member, question, reason="spam")
    question.refresh_from_db()
    assert not question.is_hidden
    services.flag_post(other_member, question, reason="spam")
    question.refresh_from_db()
    assert question.is_hidden
    assert ModerationEvent.objects.get(question=question).reason == "flag-count"


def test_a_moderators_flag_hides_and_the_setting_counts(settings, staff, member, products):
    question = spam(member, products, enforce_limits=False)
    services.flag_post(staff, question, reason="spam")
    question.refresh_from_db()
    assert question.is_hidden
    # FORUM_FLAGS_TO_HIDE = 0: only trusted flags hide.
    settings.FORUM_FLAGS_TO_HIDE = 0
    other = services.ask_question(
        member,
        title="Another question to flag twice",
        body="Nothing wrong with it really.",
        product=products["relay"],
        tags="webhooks",
        enforce_limits=False,
    )
    services.flag_post(UserFactory(), other, reason="spam")
    services.flag_post(UserFactory(), other, reason="spam")
    other.refresh_from_db()
    assert not other.is_hidden


def test_flagged_answers_hide_too(trusted, member, other_member, ask):
    question = ask(other_member)
    reply = services.post_answer(question, member, body="Cheap templates, message me.")
    services.flag_post(trusted, reply, reason="spam")
    reply.refresh_from_db()
    question.refresh_from_db()
    assert reply.is_hidden and question.answer_count == 0


# --- 5. reputation and badges ------------------------------------------------------


def test_reputation_and_badges(settings, client, trusted, member, ask, products):
    settings.PORTICO_PAGE_CACHE = False
    assert [badge.slug for badge in standing(trusted).badges] == ["solver"]
    question = ask(member, "A question that gets a great answer")
    reply = services.post_answer(
        question, trusted, body="The great answer, with every step.", enforce_limits=False
    )
    for n in range(10):
        services.vote(UserFactory(username=f"voter{n}"), reply, 1)
    found = standing(trusted)
    assert found.upvotes == 10
    assert found.reputation == 10 * 10 + 15
    assert [badge.slug for badge in found.badges] == ["solver", "helpful"]
    # Next to the author's name on lists and on the question page.
    listing = client.get("/community/?sort=newest").content.decode()
    assert 'class="member-standing__reputation"' in listing
    assert ">115</span>" in client.get(question.get_absolute_url()).content.decode()
    profile = client.get(f"/community/u/{trusted.username}/").content.decode()
    assert "Helpful" in profile and "Received 10 upvotes" in profile
    assert "Member" in profile  # the trust level's name
    # Votes on a hidden answer no longer count.
    services.hide_post(reply, UserFactory(username="mod", is_staff=True))
    assert standing(trusted).upvotes == 0


def test_standings_of_a_page_cost_three_queries_then_none(member, ask, django_assert_num_queries):
    from django.core.cache import cache

    from forum.reputation import standings_for

    authors = [UserFactory() for _ in range(8)]
    question = ask(member)
    for author in authors:
        reply = services.post_answer(question, author, body="An answer with enough words.")
        services.vote(member, reply, 1)
    ids = [author.pk for author in authors]
    cache.clear()
    with django_assert_num_queries(3):
        cold = standings_for(ids)
    with django_assert_num_queries(0):
        warm = standings_for(ids)
    assert cold == warm and {s.reputation for s in warm.values()} == {10}
    # A new vote moves the page cache's generation on: the counts are read again.
    services.vote(authors[0], question, 1)
    assert standings_for([member.pk])[member.pk].reputation == 2


def test_badges_in_persian_and_romanian(settings, client, trusted):
    settings.PORTICO_PAGE_CACHE = False
    url = f"/community/u/{trusted.username}/"
    client.cookies["django_language"] = "fa"
    assert "حل‌کننده" in client.get(url).content.decode()
    client.cookies["django_language"] = "ro"
    assert "Rezolvitor" in client.get(url).content.decode()


# --- 6. the moderation view --------------------------------------------------------


def test_the_queue_shows_reasons_and_history(client, superuser, trusted, member, products):
    question = spam(member, products)  # held: a new member's link
    services.approve_post(question, superuser)
    services.flag_post(trusted, question, reason="spam", note="Selling templates")
    client.force_login(superuser)
    html = client.get(QUEUE).content.decode()
    assert SPAM_TITLE in html
    assert "Spam" in html and "Selling templates" in html
    assert "Flag and moderation history" in html
    for step in ("Held for review", "a link from a new member", "Approved", "Hidden by flags"):
        assert step in html, step
    assert "a flag from a trusted member" in html
    # Once handled, the post leaves the queue; its history stays on the question's history
    # page, for moderators only.
    services.hide_post(question, superuser)
    assert SPAM_TITLE not in client.get(QUEUE).content.decode()
    history_url = f"/community/q/{question.pk}/history/"
    html = client.get(history_url).content.decode()
    for step in ("Held for review", "Approved", "Hidden by flags", "Hidden by a moderator"):
        assert step in html, step
    assert "Selling templates" in html and "Acted on" in html
    client.force_login(trusted)
    assert client.get(history_url).status_code in (403, 404)


def test_held_reason_in_the_queue(client, superuser, member, products):
    spam(member, products)
    client.force_login(superuser)
    assert "Held for review: a link from a new member." in client.get(QUEUE).content.decode()


# --- leaks -------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["held", "hidden"])
def test_held_and_hidden_posts_do_not_leak(
    state, settings, client, member, other_member, trusted, editor, ask, products, sync_search
):
    if state == "held":
        question = spam(member, products)
        assert question.awaiting_review
    else:
        question = spam(member, products, enforce_limits=False)
        services.flag_post(trusted, question, reason="spam")
        question.refresh_from_db()
        assert question.is_hidden
    visible = ask(other_member, "Dashboards load slowly on Monday mornings")
    reply = services.post_answer(
        visible,
        member,
        body="Templates: https://templates.example/x",
        enforce_limits=state == "held",
    )
    if state == "hidden":
        services.flag_post(trusted, reply, reason="spam")
    reply.refresh_from_db()
    assert not reply.is_public
    sync_search()
    words = ["seventy percent", "templates.example"]
    pages = [
        "/community/",
        "/community/p/atlas/",
        "/community/tags/dashboards/",
        "/community/tags/",
        f"/community/u/{member.username}/",
        visible.get_absolute_url(),
        "/search/?q=premium+dashboard+templates",
        "/api/v1/search?q=premium+dashboard+templates",
        "/api/v1/search/suggest?q=premium+dashboard",
        "/community/similar/?q=premium+dashboard+templates",
        "/sitemap.xml",
    ]
    for person in (None, other_member, trusted):
        if person:
            client.force_login(person)
        else:
            client.logout()
        for _round in range(2):  # the second round comes from the anonymous page cache
            assert client.get(question.get_absolute_url()).status_code == 404
            for url in pages:
                response = client.get(url)
                html = response.content.decode()
                for word in words:
                    assert word not in html, (person, url, word)
    # The author sees the held post, marked; never a hidden one.
    client.force_login(member)
    page = client.get(question.get_absolute_url())
    if state == "held":
        assert page.status_code == 200
        assert "awaiting review" in page.content.decode()
        assert "templates.example/x" in client.get(visible.get_absolute_url()).content.decode()
    else:
        assert page.status_code == 404
    # Moderators see both, marked.
    client.force_login(editor)
    html = client.get(question.get_absolute_url()).content.decode()
    assert SPAM_TITLE in html
    assert ("awaiting review" if state == "held" else "hidden by a moderator") in html
    assert "templates.example/x" in client.get(visible.get_absolute_url()).content.decode()


def test_hiding_by_flags_refreshes_the_anonymous_page_cache(
    settings, client, member, other_member, trusted, products, django_capture_on_commit_callbacks
):
    settings.PORTICO_PAGE_CACHE = True
    question = spam(member, products, enforce_limits=False)
    assert SPAM_TITLE in client.get("/community/").content.decode()
    assert SPAM_TITLE in client.get("/community/").content.decode()  # cached
    with django_capture_on_commit_callbacks(execute=True):
        services.flag_post(trusted, question, reason="spam")
    assert SPAM_TITLE not in client.get("/community/").content.decode()
    assert Flag.objects.get().status == "open"  # waiting for a moderator's review
