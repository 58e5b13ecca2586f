"""Writes to a member's own profile."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from segments.models import Segment

from .language import supported_language


class NotAProduct(ValueError):
    pass


class NotARole(ValueError):
    pass


class NotALanguage(ValueError):
    pass


def set_language(user, language: str):
    """Remember ``language`` (a code of ``LANGUAGES``) as ``user``'s language."""
    code = supported_language(language)
    if not code:
        raise NotALanguage(f"{language!r} is not a language of the site")
    if user.language != code:
        user.language = code
        user.save(update_fields=["language"])
    return user


@transaction.atomic
def update_profile(
    user,
    *,
    display_name: str,
    declared_products: Iterable[Segment] = (),
    declared_role: Segment | None = None,
    language: str | None = None,
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
    fields = ["display_name", "declared_role"]
    if language is not None:
        code = supported_language(language)
        if not code:
            raise NotALanguage(f"{language!r} is not a language of the site")
        user.language = code
        fields.append("language")
    user.display_name = (display_name or "").strip()
    user.declared_role = declared_role
    user.save(update_fields=fields)
    user.declared_products.set(products)
    return user
