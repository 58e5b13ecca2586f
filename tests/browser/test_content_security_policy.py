"""The Content-Security-Policy holds on the pages people use: Chromium loads them, types in
the boxes that fetch as you type, and any violation it reports fails the test.

Violations are caught twice: the page's own ``securitypolicyviolation`` events (listened
to from an init script, which the policy does not govern) and Chromium's console errors.
"""

import re

import pytest
from playwright.sync_api import expect

from forum import services as forum_services
from tests.factories import UserFactory, make_article, make_category
from tests.tickets.support import index_now, use_fresh_index

LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} ` +
    `at ${event.sourceFile || document.location.href}:${event.lineNumber}`
  );
});
"""


@pytest.fixture
def indexed(settings, tmp_path):
    from search.backends import reset_backends

    use_fresh_index(settings, tmp_path)
    yield index_now
    reset_backends()


@pytest.fixture
def violations(page):
    """Every CSP violation the tab reports, from any page it loads."""
    found = []
    page.add_init_script(LISTEN)
    page.on(
        "console",
        lambda message: (
            found.append(f"console: {message.text}")
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )

    def collect():
        try:
            found.extend(page.evaluate("window.__cspViolations || []"))
            page.evaluate("window.__cspViolations = []")
        except Exception as exc:  # a page in the middle of navigating
            found.append(f"could not read the page's violations: {exc}")
        return found

    return collect


def visit(page, violations, path):
    response = page.goto(path)
    assert response.status < 400, (path, response.status)
    page.wait_for_load_state("networkidle")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert violations() == [], (path, violations())
    return response


def test_public_pages_obey_the_policy(page, violations, home, products, indexed):
    category = make_category(title="Webhooks")
    article = make_article(
        category,
        title="Rotate your webhook signing secret",
        body=(
            "## Steps\n\n::: tip\nRotate before the old secret expires.\n:::\n\n"
            "| Step | Where |\n|:-----|------:|\n| Create | Settings |\n| Retire | Keys |\n\n"
            "![Where the key lives](https://images.example.com/settings.png)\n\n"
            "![Logo](/static/img/logo.svg)\n\n- [x] Copy the new secret\n"
        ),
    )
    asker, helper = UserFactory(username="asker"), UserFactory(username="helper")
    question = forum_services.ask_question(
        asker,
        title="Webhook signature fails after rotating the secret",
        body="Since the rotation every delivery fails.\n\n![screenshot](https://evil.example/x.png)",
        product=products["relay"],
        tags="webhooks",
        enforce_limits=False,
    )
    forum_services.post_answer(
        question, helper, body="| a | b |\n|:-:|--:|\n| 1 | 2 |", enforce_limits=False
    )
    indexed()

    visit(page, violations, "/")
    visit(page, violations, article.url)
    expect(page.get_by_role("link", name="Where the key lives")).to_be_visible()

    # Search with type-ahead, then the results page.
    visit(page, violations, category.url)
    page.locator("#site-search-q").press_sequentially("rotate web", delay=30)
    expect(page.get_by_role("listbox", name="Search suggestions")).to_be_visible()
    page.locator("#site-search-q").press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q="))
    page.wait_for_load_state("networkidle")
    assert violations() == []
    page.locator(".search-result__title a").first.click()  # counted by the click beacon
    page.wait_for_load_state("networkidle")
    assert violations() == []

    visit(page, violations, question.get_absolute_url())
    expect(page.get_by_role("link", name="screenshot")).to_be_visible()

    # Contact support, step 1: suggestions while typing.
    visit(page, violations, "/support/new/")
    page.locator("label", has_text="Relay").click()
    page.get_by_label("What do you need help with?").press_sequentially(
        "webhook signing secret", delay=15
    )
    expect(page.get_by_role("link", name=re.compile("Rotate your webhook"))).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert violations() == []

    for path in ("/community/", "/account/login/", "/search/?q=nothing-matches-this", "/nope/"):
        response = page.goto(path)
        page.wait_for_load_state("networkidle")
        assert response.status in (200, 404)
        assert violations() == [], path


def test_a_member_asking_a_question_obeys_the_policy(page, login, violations, home, products):
    forum_services.ask_question(
        UserFactory(username="veteran"),
        title="Webhook retries stopped after rotating the signing secret",
        body="Since the rotation no retries happen at all.",
        product=products["relay"],
        tags="webhooks",
        enforce_limits=False,
    )
    login(UserFactory(username="asker"))
    visit(page, violations, "/community/ask/")
    page.get_by_label("Title").press_sequentially("Webhook signing secret rotation", delay=20)
    expect(
        page.locator("#forum-similar").get_by_role(
            "link", name="Webhook retries stopped after rotating the signing secret"
        )
    ).to_be_visible()
    page.get_by_label("Tags").press_sequentially("web", delay=20)
    page.wait_for_load_state("networkidle")
    assert violations() == []


def test_the_page_editor_works_under_the_admin_policy(page, login, violations, home):
    article = make_article(
        make_category(title="Billing"), title="Download an invoice", body="Open Billing."
    )
    # A superuser sees every menu and panel of the admin.
    admin = UserFactory(username="admin-csp", email="admin-csp@example.com", is_staff=True)
    admin.is_superuser = True
    admin.save()
    login(admin)

    visit(page, violations, "/admin/")
    response = visit(page, violations, f"/admin/pages/{article.pk}/edit/")
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    page.locator("#id_title").fill("Download or forward an invoice")
    # The live preview shows the page in a frame.
    page.get_by_role("button", name="Toggle preview").click()
    preview = page.frame_locator("iframe[title]").first
    expect(preview.get_by_role("heading", level=1)).to_have_text(
        "Download or forward an invoice", timeout=15_000
    )
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".messages")).to_contain_text(re.compile("published", re.I))
    page.wait_for_load_state("networkidle")
    assert violations() == []

    # The public page, with the userbar of people who edit.
    visit(page, violations, article.url)
    expect(page.locator("wagtail-userbar")).to_have_count(1)
    expect(page.get_by_role("heading", level=1)).to_have_text("Download or forward an invoice")
    assert violations() == []

    for path in (
        "/admin/pages/",
        "/admin/images/",
        "/admin/documents/",
        "/admin/snippets/",
        "/admin/users/",
        f"/admin/pages/{article.get_parent().pk}/add_subpage/",
    ):
        visit(page, violations, path)
