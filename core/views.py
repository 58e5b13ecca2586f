import hmac

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotFound
from django.views.decorators.http import require_GET, require_POST

from . import seo


@require_GET
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /account/",
        "Disallow: /search/",
        f"Sitemap: {seo.absolute_url('/sitemap.xml', request)}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


@require_GET
def metrics(request):
    """Counters of failures and degraded answers, in the Prometheus text format: for staff,
    or for a scraper that sends ``Authorization: Bearer <METRICS_TOKEN>``."""
    from . import metrics as counters

    token = settings.METRICS_TOKEN
    sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    allowed = (token and hmac.compare_digest(sent, token)) or (
        request.user.is_authenticated and request.user.is_staff
    )
    if not allowed:
        return HttpResponseNotFound()
    response = HttpResponse(counters.prometheus_text(), content_type="text/plain; version=0.0.4")
    response["Cache-Control"] = "no-store"
    return response


#: The most Markdown one preview renders (an article body is far shorter).
PREVIEW_MAX_CHARS = 200_000


@require_POST
def markdown_preview(request):
    """The admin Markdown editor's preview: the posted text through the site's one
    renderer (``core.markdown``), sanitized exactly as readers get it, and not cached (a
    draft being typed would only push real renders out of the cache). Registered under
    the admin, which lets only people who may use it in."""
    from .markdown import render_markdown_uncached

    text = request.POST.get("text", "")
    if len(text) > PREVIEW_MAX_CHARS:
        return HttpResponse(status=413)
    html = render_markdown_uncached(text)
    return HttpResponse(html, content_type="text/html; charset=utf-8")
