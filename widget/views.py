"""The help widget's pages: the panel a host page frames, its results, and its labels.

- ``/widget/`` is the panel (framed by the loader, ``static/widget/portico-widget.js``):
  a search box, the suggested answers and the hand-off to Contact support. It may be
  framed by the portal itself and by ``WIDGET_ALLOWED_ORIGINS`` only (its own
  ``frame-ancestors``; no ``X-Frame-Options``), and otherwise keeps the public policy:
  no inline script, nothing from elsewhere.
- ``/widget/results/`` answers the panel's searches (same origin: no CORS). It searches
  as the person of an ``Authorization: Bearer`` API token that the host page handed to
  the panel (``api.auth.TokenAuth``: same lookup, scope and rate limit as the API), and
  as nobody otherwise — public content only. The session is never used (a third-party
  frame must not act as whoever is signed in to the portal in that browser), nor a token
  in the query string; an unusable token also means public content only.
- ``/widget/config/`` gives the loader its translated labels and direction; the host
  page calls it, so it answers CORS for allowed origins only.
- ``/widget/answer-feedback/`` takes "Did this answer your question?" under the panel's
  direct answer into the deflection report (``tickets.DirectAnswerFeedback``, surface
  ``widget``). The signed token of the answer shown is the proof (as on the search page);
  the panel sends no cookies, so there is no CSRF token to check and nobody to act as.

Nothing here is kept by the anonymous page cache (``/widget/`` is in
``PORTICO_PAGE_CACHE_SKIP_PATHS``) and every answer is ``private, no-store``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from api.auth import TokenAuth
from api.errors import ApiError, RateLimited
from core.http import wants_json
from core.ratelimit import rate_limited
from core.security import header_value
from search.answers import read_token
from tickets import services as ticket_services
from tickets.deflection import suggest_with_answer
from tickets.errors import TicketError
from tickets.models import DirectAnswerFeedback

from .origins import allowed_origins, is_allowed

MAX_QUERY = 200
RESULTS_LIMIT = 6


def widget_user(request):
    """The person of the request's ``Authorization: Bearer`` API token, or an anonymous
    visitor (public content only) — without a header, or when the token is unknown,
    expired, revoked, lacks the ``read`` scope or is over its rate limit."""
    if "Authorization" not in request.headers:
        return AnonymousUser()
    try:
        found = TokenAuth()(request)
    except (ApiError, RateLimited):
        return AnonymousUser()
    return found.user if found is not None else AnonymousUser()


def _language(request) -> str:
    """``?lang=`` when it is a language of the site, else the request's own."""
    codes = {code for code, _name in settings.LANGUAGES}
    chosen = (request.GET.get("lang") or "").strip().lower()
    return chosen if chosen in codes else translation.get_language() or settings.LANGUAGE_CODE


def _query(request) -> str:
    return " ".join((request.GET.get("q") or "").split())[:MAX_QUERY]


def frame_policy() -> str:
    """The public Content-Security-Policy, framed by the portal and the allowed origins."""
    policy = dict(settings.PORTICO_CSP)
    policy["frame-ancestors"] = ["'self'", *allowed_origins()]
    return header_value(policy)


def _private(response, *vary: str):
    patch_cache_control(response, private=True, no_store=True)
    patch_vary_headers(response, vary)
    return response


def support_url(query: str) -> str:
    """Contact support, with the search the customer already tried."""
    url = reverse("support:new")
    return f"{url}?{urlencode({'q': query})}" if query else url


def _search(query: str, user) -> dict:
    suggestions, answer = suggest_with_answer(query, user, limit=RESULTS_LIMIT)
    return {
        "query": query,
        "suggestions": suggestions,
        "answer": answer,
        "answer_token": answer.token(DirectAnswerFeedback.Surface.WIDGET) if answer else "",
        "support_url": support_url(query),
        "status_message": _status(query, len(suggestions)),
    }


