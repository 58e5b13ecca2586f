"""The Q&A page in Chromium: votes invite signed-out visitors to sign in, the live
Markdown preview renders (and strips script), the bell counts a new answer and clears
when read, and a followed tag brings its new questions to the bell."""

import re

from playwright.sync_api import expect

from forum import services
from tests.factories import UserFactory


def ask(author, products, title, tags="webhooks"):
    return services.ask_question(
        author,
        title=title,
        body="Since the rotation no retries happen at all.",
        product=products["relay"],
        tags=tags,
        enforce_limits=False,
    )


def test_signed_out_vote_invites_sign_in_and_comes_back(page, home, products):
    asker = UserFactory(username="asker", display_name="Asker")
    voter = UserFactory(username="voter")
    question = ask(asker, products, "Webhook retries stopped after rotating the secret")

    page.goto(question.get_absolute_url())
    upvote = page.get_by_role("link", name="Sign in to vote: this question is useful")
    expect(upvote).to_be_visible()
    expect(page.locator("#question .author-line svg.avatar-svg")).to_be_visible()
    upvote.click()
    expect(page).to_have_url(re.compile(r"/account/login/\?next="))
    page.get_by_label("Email").first.fill(voter.email)
    page.get_by_label("Password").first.fill("correct horse battery")
    page.locator("form").filter(has=page.get_by_label("Password")).locator(
        "button[type=submit]"
    ).first.click()
    expect(page).to_have_url(re.compile(re.escape(question.get_absolute_url())))
    expect(page.get_by_role("button", name="This question is useful")).to_be_visible()


def test_live_preview_renders_markdown_and_strips_script(page, login, home, products):
    member = UserFactory(username="writer")
    question = ask(UserFactory(), products, "Preview me a webhook question")
    login(member)
    page.goto(question.get_absolute_url())
    page.get_by_role("textbox", name="Your answer").fill(
        "## Steps\n\nRotate **the secret** now.\n\n<script>window.pwned = 1</script>"
    )
    preview = page.locator("#forum-preview")
    expect(preview).to_have_attribute("aria-live", "polite")
    expect(preview.locator("strong")).to_have_text("the secret")
    expect(preview.get_by_role("heading", name="Steps")).to_be_visible()
    assert preview.locator("script").count() == 0
    assert page.evaluate("window.pwned") is None


def test_bell_counts_a_new_answer_and_clears_when_read(page, login, home, products):
    asker = UserFactory(username="asker", display_name="Asker")
    helper = UserFactory(username="helper", display_name="Helper")
    question = ask(asker, products, "Deliveries fail with 401 after rotation")

    login(asker)
    bell = page.locator("a.notification-bell")
    expect(bell).to_have_attribute("data-unread", "0")

    services.post_answer(question, helper, body="Re-enable the endpoint, then retry.")
    page.reload()
    expect(bell).to_have_attribute("data-unread", "1")
    expect(bell).to_have_accessible_name(re.compile(r"Notifications: 1 unread"))
    bell.click()
    item = page.locator(".notification--unread")
    expect(item).to_contain_text("New answer from Helper")
    expect(item.get_by_role("link", name="Deliveries fail with 401 after rotation")).to_be_visible()
    page.get_by_role("button", name="Mark all as read").click()
    expect(page.locator("a.notification-bell")).to_have_attribute("data-unread", "0")
    expect(page.locator(".notification--unread")).to_have_count(0)


def test_follow_a_tag_then_get_notified(page, login, home, products):
    follower = UserFactory(username="follower")
    author = UserFactory(username="author", display_name="Author")
    ask(author, products, "An older question about webhooks")

    login(follower)
    page.goto("/community/tags/webhooks/")
    page.get_by_role("button", name="Follow this tag").click()
    expect(page.get_by_role("button", name=re.compile("Following"))).to_have_attribute(
        "aria-pressed", "true"
    )

    ask(author, products, "Brand new webhook question", tags="webhooks, retries")
    page.goto("/account/notifications/")
    expect(page.locator("a.notification-bell")).to_have_attribute("data-unread", "1")
    expect(page.locator(".notification--unread")).to_contain_text("New question in “webhooks”")
    page.locator(".notification--unread").get_by_role(
        "link", name="Brand new webhook question"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Brand new webhook question")
