"""Persian on a phone: the header's language switch keeps the page, the layout mirrors,
nothing overflows sideways, and the Persian font comes from the site itself."""

import re

from playwright.sync_api import expect

from tests.factories import make_article, make_category

PHONE = {"width": 390, "height": 844}


def no_horizontal_overflow(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= window.innerWidth"
        " && document.body.scrollWidth <= window.innerWidth"
    )


def test_persian_on_a_phone(page, home, tmp_path):
    article = make_article(
        make_category(title="Billing"),
        "Export invoices",
        body=(
            "Open **Billing**, then *Invoices*.\n\n"
            "```bash\nportico invoices export --since 2026-01-01 --format csv\n```\n\n"
            "| Column | Meaning |\n|---|---|\n| number | The invoice number |\n"
        ),
    )
    page.set_viewport_size(PHONE)
    page.goto(article.url)
    expect(page.locator("html")).to_have_attribute("dir", "ltr")

    # The menu collapses behind its button on a phone; the language switch is inside.
    page.get_by_role("button", name="Menu").click()
    page.locator(".language-menu summary").click()
    page.get_by_role("button", name="فارسی").click()
    page.wait_for_load_state()

    expect(page).to_have_url(re.compile(re.escape(article.url) + "$"))
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "fa")
    expect(html).to_have_attribute("dir", "rtl")
    # The English article keeps its own direction; code reads left to right.
    expect(page.locator(".content-lang").filter(has=page.locator(".prose"))).to_have_attribute(
        "dir", "ltr"
    )
    expect(page.locator("pre").first).to_have_attribute("dir", "ltr")
    # The header mirrors: the brand sits on the right.
    brand = page.locator(".site-header .brand").bounding_box()
    assert brand["x"] + brand["width"] > PHONE["width"] / 2
    assert no_horizontal_overflow(page)
    # Vazirmatn is served by the site and used for Persian text.
    loaded = page.evaluate(
        "document.fonts.load('16px Vazirmatn', 'راهنما').then(faces => faces.length)"
    )
    assert loaded >= 1
    page.screenshot(path=str(tmp_path / "article-fa-390.png"), full_page=True)

    # The search page, still in Persian (the choice is remembered in the cookie).
    page.goto("/search/?q=invoices")
    expect(html).to_have_attribute("dir", "rtl")
    expect(page.locator("#main h1")).to_be_visible()
    assert no_horizontal_overflow(page)
    page.screenshot(path=str(tmp_path / "search-fa-390.png"), full_page=True)
    assert (tmp_path / "search-fa-390.png").stat().st_size > 0

    # The support flow and the community, with their forms, mirror without overflowing.
    for path, shot in [
        ("/support/", "support-fa-390.png"),
        ("/community/", "community-fa-390.png"),
    ]:
        page.goto(path)
        expect(html).to_have_attribute("dir", "rtl")
        assert no_horizontal_overflow(page), path
        page.screenshot(path=str(tmp_path / shot), full_page=True)
