"""axe-core over every page a person can reach, in English and in Persian (right to left),
signed out and signed in, at a desktop and a phone width: no serious or critical
violation anywhere.

One test per width: it builds the content once and reads every page in one browser
context (a second context, with no cookies, for the pages seen signed out)."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model

from forum import services as forum
from tests.factories import (
    UserFactory,
    make_announcement,
    make_article,
    make_category,
)
from tickets import services as tickets

SERIOUS = {"serious", "critical"}
# Landmarks are how screen-reader users move around a page: these fail at any impact.
LANDMARK_RULES = {
    "landmark-one-main",
    "landmark-no-duplicate-main",
    "landmark-no-duplicate-banner",
    "landmark-no-duplicate-contentinfo",
    "landmark-unique",
    "landmark-main-is-top-level",
    "landmark-banner-is-top-level",
    "landmark-contentinfo-is-top-level",
    "landmark-complementary-is-top-level",
}
WIDTHS = {"desktop": 1280, "phone": 375}
LANGUAGES = ["en", "fa"]

ARTICLE_BODY = (
    "Invoices are created on the first day of each month.\n\n"
    "## Download an invoice\n\n1. Open **Billing**.\n2. Choose the invoice.\n\n"
    "### From the command line\n\n"
    "```bash\nportico invoices export --format pdf --from 2026-01-01 --to 2026-12-31 "
    "--output ./invoices/all-of-this-year-in-one-very-long-file-name.pdf\n```\n\n"
    "## Columns of the invoice table\n\n"
    "| Column | Meaning | Example | Notes | Currency | Rounding |\n"
    "|---|---|---|---|---|---|\n"
    "| Number | The invoice number | INV-2026-000123 | Unique per account | EUR | Two decimals |\n"
)


def serious_violations(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(str(node["target"][0]) for node in v["nodes"][:3])
        for v in results.response["violations"]
        if v.get("impact") in SERIOUS or v["id"] in LANDMARK_RULES
    ]


@pytest.fixture
def site(home, products):
    """A little of everything: a category with an article (contents, code, a wide table,
    tags), an announcement, a question with an answer, a member with a ticket."""
    category = make_category(title="Billing", slug="billing")
    article = make_article(
        category, "Download an invoice as PDF", body=ARTICLE_BODY, tags=["invoices"]
    )
    announcement = make_announcement(title="Invoices now in PDF", body="## What changed\n\nPDF.")
    member = UserFactory(username="priya", display_name="Priya Raman", language="en")
    agent = UserFactory(username="agent", display_name="Sam Agent", is_staff=True)
    agent.is_superuser = True
    agent.save()
    question = forum.ask_question(
        UserFactory(username="sara", display_name="Sara"),
        title="How do I download last month's invoice?",
        body="I can only see the current month in Billing.",
        product=products["ledger"],
        tags="invoices",
        enforce_limits=False,
    )
    answer = forum.post_answer(
        question, member, body="Choose the month in **Billing → History**.", enforce_limits=False
    )
    ticket = tickets.file_ticket(
        member,
        product=products["ledger"],
        subject="Invoice for March is missing",
        description="The March invoice does not show in Billing.",
        enforce_limits=False,
        notify=False,
    )
    # Solved: its page asks "How did we do?", and the emailed link's page is checked too.
    tickets.reply_as_agent(
        ticket, agent, "We sent it again; it is in Billing now.", status="solved", notify=False
    )
    from tickets.satisfaction import rating_url

    return {
        "rate_link": rating_url(ticket, "bad"),
        "category": category.url,
        "article": article.url,
        "tag": category.get_parent().specific.tag_url("invoices"),
        "announcement": announcement.url,
        "question": question.get_absolute_url(),
        "question_pk": question.pk,
        "answer_pk": answer.pk,
        "ticket": ticket.get_absolute_url(),
        "member": member,
    }


def signed_out_pages(site) -> list[str]:
    return [
        "/",
        "/kb/",
        site["category"],
        site["article"],
        site["tag"],
        "/kb/tags/",
        "/announcements/",
        site["announcement"],
        "/search/",
        "/search/?q=invoice",
        "/search/?q=zzxqv",
        "/community/",
        "/community/p/ledger/",
        "/community/tags/",
        "/community/tags/invoices/",
        site["question"],
        "/community/u/priya/",
        "/account/login/",
        "/account/signup/",
        "/account/password/reset/",
        "/account/password/reset/done/",
        "/support/new/",
        site["rate_link"],
        "/no-such-page/",
    ]


def signed_in_pages(site) -> list[str]:
    return [
        "/",
        site["article"],
        site["question"],
        f"/community/a/{site['answer_pk']}/edit/",
        f"/community/flag/question/{site['question_pk']}/",
        "/community/ask/",
        "/community/settings/",
        "/account/profile/",
        "/account/email/",
        "/account/password/change/",
        "/account/2fa/",
        "/account/2fa/totp/activate/",
        "/account/subscriptions/",
        "/support/new/",
        "/support/tickets/",
        site["ticket"],
    ]


def sign_in(page, email, password="correct horse battery"):
    page.goto("/account/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("form").filter(has=page.locator("input[name=password]")).locator(
        "button[type=submit]"
    ).first.click()
    page.wait_for_load_state()


def check_header_menus(page, check, label):
    """The header with each of its menus open in turn (the phone's menu, the language and
    account menus), so what they hide is checked too."""
    page.goto("/")
    toggle = page.locator(".nav-toggle")
    if toggle.is_visible():
        toggle.click()
    for summary in page.locator(".site-header summary").all():
        summary.click()
        check(page, f"{label}, {summary.get_attribute('class')} open")


def start_a_request(page):
    """The support flow's second step: describe the problem, then "I still need help"."""
    page.goto("/support/new/")
    page.locator("input[name=product]").first.check(force=True)
    page.locator("[name=subject]").fill("Invoice for April is missing")
    page.locator("button[name=action][value=continue]").click()
    page.wait_for_url(re.compile(r"/support/new/details/"))


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_every_page_has_no_serious_accessibility_violation(chromium, live_server, site, width):
    found: dict[str, list[str]] = {}

    def check(page, label, path=None):
        if path:
            response = page.goto(path)
            assert response is not None and response.status < 500, path
        if "signed in" in label:  # still signed in, not sent to the sign-in form
            assert "/account/login/" not in page.url, (label, page.url)
            assert page.locator(".account-menu").count() == 1, (label, page.url)
        dir_ = page.locator("html").get_attribute("dir")
        assert dir_ == ("rtl" if label.startswith("fa") else "ltr"), (label, dir_)
        found[f"{label} {path or page.url}"] = serious_violations(page)

    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 900}
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        for language in LANGUAGES:
            context.clear_cookies()
            context.add_cookies(
                [{"name": "django_language", "value": language, "url": live_server.url}]
            )
            for path in signed_out_pages(site):
                check(page, f"{language} signed out", path)
            start_a_request(page)
            check(page, f"{language} signed out")  # "Sign in to send your request"
            sign_in(page, "nobody@example.com", "wrong password")
            check(page, f"{language} signed out")  # the sign-in form with its error
            check_header_menus(page, check, f"{language} signed out")

        member = site["member"]
        for language in LANGUAGES:
            get_user_model().objects.filter(pk=member.pk).update(language=language)
            context.clear_cookies()
            context.add_cookies(
                [{"name": "django_language", "value": language, "url": live_server.url}]
            )
            sign_in(page, member.email)
            for path in signed_in_pages(site):
                check(page, f"{language} signed in", path)
            start_a_request(page)
            check(page, f"{language} signed in")  # the request's details
            check_header_menus(page, check, f"{language} signed in")
    finally:
        context.close()

    failing = [f"{path}: {problem}" for path, problems in found.items() for problem in problems]
    if failing:
        pytest.fail("\n".join(failing), pytrace=False)
    # Every page and state was read: the pages listed, the support steps, the sign-in
    # error and the header's menus (language; account when signed in).
    assert len(found) == 2 * (len(signed_out_pages(site)) + len(signed_in_pages(site)) + 6)


def test_the_check_sees_a_real_violation(page, home):
    page.goto("/")
    page.evaluate("document.querySelector('main').append(document.createElement('button'))")
    assert any(p.startswith("button-name") for p in serious_violations(page))
