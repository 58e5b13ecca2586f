"""The one access policy: "may this person see this?".

Every feature that shows content — pages, listings, search, suggestions, feeds, sitemaps,
related content, emails, APIs — asks here. Nothing else decides access.

Rules:
- an item that is not ``restricted`` is visible to everyone, anonymous visitors included;
- a restricted item is visible to people *granted* one of its target segments
  (``SegmentMembership``), and to editors and staff;
- what a member *declares* (products, role) never unlocks anything;
- a page under Wagtail's own privacy (``PageViewRestriction`` on it or an ancestor) is
  visible only to people that privacy lets in: signed-in members for "login", members of
  the chosen groups for "groups", and — since a password is a browser session's secret, not
  a person's — nobody but editors and staff for "password". Serving such a page stays
  Wagtail's job (it answers with the sign-in page or the password form); everything that
  lists or links pages asks here.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db.models import BigIntegerField, Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.lookups import StartsWith
from wagtail.models import Page, PageViewRestriction

from .models import SegmentMembership

PUBLIC_TERM = "public"
_GRANTED_CACHE = "_portico_granted_segment_ids"
_GROUPS_CACHE = "_portico_group_ids"
_RESTRICTIONS_CACHE = "_portico_view_restrictions"


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
_SEGMENT, _GROUP, _ADMIN = 0, 1, 2


def _load(user) -> tuple[frozenset[int], bool]:
    """A member's grants and whether they may use the Wagtail admin, in one query.

    Every page a signed-in member views needs both answers, so they are fetched together
    (a UNION of the active memberships, the member's groups — for Wagtail's page privacy
    and the access signature — and a marker row when the member holds Wagtail's
    ``access_admin`` permission directly or through a group) and kept on the user object
    for the rest of the request.
    """
    cached = getattr(user, _GRANTED_CACHE, None)
    if cached is None:
        memberships = (
            SegmentMembership.objects.active()
            .filter(user_id=user.pk)
            .annotate(kind=Value(_SEGMENT, output_field=BigIntegerField()))
            .values_list("kind", "segment_id")
            .order_by()
        )
        groups = (
            Group.objects.filter(user=user.pk)
            .annotate(kind=Value(_GROUP, output_field=BigIntegerField()))
            .values_list("kind", "pk")
            .order_by()
        )
        admin_access = (
            Permission.objects.filter(
                codename="access_admin", content_type__app_label="wagtailadmin"
            )
            .filter(Q(user=user.pk) | Q(group__user=user.pk))
            .annotate(
                kind=Value(_ADMIN, output_field=BigIntegerField()),
                marker=Value(_ADMIN_MARKER, output_field=BigIntegerField()),
            )
            .values_list("kind", "marker")
            .order_by()
        )
        rows = list(memberships.union(groups, admin_access, all=True))
        segment_ids = frozenset(pk for kind, pk in rows if kind == _SEGMENT)
        group_ids = frozenset(pk for kind, pk in rows if kind == _GROUP)
        cached = (segment_ids, any(kind == _ADMIN for kind, _pk in rows))
        setattr(user, _GRANTED_CACHE, cached)
        if getattr(user, _GROUPS_CACHE, None) is None:
            setattr(user, _GROUPS_CACHE, group_ids)
    return cached


def access_signature(user) -> str:
    """What decides what ``user`` may see, as a short string: equal for everyone who sees
    exactly the same content, different otherwise.

    Anything cached for several people (listings, related content, tag clouds, home
    blocks) is keyed by it — never by the person, and never shared across signatures.
    It covers every input of ``can_view``/``visible_to``: privileged or not, signed in or
    not (Wagtail's "login" privacy), the granted segments and the groups (Wagtail's
    "groups" privacy).
    """
    if not _is_authenticated(user):
        return "anonymous"
    if is_privileged(user):
        return "privileged"
    segments = ",".join(str(pk) for pk in sorted(granted_segment_ids(user)))
    groups = ",".join(str(pk) for pk in sorted(_group_ids(user)))
    return f"member:s={segments}:g={groups}"


def forget(user) -> None:
    """Drop the cached grants (and group memberships), after they changed."""
    for name in (_GRANTED_CACHE, _GROUPS_CACHE):
        if user is not None and hasattr(user, name):
            delattr(user, name)


def _is_authenticated(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


# --- Wagtail's page privacy ------------------------------------------------------------


def _blocking_restrictions(user) -> QuerySet:
    """The view restrictions ``user`` does not pass (privileged users aside)."""
    restrictions = PageViewRestriction.objects.all()
    if not _is_authenticated(user):
        return restrictions
    in_group = PageViewRestriction.groups.through.objects.filter(
        pageviewrestriction_id=OuterRef("pk"), group__user=user.pk
    )
    return restrictions.exclude(restriction_type=PageViewRestriction.LOGIN).exclude(
        Q(restriction_type=PageViewRestriction.GROUPS) & Q(Exists(in_group))
    )


def _outside_page_privacy(queryset: QuerySet, user) -> QuerySet:
    """Pages not at or below a view restriction ``user`` does not pass.

    A correlated ``NOT EXISTS`` in the same query (no extra round trip). It follows
    Wagtail's own lookup: a restriction covers its page's subtree, and the subtree of
    every alias of that page; a restriction set on an alias itself is ignored.
    """
    covering = Q(StartsWith(OuterRef("path"), F("page__path")), page__alias_of__isnull=True) | Q(
        StartsWith(OuterRef("path"), F("page__aliases__path"))
    )
    return queryset.exclude(Exists(_blocking_restrictions(user).filter(covering)))


def _view_restrictions(page) -> list[tuple[str, frozenset[int]]]:
    """(type, group ids) of the restrictions on ``page`` and its ancestors, kept on the
    page object (one query), so checking many people against one page stays cheap."""
    cached = getattr(page, _RESTRICTIONS_CACHE, None)
    if cached is None:
        groups: dict[int, set[int]] = {}
        types: dict[int, str] = {}
        for pk, kind, group_id in page.get_view_restrictions().values_list(
            "pk", "restriction_type", "groups__id"
        ):
            types[pk] = kind
            groups.setdefault(pk, set())
            if group_id is not None:
                groups[pk].add(group_id)
        cached = [(types[pk], frozenset(groups[pk])) for pk in sorted(types)]
        setattr(page, _RESTRICTIONS_CACHE, cached)
    return cached


def _group_ids(user) -> frozenset[int]:
    cached = getattr(user, _GROUPS_CACHE, None)
    if cached is None:
        cached = frozenset(user.groups.values_list("pk", flat=True))
        setattr(user, _GROUPS_CACHE, cached)
    return cached


def passes_page_privacy(page, user) -> bool:
    """Whether Wagtail's privacy on ``page`` (or an ancestor) lets ``user`` see it."""
    restrictions = _view_restrictions(page)
    if not restrictions or is_privileged(user):
        return True
    for kind, group_ids in restrictions:
        if kind == PageViewRestriction.LOGIN and _is_authenticated(user):
            continue
        if (
            kind == PageViewRestriction.GROUPS
            and _is_authenticated(user)
            and group_ids & _group_ids(user)
        ):
            continue
        return False
    return True


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


