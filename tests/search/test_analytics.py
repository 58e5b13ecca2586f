"""Search analytics (log rows, clicks), the admin report and the synonyms admin."""

import re
import uuid

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


def uid_of(log) -> str:
    return str(log.uid)


def test_a_click_is_recorded_once(client, content):
    html, token = search_and_token(client, "invoice")
    assert token
    item = re.search(r'data-rank="1" data-item="([^"]+)"', html).group(1)
    for _ in range(2):
        response = client.post(reverse("search_click"), {"token": token, "rank": 1, "item": item})
        assert response.status_code == 204
    assert not SearchClick.objects.exists(), "clicks are written in batches, not by the request"
    analytics.flush()
    click = SearchClick.objects.get()
    assert (click.rank, click.item, click.search.query) == (1, item, "invoice")


def test_forged_clicks_are_ignored(client, content):
    search_and_token(client, "invoice")
    analytics.flush()
    token = analytics.click_token(uid_of(SearchLog.objects.get()))
    for data in (
        {"token": "forged", "rank": 1, "item": "article:1"},
        {"token": token, "rank": "x", "item": "a:1"},
        {"token": token, "rank": 1, "item": "nonsense"},
        {"token": analytics.click_token("not-a-uuid"), "rank": 1, "item": "article:1"},
        {"token": analytics.click_token(str(uuid.uuid4())), "rank": 1, "item": "a:1"},
    ):
        assert client.post(reverse("search_click"), data).status_code == 204
    analytics.flush()
    assert not SearchClick.objects.exists()


def test_segment_and_session_are_logged_anonymously(client, content, member, products):
    member.declared_products.set([products["ledger"]])
    client.force_login(member)
    client.get("/search/", {"q": "invoice"})
    analytics.flush()
    log = SearchLog.objects.get()
    assert log.segment == "product:ledger"
    assert len(log.session_key) == 32 and log.session_key != client.session.session_key


def test_report_shows_top_and_zero_result_queries(client, content):
    for q in ("invoice", "invoice", "billing email", "zorblax"):
        html, token = search_and_token(client, q)
    analytics.flush()
    first_log = SearchLog.objects.filter(normalized="invoice").first()
    analytics.record_click(analytics.click_token(uid_of(first_log)), 1, "article:1")
    analytics.flush()
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


# --- Reads stay reads -------------------------------------------------------------------


def test_a_search_without_cookies_writes_nothing_and_starts_no_session(
    client, content, django_assert_max_num_queries
):
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        for url in ("/search/", "/api/v1/search", "/api/v1/search/suggest"):
            response = client.get(url, {"q": "invoice"})
            assert response.status_code == 200
            assert "sessionid" not in response.cookies
    writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert writes == []
    assert not Session.objects.exists()
    assert analytics.pending() == 2  # the page and the API search, waiting for the writer
    analytics.flush()
    assert SearchLog.objects.count() == 2
    keys = set(SearchLog.objects.values_list("session_key", flat=True))
    assert len(keys) == 1 and len(next(iter(keys))) == 32  # one visitor, no session


def test_cookieless_scripts_cannot_plant_a_suggestion(client, content, settings):
    settings.SEARCH_POPULAR_MIN_PEOPLE = 3
    for _ in range(10):
        client.cookies.clear()
        client.get("/search/", {"q": "invoice download now"})
    analytics.flush()
    assert analytics.aggregate_popular() == 0
    from search import service

    assert [s.text for s in service.suggest("invoice d", None)] == ["Download an invoice"]


def test_suggestions_come_from_distinct_signed_in_people(client, content, settings):
    from search import service

    settings.SEARCH_POPULAR_MIN_PEOPLE = 3
    people = [UserFactory(username=f"person{n}") for n in range(3)]
    for person in people[:2]:
        client.force_login(person)
        for _ in range(5):  # one person searching often still counts once
            client.get("/search/", {"q": "invoice download"})
    analytics.flush()
    assert analytics.aggregate_popular() == 0
    client.force_login(people[2])
    client.get("/search/", {"q": "invoice download"})
    analytics.flush()
    assert analytics.aggregate_popular() == 1
    assert service.suggest("invoice", None)[0].text == "invoice download"


def test_the_writer_thread_writes_the_buffer(transactional_db, settings, home):
    import time

    from django.test import RequestFactory

    from search.service import SearchRequest, search

    settings.SEARCH_LOG_FLUSH_SECONDS = 0.05
    request = RequestFactory().get("/search/", {"q": "anything"})
    request.user = __import__("django.contrib.auth.models").contrib.auth.models.AnonymousUser()
    request.session = __import__(
        "django.contrib.sessions.backends.db"
    ).contrib.sessions.backends.db.SessionStore()
    page = search(SearchRequest(q="anything"), request.user)
    analytics.log_search(page, request, "page")
    for _ in range(200):  # the thread writes within a few of its intervals
        if SearchLog.objects.exists():
            break
        time.sleep(0.05)
    assert SearchLog.objects.get().query == "anything"
    settings.SEARCH_LOG_FLUSH_SECONDS = 0
