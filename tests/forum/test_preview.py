"""The live Markdown preview: the same renderer as posts, sanitized, CSRF-protected,
rate-limited, and clear about text it will not take."""

from django.test import Client

from core.markdown import render_markdown

URL = "/community/preview/"


def test_preview_renders_markdown_like_a_post(client, member):
    client.force_login(member)
    text = "## Steps\n\n1. Open **Settings**\n2. Rotate `the secret`"
    response = client.post(URL, {"body": text})
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    html = response.json()["html"]
    assert "<strong>Settings</strong>" in html and "<code>the secret</code>" in html
    assert html == str(render_markdown(text, id_prefix="user-content-"))


def test_preview_strips_script_and_dangerous_links(client, member):
    client.force_login(member)
    hostile = (
        "<script>alert(1)</script>\n\n[click](javascript:alert(1))\n\n"
        '<img src=x onerror=alert(1)>\n\n<iframe src="https://evil.example"></iframe>'
    )
    html = client.post(URL, {"body": hostile}).json()["html"]
    assert "<script" not in html and "<iframe" not in html and "<img" not in html
    assert 'href="javascript' not in html  # the link is not made: its text stays text
    assert "&lt;script&gt;" in html  # raw HTML is shown as text, never run


def test_preview_refuses_text_longer_than_a_post(client, member, settings):
    client.force_login(member)
    settings.FORUM_BODY_MAX_LENGTH = 100
    response = client.post(URL, {"body": "x" * 101})
    assert response.status_code == 413
    assert "too long to preview" in response.json()["error"]


def test_preview_needs_a_signed_in_member_and_a_post(client, member):
    assert client.post(URL, {"body": "**hi**"}).status_code == 403
    client.force_login(member)
    assert client.get(URL, {"body": "**hi**"}).status_code == 405


def test_preview_is_csrf_protected(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    assert client.post(URL, {"body": "**hi**"}).status_code == 403
    client.get("/community/ask/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(URL, {"body": "**hi**"}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200 and "<strong>hi</strong>" in response.json()["html"]


def test_preview_is_rate_limited(client, member, settings):
    settings.PORTICO_RATE_LIMITS_ENABLED = True
    settings.PORTICO_RATE_LIMITS = {**settings.PORTICO_RATE_LIMITS, "forum_preview": "2/m"}
    client.force_login(member)
    assert client.post(URL, {"body": "one"}).status_code == 200
    assert client.post(URL, {"body": "two"}).status_code == 200
    response = client.post(URL, {"body": "three"})
    assert response.status_code == 429 and response["Retry-After"]


def test_forms_carry_the_preview(client, ask, member):
    client.force_login(member)
    for url in ("/community/ask/", ask(member).get_absolute_url()):
        html = client.get(url).content.decode()
        assert 'data-preview-url="/community/preview/"' in html
        assert 'id="forum-preview" class="forum-preview__body prose" aria-live="polite"' in html
