"""Inbound mail over HTTP (a provider posts each message to ``/support/inbound-email/``)
and the "This solved it — close my request" link of the suggestions email."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import render
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from tickets import services
from tickets.errors import TicketError

from .services import process_inbound
from .tokens import read_solved_token


def _secret(request) -> str:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.headers.get("X-Inbound-Secret", "") or request.GET.get("secret", "")


@csrf_exempt
@require_POST
def inbound_email(request):
    """One raw email (``message/rfc822`` as the body, or the ``email`` field of a
    multipart form), authenticated by ``SUPPORT_INBOUND_SECRET``. 404 while the secret is
    unset, 403 with a wrong one, 413 past ``SUPPORT_INBOUND_MAX_BYTES``."""
    expected = settings.SUPPORT_INBOUND_SECRET
    if not expected:
        raise Http404
    if not constant_time_compare(_secret(request), expected):
        return HttpResponseForbidden("Wrong or missing secret.")
    limit = settings.SUPPORT_INBOUND_MAX_BYTES
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        return HttpResponse("Message too large.", status=413)
    if request.content_type.startswith("multipart/"):
        upload = request.FILES.get("email")
        raw = upload.read(limit + 1) if upload else request.POST.get("email", "").encode()
    else:
        raw = request.read(limit + 1)
    if len(raw) > limit:
        return HttpResponse("Message too large.", status=413)
    if not raw.strip():
        return HttpResponse("Empty message.", status=400)
    record = process_inbound(raw)
    return JsonResponse(
        {
            "outcome": record.outcome,
            "duplicate": record.duplicate,
            "ticket": record.ticket.number if record.ticket else None,
        }
    )


@never_cache
@require_http_methods(["GET", "POST"])
def solved(request, token: str):
    """GET asks (a link checker that opens the link changes nothing), POST closes."""
    found = read_solved_token(token)
    if found is None:
        raise Http404
    ticket, key = found
    suggestion = ticket.flow.suggestions.filter(key=key).first() if ticket.flow else None
    if suggestion is None:
        raise Http404
    context = {"ticket": ticket, "suggestion": suggestion, "done": False, "error": ""}
    if request.method == "POST":
        try:
            services.close_solved_by_suggestion(ticket, ticket.requester, key)
            context["done"] = True
        except TicketError as error:
            context["error"] = error.message
    elif ticket.status == ticket.Status.CLOSED:
        context["done"] = True
    return render(request, "inbound/solved.html", context)
