from django import template

from users.avatars import avatar_svg

register = template.Library()


@register.simple_tag
def avatar(user, size: int = 32):
    """``{% avatar member 32 %}``: the member's avatar as inline SVG (``users.avatars``)."""
    return avatar_svg(user, int(size))
