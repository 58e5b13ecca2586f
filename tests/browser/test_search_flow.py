"""Search as a person does it: type-ahead in the header box (keyboard), then a search,
a facet, and opening a result (which is counted as a click)."""

import re

from playwright.sync_api import expect

from forum import services
from search import analytics
from search.models import SearchClick, SearchLog
from tests.factories import UserFactory, make_article, make_category


def test_typeahead_facet_and_result(page, home, products):
    category = make_category(title="Webhooks")
    make_article(
        category,
        title="Rotate your webhook signing secret",
        body="## Steps\n\nCreate a new signing secret, then retire the old one.",
        segments=[products["relay"]],
    )
    make_article(category, title="Webhook delivery logs", body="Every delivery is logged.")
    services.ask_question(
        UserFactory(username="asker"),
        title="Webhook signing secret rotation broke deliveries",
        body="After we rotated the signing secret every delivery failed with 401.",
        product=products["relay"],
        tags="webhooks",
        enforce_limits=False,
    )

    # Type-ahead in the header's search box, chosen with the keyboard.
    page.goto(category.url)
    box = page.locator("#site-search-q")
    box.press_sequentially("rotate web", delay=40)
    listbox = page.get_by_role("listbox", name="Search suggestions")
    expect(listbox).to_be_visible()
    option = listbox.get_by_role("option", name=re.compile("Rotate your webhook signing secret"))
    expect(option).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("status").filter(has_text="suggestion")).to_have_count(1)
    box.press("ArrowDown")
    expect(option).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Rotate your webhook signing secret")

    # A search from the header, then a facet that keeps the query.
    box = page.locator("#site-search-q")
    box.fill("signing secret")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=signing\+secret"))
    results = page.locator(".search-result__title a")
    expect(results).to_have_count(2)
    expect(page.locator(".search-result mark").first).to_be_visible()
    page.get_by_role("link", name=re.compile("^Community questions")).click()
    expect(page).to_have_url(re.compile(r"q=signing\+secret.*type=question"))
    expect(results).to_have_count(1)
    expect(
        page.get_by_role("link", name=re.compile("Community questions")).first
    ).to_have_attribute("aria-current", "true")

    # Opening the result: the page loads and the click is counted.
    results.first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Webhook signing secret rotation broke deliveries"
    )
    for _ in range(300):  # a beacon on a busy machine may take a while
        analytics.flush()  # what the log writer thread does every few seconds
        if SearchClick.objects.exists():
            break
        page.wait_for_timeout(100)
    log = SearchLog.objects.filter(source="page").latest("created_at")
    assert log.filters == {"type": ["question"]}
    click = SearchClick.objects.get()
    assert click.search == log and click.rank == 1 and click.item.startswith("question:")
