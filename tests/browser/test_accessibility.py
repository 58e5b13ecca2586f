"""axe-core on the Persian pages people use most: no serious or critical violation,
right to left, signed out and signed in."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from forum import services as forum
from tests.factories import UserFactory, make_article, make_category

SERIOUS = {"serious", "critical"}


def serious_violations(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(node["target"][0] for node in v["nodes"][:3])
        for v in results.response["violations"]
        if v.get("impact") in SERIOUS
    ]


@pytest.fixture
def persian_site(home, products):
    category = make_category(title="صورتحساب", slug="billing")
    article = make_article(
        category,
        "دریافت صورتحساب به صورت PDF",
        body=(
            "## مراحل\n\n1. به **صورتحساب** بروید.\n2. صورتحساب را انتخاب کنید.\n\n"
            "```bash\nportico invoices export --format pdf\n```\n\n"
            "| ستون | معنا |\n|---|---|\n| شماره | شماره صورتحساب |\n"
        ),
        tags=["صورتحساب"],
    )
    asker = UserFactory(username="sara", display_name="سارا", language="fa")
    question = forum.ask_question(
        asker,
        title="چطور صورتحساب ماه گذشته را دانلود کنم؟",
        body="در بخش صورتحساب فقط ماه جاری را می‌بینم.",
        product=products["ledger"],
        tags="صورتحساب",
        language="fa",
        enforce_limits=False,
    )
    return {"article": article.url, "question": question.get_absolute_url(), "asker": asker}


def test_persian_pages_have_no_serious_accessibility_violations(
    page, login, live_server, persian_site
):
    page.context.add_cookies([{"name": "django_language", "value": "fa", "url": live_server.url}])
    found = {}
    paths = [
        "/",
        persian_site["article"],
        "/search/?q=صورتحساب",
        "/community/",
        persian_site["question"],
        "/support/",
    ]
    for path in paths:
        page.goto(path)
        assert page.locator("html").get_attribute("dir") == "rtl", path
        found[path] = serious_violations(page)
    # Signing in (the form is read in English here); the account's language is Persian.
    page.context.clear_cookies()
    login(persian_site["asker"])
    for path in ["/community/ask/", persian_site["question"], "/support/new/"]:
        page.goto(path)
        assert page.locator("html").get_attribute("dir") == "rtl", path
        found[f"{path} (signed in)"] = serious_violations(page)
    failing = {path: problems for path, problems in found.items() if problems}
    assert not failing, failing
    # The check sees a real violation: a button with no name.
    page.evaluate("document.querySelector('main').append(document.createElement('button'))")
    assert any(p.startswith("button-name") for p in serious_violations(page))
