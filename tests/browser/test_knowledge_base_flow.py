"""A person opens the home page, goes to a category, reads an article and votes "helpful"."""

import re

from playwright.sync_api import expect

from kb.models import HelpfulVote
from tests.factories import make_article, make_category, make_home, make_kb_index


def test_home_to_category_to_article_and_vote_helpful(page, transactional_db):
    home = make_home()
    kb = make_kb_index(home)
    category = make_category(kb, title="Getting started", slug="getting-started")
    article = make_article(
        category,
        title="Invite your team",
        body="## Before you start\n\nYou need the administrator role.\n\n## Send invitations\n\n"
        "Open **Settings → Users** and choose *Invite*.",
        tags=["users"],
    )

    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.get_by_role("link", name=re.compile("Getting started")).first.click()
    expect(page).to_have_url(re.compile(r"/kb/getting-started/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Getting started"))

    page.get_by_role("link", name="Invite your team").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invite your team")
    # Table of contents links to the headings.
    toc = page.get_by_role("navigation", name=re.compile("contents", re.I))
    expect(toc.get_by_role("link", name="Send invitations")).to_have_attribute(
        "href", "#send-invitations"
    )

    page.get_by_role("button", name=re.compile(r"^Yes")).click()
    expect(page.get_by_text(re.compile("Thank", re.I)).first).to_be_visible()
    assert HelpfulVote.objects.filter(article=article, helpful=True).count() == 1

    # Keyboard: the skip link is the first thing a Tab reaches and moves focus to <main>.
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name=re.compile("Skip to main content"))
    expect(skip).to_be_focused()
