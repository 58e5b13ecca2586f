"""Where a page sits: its ancestors below the home page (knowledge base › category)."""

from __future__ import annotations

from wagtail.models import Page


def page_trails(pages: list) -> dict[str, list[Page]]:
    """Ancestors below the home page for each page, by page path (one query for all)."""
    steplen = Page.steplen
    wanted = set()
    for page in pages:
        # Depth 1 is the tree root and depth 2 the home page: start at depth 3.
        for depth in range(3, page.depth):
            wanted.add(page.path[: depth * steplen])
    ancestors = {}
    if wanted:
        fields = ("id", "title", "path", "depth", "url_path", "slug")
        ancestors = {p.path: p for p in Page.objects.filter(path__in=wanted).only(*fields)}
    return {
        page.path: [
            ancestors[page.path[: depth * steplen]]
            for depth in range(3, page.depth)
            if page.path[: depth * steplen] in ancestors
        ]
        for page in pages
    }
