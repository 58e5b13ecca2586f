"""Whole pages for anonymous visitors: served from the cache, never to anyone else,
never stale after a change, with each visitor's own CSRF token."""

import re

import pytest
from django.test import Client

from forum import services as forum
from forum.services import moderation
from tests.factories import UserFactory, make_article, make_category

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(home):
    return make_article(make_category(title="Billing"), "Download an invoice")


def test_an_anonymous_page_is_rendered_once_then_served_from_the_cache(
    client, article, django_assert_max_num_queries
):
    first = client.get(article.url)
    assert first["X-Page-Cache"] == "miss"
    with django_assert_max_num_queries(0):
        second = client.get(article.url)
    assert second["X-Page-Cache"] == "hit"

    def without_tokens(response):
        return re.sub(r'value="[A-Za-z0-9]{64}"', "", response.content.decode())

    assert without_tokens(second) == without_tokens(first)
    assert "Cookie" in second["Vary"] and "Accept-Language" in second["Vary"]
    assert "private" in second["Cache-Control"]


def test_each_language_has_its_own_copy(client, article):
    english = client.get(article.url).content.decode()
    client.cookies["django_language"] = "fa"
    persian = client.get(article.url)
    assert persian["X-Page-Cache"] == "miss"
    assert '<html lang="fa" dir="rtl"' in persian.content.decode()
    assert '<html lang="en" dir="ltr"' in english


def test_unpublishing_takes_the_page_away_at_once(client, article):
    client.get(article.url)
    article.unpublish()
    assert client.get(article.url).status_code == 404


def test_a_hidden_question_leaves_the_cached_community_list(client, member, products):
    moderator = UserFactory(username="mod", is_staff=True, is_superuser=True)
    question = forum.ask_question(
        member,
        title="Cheap dashboard templates here, seventy percent off",
        body="Visit my shop for the cheapest templates anywhere.",
        product=products["ledger"],
        tags="spam",
        enforce_limits=False,
    )
    assert question.title in client.get("/community/").content.decode()
    assert client.get("/community/")["X-Page-Cache"] == "hit"
    moderation.hide_post(question, moderator)
    assert question.title not in client.get("/community/").content.decode()


def test_signed_in_people_and_visitors_with_a_session_never_share_a_page(client, article, member):
    client.get(article.url)
    assert client.get(article.url)["X-Page-Cache"] == "hit"
    signed_in = Client()
    signed_in.force_login(member)
    page = signed_in.get(article.url)
    assert "X-Page-Cache" not in page
    assert member.public_name in page.content.decode()
    # A page rendered for a signed-in member is never stored for visitors.
    assert member.public_name not in client.get(article.url).content.decode()


def test_every_visitor_gets_their_own_working_csrf_token(article):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.get(article.url)
    cached = second.get(article.url)
    assert cached["X-Page-Cache"] == "hit"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', cached.content.decode())[1]
    assert "\x00" not in cached.content.decode()
    assert second.cookies.get("csrftoken"), "the visitor gets the CSRF cookie their token needs"
    switched = second.post(
        "/i18n/setlang/", {"language": "ro", "next": article.url, "csrfmiddlewaretoken": token}
    )
    assert switched.status_code == 302


def test_pages_that_count_or_set_cookies_are_not_stored(client, article, settings):
    assert "X-Page-Cache" not in client.get("/search/", {"q": "invoice"})
    assert "X-Page-Cache" not in client.get("/support/")
    settings.PORTICO_PAGE_CACHE = False
    assert "X-Page-Cache" not in client.get(article.url)
