"""``{% page_translations page as translations %}``: what the head's ``hreflang`` links and
the "also in your language" notice show (``portal.translations``, through the policy)."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils import translation

from core.languages import content_language
from portal import translations

register = template.Library()


@register.simple_tag(takes_context=True)
def page_translations(context, page) -> dict:
    """``alternates`` (every language of the page the reader may see, for ``hreflang``;
    empty when there is only this one, or on a page's sub-route) and ``offer``: the
    translation in the reader's interface language when the page is in another;
    ``language``: the page's content language (without a page: the reader's)."""
    request = context.get("request")
    mine = (translation.get_language() or "").split("-")[0]
    empty = {"alternates": [], "offer": None, "x_default": None, "language": mine}
    if request is None or page is None or not getattr(page, "translation_key", None):
        return empty
    found = translations.visible_translations(page, request.user)
    here = content_language(page) or mine
    empty["language"] = here
    offer = None
    if mine != here:
        offer = next((a for a in found if a.language == mine), None)
    if len(found) < 2 or request.path != page.get_url(request):
        return {**empty, "offer": offer}
    absolute = [(a.language, request.build_absolute_uri(a.url)) for a in found]
    default = settings.LANGUAGE_CODE
    x_default = next((url for code, url in absolute if code == default), None)
    return {"alternates": absolute, "offer": offer, "x_default": x_default, "language": here}
