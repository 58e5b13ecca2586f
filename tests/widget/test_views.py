"""The help widget's panel and results: who may frame it, what each caller may find."""

import pytest
from django.core.checks import run_checks

from segments.services import grant
from tests.factories import UserFactory
from users.tokens import create_token, revoke_token

HOST = "http://127.0.0.1:8001"


def frame_ancestors(response) -> list[str]:
    for directive in response["Content-Security-Policy"].split(";"):
        name, *sources = directive.split()
        if name == "frame-ancestors":
            return sources
    raise AssertionError("no frame-ancestors")


def directive(response, name) -> list[str]:
    for part in response["Content-Security-Policy"].split(";"):
        found, *sources = part.split()
        if found == name:
            return sources
    return []


@pytest.mark.django_db
def test_by_default_only_the_portal_may_frame_the_panel(client, settings):
    settings.WIDGET_ALLOWED_ORIGINS = []
    response = client.get("/widget/")
    assert response.status_code == 200
    assert frame_ancestors(response) == ["'self'"]
    assert "X-Frame-Options" not in response


@pytest.mark.django_db
def test_allowed_origins_may_frame_the_panel_and_no_inline_script_runs(client, settings):
    settings.WIDGET_ALLOWED_ORIGINS = [HOST, "https://app.example.com/"]
    response = client.get("/widget/")
    assert frame_ancestors(response) == ["'self'", HOST, "https://app.example.com"]
    assert "X-Frame-Options" not in response
    assert directive(response, "script-src") == ["'self'"]
    assert directive(response, "object-src") == ["'none'"]
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert "<script>" not in body and " on" + "click=" not in body
    assert f"{HOST} https://app.example.com http://testserver" in body


@pytest.mark.django_db
def test_other_pages_still_refuse_every_frame(client, home, settings):
    settings.WIDGET_ALLOWED_ORIGINS = [HOST]
    response = client.get("/")
    assert frame_ancestors(response) == ["'self'"]
    assert response["X-Frame-Options"] == "SAMEORIGIN"


@pytest.mark.django_db
def test_persian_panel_is_right_to_left(client):
    response = client.get("/widget/?lang=fa")
    body = response.content.decode()
    assert '<html lang="fa" dir="rtl">' in body
    assert "راهنما" in body  # "Help"
    assert response["Content-Language"] == "fa"
    romanian = client.get("/widget/?lang=ro").content.decode()
    assert '<html lang="ro" dir="ltr">' in romanian


def test_anonymous_search_finds_only_public_content(client, articles):
    response = client.get("/widget/results/", {"q": "webhook signing secret"})
    assert response.status_code == 200
    data = response.json()
    assert "Verify webhook signatures" in data["html"]
    assert "partner accounts" not in data["html"].lower()
    assert "Quillwhistle" not in data["html"]
    assert data["support_url"] == "/support/new/?q=webhook+signing+secret"
    assert "no-store" in response["Cache-Control"]
    assert "Authorization" in response["Vary"]


def test_a_token_searches_as_its_person(client, articles, products):
    member = UserFactory(username="relay-member")
    grant(member, products["relay"])
    _token, raw = create_token(member, name="widget")
    response = client.get(
        "/widget/results/",
        {"q": "webhook signing secret"},
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    html = response.json()["html"]
    assert "Webhook signing for partner accounts" in html
    assert "Verify webhook signatures" in html


def test_an_unusable_token_means_public_content_only(client, articles, products):
    member = UserFactory(username="relay-member")
    grant(member, products["relay"])
    token, raw = create_token(member, name="widget")
    revoke_token(token)
    for header in (f"Bearer {raw}", "Bearer ptk_not-a-token", "Basic abc"):
        response = client.get(
            "/widget/results/", {"q": "webhook signing secret"}, HTTP_AUTHORIZATION=header
        )
        assert response.status_code == 200
        html = response.json()["html"]
        assert "Verify webhook signatures" in html
        assert "partner accounts" not in html.lower()


def test_a_token_in_the_address_is_ignored(client, articles, products):
    member = UserFactory(username="relay-member")
    grant(member, products["relay"])
    _token, raw = create_token(member, name="widget")
    for url in (
        f"/widget/results/?q=webhook+signing+secret&token={raw}",
        f"/widget/?q=webhook+signing+secret&token={raw}",
    ):
        body = client.get(url).content.decode()
        assert "Verify webhook signatures" in body
        assert "partner accounts" not in body.lower()


def test_the_session_is_not_used(client, articles, products):
    """A third-party frame must not act as whoever is signed in to the portal."""
    member = UserFactory(username="relay-member")
    grant(member, products["relay"])
    client.force_login(member)
    body = client.get("/widget/results/", {"q": "webhook signing secret"}).content.decode()
    assert "Verify webhook signatures" in body
    assert "partner accounts" not in body.lower()


def test_the_panel_without_script_shows_public_results_and_the_handoff(client, articles):
    response = client.get("/widget/", {"q": "webhook signing secret"})
    body = response.content.decode()
    assert "Verify webhook signatures" in body
    assert "partner accounts" not in body.lower()
    assert 'href="/support/new/?q=webhook+signing+secret"' in body
    assert 'target="_blank"' in body


def test_the_panel_is_never_kept_by_the_page_cache(client, articles, settings):
    settings.PORTICO_PAGE_CACHE = True
    for _ in range(2):
        response = client.get("/widget/", {"q": "webhook"})
        assert "X-Page-Cache" not in response


@pytest.mark.django_db
def test_labels_answer_cors_to_allowed_origins_only(client, settings):
    settings.WIDGET_ALLOWED_ORIGINS = [HOST]
    allowed = client.get("/widget/config/?lang=fa", HTTP_ORIGIN=HOST)
    assert allowed["Access-Control-Allow-Origin"] == HOST
    assert allowed.json()["dir"] == "rtl"
    assert allowed.json()["labels"]["open"] == "راهنما"
    other = client.get("/widget/config/", HTTP_ORIGIN="https://evil.example")
    assert "Access-Control-Allow-Origin" not in other
    assert other.json()["dir"] == "ltr"


def test_a_bad_origin_fails_the_system_check(settings):
    settings.WIDGET_ALLOWED_ORIGINS = ["https://app.example.com/path", HOST]
    ids = [message.id for message in run_checks()]
    assert "widget.E001" in ids
    settings.WIDGET_ALLOWED_ORIGINS = [HOST]
    assert "widget.E001" not in [message.id for message in run_checks()]
