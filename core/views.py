from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .simple_search import MAX_QUERY_LENGTH, search_content


@require_GET
def search(request):
    """The portal search page (a database search until the search engine arrives)."""
    query = (request.GET.get("q") or "").strip()
    error = ""
    if len(query) > MAX_QUERY_LENGTH:
        error = f"Searches are limited to {MAX_QUERY_LENGTH} characters; we used the first part."
        query = query[:MAX_QUERY_LENGTH]
    results = search_content(query, request.user) if query else []
    return render(
        request,
        "search/search.html",
        {"query": query, "results": results, "error": error},
    )


@require_GET
def robots_txt(request):
    lines = ["User-agent: *", "Disallow: /admin/", "Disallow: /account/",
             f"Sitemap: {settings.SITE_URL}/sitemap.xml"]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")
