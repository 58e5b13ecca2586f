"""Listings, URLs, canonical links, pagination, suggestions and query counts."""

import html
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from forum import services
from forum.models import Question
from tests.factories import UserFactory, make_article, make_category


@pytest.fixture
def questions(ask, answer, member, other_member, products):
    solved = ask(member, "Webhook retries stopped after rotating the secret", tags="webhooks")
    services.accept_answer(answer(solved, other_member), member)
    answered = ask(member, "SMS messages billed as three segments", tags="sms")
    answer(answered, other_member)
    unanswered = ask(
        other_member,
        "Dashboard shows last week's numbers",
        product=products["atlas"],
        tags="dashboards",
    )
    services.vote(member, unanswered, 1)
    Question.objects.filter(pk=solved.pk).update(
        created_at=timezone.now() - timedelta(days=3),
        last_activity_at=timezone.now() - timedelta(days=3),
    )
    return {"solved": solved, "answered": answered, "unanswered": unanswered}


def titles(response):
    """The titles a community list shows, in order (read from the page: the list may come
    from the cache, without a context)."""
    assert response.status_code == 200, response.status_code
    found = re.findall(
        r'<h2 class="card__title"><a href="[^"]+"><span class="content-lang"[^>]*>([^<]*)</span>',
        response.content.decode(),
    )
    return [html.unescape(title) for title in found]


def test_listing_filters_and_sorts(client, questions):
    assert len(titles(client.get("/community/"))) == 3
    assert titles(client.get("/community/?filter=unanswered")) == [
        "Dashboard shows last week's numbers"
    ]
    assert titles(client.get("/community/?filter=solved")) == [
        "Webhook retries stopped after rotating the secret"
    ]
    assert titles(client.get("/community/?sort=votes"))[0] == "Dashboard shows last week's numbers"
    assert titles(client.get("/community/?sort=newest"))[-1] == (
        "Webhook retries stopped after rotating the secret"
    )
    assert titles(client.get("/community/?sort=activity"))[-1] == (
        "Webhook retries stopped after rotating the secret"
    )
    assert titles(client.get("/community/p/atlas/")) == ["Dashboard shows last week's numbers"]
    assert titles(client.get("/community/tags/sms/")) == ["SMS messages billed as three segments"]
    assert client.get("/community/p/nope/").status_code == 404
    assert client.get("/community/tags/nope/").status_code == 404
    html = client.get("/community/").content.decode()
    assert 'rel="canonical" href="http://testserver/community/"' in html
    assert "Solved" in html and "Relay" in html


def test_pagination(settings, client, ask, member):
    settings.FORUM_QUESTIONS_PER_PAGE = 5
    settings.PORTICO_PAGE_CACHE = False  # each page is rendered (its context is read)
    for n in range(12):
        ask(member, f"Paginated question number {n:02d} here")
    first = client.get("/community/?sort=newest")
    assert len(titles(first)) == 5
    assert 'rel="next"' in first.content.decode()
    third = client.get("/community/?sort=newest&page=3")
    assert len(titles(third)) == 2
    assert 'href="http://testserver/community/?page=3"' in third.content.decode()
    seen = set()
    for page in (1, 2, 3):
        seen |= set(titles(client.get(f"/community/?sort=newest&page={page}")))
    assert len(seen) == 12


def test_canonical_redirects(client, questions):
    question = questions["solved"]
    canonical = question.get_absolute_url()
    assert (
        canonical
        == f"/community/q/{question.pk}/webhook-retries-stopped-after-rotating-the-secret/"
    )
    response = client.get(f"/community/q/{question.pk}/wrong-slug/")
    assert response.status_code == 301 and response["Location"] == canonical
    response = client.get(f"/community/q/{question.pk}/")
    assert response.status_code == 301 and response["Location"] == canonical
    page = client.get(canonical)
    assert page.status_code == 200
    assert f'<link rel="canonical" href="http://testserver{canonical}">' in page.content.decode()
    assert client.get("/community/q/999999/x/").status_code == 404


def test_view_counts_once_per_member_session(client, questions, other_member):
    question = questions["unanswered"]
    client.force_login(UserFactory(username="reader"))
    client.get(question.get_absolute_url())
    client.get(question.get_absolute_url())
    question.refresh_from_db()
    assert question.view_count == 1


def view_count(question) -> int:
    return Question.objects.values_list("view_count", flat=True).get(pk=question.pk)


