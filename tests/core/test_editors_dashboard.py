"""The editors' dashboard: each kind of item it lists, the home panel, and "Write an
article" starting a draft from a search."""

import pytest
from django.urls import reverse

from kb.models import ArticlePage
from tests.factories import UserFactory, make_article, make_category
from tests.factories.editors import (
    make_helpful_votes,
    make_search_logs,
    make_stale,
    make_unanswered_question,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(db):
    return UserFactory(username="chief", is_staff=True, is_superuser=True)


@pytest.fixture
def dashboard_data(home, products, member):
    category = make_category(title="Billing")
    unhelpful = make_article(category, title="Refund an invoice")
    make_helpful_votes(unhelpful, yes=1, no=3)
    liked = make_article(category, title="Pay by card")
    make_helpful_votes(liked, yes=4, no=1)
    stale = make_stale(make_article(category, title="Old export format"))
    make_article(category, title="Fresh article")
    make_search_logs("zorblax", count=3, language="ro")
    make_search_logs("invoice", count=5, results=4, clicks=4)
    make_search_logs("webhook retries", count=4, results=6, clicks=0, language="fa")
    question = make_unanswered_question(member, products["relay"], title="Why do retries stop?")
    make_unanswered_question(member, products["relay"], title="Asked a minute ago", hours=0)
    return {"category": category, "unhelpful": unhelpful, "stale": stale, "question": question}


def section_html(html: str, key: str) -> str:
    start = html.index(f'data-section="{key}"')
    end = html.find("<section", start)
    return html[start : end if end != -1 else None]


def test_dashboard_lists_each_kind_of_item(client, admin_user, dashboard_data):
    client.force_login(admin_user)
    response = client.get(reverse("editors_dashboard"))
    assert response.status_code == 200
    html = response.content.decode()

    zero = section_html(html, "zero-results")
    assert "zorblax" in zero and 'lang="ro"' in zero and "invoice" not in zero
    assert reverse("kb_write_article") + "?q=zorblax&amp;lang=ro&amp;reason=zero" in zero

    low = section_html(html, "low-click")
    assert "webhook retries" in low and "invoice" not in low and ">fa<" in low

    unhelpful = section_html(html, "unhelpful")
    assert "Refund an invoice" in unhelpful and "Pay by card" not in unhelpful

    stale = section_html(html, "stale")
    assert "Old export format" in stale and "Fresh article" not in stale

    unanswered = section_html(html, "unanswered")
    assert "Why do retries stop?" in unanswered and "Asked a minute ago" not in unanswered


def test_stale_follows_the_setting(client, admin_user, dashboard_data, settings):
    settings.KB_STALE_MONTHS = 24
    client.force_login(admin_user)
    html = client.get(reverse("editors_dashboard")).content.decode()
    assert "Old export format" not in section_html(html, "stale")


def test_admin_home_shows_the_counts(client, admin_user, dashboard_data):
    client.force_login(admin_user)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Needs an editor’s attention" in html
    assert reverse("editors_dashboard") + "#section-zero-results" in html


def test_members_cannot_open_the_dashboard(client, member):
    client.force_login(member)
    assert client.get(reverse("editors_dashboard")).status_code in (302, 403)


def test_write_an_article_starts_a_prefilled_draft(client, admin_user, dashboard_data):
    client.force_login(admin_user)
    url = reverse("kb_write_article")
    form = client.get(url, {"q": "zorblax", "lang": "en", "reason": "zero"})
    assert form.status_code == 200
    html = form.content.decode()
    assert 'value="Zorblax"' in html and "zorblax" in html

    response = client.post(
        url,
        {
            "q": "zorblax",
            "lang": "en",
            "reason": "zero",
            "title": "Zorblax",
            "category": dashboard_data["category"].pk,
            "summary": "Written for the search “zorblax”, which found nothing.",
        },
    )
    article = ArticlePage.objects.get(title="Zorblax")
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_pages:edit", args=[article.pk])
    assert not article.live and article.has_unpublished_changes
    assert article.get_parent().specific == dashboard_data["category"]
    assert "zorblax" in article.summary
    assert article.get_latest_revision() is not None
    assert client.get(response["Location"]).status_code == 200


def test_members_cannot_write_articles(client, member, dashboard_data):
    client.force_login(member)
    response = client.post(
        reverse("kb_write_article"),
        {"title": "X", "category": dashboard_data["category"].pk, "summary": "x"},
    )
    assert response.status_code in (302, 403)
    assert not ArticlePage.objects.filter(title="X").exists()


def test_dashboard_query_count_is_fixed(
    client, admin_user, dashboard_data, member, products, django_assert_max_num_queries
):
    client.force_login(admin_user)
    client.get(reverse("editors_dashboard"))
    for n in range(5):
        make_unanswered_question(member, products["atlas"], title=f"Still waiting {n}?")
        make_search_logs(f"missing thing {n}", count=2)
        make_helpful_votes(make_article(dashboard_data["category"]), no=2)
    with django_assert_max_num_queries(30):
        assert client.get(reverse("editors_dashboard")).status_code == 200
