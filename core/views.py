from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .home import categories_with_counts
from .simple_search import (
    KINDS,
    MAX_QUERY_LENGTH,
    clean_query,
    count_by_kind,
    search_content,
    suggestions,
)

RESULTS_PER_PAGE = 20


@require_GET
def search(request):
    """The portal search page (a database search until the search engine arrives).

    Never fails on input: the query is cleaned and shortened, unknown filters are ignored.
    """
    query, shortened = clean_query(request.GET.get("q"))
    kind = request.GET.get("type", "")
    if kind not in KINDS:
        kind = ""
    hits = search_content(query, request.user) if query else []
    counts = count_by_kind(hits)
    shown = [hit for hit in hits if hit.kind == kind] if kind else hits
    page_obj = Paginator(shown, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "query": query,
        "shortened": shortened,
        "max_length": MAX_QUERY_LENGTH,
        "kind": kind,
        "kinds": [
            {"key": key, "label": plural, "count": counts[key]}
            for key, (_model, _label, plural) in KINDS.items()
        ],
        "total": len(hits),
        "page_obj": page_obj,
        "results": page_obj.object_list,
        "base_query": urlencode({"q": query, **({"type": kind} if kind else {})}),
    }
    if not shown:
        context["suggestions"] = suggestions(request.user)
        context["categories"] = [c for c in categories_with_counts(request.user) if c.article_count]
    return render(request, "search/search.html", context)


@require_GET
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /account/",
        "Disallow: /search/",
        f"Sitemap: {settings.SITE_URL}/sitemap.xml",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")
