"""A person creates an API token on the profile page, copies it once, and calls the API
with it; the reference page reads well. Chromium reports no CSP violation on the way."""

import re
import urllib.request

from playwright.sync_api import expect

from tests.browser.test_content_security_policy import violations as violations  # a fixture
from tests.browser.test_content_security_policy import visit
from tests.factories import UserFactory, make_article, make_category


def test_a_person_creates_a_token_and_reads_the_api_with_it(
    page, violations, login, live_server, home, tmp_path
):
    make_article(make_category(title="Guides"), title="Install the agent")
    person = UserFactory(username="integrator")
    login(person)
    visit(page, violations, "/account/profile/")
    tokens = page.locator("#profile-api-tokens").locator("xpath=..")
    expect(tokens.get_by_text("You have no API tokens.")).to_be_visible()
    tokens.get_by_label("Token name").fill("Status page script")
    tokens.get_by_role("button", name="Create token").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="Your new API token")).to_be_visible()
    raw = page.get_by_label("API token").input_value()
    assert re.fullmatch(r"ptk_[\w-]{43}", raw)
    page.screenshot(path=str(tmp_path / "token.png"), full_page=True)
    assert violations() == []

    request = urllib.request.Request(
        f"{live_server.url}/api/v1/articles", headers={"Authorization": f"Bearer {raw}"}
    )
    with urllib.request.urlopen(request) as answer:
        assert answer.status == 200
        assert b"Install the agent" in answer.read()

    visit(page, violations, "/account/profile/")
    row = page.get_by_role("row", name=re.compile("Status page script"))
    expect(row).to_be_visible()
    assert raw not in page.content()
    row.get_by_role("button", name=re.compile("Revoke")).click()
    page.wait_for_load_state()
    expect(page.get_by_text("The token was revoked")).to_be_visible()

    visit(page, violations, "/api/v1/docs")
    expect(page.get_by_role("heading", name="API reference", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="GET /api/v1/articles", exact=True)).to_be_visible()
    page.screenshot(path=str(tmp_path / "docs.png"), full_page=False)
    assert violations() == []
