"""Security headers: the Content-Security-Policy (public pages, the admin), the
Permissions-Policy and the Cross-Origin-Opener-Policy; templates that obey the policy."""

import base64
import hashlib
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def directives(header: str) -> dict[str, list[str]]:
    found = {}
    for part in header.split(";"):
        name, *sources = part.split()
        found[name] = sources
    return found


def test_public_pages_get_the_strict_policy(client, home):
    response = client.get("/")
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no inline script, no eval
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'self'"]
    assert policy["style-src"][0] == "'self'"
    assert all(source.startswith("'sha256-") for source in policy["style-src"][1:])
    assert response["Permissions-Policy"] == (
        "camera=(), microphone=(), geolocation=(), payment=()"
    )
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    # JSON answers carry it too.
    assert "Content-Security-Policy" in client.get("/api/v1/search?q=x")


def test_the_admin_gets_its_own_policy(client, staff):
    client.force_login(staff)
    response = client.get("/admin/")
    policy = directives(response["Content-Security-Policy"])
    assert "'unsafe-inline'" in policy["script-src"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]


def test_the_error_page_style_is_the_only_inline_style_allowed(client, settings):
    settings.ROOT_URLCONF = "tests.core.urls_broken"
    client.raise_request_exception = False
    response = client.get("/broken/")
    assert response.status_code == 500
    [style] = re.findall(r"<style>(.*?)</style>", response.content.decode(), re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    policy = directives(response["Content-Security-Policy"])
    assert policy["style-src"] == ["'self'", f"'sha256-{digest}'"]


INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>"
)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)


def test_site_templates_have_no_inline_script_or_handlers():
    """What the public policy refuses: inline ``<script>`` (JSON and JSON-LD data is fine), ``on…=``
    attributes and ``style=`` attributes (the admin's own templates may use them, and so may
    emails — ``…/email/…``: never served as pages, and mail clients drop ``<style>``, so inline
    styles are the only CSS an email can have)."""
    problems = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        relative = path.relative_to(TEMPLATES).as_posix()
        for pattern, what in (
            (INLINE_SCRIPT, "inline script"),
            (EVENT_HANDLER, "event handler"),
            (STYLE_ATTRIBUTE, "style attribute"),
        ):
            if pattern.search(text) and not (
                what == "style attribute"
                and ("/admin/" in f"/{relative}" or "/email/" in f"/{relative}")
            ):
                problems.append(f"{relative}: {what}")
    assert problems == []
