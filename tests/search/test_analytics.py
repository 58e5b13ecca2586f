"""Search analytics (log rows, clicks), the admin report and the synonyms admin."""

import re

import pytest
from django.urls import reverse

from search import analytics
from search.models import SearchClick, SearchLog, Synonym
from tests.factories import UserFactory, make_article, make_category

pytestmark = pytest.mark.django_db


@pytest.fixture
def content(home, sync_search):
    category = make_category(title="Billing")
    make_article(category, title="Download an invoice", body="Open Billing, pick the invoice.")
    make_article(category, title="Change the billing email", body="Billing settings.")
    sync_search()


def search_and_token(client, q):
    html = client.get("/search/", {"q": q}).content.decode()
    match = re.search(r'data-click-token="([^"]+)"', html)
    return html, match.group(1) if match else ""


def test_a_click_is_recorded_once(client, content):
    html, token = search_and_token(client, "invoice")
    assert token
    item = re.search(r'data-rank="1" data-item="([^"]+)"', html).group(1)
    for _ in range(2):
        response = client.post(reverse("search_click"), {"token": token, "rank": 1, "item": item})
        assert response.status_code == 204
    click = SearchClick.objects.get()
    assert (click.rank, click.item, click.search.query) == (1, item, "invoice")


def test_forged_clicks_are_ignored(client, content):
    search_and_token(client, "invoice")
    for data in (
        {"token": "forged", "rank": 1, "item": "article:1"},
        {"token": analytics.click_token(SearchLog.objects.get()), "rank": "x", "item": "a:1"},
        {"token": analytics.click_token(SearchLog.objects.get()), "rank": 1, "item": "nonsense"},
    ):
        assert client.post(reverse("search_click"), data).status_code == 204
    assert not SearchClick.objects.exists()


def test_segment_and_session_are_logged_anonymously(client, content, member, products):
    member.declared_products.set([products["ledger"]])
    client.force_login(member)
    client.get("/search/", {"q": "invoice"})
    log = SearchLog.objects.get()
    assert log.segment == "product:ledger"
    assert len(log.session_key) == 32 and log.session_key != client.session.session_key


def test_report_shows_top_and_zero_result_queries(client, content):
    for q in ("invoice", "invoice", "billing email", "zorblax"):
        html, token = search_and_token(client, q)
    first_log = SearchLog.objects.filter(normalized="invoice").first()
    analytics.record_click(analytics.click_token(first_log), 1, "article:1")
    report = analytics.report(30)
    assert report.searches == 4 and report.zero_results == 1 and report.clicked == 1
    assert report.click_through_rate == 0.25
    assert [(r.query, r.searches) for r in report.top][:1] == [("invoice", 2)]
    assert [r.query for r in report.zero] == ["zorblax"]

    editor = UserFactory(username="ed", is_staff=True, is_superuser=True)
    client.force_login(editor)
    page = client.get(reverse("search_report:index"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "zorblax" in html and "Top queries" in html and "25 %" in html


def test_members_cannot_read_the_report(client, member):
    client.force_login(member)
    assert client.get(reverse("search_report:index")).status_code in (302, 403)


def test_editors_manage_synonyms_in_the_admin(client, home, editor, sync_search):
    make_article(make_category(), title="Sign in with SSO", body="Use your company account.")
    sync_search()
    client.force_login(editor)
    assert client.get(reverse("search_report:index")).status_code == 200
    response = client.post(
        reverse("search_synonym:add"), {"terms": "log in, sign in", "note": "", "enabled": "on"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Synonym.objects.get().term_list == ["log in", "sign in"]
    html = client.get("/search/", {"q": "log in"}).content.decode()
    assert "Sign in with SSO" in re.sub(r"</?mark>", "", html)
    response = client.post(reverse("search_synonym:add"), {"terms": "lonely", "enabled": "on"})
    assert response.status_code == 200 and "at least two terms" in response.content.decode()


def test_old_searches_are_pruned_daily(settings):
    from datetime import timedelta

    from django.utils import timezone

    from search.tasks import prune_log

    assert settings.CELERY_BEAT_SCHEDULE["prune-search-log"]["task"] == prune_log.name
    settings.SEARCH_LOG_DAYS = 30
    old = SearchLog.objects.create(source="page", query="old", normalized="old")
    SearchLog.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    SearchLog.objects.create(source="page", query="new", normalized="new")
    prune_log.apply()
    assert list(SearchLog.objects.values_list("query", flat=True)) == ["new"]
