"""The support flow in the browser session: which flow a request belongs to, and the draft.

The draft (product, subject, description) is kept server-side in the session, so it
survives opening a suggestion, signing in or signing up (Django keeps session data across
sign-in) and coming back to step 2. Writes go through ``tickets.services``.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from segments.models import Segment

from . import conf, services
from .models import FlowQuery, SupportFlow

FLOW_KEY = "support_flow"
DRAFT_KEY = "support_draft"
SEARCHES_KEY = "support_recent_searches"
MAX_SEARCHES = 5


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
        for query in request.session.pop(SEARCHES_KEY, []):
            services.record_suggestions(flow, query, [], source=FlowQuery.Source.SITE_SEARCH)
    return flow


def end_flow(request) -> None:
    request.session.pop(FLOW_KEY, None)
    request.session.pop(DRAFT_KEY, None)


def remember_search(request, query: str) -> None:
    """For the site search: remember what was searched, so the support flow that may follow
    shows agents what the customer already tried."""
    query = " ".join(str(query or "").split())[:200]
    # A search is a read: it never starts a session (a visitor without one who goes on to
    # Contact support carries the query in the link instead). A request that writes the
    # session anyway (a saved draft) remembers it.
    session = request.session
    if not query or not (session.session_key or session.modified):
        return
    searches = [q for q in request.session.get(SEARCHES_KEY, []) if q != query]
    request.session[SEARCHES_KEY] = [*searches, query][-MAX_SEARCHES:]


def load_draft(request) -> dict:
    draft = request.session.get(DRAFT_KEY) or {}
    return {
        "product": str(draft.get("product") or ""),
        "subject": str(draft.get("subject") or ""),
        "description": str(draft.get("description") or ""),
    }


def save_draft(request, *, product: str = "", subject: str = "", description: str = "") -> None:
    request.session[DRAFT_KEY] = {
        "product": (product or "")[:80],
        "subject": (subject or "")[: services.SUBJECT_MAX],
        "description": (description or "")[: services.DESCRIPTION_MAX],
    }


def has_draft(request) -> bool:
    draft = load_draft(request)
    return bool(draft["subject"].strip() or draft["description"].strip())
