"""The search page, the JSON API (``/api/v1/search``) and click tracking.

All of them call ``search.service``; none talks to a backend. The API answers as the
request's person: the session, or an API token's (``api/urls.py`` serves these two views
behind ``api.auth.bearer_token``); anonymous visitors get public content only. It answers
400 with a message for parameters it cannot use, and never caches a personal answer.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.ratelimit import rate_limited
from segments import policy

from . import analytics, answers, service, signals
from .query import MAX_QUERY_LENGTH
from .registry import registry
from .schema import SORT_NEWEST, SORT_RELEVANCE, SORTS

API_MAX_QUERY = 10_000
SUGGEST_MAX_QUERY = 200


def _list(request, name: str) -> list[str]:
    values = []
    for value in request.GET.getlist(name):
        values += [v.strip() for v in value.split(",") if v.strip()]
    return list(dict.fromkeys(values))[:10]


def _page_number(value, *, strict: bool) -> int:
    if value in (None, ""):
        return 1
    try:
        number = int(value)
    except (TypeError, ValueError):
        if strict:
            raise service.InvalidRequest(_("page must be a whole number from 1.")) from None
        return 1
    if number < 1 or number > service.MAX_PAGE:
        if strict:
            raise service.InvalidRequest(
                _("page must be between 1 and %(max)s.") % {"max": service.MAX_PAGE}
            )
        return max(1, min(service.MAX_PAGE, number))
    return number


def _request(request, *, strict: bool) -> service.SearchRequest:
    sort = request.GET.get("sort") or SORT_RELEVANCE
    if sort not in SORTS:
        if strict:
            raise service.InvalidRequest(
                _("sort must be one of: %(sorts)s.") % {"sorts": ", ".join(SORTS)}
            )
        sort = SORT_RELEVANCE
    return service.SearchRequest(
        q=request.GET.get("q", ""),
        languages=_list(request, "lang"),
        reader_language=translation.get_language() or "",
        types=_list(request, "type"),
        products=_list(request, "product"),
        tags=_list(request, "tag"),
        sort=sort,
        page=_page_number(request.GET.get("page"), strict=strict),
        debug=bool(request.GET.get("debug")) and policy.is_privileged(request.user),
        strict=strict,
        exact=request.GET.get("exact") == "1",
    )


def _direct_answer(page: service.SearchPage) -> answers.DirectAnswer | None:
    """The direct answer for a page of results (the first page, by relevance), taken from
    its results: already checked against what the person may see."""
    request = page.request
    if not page.results or request.page != 1 or request.sort != SORT_RELEVANCE:
        return None
    parsed = page.parsed
    text = parsed.text
    if parsed.filters or parsed.excluded:  # the question without its operators
        mark = "?" if any(m in parsed.text for m in "?؟") else ""
        text = " ".join([*parsed.words, *parsed.phrases]) + mark
    return answers.direct_answer(text, page.results)


def _url(params: dict) -> str:
    clean = {k: v for k, v in params.items() if v not in (None, "", [])}
    return "?" + urlencode(clean, doseq=True)


@require_GET
def search_page(request):
    """``/search/?q=``: results, facets, sort, paging, "did you mean", and a helpful page
    when nothing is found. Never an error page, whatever was typed."""
    search_request = _request(request, strict=False)
    page = service.search(search_request, request.user)
    log = None
    if not page.parsed.is_empty or page.filters:
        log = analytics.log_search(page, request, "page")
        # A support request that follows shows agents what the customer searched for.
        signals.page_searched.send(sender=search_page, request=request, query=page.parsed.text)
    base = {
        "q": page.parsed.text,
        "type": search_request.types,
        "product": search_request.products,
        "tag": search_request.tags,
        "lang": search_request.languages,
        "sort": search_request.sort if search_request.sort != SORT_RELEVANCE else "",
    }
    facets = []
    for name, label in (
        ("type", _("Type")),
        ("product", _("Product")),
        ("tag", _("Tag")),
        ("lang", _("Language")),
    ):
        values = []
        for value in page.facets.get(name, []):
            chosen = list(base[name])
            selected = value.value in chosen or value.selected
            chosen = [v for v in chosen if v != value.value] if selected else [*chosen, value.value]
            values.append(
                {
                    "value": value,
                    "selected": selected,
                    "url": _url({**base, name: chosen, "page": ""}),
                }
            )
        if values:
            facets.append({"name": name, "label": label, "values": values})
    direct_answer = _direct_answer(page)
    debug = search_request.debug

    def results_html():
        return render_to_string(
            "search/results_items.html", {"results": page.results, "debug": debug}
        )

    context = {
        # The results as HTML are the same for everyone who gets the same page: kept with it
        # (a debug page is never kept, so its HTML is built each time).
        "results_html": service.kept_with(page, "html", results_html),
        "direct_answer": direct_answer,
        "direct_answer_token": direct_answer.token("search") if direct_answer else "",
        "search": page,
        "query": page.parsed.text,
        "max_length": MAX_QUERY_LENGTH,
        "results": page.results,
        "facets": facets,
        "click_token": analytics.click_token(log),
        "sort_urls": {
            SORT_RELEVANCE: _url({**base, "sort": ""}),
            SORT_NEWEST: _url({**base, "sort": SORT_NEWEST}),
        },
        "sort": search_request.sort,
        "suggestion_url": _url({**base, "q": page.suggestion}) if page.suggestion else "",
        "exact_url": (
            _url({**base, "q": page.corrected_from, "exact": "1"}) if page.corrected_from else ""
        ),
        "previous_url": _url({**base, "page": page.page - 1}) if page.has_previous else "",
        "next_url": _url({**base, "page": page.page + 1}) if page.has_next else "",
        "clear_url": _url({"q": page.parsed.text}),
        "has_filters": any(base[n] for n in ("type", "product", "tag", "lang")),
        "debug": search_request.debug,
    }
    if not page.results:
        # What each type offers instead (popular articles, topics to browse…).
        context.update(registry.zero_result_context(request.user))
    response = render(request, "search/search.html", context)
    patch_cache_control(response, private=True, no_store=True)
    return response


def _json(data, status=200) -> JsonResponse:
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    patch_cache_control(response, private=True, no_store=True)
    patch_vary_headers(response, ["Cookie"])
    return response


def _bad_request(message: str) -> JsonResponse:
    return _json({"error": {"status": 400, "message": str(message)}}, status=400)


@require_GET
@rate_limited("search_api")
def api_search(request):
    """``GET /api/v1/search?q=&type=&product=&tag=&sort=&page=``."""
    unknown = set(request.GET) - {
        "q", "type", "product", "tag", "lang", "sort", "page", "debug", "exact",
    }  # fmt: skip
    if unknown:
        return _bad_request(
            _("Unknown parameter(s): %(names)s.") % {"names": ", ".join(sorted(unknown))}
        )
    if len(request.GET.get("q", "")) > API_MAX_QUERY:
        return _bad_request(_("q is longer than %(limit)s characters.") % {"limit": API_MAX_QUERY})
    try:
        search_request = _request(request, strict=True)
        page = service.search(search_request, request.user)
    except service.InvalidRequest as exc:
        return _bad_request(str(exc))
    if not page.parsed.is_empty or page.filters:
        analytics.log_search(page, request, "api")
    data = {
        "query": page.parsed.text,
        "total": page.total,
        "page": page.page,
        "num_pages": page.num_pages,
        "results": [result.as_api() for result in page.results],
        "facets": {
            name: [{"value": v.value, "label": v.label, "count": v.count} for v in values]
            for name, values in page.facets.items()
        },
        "suggestion": page.suggestion or None,
        "corrected_from": page.corrected_from or None,
        "messages": [str(m) for m in page.messages],
        "degraded": page.degraded,
        "direct_answer": answer.as_api() if (answer := _direct_answer(page)) else None,
    }
    if search_request.debug:
        data["debug"] = [
            {"id": r.id, "explanation": [list(line) for line in r.explanation]}
            for r in page.results
        ]
    return _json(data)


@require_GET
@rate_limited("search_suggest")
def api_suggest(request):
    """``GET /api/v1/search/suggest?q=``: titles and popular queries for type-ahead."""
    unknown = set(request.GET) - {"q", "limit"}
    if unknown:
        return _bad_request(
            _("Unknown parameter(s): %(names)s.") % {"names": ", ".join(sorted(unknown))}
        )
    text = request.GET.get("q", "")
    if len(text) > SUGGEST_MAX_QUERY:
        return _bad_request(
            _("q is longer than %(limit)s characters.") % {"limit": SUGGEST_MAX_QUERY}
        )
    try:
        limit = int(request.GET.get("limit") or 8)
    except ValueError:
        return _bad_request(_("limit must be a whole number from 1 to 10."))
    if not 1 <= limit <= 10:
        return _bad_request(_("limit must be a whole number from 1 to 10."))
    try:
        found = service.suggest(text, request.user, limit=limit)
    except service.SearchUnavailable:
        found = []
    return _json({"query": text, "suggestions": [s.as_api() for s in found]})


@require_POST
@rate_limited("search_click")
def click(request):
    """A result was opened (sent by the page's script with ``navigator.sendBeacon``)."""
    analytics.record_click(
        request.POST.get("token", ""), request.POST.get("rank"), request.POST.get("item", "")
    )
    return HttpResponse(status=204)
