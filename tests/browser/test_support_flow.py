"""Contact support in Chromium: suggestions appear while typing and one solves the problem;
the next time nothing does, so a ticket is filed, shows in My tickets, an agent replies in
the Wagtail admin and the customer reads the reply."""

import re

import pytest
from playwright.sync_api import expect

from forum import services as forum_services
from tests.factories import UserFactory, make_article, make_category
from tests.tickets.conftest import PNG
from tests.tickets.support import index_now, use_fresh_index


@pytest.fixture
def indexed(settings, tmp_path):
    from search.backends import reset_backends

    use_fresh_index(settings, tmp_path)
    yield index_now
    reset_backends()


REPLY = "Relay signs the raw body: switch off the CDN's JSON minification for /hooks/*."


def describe(page, subject):
    page.goto("/support/new/")
    page.locator("label", has_text="Relay").click()
    page.get_by_label("What do you need help with?").press_sequentially(subject, delay=15)


def test_answers_first_then_a_ticket(page, login, home, products, indexed, tmp_path):
    customer = UserFactory(username="customer", display_name="Priya Raman")
    agent = UserFactory(username="agent", display_name="Sam Agent", is_staff=True)
    agent.is_superuser = True
    agent.save()
    veteran, helper = UserFactory(username="veteran"), UserFactory(username="helper")
    make_article(
        make_category(title="Webhooks"),
        title="Verify webhook signatures",
        body="## Steps\n\nA signature fails when the signing secret was rotated. Copy the new "
        "secret from Settings.",
        segments=[products["relay"]],
    )
    question = forum_services.ask_question(
        veteran,
        title="Webhook signature fails behind our CDN",
        body="Deliveries fail the signature check since we added a CDN.",
        product=products["relay"],
        tags="webhooks",
        enforce_limits=False,
    )
    answer = forum_services.post_answer(
        question, helper, body="Turn off body rewriting on the CDN.", enforce_limits=False
    )
    forum_services.accept_answer(answer, veteran)
    indexed()

    # 1. Anonymous: type, see suggestions (announced), open one, come back, it solved it.
    describe(page, "Webhook signature fails")
    status = page.locator("#support-suggestions-status")
    expect(status).to_have_attribute("aria-live", "polite")
    suggestions = page.locator("#support-suggestions")
    article = suggestions.get_by_role("link", name="Verify webhook signatures")
    expect(article).to_be_visible()
    expect(
        suggestions.get_by_role("link", name="Webhook signature fails behind our CDN")
    ).to_be_visible()
    expect(status).to_contain_text("suggested answers below")
    article.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Verify webhook signatures")
    page.go_back()
    expect(page.get_by_label("What do you need help with?")).to_have_value(
        "Webhook signature fails"
    )
    suggestions.get_by_role(
        "button", name=re.compile(r"This solved my problem\W+Verify webhook signatures")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Glad that helped")

    # 2. Signed in: this time nothing solves it, so continue and file a ticket.
    login(customer)
    describe(page, "Webhook signature fails on staging")
    expect(suggestions.get_by_role("link", name="Verify webhook signatures")).to_be_visible()
    page.get_by_label("Describe the problem").fill(
        "About 70% of deliveries to staging fail the signature check since Monday."
    )
    page.get_by_role("button", name="I still need help").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Send your request")
    expect(page.get_by_label("Subject")).to_have_value("Webhook signature fails on staging")
    page.locator("label", has_text="High").first.click()
    shot = tmp_path / "delivery-log.png"
    shot.write_bytes(PNG)
    page.get_by_label("Attachments").set_input_files(str(shot))
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Webhook signature fails on staging")
    expect(page.get_by_text(re.compile(r"Your request #\d+ is sent"))).to_be_visible()
    expect(page.get_by_role("link", name="delivery-log.png")).to_be_visible()
    page.goto("/support/tickets/")
    ticket_link = page.get_by_role("link", name="Webhook signature fails on staging")
    expect(ticket_link).to_be_visible()

    # 3. The agent replies in the Wagtail admin.
    page.context.clear_cookies()
    login(agent)
    page.goto("/admin/support/tickets/")
    page.get_by_role("link", name=re.compile("Webhook signature fails on staging")).click()
    expect(page.get_by_text("What the customer tried first")).to_be_visible()
    page.get_by_role("textbox", name="Reply to the customer").fill(REPLY)
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_text("Your reply is sent to the customer.")).to_be_visible()

    # 4. The customer sees the reply.
    page.context.clear_cookies()
    login(customer)
    page.goto("/support/tickets/")
    page.get_by_role("link", name="Webhook signature fails on staging").click()
    expect(page.get_by_text(REPLY)).to_be_visible()
    expect(page.locator(".ticket-status")).to_have_text("Waiting for your reply")
