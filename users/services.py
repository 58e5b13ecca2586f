"""Writes to a member's own profile."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from segments.models import Segment


class NotAProduct(ValueError):
    pass


class NotARole(ValueError):
    pass


@transaction.atomic
def update_profile(
    user,
    *,
    display_name: str,
    declared_products: Iterable[Segment] = (),
    declared_role: Segment | None = None,
):
    """Save what a member says about themselves.

    Declared products and role only personalize the site (ordering, the home page); they
    are never grants: nothing here touches ``SegmentMembership``.
    """
    products = list(declared_products)
    if any(segment.kind != Segment.Kind.PRODUCT for segment in products):
        raise NotAProduct("declared products must be product segments")
    if declared_role is not None and declared_role.kind != Segment.Kind.ROLE:
        raise NotARole("the declared role must be a role segment")
    user.display_name = (display_name or "").strip()
    user.declared_role = declared_role
    user.save(update_fields=["display_name", "declared_role"])
    user.declared_products.set(products)
    return user