def _status(query: str, count: int) -> str:
    if not query:
        return ""
    if not count:
        return _("No suggested answers. Contact support and we will help.")
    return ngettext("%(count)s suggested answer.", "%(count)s suggested answers.", count) % {
        "count": count
    }


@require_GET
@xframe_options_exempt
def panel(request):
    """The panel. With ``?q=`` (a search sent without JavaScript) it shows the public
    results; the panel's script searches through ``results`` instead."""
    language = _language(request)
    query = _query(request)
    with translation.override(language):
        context = {
            "language": language,
            "searched": bool(query),
            "allowed_origins": allowed_origins(),
            "portal_origin": f"{request.scheme}://{request.get_host()}",
            **_search(query, AnonymousUser()),
        }
        response = render(request, "widget/panel.html", context)
        response["Content-Language"] = language
    response["Content-Security-Policy"] = frame_policy()
    return _private(response, "Accept-Language")


@require_GET
@rate_limited("support_suggest")
def results(request):
    """``GET /widget/results/?q=&lang=``: the results as HTML to show, and the hand-off
    link, for the token's person (or public content)."""
    language = _language(request)
    query = _query(request)
    user = widget_user(request)
    with translation.override(language):
        found = _search(query, user)
        html = render_to_string("widget/results.html", found, request=request)
        data = {
            "query": query,
            "count": len(found["suggestions"]),
            "html": html,
            "status": found["status_message"],
            "support_url": found["support_url"],
        }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    return _private(response, "Authorization", "Accept-Language")


@require_GET
def config(request):
    """``GET /widget/config/?lang=``: the loader's labels and direction (CORS for allowed
    origins only)."""
    language = _language(request)
    with translation.override(language):
        data = {
            "language": language,
            "dir": "rtl" if translation.get_language_bidi() else "ltr",
            "labels": {
                "open": _("Help"),
                "close": _("Close help"),
                "title": _("Help"),
            },
        }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    origin = request.headers.get("Origin")
    if is_allowed(origin):
        response["Access-Control-Allow-Origin"] = origin
    return _private(response, "Origin", "Accept-Language")


@csrf_exempt
@require_POST
@xframe_options_exempt
@rate_limited("answer_feedback")
def answer_feedback(request):
    """``POST /widget/answer-feedback/`` (``token``, ``helpful=yes|no``, ``lang``): "Did
    this answer your question?" under the panel's direct answer. JSON for the panel's
    script; without script, a small page in the panel saying thank you."""
    language = _language_of(request.POST.get("lang"))
    shown = read_token(request.POST.get("token", ""))
    helpful = request.POST.get("helpful", "")
    with translation.override(language):
        error = ""
        if (
            shown is None
            or shown.surface != DirectAnswerFeedback.Surface.WIDGET
            or helpful not in ("yes", "no")
        ):
            error = _("This answer can no longer be rated. Search again to rate it.")
        else:
            try:
                ticket_services.record_direct_answer(shown, helpful == "yes")
            except TicketError as refused:
                error = refused.message
        if error:
            message, status = error, 400
        elif helpful == "yes":
            message, status = _("Thank you! We are glad it answered your question."), 200
        else:
            message, status = _("Thank you for telling us. Contact support and we will help."), 200
        if wants_json(request):
            response = JsonResponse(
                {"message": message} if status == 200 else {"error": message},
                status=status,
                json_dumps_params={"ensure_ascii": False},
            )
        else:
            response = render(
                request,
                "widget/feedback.html",
                {"message": message, "language": language, "back": _panel_url(language)},
                status=status,
            )
            response["Content-Language"] = language
            response["Content-Security-Policy"] = frame_policy()
    return _private(response, "Accept-Language")


def _language_of(value) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    chosen = str(value or "").strip().lower()
    return chosen if chosen in codes else translation.get_language() or settings.LANGUAGE_CODE


def _panel_url(language: str) -> str:
    return f"{reverse('widget:panel')}?{urlencode({'lang': language})}"
