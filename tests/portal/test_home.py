"""The home page: search first, then what is new and what to read — only what the visitor
may see, with the member's own products first."""

import datetime as dt
import re

import pytest
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse

from portal.home import home_sections
from tests.factories import (
    grant,
    make_announcement,
    make_article,
    make_category,
    make_kb_index,
)
from users.services import update_profile

pytestmark = pytest.mark.django_db


def days_ago(n):
    return dt.date.today() - dt.timedelta(days=n)


def titles(items):
    return [item.title for item in items]


@pytest.fixture
def content(home, products):
    kb = make_kb_index(home)
    billing = make_category(kb, title="Billing", summary="Plans and invoices.")
    relay_cat = make_category(kb, title="Relay", summary="Messaging.")
    secret_cat = make_category(kb, title="Partner desk", summary="Partners only.")
    data = {
        "billing": billing,
        "relay_cat": relay_cat,
        "secret_cat": secret_cat,
        "general_article": make_article(billing, title="Read your invoice", featured=True),
        "relay_article": make_article(
            relay_cat,
            title="Verify webhook signatures",
            featured=True,
            segments=[products["relay"]],
        ),
        "plain_article": make_article(billing, title="Change your plan"),
        "secret_article": make_article(
            secret_cat,
            title="Reseller margin sheet",
            featured=True,
            segments=[products["ledger"]],
            restricted=True,
        ),
        "pinned": make_announcement(title="Planned maintenance", pinned=True, date=days_ago(20)),
        "general_news": make_announcement(title="New status page", date=days_ago(1)),
        "relay_news": make_announcement(
            title="Relay replay button", date=days_ago(10), segments=[products["relay"]]
        ),
        "secret_news": make_announcement(
            title="Ledger partner pricing",
            date=days_ago(2),
            segments=[products["ledger"]],
            restricted=True,
        ),
    }
    return data


def test_home_renders_search_first_and_every_section(client, content):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()

    hero = html.index('class="hero"')
    search = html.index('role="search"', hero)
    assert search < html.index('id="home-announcements"') < html.index('id="home-featured"')
    assert html.index('id="home-featured"') < html.index('id="home-categories"')
    assert '<label class="visually-hidden" for="hero-search-q">' in html
    assert 'id="hero-search-q"' in html and "autofocus" not in html
    assert 'action="/search/"' in html

    for title in [
        "Planned maintenance",
        "New status page",
        "Relay replay button",
        "Read your invoice",
        "Verify webhook signatures",
        "Billing",
        "Relay",
    ]:
        assert title in html
    # Category cards carry their summary and a count of readable articles.
    assert "Plans and invoices." in html
    assert re.search(r"2 articles", html)


def test_pinned_first_then_newest_for_everyone(content):
    sections = home_sections(None)
    assert titles(sections["announcements"]) == [
        "Planned maintenance",
        "New status page",
        "Relay replay button",
    ]


def test_members_products_come_first(client, content, member, products):
    update_profile(member, display_name="", declared_products=[products["relay"]])
    sections = home_sections(member)
    assert [p.slug for p in sections["focus_products"]] == ["relay"]
    # Pinned stays on top; then Relay news before the newer general news.
    assert titles(sections["announcements"]) == [
        "Planned maintenance",
        "Relay replay button",
        "New status page",
    ]
    assert titles(sections["featured_articles"])[0] == "Verify webhook signatures"

    client.force_login(member)
    html = client.get("/").content.decode()
    assert "For Relay users" in html
    assert "come first" in html


def test_granted_products_also_come_first(content, member, products):
    grant(member, products["relay"])
    sections = home_sections(member)
    assert [p.slug for p in sections["focus_products"]] == ["relay"]
    assert titles(sections["announcements"])[1] == "Relay replay button"


def test_restricted_items_are_hidden_from_outsiders_and_declared_only_members(
    client, content, member, products
):
    update_profile(member, display_name="", declared_products=list(products.values()))
    for who in (None, member):
        if who:
            client.force_login(who)
        html = client.get("/").content.decode()
        assert "Reseller margin sheet" not in html
        assert "Ledger partner pricing" not in html
        # A category with nothing readable is not offered at all.
        assert "Partner desk" not in html