def test_view_counts_once_per_anonymous_session(
    client, questions, other_member, django_assert_max_num_queries
):
    question, other = questions["unanswered"], questions["solved"]
    url = question.get_absolute_url()
    assert client.get(url).status_code == 200
    assert view_count(question) == 1
    for _ in range(5):
        client.get(url)
    assert view_count(question) == 1  # reloading adds nothing
    client.get(other.get_absolute_url())
    assert view_count(other) == 1  # each question once per session

    # Reloads write nothing to the question (only the session read).
    with django_assert_max_num_queries(40) as captured:
        client.get(url)
    assert not [q for q in captured.captured_queries if "UPDATE" in q["sql"]]

    client.cookies.clear()  # another visitor, another session
    client.get(url)
    assert view_count(question) == 2
    client.force_login(other_member)  # authors' own views never count
    client.get(url)
    assert view_count(question) == 2


def test_viewed_questions_in_the_session_are_capped(client, ask, member, other_member):
    from forum.views import SEEN_SESSION_KEY, SEEN_SESSION_LIMIT

    question = ask(member, "A question to read in a long session")
    session = client.session
    session[SEEN_SESSION_KEY] = list(range(10_000, 10_000 + SEEN_SESSION_LIMIT))
    session.save()
    client.get(question.get_absolute_url())
    seen = client.session[SEEN_SESSION_KEY]
    assert len(seen) == SEEN_SESSION_LIMIT and seen[-1] == question.pk
    assert view_count(question) == 1


def test_similar_endpoint_finds_questions_and_articles(client, questions, home, sync_search):
    make_article(
        make_category(title="Webhooks"),
        title="Rotate your webhook signing secret",
        body="## Steps\n\nRotate it.",
    )
    sync_search()
    data = client.get("/community/similar/", {"q": "webhook secret rotation"}).json()
    kinds = {item["kind"] for item in data["results"]}
    assert kinds == {"question", "article"}
    for item in data["results"]:
        assert item["url"].startswith("/")
    assert client.get("/community/similar/", {"q": "zz"}).json()["results"] == []


def test_similar_content_ranks_by_matching_words(ask, member, products, sync_search):
    from forum.similar import similar_content

    ask(member, "Invoices missing after the CSV import")
    best = ask(member, "CSV import of invoices fails with unexpected separator")
    sync_search()
    results = similar_content("CSV import fails: unexpected separator", member, limit=5)
    assert results[0].title == best.title


def test_tag_suggestions(client, questions):
    assert client.get("/community/tag-suggestions/", {"q": "web"}).json()["results"] == ["webhooks"]


def test_ask_page_has_live_region_and_script(client, member):
    client.force_login(member)
    html = client.get("/community/ask/").content.decode()
    assert 'aria-live="polite"' in html
    assert 'data-similar-url="/community/similar/"' in html
    assert "js/forum.js" in html
    assert '<label for="id_title">' in html
    client.logout()
    assert client.get("/community/ask/").status_code == 302  # sign in first


def test_listing_query_count(client, questions, ask, member, django_assert_max_num_queries):
    for n in range(10):
        ask(member, f"Another question number {n} about webhooks", tags="webhooks, retries")
    client.force_login(member)
    client.get("/community/")
    # Authors' reputation comes from the shared cache, the list from the fragment cache.
    with django_assert_max_num_queries(8):
        response = client.get("/community/")
    assert len(titles(response)) == 13
    client.get("/community/tags/webhooks/?filter=unanswered&sort=votes")
    with django_assert_max_num_queries(8):
        client.get("/community/tags/webhooks/?filter=unanswered&sort=votes")


def test_question_page_query_count(
    client, ask, answer, member, other_member, products, django_assert_max_num_queries
):
    question = ask(member)
    people = [UserFactory() for _ in range(5)]
    for n, person in enumerate(people):
        reply = answer(question, person, body=f"Answer number {n} with some detail.")
        for commenter in people[:3]:
            services.add_comment(
                commenter,
                question=question,
                answer=reply,
                enforce_limits=False,
                body=f"Comment by {commenter.username}",
            )
        services.vote(member, reply, 1)
    for person in people:
        services.add_comment(
            person, question=question, body="A comment on the question.", enforce_limits=False
        )
    client.force_login(other_member)
    client.get(question.get_absolute_url())
    with django_assert_max_num_queries(14):
        response = client.get(question.get_absolute_url())
    assert len(response.context["answers"]) == 5
    client.logout()
    client.get(question.get_absolute_url())
    with django_assert_max_num_queries(8):
        client.get(question.get_absolute_url())
