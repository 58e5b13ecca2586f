"""Page routing in a small, fixed number of queries.

Wagtail's default ``Page.route`` fetches each child as a generic page, then again in its
specific form (two queries per level), and ``get_view_restrictions`` looks up the
ancestors before the restrictions (two more). Portal pages know the type of their
children and can compute their ancestors' paths, so each of these takes one query.
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q
from django.http import Http404
from wagtail.models import PageViewRestriction


class SpecificChildRouteMixin:
    """Resolve the next path component to a child of a known type, in one query."""

    def get_child_route_queryset(self):
        """The queryset children are looked up in (override; add prefetches here)."""
        raise NotImplementedError

    def route(self, request, path_components):
        if not path_components:
            return super().route(request, path_components)
        child_slug, *remaining = path_components
        try:
            child = self.get_child_route_queryset().child_of(self).get(slug=child_slug)
        except ObjectDoesNotExist:
            raise Http404 from None
        # Breadcrumbs walk up with get_parent(): keep the parent already in hand.
        child._cached_parent_obj = self
        return child.route(request, remaining)


class SingleQueryViewRestrictionsMixin:
    """``get_view_restrictions`` with the same meaning as Wagtail's, in one query.

    A restriction applies when it is set on this page or an ancestor — or, for a page
    that is an alias, on the page it is an alias of (aliases carry no restrictions).
    """

    def get_view_restrictions(self):
        steplen = self.steplen
        paths = [self.path[:end] for end in range(steplen, len(self.path) + 1, steplen)]
        return PageViewRestriction.objects.filter(
            Q(page__path__in=paths, page__alias_of__isnull=True) | Q(page__aliases__path__in=paths)
        ).distinct()
