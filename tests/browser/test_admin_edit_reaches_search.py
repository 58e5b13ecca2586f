"""An editor changes an article in the Wagtail admin; search shows the change at once —
no manual step (the change goes through the index queue and the in-process drain)."""

import re

from playwright.sync_api import expect

from tests.factories import UserFactory, make_article, make_category


def test_an_admin_edit_shows_up_in_search(page, login, home):
    article = make_article(
        make_category(title="Billing"),
        title="Download an invoice",
        body="Open Billing, then Invoices.",
    )
    # An administrator: the Editors group comes from data migrations, which an earlier
    # transactional test on the same worker may have emptied.
    editor = UserFactory(username="editor-b", email="editor-b@example.com", is_staff=True)
    editor.is_superuser = True
    editor.save()
    login(editor)

    page.goto("/search/?q=invoice")
    expect(page.locator(".search-result__title a")).to_have_text(["Download an invoice"])

    page.goto(f"/admin/pages/{article.pk}/edit/")
    title = page.locator("#id_title")
    title.fill("Download or forward an invoice as a quokka-friendly PDF")
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".messages")).to_contain_text(re.compile("published", re.I))

    page.goto("/search/?q=quokka")
    expect(page.locator(".search-result__title a")).to_have_text(
        ["Download or forward an invoice as a quokka-friendly PDF"]
    )
