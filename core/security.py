"""Security headers: Content-Security-Policy, Permissions-Policy (and, through Django's
``SecurityMiddleware``, Cross-Origin-Opener-Policy: ``same-origin``).

A small middleware rather than django-csp: the site needs two fixed policies chosen by
path — the public pages, which run no inline script and load nothing from elsewhere, and
the Wagtail admin, whose editor needs a looser one — and no nonces (there is no inline
script to allow). django-csp's per-view decorators, nonces and report handling would be
unused weight, and this keeps the policies in one readable place
(``PORTICO_CSP``/``PORTICO_CSP_ADMIN`` in ``config/settings/base.py``).

The public policy's one exception is the inline ``<style>`` of ``templates/500.html``,
which must render without static files: its hash is allowed, nothing else inline.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache

from django.conf import settings

_STYLE_BLOCK = re.compile(r"<style>(.*?)</style>", re.DOTALL)


@lru_cache(maxsize=1)
def error_page_style_hashes() -> tuple[str, ...]:
    """``'sha256-…'`` of each inline ``<style>`` in ``templates/500.html``."""
    path = settings.BASE_DIR / "templates" / "500.html"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return ()
    return tuple(
        "'sha256-{}'".format(
            base64.b64encode(hashlib.sha256(block.encode("utf-8")).digest()).decode()
        )
        for block in _STYLE_BLOCK.findall(text)
    )


def header_value(policy: dict[str, list[str]], *, extra_styles: tuple[str, ...] = ()) -> str:
    parts = []
    for directive, sources in policy.items():
        if directive == "style-src" and extra_styles:
            sources = [*sources, *extra_styles]
        parts.append(" ".join([directive, *sources]) if sources else directive)
    return "; ".join(parts)


@lru_cache(maxsize=8)
def _policies(public_key: str, admin_key: str) -> tuple[str, str]:
    hashes = error_page_style_hashes()
    return (
        header_value(settings.PORTICO_CSP, extra_styles=hashes),
        header_value(settings.PORTICO_CSP_ADMIN),
    )


def policies() -> tuple[str, str]:
    """The public and the admin policy as header values (rebuilt when settings change)."""
    return _policies(repr(settings.PORTICO_CSP), repr(settings.PORTICO_CSP_ADMIN))


class SecurityHeadersMiddleware:
    """Adds the Content-Security-Policy (public or admin) and the Permissions-Policy to
    every response that does not set its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        public, admin = policies()
        is_admin = request.path_info.startswith(settings.PORTICO_ADMIN_PATH)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = admin if is_admin else public
        if "Permissions-Policy" not in response and settings.PORTICO_PERMISSIONS_POLICY:
            response["Permissions-Policy"] = ", ".join(
                f"{feature}={allowed}"
                for feature, allowed in settings.PORTICO_PERMISSIONS_POLICY.items()
            )
        return response
