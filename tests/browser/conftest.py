"""Real Chromium (Debian's /usr/bin/chromium) driven by Playwright against pytest-django's
live server. Marked `browser` so the browser tests can run alone: `pytest -m browser`."""

import os
from pathlib import Path

import pytest
from django.core.servers.basehttp import WSGIServer
from django.test.testcases import LiveServerThread

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
# test itself (creating data) must still be allowed.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


class SerialWSGIServer(WSGIServer):
    """The live server answers one request at a time.

    With the in-memory SQLite test database every server thread shares the test's single
    database connection, so two requests at once (a page and the click beacon it sends)
    could use it concurrently. One at a time, as a page's requests arrive; Django closes
    each connection after its response (``Connection: close``), so nothing waits on an idle
    keep-alive connection.
    """

    def __init__(self, *args, connections_override=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.connections_override = connections_override


LiveServerThread.server_class = SerialWSGIServer

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}. `make test` installs Debian's chromium "
            "package when run as root; otherwise install it: apt-get install chromium"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def login(page):
    """Sign in through the real allauth form."""

    def _login(user, password="correct horse battery"):
        page.goto("/account/login/")
        page.get_by_label("Email").first.fill(user.email)
        page.get_by_label("Password").first.fill(password)
        page.locator("form").filter(has=page.get_by_label("Password")).locator(
            "button[type=submit]"
        ).first.click()
        page.wait_for_load_state()

    return _login
