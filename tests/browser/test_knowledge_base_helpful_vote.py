"""'Was this helpful?' in real Chromium: enhanced with JavaScript, and working without it."""

import re

import pytest
from playwright.sync_api import expect

from kb.models import HelpfulVote
from tests.factories import make_article, make_category, make_home, make_kb_index


@pytest.fixture
def article(transactional_db):
    kb = make_kb_index(make_home())
    return make_article(make_category(kb), "Rotate API keys", "## Steps\n\nRotate them.")


def test_vote_with_javascript_replaces_the_form_and_announces_thanks(page, article):
    page.goto(article.url)
    section = page.locator("#helpful")
    section.get_by_label("Tell us more (optional)").fill("Add a screenshot, please.")
    section.get_by_role("button", name="No").click()

    status = section.get_by_role("status")
    expect(status).to_have_text(re.compile("Thanks for your feedback"))
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_be_focused()
    expect(section.locator("form")).to_have_count(0)
    assert page.url.endswith(article.url)  # no page load happened

    vote = HelpfulVote.objects.get()
    assert (vote.helpful, vote.comment) == (False, "Add a screenshot, please.")


def test_vote_without_javascript_redirects_back_with_a_message(chromium, live_server, article):
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    tab = context.new_page()
    try:
        tab.goto(article.url)
        tab.locator("#helpful").get_by_role("button", name="Yes").click()
        expect(tab).to_have_url(re.compile(r"#helpful$"))
        expect(tab.get_by_text("Thanks for your feedback!")).to_be_visible()
        expect(tab.get_by_text("You told us this article was helpful.")).to_be_visible()
        assert HelpfulVote.objects.get().helpful is True
    finally:
        context.close()
