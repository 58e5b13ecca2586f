"""The most visited pages keep a small, fixed query budget: at most six queries for an
anonymous visitor, eight for a signed-in member (Django's session and user lookups and
the access policy's one lookup come on top), once shared fragments are cached."""

import pytest

from forum import services as forum_services
from tests.factories import grant, make_article, make_category

pytestmark = pytest.mark.django_db

ANONYMOUS_MAX = 6
MEMBER_MAX = 8


@pytest.fixture
def content(home, products, member, sync_search):
    category = make_category(title="Billing", slug="billing")
    article = make_article(
        category,
        "Download an invoice",
        body="## Steps\n\nOpen **Billing**, pick the invoice.\n\n::: tip\nPDF too.\n:::",
        segments=[products["ledger"]],
        tags=["invoices", "billing"],
    )
    make_article(category, "Change the billing email", tags=["billing"])
    make_article(
        category,
        "Enterprise invoices",
        segments=[products["ledger"]],
        restricted=True,
        tags=["invoices"],
    )
    for n in range(5):
        forum_services.ask_question(
            member,
            title=f"Why is invoice number {n} missing from the billing page?",
            body="I cannot find it anywhere in the billing settings.",
            product=products["ledger"],
            tags="invoices, billing",
            enforce_limits=False,
        )
    sync_search()
    grant(member, products["ledger"])
    return {
        "article": article.url,
        "category": category.url,
        "community": "/community/",
        "search": "/search/?q=invoice",
    }


@pytest.mark.parametrize("page", ["article", "category", "community", "search"])
def test_anonymous_pages_stay_within_six_queries(
    client, content, page, django_assert_max_num_queries
):
    client.get(content[page])  # fills the shared caches
    with django_assert_max_num_queries(ANONYMOUS_MAX):
        response = client.get(content[page])
    assert response.status_code == 200


@pytest.mark.parametrize("page", ["article", "category", "community", "search"])
def test_member_pages_stay_within_eight_queries(
    client, content, member, page, django_assert_max_num_queries
):
    client.force_login(member)
    client.get(content[page])
    with django_assert_max_num_queries(MEMBER_MAX) as queries:
        response = client.get(content[page])
    assert response.status_code == 200
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip("( ").split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}
    ]
    assert writes == [], "a page read writes nothing"
