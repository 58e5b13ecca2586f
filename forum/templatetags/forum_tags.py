from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from core.markdown import USER_CONTENT_PREFIX, render_markdown

register = template.Library()


@register.filter
def forum_markdown(text):
    """A post's Markdown through the one sanitizing pipeline."""
    return render_markdown(text, id_prefix=USER_CONTENT_PREFIX)


@register.filter
def member_name(user):
    return user.public_name if user is not None else _("Former member")


@register.filter
def profile_url(user):
    if user is None or not user.username:
        return ""
    return reverse("forum:profile", kwargs={"username": user.username})
