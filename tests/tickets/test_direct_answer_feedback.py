"""'Did this answer your question?' on a direct answer (search/answers.py) feeds the
deflection funnel: one row per showing, no session for anonymous visitors on the search
page, a "yes" in Contact support ends the flow solved, and the report counts them."""

import re

import pytest
from django.contrib.sessions.models import Session

from search.answers import read_token
from tickets import reports
from tickets.models import DirectAnswerFeedback, SupportFlow

pytestmark = pytest.mark.django_db

QUESTION = "why does the webhook signature fail after rotating the secret?"


@pytest.fixture
def direct(settings, content, indexed):
    settings.SEARCH_DIRECT_ANSWER = "on"
    settings.SEARCH_EMBEDDINGS = "auto"
    settings.SEARCH_EMBEDDINGS_MODELS = "en=minilm,fa=e5-small,ro=e5-small"
    indexed()
    return content


def token_in(html: str) -> str:
    found = re.search(r'name="token" value="([^"]+)"', html)
    assert found, "a direct answer with its feedback form is shown"
    return found.group(1)


def test_search_page_feedback_is_recorded_without_a_session(client, direct):
    page = client.get("/search/", {"q": QUESTION})
    token = token_in(page.content.decode())
    shown = read_token(token)
    assert shown.surface == "search"

    answer = client.post(
        "/support/answer-feedback/",
        {"token": token, "helpful": "yes"},
        HTTP_ACCEPT="application/json",
    )
    assert answer.status_code == 200
    assert answer.json()["message"].startswith("Thank you")
    row = DirectAnswerFeedback.objects.get()
    assert (row.surface, row.item_key, row.helpful, row.flow) == ("search", shown.key, True, None)
    assert row.title == shown.title and row.url == shown.url
    assert not Session.objects.exists() and "sessionid" not in answer.cookies

    # Changing one's mind changes the same row; another showing is another row.
    client.post("/support/answer-feedback/", {"token": token, "helpful": "no"})
    assert DirectAnswerFeedback.objects.get().helpful is False
    again = token_in(client.get("/search/", {"q": QUESTION}).content.decode())
    client.post("/support/answer-feedback/", {"token": again, "helpful": "yes"})
    assert DirectAnswerFeedback.objects.count() == 2
    assert not Session.objects.exists()

    report = reports.build_report()
    search_row = next(r for r in report.direct_answers if r.surface == "search")
    assert (search_row.yes, search_row.no) == (1, 1)
    assert report.answered_by_direct_answer == 1
    assert report.solved == 0, "a search-page answer ends no support flow"


def test_without_javascript_a_thank_you_page_links_back(client, direct):
    token = token_in(client.get("/search/", {"q": QUESTION}).content.decode())
    back = "/search/?q=why+does+it+fail%3F"
    response = client.post(
        "/support/answer-feedback/", {"token": token, "helpful": "no", "next": back}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Thank you for telling us" in html and f'href="{back.replace("&", "&amp;")}"' in html
    response = client.post(
        "/support/answer-feedback/",
        {"token": token, "helpful": "no", "next": "https://elsewhere.example/"},
    )
    assert "elsewhere.example" not in response.content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"token": "forged", "helpful": "yes"},
        {"token": "", "helpful": "yes"},
        {"helpful": "maybe"},
    ],
)
def test_a_forged_or_bad_answer_records_nothing(client, direct, data):
    if "token" not in data:
        data["token"] = token_in(client.get("/search/", {"q": QUESTION}).content.decode())
    response = client.post("/support/answer-feedback/", data, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert not DirectAnswerFeedback.objects.exists()


def test_the_feedback_needs_a_csrf_token(direct):
    from django.test import Client

    guarded = Client(enforce_csrf_checks=True)
    token = token_in(guarded.get("/search/", {"q": QUESTION}).content.decode())
    response = guarded.post("/support/answer-feedback/", {"token": token, "helpful": "yes"})
    assert response.status_code == 403
    assert not DirectAnswerFeedback.objects.exists()


def test_yes_in_contact_support_ends_the_flow_solved_by_the_source(client, direct):
    data = {"product": "relay", "subject": QUESTION, "description": ""}
    response = client.post("/support/new/suggest/", data).json()
    assert response["direct_answer"] is not None
    token = token_in(response["direct_answer_html"])
    shown = read_token(token)
    assert shown.surface == "support"
    assert shown.key in {item["key"] for item in response["results"]}, "one of the suggestions"

    # "No" keeps the flow going.
    client.post("/support/answer-feedback/", {"token": token, "helpful": "no"})
    flow = SupportFlow.objects.get()
    assert flow.outcome == SupportFlow.Outcome.OPEN
    assert DirectAnswerFeedback.objects.get().flow == flow

    # The page without the script shows the same answer; "yes" there ends the flow.
    page = client.post("/support/new/", {**data, "action": "suggest"}).content.decode()
    token = token_in(page)
    response = client.post(
        "/support/answer-feedback/",
        {"token": token, "helpful": "yes"},
        HTTP_ACCEPT="application/json",
    )
    assert response.json()["redirect"] == "/support/new/done/"
    flow.refresh_from_db()
    assert flow.outcome == SupportFlow.Outcome.SOLVED and flow.solved_by == shown.key
    assert shown.title in client.get("/support/new/done/").content.decode()

    report = reports.build_report()
    support_row = next(r for r in report.direct_answers if r.surface == "support")
    assert (support_row.yes, support_row.no) == (1, 1)
    assert report.solved == 1 and report.answered_by_direct_answer == 1


def test_the_report_page_shows_direct_answers(client, direct, superuser):
    token = token_in(client.get("/search/", {"q": QUESTION}).content.decode())
    client.post("/support/answer-feedback/", {"token": token, "helpful": "yes"})
    client.force_login(superuser)
    html = client.get("/admin/support/funnel/").content.decode()
    assert "Direct answers" in html
    assert "1 person said a direct answer answered their question." in html


def test_support_without_encoders_still_suggests(client, direct, settings):
    settings.SEARCH_EMBEDDINGS = "off"
    data = {"product": "relay", "subject": QUESTION, "description": ""}
    response = client.post("/support/new/suggest/", data).json()
    assert response["results"] and response["direct_answer"] is None
    assert response["direct_answer_html"].strip() == ""
