"""Ask (with suggestions while typing), answer as someone else, accept as the asker."""

import re

from playwright.sync_api import expect

from forum import services
from tests.factories import UserFactory, make_article, make_category

ANSWER = "Re-enable the endpoint under Relay, Webhooks, then retry the failed deliveries."


def test_ask_answer_accept(page, login, home, products):
    asker = UserFactory(username="asker", display_name="Asker")
    helper = UserFactory(username="helper", display_name="Helper")
    veteran = UserFactory(username="veteran")
    services.ask_question(
        veteran,
        title="Webhook retries stopped after rotating the signing secret",
        body="Since the rotation no retries happen at all.",
        product=products["relay"],
        tags="webhooks",
        enforce_limits=False,
    )
    make_article(
        make_category(title="Webhooks"),
        title="Rotate your webhook signing secret",
        body="## Steps\n\nRotate the secret in Settings.",
    )

    login(asker)
    page.goto("/community/ask/")
    title = page.get_by_label("Title")
    title.press_sequentially("Webhook signing secret rotation", delay=20)
    suggestions = page.locator("#forum-similar")
    expect(suggestions).to_have_attribute("aria-live", "polite")
    expect(
        suggestions.get_by_role(
            "link", name="Webhook retries stopped after rotating the signing secret"
        )
    ).to_be_visible()
    expect(
        suggestions.get_by_role("link", name="Rotate your webhook signing secret")
    ).to_be_visible()

    page.get_by_label("Product").select_option(label="Relay")
    page.get_by_label("Tags").fill("webhooks, signing secret")
    page.get_by_label("Details").fill("After rotating the secret, deliveries fail with 401.")
    page.get_by_role("button", name="Post your question").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Webhook signing secret rotation")
    question_url = page.url
    assert re.search(r"/community/q/\d+/webhook-signing-secret-rotation/$", question_url)

    page.context.clear_cookies()
    login(helper)
    page.goto(question_url)
    page.get_by_role("textbox", name="Your answer").fill(ANSWER)
    page.get_by_role("button", name="Post your answer").click()
    expect(page.get_by_text(ANSWER)).to_be_visible()

    page.context.clear_cookies()
    login(asker)
    page.goto(question_url)
    page.get_by_role("button", name="Accept this answer").click()
    answer = page.locator("article.forum-answer", has_text=ANSWER)
    expect(answer.get_by_text("Accepted answer")).to_be_visible()
    expect(answer).to_have_class(re.compile(r"forum-answer--accepted"))
    expect(page.locator("#question").get_by_text("Solved", exact=True)).to_be_visible()
