"""The support flow in the browser session: which flow a request belongs to, and the draft.

The draft (product, subject, description) is kept server-side in the session, so it
survives opening a suggestion, signing in or signing up (Django keeps session data across
sign-in) and coming back to step 2. Writes go through ``tickets.services``.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from segments.models import Segment

from . import conf, services
from .models import FlowQuery, SupportFlow

FLOW_KEY = "support_flow"
DRAFT_KEY = "support_draft"
SEARCHES_KEY = "support_searches_id"
MAX_SEARCHES = 5
# Recent searches of a browser that has a session live in the cache beside it, not in it:
# a search is a read and rewrites no session row.
SEARCHES_CACHE_SECONDS = 6 * 60 * 60


def current_flow(request) -> SupportFlow | None:
    """The flow this browser is in, if it is still going."""
    flow_id = request.session.get(FLOW_KEY)
    if not flow_id:
        return None
    idle = timezone.now() - timedelta(hours=conf.get("TICKETS_FLOW_IDLE_HOURS"))
    flow = (
        SupportFlow.objects.filter(
            pk=flow_id, outcome=SupportFlow.Outcome.OPEN, last_seen_at__gte=idle
        )
        .select_related("product")
        .first()
    )
    user = request.user
    if flow is None or (flow.user_id and flow.user_id != getattr(user, "pk", None)):
        request.session.pop(FLOW_KEY, None)
        return None
    if flow.user_id is None and user.is_authenticated:
        services.adopt_flow(flow, user)
    return flow


def flow_for(request, *, product: Segment | None = None) -> SupportFlow:
    """The current flow, or a new one (recording "flow started")."""
    flow = current_flow(request)
    if flow is None:
        flow = services.start_flow(request.user, product=product)
        request.session[FLOW_KEY] = str(flow.pk)
        for query in pop_recent_searches(request):
            services.record_suggestions(flow, query, [], source=FlowQuery.Source.SITE_SEARCH)
    return flow


def end_flow(request) -> None:
    request.session.pop(FLOW_KEY, None)
    request.session.pop(DRAFT_KEY, None)


def _searches_cache_key(request, *, create: bool = False) -> str | None:
    """Where this browser's recent searches are kept: the cache, under an id the session
    holds (written once per session, and kept when signing in cycles the session key)."""
    token = request.session.get(SEARCHES_KEY)
    if not isinstance(token, str):
        if not create:
            return None
        token = request.session[SEARCHES_KEY] = secrets.token_hex(16)
    return f"support:searches:{token}"


def recent_searches(request) -> list[str]:
    """What this browser searched the site for lately (oldest first, at most five)."""
    key = _searches_cache_key(request)
    return list(cache.get(key) or []) if key else []


def pop_recent_searches(request) -> list[str]:
    searches = recent_searches(request)
    key = _searches_cache_key(request)
    if key:
        cache.delete(key)
    return searches


def remember_search(request, query: str) -> None:
    """For the site search: remember what was searched, so the support flow that may follow
    shows agents what the customer already tried."""
    query = " ".join(str(query or "").split())[:200]
    # A search is a read: it never starts a session (a visitor without one who goes on to
    # Contact support carries the query in the link instead), and the searches themselves
    # live in the cache, so only a session's first remembered search writes it (the id).
    session = request.session
    if not query or not (session.session_key or session.modified):
        return
    key = _searches_cache_key(request, create=True)
    searches = [q for q in recent_searches(request) if q != query]
    cache.set(key, [*searches, query][-MAX_SEARCHES:], SEARCHES_CACHE_SECONDS)


#: The longest host-page address the help widget may hand over.
PAGE_URL_MAX = 500


def _origin(parts) -> str:
    default = {"http": 80, "https": 443}[parts.scheme]
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    return f"{parts.scheme}://{parts.hostname}{port}"


def clean_page_url(value) -> str:
    """The help widget's host page (``?from=``), or ``""``: an http(s) address of at most
    ``PAGE_URL_MAX`` characters, without credentials, on one of ``WIDGET_ALLOWED_ORIGINS``
    (the sites that may embed the widget) — nothing else is ever shown or kept."""
    value = str(value or "").strip()
    if not value or len(value) > PAGE_URL_MAX or any(ord(c) < 33 for c in value):
        return ""
    try:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
            return ""
        origin = _origin(parts)
    except ValueError:
        return ""
    allowed = set()
    for item in getattr(settings, "WIDGET_ALLOWED_ORIGINS", []) or []:
        try:
            allowed_parts = urlsplit(str(item).strip().rstrip("/").lower())
            if allowed_parts.scheme in ("http", "https") and allowed_parts.hostname:
                allowed.add(_origin(allowed_parts))
        except ValueError:
            continue
    return value if origin.lower() in allowed else ""


def load_draft(request) -> dict:
    draft = request.session.get(DRAFT_KEY) or {}
    return {
        "product": str(draft.get("product") or ""),
        "subject": str(draft.get("subject") or ""),
        "description": str(draft.get("description") or ""),
        "page_url": clean_page_url(draft.get("page_url")),
    }


def save_draft(
    request,
    *,
    product: str = "",
    subject: str = "",
    description: str = "",
    page_url: str | None = None,
) -> None:
    """Keep the draft (``page_url=None`` keeps the host page already in it)."""
    if page_url is None:
        page_url = (request.session.get(DRAFT_KEY) or {}).get("page_url") or ""
    request.session[DRAFT_KEY] = {
        "product": (product or "")[:80],
        "subject": (subject or "")[: services.SUBJECT_MAX],
        "description": (description or "")[: services.DESCRIPTION_MAX],
        "page_url": clean_page_url(page_url),
    }


def has_draft(request) -> bool:
    draft = load_draft(request)
    return bool(draft["subject"].strip() or draft["description"].strip())
