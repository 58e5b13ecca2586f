"""On a phone: search from the header (with and without script), an article's contents
folded at the top, and code and tables that scroll sideways reachable with the keyboard."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import make_article, make_category

PHONE = {"width": 375, "height": 800}
DESKTOP = {"width": 1280, "height": 900}

BODY = (
    "## Download an invoice\n\nOpen **Billing** and choose the invoice.\n\n"
    "## From the command line\n\n"
    "```bash\nportico invoices export --format pdf --from 2026-01-01 --to 2026-12-31\n```\n\n"
    "## Columns\n\n"
    "| Column | Meaning | Example | Notes |\n|---|---|---|---|\n"
    "| Number | The invoice number | INV-2026-000123 | Unique per account |\n"
)


@pytest.fixture
def browse(chromium, live_server):
    """A new tab at a viewport, with or without JavaScript."""
    contexts = []

    def _open(viewport=PHONE, javascript=True):
        context = chromium.new_context(
            base_url=live_server.url, viewport=viewport, java_script_enabled=javascript
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture
def article(home):
    return make_article(make_category(title="Billing"), "Download an invoice as PDF", body=BODY)


@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no-script"])
def test_search_from_the_header_on_a_phone(browse, article, javascript):
    page = browse(PHONE, javascript)
    page.goto(article.get_parent().url)
    header = page.get_by_role("banner")
    box = header.get_by_role("search").get_by_label("Search the help center")
    expect(box).to_be_visible()
    box_width = box.bounding_box()["width"]
    assert box_width > 250, box_width  # a real field, not a squeezed one
    # With script the rest of the menu folds behind the menu button; without, it is open.
    main_nav = header.get_by_role("navigation", name="Main")
    if javascript:
        expect(main_nav).to_be_hidden()
        header.get_by_role("button", name="Menu").click()
        expect(main_nav).to_be_visible()
        expect(box).to_be_visible()
    else:
        expect(main_nav).to_be_visible()
    box.fill("invoice")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=invoice"))
    expect(page.get_by_role("link", name="Download an invoice as PDF")).to_be_visible()


def test_article_contents_are_folded_on_a_phone_and_open_on_a_desktop(browse, article):
    phone = browse(PHONE)
    phone.goto(article.url)
    contents = phone.get_by_role("navigation", name="Contents")
    summary = phone.locator("details[data-toc] > summary")
    # At the top of the article, before its text.
    assert phone.evaluate(
        "document.querySelector('details[data-toc]').compareDocumentPosition("
        "document.querySelector('.prose')) & Node.DOCUMENT_POSITION_FOLLOWING"
    )
    expect(contents).to_be_hidden()
    expect(summary).to_have_text("Contents")
    summary.focus()
    phone.keyboard.press("Enter")
    expect(contents).to_be_visible()
    contents.get_by_role("link", name="Columns").click()
    expect(phone).to_have_url(re.compile("#columns$"))

    for page in (browse(DESKTOP), browse(PHONE, javascript=False)):
        page.goto(article.url)
        expect(page.get_by_role("navigation", name="Contents")).to_be_visible()


def test_code_and_tables_that_scroll_sideways_are_keyboard_regions(browse, article):
    phone = browse(PHONE)
    phone.goto(article.url)
    code = phone.get_by_role("region", name="Code block")
    table = phone.get_by_role("region", name="Scrollable table")
    expect(code).to_have_attribute("tabindex", "0")
    expect(table).to_have_attribute("tabindex", "0")
    code.focus()
    phone.keyboard.press("ArrowRight")
    phone.keyboard.press("ArrowRight")
    # Polled from here: the page's policy forbids the string evaluation that
    # wait_for_function falls back to while it waits.
    for _attempt in range(50):
        if phone.evaluate("() => document.querySelector('pre').scrollLeft") > 0:
            break
        phone.wait_for_timeout(100)
    assert phone.evaluate("() => document.querySelector('pre').scrollLeft") > 0

    # Wide enough for the code: it is no tab stop and no landmark; it becomes one again
    # when the window narrows.
    desktop = browse(DESKTOP)
    desktop.goto(article.url)
    pre = desktop.locator(".prose pre")
    expect(pre).not_to_have_attribute("tabindex", "0")
    expect(pre).not_to_have_attribute("role", "region")
    desktop.set_viewport_size(PHONE)
    expect(desktop.get_by_role("region", name="Code block")).to_have_attribute("tabindex", "0")


def test_ticket_list_is_cards_on_a_phone_and_rows_on_a_desktop(browse, home, products):
    from tests.factories import UserFactory
    from tickets import services

    member = UserFactory(username="priya")
    for subject in ("Invoice for March is missing", "Export fails with a timeout"):
        services.file_ticket(
            member,
            product=products["ledger"],
            subject=subject,
            description="Details of the problem.",
            enforce_limits=False,
            notify=False,
        )
    widths = {}
    for viewport in (PHONE, DESKTOP):
        page = browse(viewport)
        page.goto("/account/login/")
        page.locator("input[name=login]").fill(member.email)
        page.locator("input[name=password]").fill("correct horse battery")
        page.locator("form").filter(has=page.locator("input[name=password]")).locator(
            "button[type=submit]"
        ).first.click()
        page.wait_for_load_state()
        page.goto("/support/tickets/")
        cards = page.locator(".ticket-card")
        expect(cards).to_have_count(2)
        first, second = cards.nth(0), cards.nth(1)
        title, activity = first.locator(".card__title"), first.locator(".card__meta")
        # Cards: separate boxes, the activity under the title. Rows: touching, side by side.
        gap = second.bounding_box()["y"] - (
            first.bounding_box()["y"] + first.bounding_box()["height"]
        )
        below = (
            activity.bounding_box()["y"]
            >= title.bounding_box()["y"] + title.bounding_box()["height"]
        )
        widths[viewport["width"]] = (gap > 0, below)
    assert widths == {375: (True, True), 1280: (False, False)}
