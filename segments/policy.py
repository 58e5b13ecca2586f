"""The one access policy: "may this person see this?".

Every feature that shows content — pages, listings, search, suggestions, feeds, sitemaps,
related content, emails, APIs — asks here. Nothing else decides access.

Rules:
- an item that is not ``restricted`` is visible to everyone, anonymous visitors included;
- a restricted item is visible to people *granted* one of its target segments
  (``SegmentMembership``), and to editors and staff;
- what a member *declares* (products, role) never unlocks anything.
"""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.db.models import BigIntegerField, Q, QuerySet, Value

from .models import SegmentMembership

PUBLIC_TERM = "public"
_GRANTED_CACHE = "_portico_granted_segment_ids"


def is_privileged(user) -> bool:
    """Editors (anyone who may use the Wagtail admin) and staff see everything."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser or user.is_staff:
        return True
    return _load(user)[1]


def granted_segment_ids(user) -> frozenset[int]:
    """Ids of the segments granted to ``user`` (cached on the user object per request)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    return _load(user)[0]


_ADMIN_MARKER = -1


def _load(user) -> tuple[frozenset[int], bool]:
    """A member's grants and whether they may use the Wagtail admin, in one query.

    Every page a signed-in member views needs both answers, so they are fetched together
    (a UNION of the active memberships and a marker row when the member holds Wagtail's
    ``access_admin`` permission directly or through a group) and kept on the user object
    for the rest of the request.
    """
    cached = getattr(user, _GRANTED_CACHE, None)
    if cached is None:
        memberships = (
            SegmentMembership.objects.active()
            .filter(user_id=user.pk)
            .values_list("segment_id", flat=True)
            .order_by()
        )
        admin_access = (
            Permission.objects.filter(
                codename="access_admin", content_type__app_label="wagtailadmin"
            )
            .filter(Q(user=user.pk) | Q(group__user=user.pk))
            .annotate(marker=Value(_ADMIN_MARKER, output_field=BigIntegerField()))
            .values_list("marker", flat=True)
            .order_by()
        )
        ids = set(memberships.union(admin_access, all=True))
        cached = (frozenset(ids - {_ADMIN_MARKER}), _ADMIN_MARKER in ids)
        setattr(user, _GRANTED_CACHE, cached)
    return cached


def forget(user) -> None:
    """Drop the cached grants, after they changed."""
    if user is not None and hasattr(user, _GRANTED_CACHE):
        delattr(user, _GRANTED_CACHE)


def segment_term(segment_id: int) -> str:
    return f"segment:{segment_id}"


def access_terms(user) -> list[str] | None:
    """Terms a search query must match; ``None`` means "no filter" (editors and staff)."""
    if is_privileged(user):
        return None
    return [PUBLIC_TERM, *(segment_term(pk) for pk in sorted(granted_segment_ids(user)))]


def document_access_terms(obj) -> list[str]:
    """Terms stored with an item in the search index."""
    if not getattr(obj, "restricted", False):
        return [PUBLIC_TERM]
    return [segment_term(pk) for pk in sorted(_segment_ids(obj))]


def _segment_ids(obj) -> set[int]:
    return {segment.pk for segment in obj.segments.all()}


def can_view(obj, user) -> bool:
    if not getattr(obj, "restricted", False):
        return True
    if is_privileged(user):
        return True
    return bool(_segment_ids(obj) & granted_segment_ids(user))


def visible_to(queryset: QuerySet, user) -> QuerySet:
    """Narrow a queryset of targeted content to what ``user`` may see."""
    if is_privileged(user):
        return queryset
    granted = granted_segment_ids(user)
    allowed = Q(restricted=False)
    if granted:
        model = queryset.model
        allowed |= Q(pk__in=model.objects.filter(segments__in=granted).values("pk"))
    return queryset.filter(allowed)
