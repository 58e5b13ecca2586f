"""The editors' workspace in the admin, in Chromium: the dashboard leads from a search
that found nothing to a draft article, and the Markdown editor's toolbar and preview
(drawn by the site's renderer) work in an article's body."""

import re

from playwright.sync_api import expect

from kb.models import ArticlePage
from tests.factories import UserFactory, make_article, make_category
from tests.factories.editors import make_search_logs


def chief_editor():
    # A superuser: the Editors group comes from data migrations, which an earlier
    # transactional test on the same worker may have emptied.
    user = UserFactory(username="chief-b", email="chief-b@example.com", is_staff=True)
    user.is_superuser = True
    user.save()
    return user


def test_dashboard_turns_a_failed_search_into_a_draft(page, login, home):
    make_category(title="Billing")
    make_search_logs("quokka invoices", count=3, language="en")
    login(chief_editor())

    page.goto("/admin/")
    panel = page.locator(".editors-panel")
    expect(panel).to_contain_text("Searches without results")
    panel.get_by_role("link", name="Open the editors’ dashboard").click()

    section = page.locator('[data-section="zero-results"]')
    row = section.locator("tr", has_text="quokka invoices")
    expect(row).to_contain_text("en")
    row.get_by_role("link", name=re.compile("Write an article")).click()

    expect(page.get_by_label("Title")).to_have_value("Quokka invoices")
    page.get_by_role("button", name="Start the draft").click()
    expect(page.locator("#id_title")).to_have_value("Quokka invoices")
    assert not ArticlePage.objects.get(title="Quokka invoices").live


def test_markdown_toolbar_and_preview(page, login, home):
    article = make_article(make_category(title="Billing"), title="Invoices", body="Intro.")
    login(chief_editor())
    page.goto(f"/admin/pages/{article.pk}/edit/")

    editor = page.locator(".portico-markdown .EasyMDEContainer").first
    expect(editor).to_be_visible()
    code = editor.locator(".CodeMirror")
    code.click()
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.keyboard.type("very important")
    page.keyboard.press("Shift+Home")
    bold = editor.locator('[data-portico-markdown-button="bold"]')
    expect(bold).to_have_attribute("title", re.compile("Bold"))
    bold.click()
    editor.locator('[data-portico-markdown-button="preview"]').click()
    expect(editor.locator(".editor-preview strong")).to_have_text("very important")
    # The textarea Wagtail saves follows the editor.
    assert (
        "**very important**"
        in page.locator("textarea[data-controller=portico-markdown]").first.input_value()
    )

    editor.locator('[data-portico-markdown-button="help"]').click()
    expect(page.locator("[data-portico-markdown-help]").first).to_contain_text("Tables")
