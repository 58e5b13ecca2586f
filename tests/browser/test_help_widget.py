"""The help widget on another site, in Chromium: a product page served from a second port
embeds the portal's loader with one tag; Help opens the panel (a frame of /widget/ on the
portal), a typed question finds the portal's articles inside it, and the hand-off to
Contact support carries the query and the host page's address (shown there as "Page you
came from"). A question gets a direct answer whose "Did this answer your question?" is
recorded for the deflection report without leaving the panel. The host's API token makes
the search that person's.
A site that is not in WIDGET_ALLOWED_ORIGINS gets the button, but the browser refuses to
show the portal in its frame (frame-ancestors)."""

import functools
import re
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from segments.services import grant
from tests.factories import UserFactory, make_article, make_category
from tests.tickets.support import index_now, use_fresh_index
from tickets.models import DirectAnswerFeedback
from users.tokens import create_token

HOST_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Acme Ledger — invoices</title></head>
<body>
  <h1>Acme Ledger</h1>
  <p>Your invoices.</p>
  <script src="{portal}/static/widget/portico-widget.js" data-portico async></script>
</body>
</html>
"""


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(autouse=True)
def idle_connections_time_out(monkeypatch):
    """The live server answers one connection at a time (tests/browser/conftest.py). A page
    on another origin makes Chromium keep two pools of connections to the portal (with and
    without credentials: the script and frame, the loader's CORS request), and a spare one
    that never sends a request must not hold the server: it is dropped after a moment."""
    from django.test.testcases import QuietWSGIRequestHandler

    monkeypatch.setattr(QuietWSGIRequestHandler, "timeout", 2)


@pytest.fixture
def host_site(live_server, tmp_path):
    """A product page on a second local port whose one tag points to the portal."""
    folder = tmp_path / "host"
    folder.mkdir()
    (folder / "index.html").write_text(HOST_PAGE.format(portal=live_server.url), "utf-8")
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def indexed(settings, tmp_path):
    from search.backends import reset_backends

    use_fresh_index(settings, tmp_path)
    yield index_now
    reset_backends()


@pytest.fixture
def articles(home, products, indexed):
    category = make_category(title="Webhooks")
    make_article(
        category,
        "Verify webhook signatures",
        body="## Why signatures fail\n\nA signature fails when the signing secret was rotated. "
        "Copy the new secret from Settings and redeploy.",
        segments=[products["relay"]],
    )
    make_article(
        category,
        "Webhook signing for partner accounts",
        body="Partner accounts sign webhooks with the Quillwhistle signing secret.",
        segments=[products["relay"]],
        restricted=True,
    )
    indexed()


def test_an_allowed_site_shows_the_portal_in_its_help_panel(
    page, host_site, articles, products, settings
):
    settings.WIDGET_ALLOWED_ORIGINS = [host_site]
    page.goto(host_site + "/")
    help_button = page.get_by_role("button", name="Help", exact=True)
    expect(help_button).to_have_attribute("aria-expanded", "false")
    help_button.click()
    expect(help_button).to_have_attribute("aria-expanded", "true")

    panel = page.frame_locator("iframe[title='Help']")
    box = panel.get_by_label("Describe your question")
    expect(box).to_be_focused()  # focus moved into the panel
    box.press_sequentially("webhook signing secret", delay=20)
    results = panel.locator("#widget-results")
    article = results.get_by_role("link", name="Verify webhook signatures")
    expect(article).to_be_visible()
    expect(article).to_have_attribute("target", "_blank")
    expect(panel.locator("#widget-status")).to_contain_text("suggested answer")
    expect(results).not_to_contain_text("partner accounts")
    support = panel.get_by_role("link", name="Contact support")
    host_page = re.escape(host_site.replace(":", "%3A").replace("/", "%2F") + "%2F")
    expect(support).to_have_attribute(
        "href",
        re.compile(
            r"/support/new/\?q=webhook(\+|%20)signing(\+|%20)secret&from=" + host_page + "$"
        ),
    )

    # The signed-in person's token, from the host page: the search becomes theirs.
    member = UserFactory(username="relay-member")
    grant(member, products["relay"])
    _token, raw = create_token(member, name="widget")
    page.evaluate("token => window.PorticoWidget.setToken(token)", raw)
    expect(results.get_by_role("link", name="Webhook signing for partner accounts")).to_be_visible()

    # Escape closes the panel and gives focus back to the button.
    box.press("Escape")
    expect(help_button).to_have_attribute("aria-expanded", "false")
    expect(help_button).to_be_focused()
    expect(page.locator("iframe[title='Help']")).to_be_hidden()


def test_a_site_that_is_not_allowed_gets_no_panel(page, host_site, articles, settings):
    settings.WIDGET_ALLOWED_ORIGINS = ["http://127.0.0.1:1"]
    page.goto(host_site + "/")
    refused = page.expect_console_message(lambda message: "frame-ancestors" in message.text)
    with refused, page.expect_response(re.compile(r"/widget/(\?|$)")) as answer:
        page.get_by_role("button", name="Help", exact=True).click()
    assert answer.value.status == 200  # delivered, and refused by the browser
    panel = page.frame_locator("iframe.pw-frame")
    expect(panel.locator("[data-widget]")).to_have_count(0)
    expect(panel.get_by_label("Describe your question")).to_have_count(0)


def _poll(check, *, tries=100, pause=0.1):
    """Wait for ``check()`` from the test (no string evaluated in the page: the policy
    forbids it)."""
    for _attempt in range(tries):
        found = check()
        if found:
            return found
        time.sleep(pause)
    return check()


def test_the_direct_answer_is_rated_and_the_handoff_names_the_host_page(
    page, host_site, articles, settings
):
    settings.WIDGET_ALLOWED_ORIGINS = [host_site]
    settings.SEARCH_DIRECT_ANSWER = "on"
    settings.SEARCH_EMBEDDINGS = "auto"
    settings.SEARCH_EMBEDDINGS_MODELS = "en=minilm,fa=e5-small,ro=e5-small"
    index_now()  # the encoder is on now: index the passages with it
    page.goto(host_site + "/?plan=team")
    page.get_by_role("button", name="Help", exact=True).click()
    panel = page.frame_locator("iframe[title='Help']")
    box = panel.get_by_label("Describe your question")
    expect(box).to_be_focused()
    box.fill("why does the webhook signature fail after rotating the secret?")
    box.press("Enter")

    answer = panel.get_by_role("region", name="Answer from the help center")
    expect(answer).to_be_visible()
    question = answer.get_by_role("group", name="Did this answer your question?")
    question.get_by_role("button", name="Yes").click()
    status = answer.get_by_role("status")
    expect(status).to_contain_text("glad it answered your question")
    expect(status).to_be_focused()
    expect(question).to_be_hidden()
    recorded = _poll(lambda: list(DirectAnswerFeedback.objects.values("surface", "helpful")))
    assert recorded == [{"surface": "widget", "helpful": True}]

    # The hand-off opens Contact support in a new tab with the page the customer was on.
    with page.context.expect_page() as opened:
        panel.get_by_role("link", name="Contact support").click()
    support = opened.value
    support.wait_for_load_state()
    came_from = support.locator("[data-support-page-url]")
    expect(came_from).to_contain_text("Page you came from:")
    expect(came_from).to_contain_text(f"{host_site}/?plan=team")
    expect(support.locator("input[name=page_url]")).to_have_value(f"{host_site}/?plan=team")
    expect(support.get_by_label("What do you need help with?")).to_have_value(
        "why does the webhook signature fail after rotating the secret?"
    )
