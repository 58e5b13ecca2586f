"""Knowledge-base pages cost a small, fixed number of SQL queries.

Anonymous readers: at most 6 per page once the shared fragments are cached (the first
read fills them). Signed-in members: at most 8 (Django's own session and user lookups
and the access policy's one lookup of grants, groups and admin access come on top), the
same count whatever the amount of content.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import grant, make_article, make_category

pytestmark = pytest.mark.django_db

ANONYMOUS_MAX = 6
# A signed-in member adds three fixed lookups: Django's session and user, and the access
# policy's grants with admin access (one query).
MEMBER_MAX = 8


def build(kb, products, *, categories, per_category):
    """A knowledge base with targeted, restricted, featured and tagged articles."""
    articles = []
    for c in range(categories):
        category = make_category(kb, title=f"Topic {c}")
        for n in range(per_category):
            articles.append(
                make_article(
                    category,
                    f"Topic {c} article {n}",
                    body="## One\n\nText.\n\n### Two\n\n::: tip\nHi\n:::",
                    segments=[products["ledger"], products["relay"]][: 1 + n % 2],
                    tags=[f"tag-{n % 4}", f"tag-{(n + 1) % 4}", "common"],
                    restricted=(n % 3 == 2),
                    featured=(n % 2 == 0),
                )
            )
    return articles


def urls(kb, articles):
    article = articles[0]
    category = article.get_parent()
    return {
        "kb home": kb.url,
        "category": category.url,
        "article": article.url,
        "tag page": kb.url + "tags/common/",
    }


def count_queries(client, url):
    client.get(url)  # warm Wagtail's site-root cache
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("page", ["kb home", "category", "article", "tag page"])
def test_anonymous_pages_stay_within_six_queries(
    client, kb, products, page, django_assert_max_num_queries
):
    articles = build(kb, products, categories=2, per_category=5)
    url = urls(kb, articles)[page]
    client.get(url)
    with django_assert_max_num_queries(ANONYMOUS_MAX):
        response = client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("page", ["kb home", "category", "article", "tag page"])
def test_member_pages_have_a_fixed_query_count(
    client, kb, products, member, page, django_assert_max_num_queries
):
    articles = build(kb, products, categories=2, per_category=3)
    grant(member, products["ledger"])
    client.force_login(member)
    url = urls(kb, articles)[page]
    small = count_queries(client, url)

    build(kb, products, categories=2, per_category=4)
    large = count_queries(client, url)
    assert large == small, f"{page}: {small} queries with little content, {large} with more"
    with django_assert_max_num_queries(MEMBER_MAX):
        client.get(url)


@pytest.mark.parametrize("page", ["kb home", "category", "article", "tag page"])
def test_anonymous_query_count_does_not_grow_with_content(client, kb, products, page):
    articles = build(kb, products, categories=1, per_category=3)
    url = urls(kb, articles)[page]
    small = count_queries(client, url)
    build(kb, products, categories=2, per_category=4)
    assert count_queries(client, url) == small
