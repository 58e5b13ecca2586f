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


def test_a_persian_member_asks_and_files_a_request_in_persian(
    page, login, home, products, tmp_path
):
    from forum.models import Question
    from tests.factories import UserFactory
    from tickets.models import Ticket

    member = UserFactory(username="reza", display_name="رضا", language="fa")
    login(member)  # the sign-in form is read in English; the account reads in Persian
    page.set_viewport_size(PHONE)
    html = page.locator("html")

    page.goto("/community/ask/")
    expect(html).to_have_attribute("dir", "rtl")
    expect(page.locator("select[name=language]")).to_have_value("fa")
    page.locator("input[name=title]").fill("چطور رمز عبور حساب را عوض کنم؟")
    page.locator("select[name=product]").select_option(label="Ledger")
    page.locator("input[name=tags]").fill("رمز عبور")
    page.locator("textarea[name=body]").fill(
        "در تنظیمات حساب گزینه‌ای برای تغییر رمز عبور پیدا نمی‌کنم."
    )
    assert no_horizontal_overflow(page)
    page.screenshot(path=str(tmp_path / "ask-fa-390.png"), full_page=True)
    page.locator("form[data-forum-ask] button[type=submit]").click()
    expect(page.locator("#question-title")).to_have_text("چطور رمز عبور حساب را عوض کنم؟")
    expect(page.locator("#question-title .content-lang")).to_have_attribute("dir", "rtl")
    assert Question.objects.get().language == "fa"

    page.goto("/support/new/")
    expect(html).to_have_attribute("dir", "rtl")
    page.locator("label", has_text="Ledger").click()
    page.locator("input[name=subject]").fill("صورتحساب ماه گذشته دانلود نمی‌شود")
    page.locator("button[name=action][value=continue]").click()
    page.wait_for_load_state()
    expect(page.locator("input[name=subject]")).to_have_value("صورتحساب ماه گذشته دانلود نمی‌شود")
    page.locator("textarea[name=description]").fill("دکمهٔ دانلود خطای ۵۰۰ می‌دهد.")
    expect(page.locator("select[name=language]")).to_have_value("fa")
    assert no_horizontal_overflow(page)
    page.screenshot(path=str(tmp_path / "support-details-fa-390.png"), full_page=True)
    page.locator("form.support-ticket-form button[type=submit]").click()
    expect(page.locator("#ticket-title")).to_have_text("صورتحساب ماه گذشته دانلود نمی‌شود")
    expect(html).to_have_attribute("dir", "rtl")
    assert no_horizontal_overflow(page)
    page.screenshot(path=str(tmp_path / "ticket-fa-390.png"), full_page=True)
    assert Ticket.objects.get().language == "fa"
