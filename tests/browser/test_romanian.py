"""Romanian end to end on a phone: switch the interface, read, search without
diacritics, ask a question and file a support request, all in Romanian."""

import re

from playwright.sync_api import expect

from forum.models import Question
from tests.browser.test_right_to_left import PHONE, no_horizontal_overflow
from tests.factories import UserFactory, make_article, make_category
from tickets.models import Ticket


def test_a_romanian_member_uses_the_portal_in_romanian(
    page, login, home, products, sync_search, tmp_path
):
    article = make_article(
        make_category(title="Facturare"),
        "Setările facturilor și seria de numerotare",
        body="## Pași\n\nDeschideți **Setări › Facturi** și alegeți seria nouă.",
    )
    sync_search()
    member = UserFactory(username="ioana", display_name="Ioana Popescu")
    login(member)
    page.set_viewport_size(PHONE)
    html = page.locator("html")

    # The language switch keeps the page and is remembered on the account.
    page.goto(article.url)
    page.get_by_role("button", name="Menu").click()
    page.locator(".language-menu summary").click()
    page.get_by_role("button", name="Română").click()
    page.wait_for_load_state()
    expect(page).to_have_url(re.compile(re.escape(article.url) + "$"))
    expect(html).to_have_attribute("lang", "ro")
    expect(html).to_have_attribute("dir", "ltr")
    member.refresh_from_db()
    assert member.language == "ro"
    assert no_horizontal_overflow(page)
    page.screenshot(path=str(tmp_path / "article-ro-390.png"), full_page=True)

    # Typed without diacritics, the search still finds the article.
    page.goto("/search/?q=setarile facturilor")
    expect(page.locator(".search-result__title a").first).to_have_text(
        "Setările facturilor și seria de numerotare"
    )
    expect(page.locator("#main h1")).to_be_visible()
    assert no_horizontal_overflow(page)

    page.goto("/community/ask/")
    expect(page.locator("select[name=language]")).to_have_value("ro")
    page.locator("input[name=title]").fill("Cum schimb seria facturilor de la 1 ianuarie?")
    page.locator("select[name=product]").select_option(label="Ledger")
    page.locator("input[name=tags]").fill("facturi")
    page.locator("textarea[name=body]").fill(
        "Vrem o serie nouă de numerotare din ianuarie, fără să pierdem istoricul."
    )
    page.locator("form[data-forum-ask] button[type=submit]").click()
    expect(page.locator("#question-title")).to_have_text(
        "Cum schimb seria facturilor de la 1 ianuarie?"
    )
    assert Question.objects.get().language == "ro"

    page.goto("/support/new/")
    page.locator("label", has_text="Ledger").click()
    page.locator("input[name=subject]").fill("Factura din decembrie nu se descarcă")
    page.locator("button[name=action][value=continue]").click()
    page.wait_for_load_state()
    page.locator("textarea[name=description]").fill("Butonul de descărcare dă o eroare.")
    expect(page.locator("select[name=language]")).to_have_value("ro")
    assert no_horizontal_overflow(page)
    page.locator("form.support-ticket-form button[type=submit]").click()
    expect(page.locator("#ticket-title")).to_have_text("Factura din decembrie nu se descarcă")
    expect(page.get_by_text(re.compile(r"Solicitarea dvs\. #\d+ a fost trimisă"))).to_be_visible()
    page.screenshot(path=str(tmp_path / "ticket-ro-390.png"), full_page=True)
    assert Ticket.objects.get().language == "ro"
