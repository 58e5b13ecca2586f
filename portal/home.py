"""What the home page shows a given visitor.

Everything listed goes through ``segments.policy.visible_to``. For a signed-in member, items
about *their* products come first: the products they declared on their profile plus the
product segments they were granted. Declared products only reorder what the member could
see anyway; they never unlock restricted content.

The page costs a fixed number of queries whatever the amount of content: one for the
product segments, one per list (each item carries its segment ids, aggregated in SQL) and
one for the categories with their article counts.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Aggregate, CharField, Exists, OuterRef, Subquery, Value

from announcements.models import AnnouncementPage
from core import fragments
from kb.models import ArticlePage
from kb.queries import categories_with_counts
from segments import policy
from segments.models import Segment

ANNOUNCEMENT_LIMIT = 4
FEATURED_LIMIT = 6
# How many recent items to consider before reordering for the member's products.
CANDIDATES = 24


class IdList(Aggregate):
    """Comma-separated values: ``GROUP_CONCAT`` (SQLite, MySQL), ``STRING_AGG`` (PostgreSQL)."""

    function = "GROUP_CONCAT"
    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            function="STRING_AGG",
            template="%(function)s(%(expressions)s::text, ',')",
            **extra_context,
        )


def with_segment_ids(queryset):
    """Annotate targeted content with ``segment_id_list`` ("3,7"), saving a prefetch query."""
    field = queryset.model._meta.get_field("segments")
    through = field.remote_field.through
    owner = field.m2m_field_name()
    ids = (
        through.objects.filter(**{owner: OuterRef("pk")})
        .order_by()
        .values(owner)
        .annotate(ids=IdList("segment_id"))
        .values("ids")
    )
    return queryset.annotate(segment_id_list=Subquery(ids, output_field=CharField()))


def product_segments(user) -> list[Segment]:
    """All product segments, each marked ``declared`` when ``user`` declared it."""
    queryset = Segment.objects.filter(kind=Segment.Kind.PRODUCT).order_by("sort_order", "name")
    if user is not None and getattr(user, "is_authenticated", False):
        declared = get_user_model().declared_products.through.objects.filter(
            user_id=user.pk, segment_id=OuterRef("pk")
        )
        return list(queryset.annotate(declared=Exists(declared)))
    return list(queryset.annotate(declared=Value(False)))


def focus_products(user, products: list[Segment] | None = None) -> list[Segment]:
    """The member's products: declared on the profile, or granted as product segments."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    products = product_segments(user) if products is None else products
    granted = policy.granted_segment_ids(user)
    return [s for s in products if s.declared or s.pk in granted]


def _mark(items, products_by_id: dict[int, Segment], focus_ids: set[int]) -> list:
    """Give each item its product segments and those that are the member's."""
    items = list(items)
    for item in items:
        ids = [int(pk) for pk in (item.segment_id_list or "").split(",") if pk]
        item.products = [products_by_id[pk] for pk in sorted(ids) if pk in products_by_id]
        item.products.sort(key=lambda s: (s.sort_order, s.name))
        item.for_you = [s for s in item.products if s.pk in focus_ids]
    return items


def _in_locale(queryset, locale_id: int | None):
    return queryset if locale_id is None else queryset.filter(locale_id=locale_id)


def latest_announcements(
    user,
    products_by_id: dict,
    focus_ids: set[int],
    limit: int = ANNOUNCEMENT_LIMIT,
    locale_id: int | None = None,
) -> list:
    """Pinned first, then the member's products, then the newest (in one locale, when
    given)."""
    queryset = policy.visible_to(
        _in_locale(AnnouncementPage.objects.live(), locale_id), user
    ).order_by("-pinned", "-date", "-pk")
    candidates = _mark(with_segment_ids(queryset)[:CANDIDATES], products_by_id, focus_ids)
    # A stable sort keeps "newest first" inside each group.
    candidates.sort(key=lambda a: (not a.pinned, not a.for_you))
    return candidates[:limit]


def featured_articles(
    user,
    products_by_id: dict,
    focus_ids: set[int],
    categories_by_path: dict,
    limit: int = FEATURED_LIMIT,
    locale_id: int | None = None,
) -> list:
    """Featured articles the user may read (in one locale, when given); the member's
    products first."""
    queryset = policy.visible_to(
        _in_locale(ArticlePage.objects.live().filter(featured=True), locale_id), user
    ).order_by("-last_published_at", "-pk")
    candidates = _mark(with_segment_ids(queryset)[:CANDIDATES], products_by_id, focus_ids)
    candidates.sort(key=lambda a: not a.for_you)
    for article in candidates:
        article.category = categories_by_path.get(article.path[: -ArticlePage.steplen])
    return candidates[:limit]


def home_sections(user, locale_id: int | None = None) -> dict:
    """Context for the home page template: the content of the home's own language
    (``locale_id``) only — each language's home lists its own tree."""
    products = product_segments(user)
    focus = focus_products(user, products)
    focus_ids = {s.pk for s in focus}
    products_by_id = {s.pk: s for s in products}

    def blocks():
        categories = categories_with_counts(user, locale_id)
        by_path = {c.path: c for c in categories}
        return (
            latest_announcements(user, products_by_id, focus_ids, locale_id=locale_id),
            featured_articles(user, products_by_id, focus_ids, by_path, locale_id=locale_id),
            [c for c in categories if c.article_count],
        )

    # The same for everyone with this access signature and these products of focus
    # (which only reorder what they may see).
    signature = policy.access_signature(user)
    parts = (",".join(str(pk) for pk in sorted(focus_ids)), locale_id or "")
    announcements, featured, categories = fragments.cached("home", signature, parts, blocks)
    return {
        # The blocks' HTML is kept under the same key (``{% shared %}``).
        "blocks_key": (signature, *parts),
        "focus_products": focus,
        "announcements": announcements,
        "featured_articles": featured,
        "categories": categories,
    }
