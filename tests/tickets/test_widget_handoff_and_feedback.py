"""The help widget feeds support: "Did this answer your question?" under its direct
answer counts in the deflection report (surface ``widget``), and the host page it hands
off from (only on an allowed origin) is shown in Contact support and kept for agents."""

import re

import pytest

from search.answers import read_token
from tickets import reports
from tickets.flow import clean_page_url
from tickets.models import DirectAnswerFeedback, Ticket

pytestmark = pytest.mark.django_db

QUESTION = "why does the webhook signature fail after rotating the secret?"
HOST = "http://127.0.0.1:8001"
PAGE = f"{HOST}/pricing?plan=team#faq"


@pytest.fixture
def direct(settings, content, indexed):
    settings.SEARCH_DIRECT_ANSWER = "on"
    settings.SEARCH_EMBEDDINGS = "auto"
    settings.SEARCH_EMBEDDINGS_MODELS = "en=minilm,fa=e5-small,ro=e5-small"
    indexed()
    return content


def widget_token(client) -> str:
    data = client.get("/widget/results/", {"q": QUESTION, "lang": "en"}).json()
    found = re.search(r'name="token" value="([^"]+)"', data["html"])
    assert found, "the widget shows a direct answer with its feedback form"
    assert "Did this answer your question?" in data["html"]
    return found.group(1)


def test_widget_feedback_feeds_the_deflection_report(client, direct):
    token = widget_token(client)
    assert read_token(token).surface == "widget"
    response = client.post(
        "/widget/answer-feedback/",
        {"token": token, "helpful": "yes", "lang": "en"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200
    assert "glad" in response.json()["message"]
    assert "sessionid" not in response.cookies
    row = DirectAnswerFeedback.objects.get()
    assert (row.surface, row.helpful, row.flow) == ("widget", True, None)
    # Without script: a small page inside the panel, framable by the allowed origins only.
    response = client.post(
        "/widget/answer-feedback/", {"token": widget_token(client), "helpful": "no", "lang": "ro"}
    )
    assert response.status_code == 200
    assert "frame-ancestors" in response["Content-Security-Policy"]
    assert 'lang="ro"' in response.content.decode()
    report = reports.build_report(days=30)
    widget = next(row for row in report.direct_answers if row.surface == "widget")
    assert (widget.yes, widget.no) == (1, 1)
    assert report.answered_by_direct_answer == 1


def test_widget_feedback_refuses_other_tokens(client, direct):
    token = widget_token(client)
    assert (
        client.post(
            "/widget/answer-feedback/", {"token": token[:-2] + "xx", "helpful": "yes"}
        ).status_code
        == 400
    )
    # A token of the search page is not the widget's.
    page = client.get("/search/", {"q": QUESTION}).content.decode()
    search_token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    assert (
        client.post(
            "/widget/answer-feedback/", {"token": search_token, "helpful": "yes"}
        ).status_code
        == 400
    )
    assert (
        client.post("/widget/answer-feedback/", {"token": token, "helpful": "maybe"}).status_code
        == 400
    )
    assert not DirectAnswerFeedback.objects.exists()


def test_only_an_allowed_http_page_is_taken(settings):
    settings.WIDGET_ALLOWED_ORIGINS = [HOST, "https://app.example.com/"]
    assert clean_page_url(PAGE) == PAGE
    assert (
        clean_page_url("https://app.example.com:443/settings")
        == "https://app.example.com:443/settings"
    )
    for refused in (
        "https://evil.example.net/phish",
        "javascript:alert(1)",
        "ftp://127.0.0.1:8001/file",
        "http://user@127.0.0.1:8001/",
        f"{HOST}/" + "a" * 500,
        f"{HOST}/with space",
        "",
        None,
    ):
        assert clean_page_url(refused) == "", refused
    settings.WIDGET_ALLOWED_ORIGINS = []
    assert clean_page_url(PAGE) == ""


def test_the_host_page_is_shown_and_kept_with_the_ticket(
    client, settings, products, customer, agent
):
    settings.WIDGET_ALLOWED_ORIGINS = [HOST]
    body = client.get("/support/new/", {"q": "webhook signature", "from": PAGE}).content.decode()
    assert "Page you came from:" in body
    assert (
        '<input type="hidden" name="page_url" value="http://127.0.0.1:8001/pricing?plan=team#faq">'
        in body
    )
    other = client.get("/support/new/", {"from": "https://evil.example.net/x"}).content.decode()
    assert "Page you came from:" not in other
    assert 'name="page_url"' not in other

    client.force_login(customer)
    problem = {
        "product": "relay",
        "subject": "Webhook signature fails",
        "description": "Every delivery fails the signature check since Monday.",
    }
    response = client.post("/support/new/", {**problem, "action": "continue", "page_url": PAGE})
    assert response.status_code == 302
    assert "Page you came from:" in client.get("/support/new/details/").content.decode()
    response = client.post("/support/new/details/", {**problem, "priority": "2"})
    assert response.status_code == 302
    ticket = Ticket.objects.select_related("flow").get()
    assert ticket.flow.page_url == PAGE
    client.force_login(agent)
    body = client.get(f"/admin/support/tickets/edit/{ticket.pk}/").content.decode()
    assert "Page they came from (help widget):" in body
    assert 'href="http://127.0.0.1:8001/pricing?plan=team#faq"' in body


def test_a_forged_page_in_the_form_is_dropped(client, settings, products, customer):
    settings.WIDGET_ALLOWED_ORIGINS = [HOST]
    client.force_login(customer)
    problem = {
        "product": "relay",
        "subject": "Webhook signature fails",
        "description": "Every delivery fails the signature check since Monday.",
    }
    client.post(
        "/support/new/", {**problem, "action": "continue", "page_url": "https://evil.example/"}
    )
    client.post("/support/new/details/", {**problem, "priority": "2"})
    assert Ticket.objects.select_related("flow").get().flow.page_url == ""
