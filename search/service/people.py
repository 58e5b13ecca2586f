"""Who is searching: access terms, products, role and stage; product names."""

from __future__ import annotations

import time
from collections import defaultdict

from django.db.models import Q

from segments import policy

from .. import ranking

# --- Who is searching ---------------------------------------------------------------------


def anonymous_person(user) -> ranking.Person:
    """Only the person's access, no personal ranking: results that are the same for every
    reader with the same access (an article's related articles)."""
    return ranking.Person(access=policy.access_terms(user))


def person_for(user) -> ranking.Person:
    """Access terms plus the person's products, role and stage (declared or granted)."""
    from segments.models import Segment

    access = policy.access_terms(user)
    if user is None or not getattr(user, "is_authenticated", False):
        return ranking.Person(access=access)
    granted = policy.granted_segment_ids(user)
    # Kept on the user object for the request, and only while the grants are the same
    # (``policy.forget`` after a grant changes them).
    cached = getattr(user, "_portico_search_person", None)
    if cached is not None and cached[0] == granted:
        return cached[1]
    rows = Segment.objects.filter(
        Q(pk__in=granted) | Q(declared_by=user.pk) | Q(declared_role_of=user.pk)
    ).values_list("pk", "kind", "slug")
    kinds: dict[str, set[str]] = defaultdict(set)
    for pk, kind, slug in rows:
        if kind == Segment.Kind.STAGE and pk not in granted:
            continue  # a stage is granted, never declared
        kinds[kind].add(slug)
    keys = sorted(f"{kind}:{slug}" for kind, slugs in kinds.items() for slug in slugs)
    person = ranking.Person(
        access=access,
        products=frozenset(kinds[Segment.Kind.PRODUCT]),
        roles=frozenset(kinds[Segment.Kind.ROLE]),
        stages=frozenset(kinds[Segment.Kind.STAGE]),
        label=" ".join(keys)[:300] or ("staff" if access is None else "member"),
    )
    user._portico_search_person = (granted, person)
    return person


def product_names() -> dict[str, str]:
    """Product segment slugs → names (a small table, cached per process for a minute)."""
    from segments.models import Segment

    now = time.monotonic()
    if _PRODUCTS["table"] is None or now - _PRODUCTS["at"] > 60:
        _PRODUCTS["table"] = dict(
            Segment.objects.filter(kind=Segment.Kind.PRODUCT).values_list("slug", "name")
        )
        _PRODUCTS["at"] = now
    return _PRODUCTS["table"]


_PRODUCTS: dict = {"table": None, "at": 0.0}


def forget_product_names(*args, **kwargs) -> None:
    _PRODUCTS["table"] = None
