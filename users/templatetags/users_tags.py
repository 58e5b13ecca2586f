from django import template

from users.avatars import avatar_svg
from users.notifications import unread_count

register = template.Library()


@register.simple_tag
def avatar(user, size: int = 32):
    """``{% avatar member 32 %}``: the member's avatar as inline SVG (``users.avatars``)."""
    return avatar_svg(user, int(size))


@register.simple_tag
def unread_notifications(user) -> int:
    """The bell's count: personal, so only ever rendered outside shared fragments and on
    pages that are never page-cached (those of signed-in people)."""
    return unread_count(user)
