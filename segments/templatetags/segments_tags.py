"""Template helpers that ask the access policy."""

from __future__ import annotations

from django import template

from segments import policy

register = template.Library()


@register.filter
def is_privileged(user) -> bool:
    """``{% if user|is_privileged %}``: editors and staff (they may use the admin)."""
    return policy.is_privileged(user)
