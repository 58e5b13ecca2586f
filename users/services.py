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


class InvalidEmail(ValueError):
    pass


@transaction.atomic
def upsert_by_email(
    email: str,
    *,
    display_name: str | None = None,
    language: str | None = None,
    is_active: bool | None = None,
):
    """The account of ``email`` (whatever its case), created when there is none, with the
    given fields set (``None``: left as it is). Returns ``(user, created)``.

    A new account has no password: its person signs in by resetting one (or by a
    provider), and confirms the address as any member does — an integration never
    vouches for an email (it is not marked verified).
    """
    from allauth.account.models import EmailAddress
    from allauth.utils import generate_unique_username
    from django.contrib.auth import get_user_model
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    address = (email or "").strip()
    try:
        validate_email(address)
    except ValidationError:
        raise InvalidEmail(f"{email!r} is not an email address") from None
    code = None
    if language is not None and language != "":
        code = supported_language(language)
        if not code:
            raise NotALanguage(f"{language!r} is not a language of the site")
    User = get_user_model()
    user = User.objects.select_for_update().filter(email__iexact=address).order_by("pk").first()
    created = user is None
    if created:
        user = User(email=address.lower(), username=generate_unique_username([address]))
        user.set_unusable_password()
    fields = []
    if display_name is not None:
        user.display_name = display_name.strip()[:80]
        fields.append("display_name")
    if code is not None:
        user.language = code
        fields.append("language")
    if is_active is not None:
        user.is_active = is_active
        fields.append("is_active")
    if created:
        user.save()
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
    elif fields:
        user.save(update_fields=fields)
    return user, created
