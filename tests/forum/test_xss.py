"""Nothing a member writes can run in someone else's browser."""

import re

import pytest

from forum import services

PAYLOADS = [
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    "[click me](javascript:alert(1))",
    '<a href="javascript:alert(2)">link</a>',
    "<iframe src=//evil.example></iframe>",
    '<svg onload="alert(3)"></svg>',
    "![img](javascript:alert(4))",
    '"><script>alert(5)</script>',
    "<style>body{display:none}</style>",
]
TITLE = "<script>alert('title')</script> Webhooks <b onmouseover=alert(6)>x</b>"


def assert_inert(html: str):
    lowered = html.lower()
    # Only the page's own scripts may exist: portico.js and forum.js, no inline code; and
    # structured data (JSON-LD), a data block no browser runs, in which no text can
    # close the element (core.seo escapes "<").
    for tag in re.findall(r"<script[^>]*>", lowered):
        assert "src=" in tag or tag == '<script type="application/ld+json">', tag
    for data in re.findall(r'<script type="application/ld\+json">(.*?)</script>', lowered, re.S):
        assert "<" not in data and ">" not in data
    # An attribute's quoted value is text (the title in og:title may read "onmouseover=").
    attributes = re.sub(r'="[^"]*"', '=""', lowered)
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", attributes), "event handler attribute"
    assert not re.search(r"(href|src)\s*=\s*[\"']?\s*javascript:", lowered)
    assert "<iframe" not in lowered
    assert "<svg onload" not in lowered
    assert "<style>body" not in lowered


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_and_text_fields_render_inert(
    client, products, member, other_member, payload, sync_search
):
    question = services.ask_question(
        member,
        title=TITLE,
        body=f"Question body {payload}",
        product=products["relay"],
        tags="webhooks",
        enforce_limits=False,
    )
    answer = services.post_answer(
        question, other_member, body=f"Answer body {payload}", enforce_limits=False
    )
    services.add_comment(
        other_member, question=question, body=f"Comment {payload}", enforce_limits=False
    )
    services.add_comment(
        member, question=question, answer=answer, body=f"Reply {payload}", enforce_limits=False
    )
    sync_search()
    client.force_login(other_member)
    page = client.get(question.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert_inert(html)
    assert "&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt;" in html  # shown, not run
    for url in [
        "/community/",
        f"/community/u/{member.username}/",
        f"/community/u/{other_member.username}/",
        "/community/p/relay/",
    ]:
        assert_inert(client.get(url).content.decode())
    data = client.get("/community/similar/", {"q": "webhooks alert"}).json()
    assert data["results"][0]["title"] == question.title  # JSON; the script renders it as text


def test_forum_js_renders_suggestions_as_text():
    from pathlib import Path

    from django.conf import settings

    source = (Path(settings.BASE_DIR) / "static" / "js" / "forum.js").read_text()
    assert "innerHTML" not in source
    assert "textContent" in source