def can_view(obj, user, *, page_privacy: bool = True) -> bool:
    """May ``user`` see ``obj``?

    ``page_privacy=False`` leaves Wagtail's page privacy out: only for serving a page, where
    Wagtail itself answers with the sign-in page or the password form.
    """
    if page_privacy and isinstance(obj, Page) and not passes_page_privacy(obj, user):
        return False
    if not getattr(obj, "restricted", False):
        return True
    if is_privileged(user):
        return True
    return bool(_segment_ids(obj) & granted_segment_ids(user))


def visible_to(queryset: QuerySet, user) -> QuerySet:
    """Narrow a queryset of targeted content (or of pages) to what ``user`` may see."""
    if is_privileged(user):
        return queryset
    model = queryset.model
    if issubclass(model, Page):
        queryset = _outside_page_privacy(queryset, user)
    if not hasattr(model, "restricted"):
        return queryset
    granted = granted_segment_ids(user)
    allowed = Q(restricted=False)
    if granted:
        allowed |= Q(pk__in=model.objects.filter(segments__in=granted).values("pk"))
    return queryset.filter(allowed)


# --- Files: documents and images follow the content that uses them ----------------------


def _passes_collection_privacy(obj, user) -> bool:
    """Wagtail's collection privacy (login, groups; a password is for editors only)."""
    collection = getattr(obj, "collection", None)
    if collection is None:
        return True
    from wagtail.models import CollectionViewRestriction

    for restriction in collection.get_view_restrictions():
        if restriction.restriction_type == CollectionViewRestriction.LOGIN and _is_authenticated(
            user
        ):
            continue
        if (
            restriction.restriction_type == CollectionViewRestriction.GROUPS
            and _is_authenticated(user)
            and set(restriction.groups.values_list("pk", flat=True)) & _group_ids(user)
        ):
            continue
        return False
    return True


def pages_using(obj) -> dict[type[Page], list[str]]:
    """Specific page models → ids of the pages whose content uses ``obj`` (a document or
    an image), from Wagtail's reference index."""
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import ReferenceIndex

    page_type = ContentType.objects.get_for_model(Page)
    found: dict[type[Page], list[str]] = {}
    rows = ReferenceIndex.get_references_to(obj).filter(base_content_type=page_type)
    for content_type_id, object_id in rows.values_list("content_type_id", "object_id"):
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        if model is not None and issubclass(model, Page):
            found.setdefault(model, []).append(object_id)
    return found


def can_view_file(obj, user) -> bool:
    """May ``user`` download ``obj`` — a Wagtail document or image (or a rendition's image)?

    A file follows the content that uses it: it is served to a person who may see at least
    one published page whose content uses it (the page's segments and Wagtail privacy
    apply), and never to anyone else. A file no published page uses (an upload waiting
    for its article, a file of a draft or of unpublished content) is for editors and staff
    only. Wagtail's collection privacy applies on top.
    """
    if is_privileged(user):
        return True
    if not _passes_collection_privacy(obj, user):
        return False
    for model, ids in pages_using(obj).items():
        if visible_to(model._default_manager.live().filter(pk__in=ids), user).exists():
            return True
    return False
