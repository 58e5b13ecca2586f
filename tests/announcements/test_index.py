import datetime as dt
import re

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import grant, make_announcement

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def days_ago(n):
    return TODAY - dt.timedelta(days=n)


def titles(response):
    return [a.title for a in response.context["announcements"]]


def test_pinned_first_then_newest(client, index):
    make_announcement(index, "Old news", date=days_ago(30))
    make_announcement(index, "Fresh news", date=days_ago(1))
    make_announcement(index, "Pinned but old", date=days_ago(90), pinned=True)
    make_announcement(index, "Newest", date=TODAY)

    response = client.get(index.url)

    assert response.status_code == 200
    assert titles(response) == ["Pinned but old", "Newest", "Fresh news", "Old news"]
    html = response.content.decode()
    assert html.index("Pinned but old") < html.index("Newest") < html.index("Old news")
    assert 'class="badge badge--pinned"' in html
    assert f'<time datetime="{TODAY:%Y-%m-%d}">' in html
    assert "Product news, releases and maintenance windows." in html


def test_drafts_are_not_listed(client, index):
    make_announcement(index, "Still a draft", live=False)
    response = client.get(index.url)
    assert "Still a draft" not in response.content.decode()
    assert 'class="empty-state"' in response.content.decode()


@override_settings(PORTICO_ANNOUNCEMENTS_PER_PAGE=2)
def test_pagination(client, index):
    for n in range(5):
        make_announcement(index, f"Item {n}", date=days_ago(n))

    first = client.get(index.url)
    assert titles(first) == ["Item 0", "Item 1"]
    html = first.content.decode()
    assert 'class="pagination"' in html
    assert 'href="?page=2"' in html
    assert 'rel="next"' in html
    assert 'rel="prev"' not in html

    third = client.get(index.url, {"page": 3})
    assert titles(third) == ["Item 4"]
    assert 'rel="prev"' in third.content.decode()

    # Out of range answers the last page, not an error.
    assert titles(client.get(index.url, {"page": 99})) == ["Item 4"]
    assert client.get(index.url, {"page": "nope"}).status_code == 200
    assert client.get(index.url, {"page": "-1"}).status_code == 200


@override_settings(PORTICO_ANNOUNCEMENTS_PER_PAGE=1)
def test_pagination_keeps_product_filter(client, index, products):
    make_announcement(index, "Ledger one", segments=[products["ledger"]], date=days_ago(1))
    make_announcement(index, "Ledger two", segments=[products["ledger"]], date=days_ago(2))
    response = client.get(index.url, {"product": "ledger"})
    assert "?product=ledger&amp;page=2" in response.content.decode()


def test_product_filter(client, index, products):
    make_announcement(index, "Ledger news", segments=[products["ledger"]])
    make_announcement(index, "Relay news", segments=[products["relay"]])
    make_announcement(index, "For everyone")

    response = client.get(index.url, {"product": "ledger"})

    assert titles(response) == ["Ledger news"]
    assert response.context["active_product"] == products["ledger"]
    html = response.content.decode()
    # One link per product with announcements, the active one marked.
    assert re.search(r'href="/announcements/\?product=ledger" aria-current="page"', html)
    assert 'href="/announcements/?product=relay"' in html
    assert "?product=atlas" not in html  # nothing to read about Atlas
    assert 'class="badge badge--product"' in html
    # Feeds for the product are offered too.
    assert "/feeds/announcements/rss/?product=ledger" in html


def test_filter_by_product_without_announcements_shows_empty_state(client, index, products):
    make_announcement(index, "Ledger news", segments=[products["ledger"]])
    response = client.get(index.url, {"product": "atlas"})
    assert response.status_code == 200
    assert titles(response) == []
    assert "no announcements about Atlas" in response.content.decode()


def test_unknown_product_is_404(client, index, products):
    assert client.get(index.url, {"product": "nonsense"}).status_code == 404


def test_restricted_hidden_from_outsiders(client, index, products, member):
    make_announcement(index, "Public note")
    make_announcement(index, "Ledger private beta", segments=[products["ledger"]], restricted=True)

    assert titles(client.get(index.url)) == ["Public note"]
    client.force_login(member)
    response = client.get(index.url)
    assert titles(response) == ["Public note"]
    # Not even the product filter link reveals it.
    assert "?product=ledger" not in response.content.decode()
    assert titles(client.get(index.url, {"product": "ledger"})) == []


def test_restricted_shown_to_granted_member(client, index, products, member):
    make_announcement(index, "Public note", date=days_ago(1))
    make_announcement(index, "Ledger private beta", segments=[products["ledger"]], restricted=True)
    grant(member, products["ledger"])
    client.force_login(member)

    response = client.get(index.url)

    assert titles(response) == ["Ledger private beta", "Public note"]
    assert 'class="badge badge--restricted"' in response.content.decode()


def test_restricted_shown_to_staff(client, index, products, staff):
    make_announcement(index, "Ledger private beta", segments=[products["ledger"]], restricted=True)
    client.force_login(staff)
    assert titles(client.get(index.url)) == ["Ledger private beta"]


def test_declared_product_does_not_unlock(client, index, products, member):
    make_announcement(index, "Ledger private beta", segments=[products["ledger"]], restricted=True)
    member.declared_products.add(products["ledger"])
    client.force_login(member)
    assert titles(client.get(index.url)) == []


def test_links_to_feeds_and_subscriptions(client, index):
    html = client.get(index.url).content.decode()
    assert (
        '<link rel="alternate" type="application/rss+xml"' in html
        and 'href="/feeds/announcements/rss/"' in html
    )
    assert '<link rel="alternate" type="application/atom+xml"' in html
    assert 'href="/feeds/announcements/atom/"' in html
    assert 'href="/account/subscriptions/"' in html
    assert "Subscribe by email" in html


def _count_queries(client, url, **params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _make_many(index, products, count):
    for n in range(count):
        make_announcement(
            index,
            segments=[products["ledger"], products["relay"]],
            restricted=n % 3 == 0,
            pinned=n == 5,
        )


def test_index_query_count_anonymous(
    client, index, products, settings, django_assert_max_num_queries
):
    settings.PORTICO_PAGE_CACHE = False  # the page's own rendering is measured
    _make_many(index, products, 12)
    client.get(index.url)  # warm per-process caches (site root paths)
    with django_assert_max_num_queries(10):
        response = client.get(index.url)
    assert len(response.context["announcements"]) == 8


def test_index_query_count_member(client, index, products, member, django_assert_max_num_queries):
    _make_many(index, products, 12)
    grant(member, products["ledger"])
    client.force_login(member)
    client.get(index.url)

    # Wagtail routing and the session account for most; the listing itself takes four.
    with django_assert_max_num_queries(13):
        response = client.get(index.url)
    assert len(response.context["announcements"]) == 10
    with django_assert_max_num_queries(13):
        client.get(index.url, {"product": "ledger", "page": 2})

    # A fixed number: more announcements, more products, same queries.
    # (Each count after a first read: the listing is cached until content changes.)
    before = _count_queries(client, index.url)
    _make_many(index, products, 12)
    make_announcement(index, segments=[products["atlas"]])
    client.get(index.url)
    assert _count_queries(client, index.url) == before
