"""A direct answer in Chromium: a paraphrased question over the demo's billing articles
shows the passage that answers it above the results, with its source; "Yes" is sent
without leaving the page and recorded for the deflection report. In Contact support the
answer appears while typing, and "Yes" ends the flow solved."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from demo.frontmatter import read_content_file
from tests.factories import make_article, make_category
from tests.tickets.support import index_now, use_fresh_index
from tickets import reports
from tickets.models import DirectAnswerFeedback, SupportFlow

BILLING = Path(__file__).resolve().parents[2] / "demo" / "content" / "en" / "articles"
ARTICLES = [
    "account-billing/update-payment-methods-and-billing-details.md",
    "account-billing/change-upgrade-or-downgrade-your-plan.md",
    "account-billing/understand-your-tessellate-invoice.md",
]


@pytest.fixture
def billing(home, settings, tmp_path):
    """The demo's billing articles, searchable, with direct answers on."""
    from search.backends import reset_backends

    settings.SEARCH_DIRECT_ANSWER = "on"
    settings.SEARCH_EMBEDDINGS = "auto"
    settings.SEARCH_EMBEDDINGS_MODELS = "en=minilm,fa=e5-small,ro=e5-small"
    use_fresh_index(settings, tmp_path)
    category = make_category(title="Account and billing")
    pages = {}
    for name in ARTICLES:
        source = read_content_file(BILLING / name)
        pages[source.slug] = make_article(category, source.meta["title"], body=source.body)
    index_now()
    yield pages
    reset_backends()


def test_a_paraphrased_question_gets_its_answer_and_yes_is_recorded(page, billing):
    source = billing["update-payment-methods-and-billing-details"]
    page.goto("/search/")
    box = page.get_by_label("Search articles, announcements, community questions and files")
    box.fill("Who receives the invoice emails?")
    box.press("Enter")

    answer = page.get_by_role("region", name="Answer from the help center")
    expect(answer).to_be_visible()
    expect(answer.locator("blockquote")).to_contain_text("Invoice recipients")
    link = answer.get_by_role("link", name=source.title)
    expect(link).to_have_attribute("href", source.url)
    # Above the results.
    box_top = answer.bounding_box()["y"]
    first_result = page.locator(".search-result").first.bounding_box()["y"]
    assert box_top < first_result

    answer.get_by_role("button", name="Yes").click()
    expect(answer.get_by_role("status")).to_have_text(re.compile("glad it answered"))
    expect(answer.get_by_role("button", name="Yes")).to_have_count(0)
    assert page.url.endswith("/search/?q=Who+receives+the+invoice+emails%3F")

    feedback = DirectAnswerFeedback.objects.get()
    assert feedback.helpful and feedback.surface == "search"
    assert feedback.item_key == f"article:{source.pk}" and feedback.url == source.url
    assert reports.build_report().answered_by_direct_answer == 1


def test_an_unrelated_question_shows_no_answer(page, billing):
    page.goto("/search/?q=what+is+the+best+invoice+for+pizza+recipes%3F")
    expect(page.locator(".search-result").first).to_be_visible()
    expect(page.get_by_role("region", name="Answer from the help center")).to_have_count(0)


def test_contact_support_shows_the_answer_while_typing_and_yes_solves(page, billing):
    source = billing["understand-your-tessellate-invoice"]
    page.goto("/support/new/")
    page.get_by_label("What do you need help with?").press_sequentially(
        "When am I charged after an upgrade?", delay=15
    )
    answer = page.get_by_role("region", name="Answer from the help center")
    expect(answer).to_be_visible()
    expect(answer.locator("blockquote")).to_contain_text("proration invoice")
    expect(answer.get_by_role("link", name=source.title)).to_have_attribute("href", source.url)

    answer.get_by_role("button", name="Yes").click()
    expect(page).to_have_url(re.compile("/support/new/done/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Glad that helped")
    flow = SupportFlow.objects.get()
    assert flow.outcome == SupportFlow.Outcome.SOLVED
    assert flow.solved_by == f"article:{source.pk}"
    assert DirectAnswerFeedback.objects.get().flow == flow