def test_granted_member_sees_restricted_items_marked_as_such(client, content, member, products):
    grant(member, products["ledger"])
    client.force_login(member)
    html = client.get("/").content.decode()
    assert "Reseller margin sheet" in html
    assert "Ledger partner pricing" in html
    assert "Partner desk" in html
    assert "badge--restricted" in html


def test_counts_only_what_the_visitor_may_read(content, member, products):
    counts = {c.title: c.article_count for c in home_sections(None)["categories"]}
    assert counts == {"Billing": 2, "Relay": 1}
    grant(member, products["ledger"])
    counts = {c.title: c.article_count for c in home_sections(member)["categories"]}
    assert counts == {"Billing": 2, "Relay": 1, "Partner desk": 1}


def test_drafts_never_appear(client, content):
    make_article(content["billing"], title="Unpublished draft", featured=True, live=False)
    make_announcement(title="Draft news", live=False)
    html = client.get("/").content.decode()
    assert "Unpublished draft" not in html
    assert "Draft news" not in html


def test_community_teaser_only_when_the_forum_is_installed(client, content):
    html = client.get("/").content.decode()
    try:
        forum_url = reverse("forum:index")
    except NoReverseMatch:
        assert "Ask the community" not in html
    else:
        assert "Ask the community" in html and f'href="{forum_url}"' in html


def test_empty_site_shows_a_friendly_empty_state(client, home):
    response = client.get("/")
    assert response.status_code == 200
    assert "Nothing here yet" in response.content.decode()


# The home page stays within ten queries, signed in or not.
ANONYMOUS_MAX = 10
MEMBER_OVERHEAD = 0


def count_queries(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get("/")  # warm Wagtail's site-root cache, as any earlier request would
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["anonymous", "member", "granted"])
def test_home_page_query_count_is_small_and_does_not_grow(client, content, member, products, who):
    if who != "anonymous":
        update_profile(member, display_name="", declared_products=[products["relay"]])
        if who == "granted":
            grant(member, products["ledger"])
        client.force_login(member)
    budget = ANONYMOUS_MAX + (0 if who == "anonymous" else MEMBER_OVERHEAD)
    before = count_queries(client)
    assert before <= budget
    # More content must not mean more queries.
    for n in range(6):
        make_article(
            content["relay_cat"],
            title=f"Extra {n}",
            featured=True,
            segments=[products["atlas"], products["relay"]],
        )
        make_announcement(title=f"Extra news {n}", segments=[products["relay"]])
    assert count_queries(client) == before


# --- Every page: one h1, a skip link, and <main id="main"> ----------------------------


def structure_problems(html: str) -> list[str]:
    problems = []
    h1_count = len(re.findall(r"<h1[\s>]", html))
    if h1_count != 1:
        problems.append(f"{h1_count} <h1> elements")
    if not re.search(r'<a class="skip-link" href="#main">', html):
        problems.append("no skip link")
    if not re.search(r'<main id="main"', html):
        problems.append('no <main id="main">')
    return problems


@pytest.mark.parametrize(
    "url, signed_in",
    [
        ("/", False),
        ("/", True),
        ("/search/", False),
        ("/search/?q=invoice", False),
        ("/search/?q=zzzznothing", False),
        ("/account/login/", False),
        ("/account/signup/", False),
        ("/account/password/reset/", False),
        ("/account/profile/", True),
        ("/account/email/", True),
        ("/account/password/change/", True),
        ("/account/2fa/", True),
        ("/no-such-page/", False),
    ],
)
def test_every_page_has_one_h1_a_skip_link_and_main(client, content, member, url, signed_in):
    if signed_in:
        client.force_login(member)
    response = client.get(url)
    assert response.status_code in (200, 404)
    assert structure_problems(response.content.decode()) == []


def test_content_pages_have_the_same_structure(client, content):
    for page in [content["billing"], content["general_article"], content["general_news"]]:
        html = client.get(page.url).content.decode()
        assert structure_problems(html) == [], page.url


def test_not_found_page_is_friendly(client, home):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "couldn’t find that page" in html
    assert 'action="/search/"' in html


def test_server_error_page_renders_without_a_request():
    html = render_to_string("500.html")
    assert html.count("<h1") == 1
    assert 'id="main"' in html
    assert "{%" not in html
