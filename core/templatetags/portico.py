"""Small template helpers shared by the site templates."""

from __future__ import annotations

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from core import dates, languages

register = template.Library()


@register.filter(expects_localtime=True, is_safe=False)
def human_date(value, style: str = "date") -> str:
    """A date for people, in the active language (Solar Hijri in Persian).

    ``{{ page.date|human_date }}``, ``{{ message.created_at|human_date:"datetime" }}``;
    styles: ``date``, ``datetime``, ``month``, ``short``, ``short_datetime``.
    """
    try:
        return dates.human_date(value, style)
    except (TypeError, ValueError, AttributeError):
        return ""


@register.filter(expects_localtime=True)
def human_since(value) -> str:
    """``{{ question.last_activity_at|human_since }}``: ``3 days`` (Persian digits in fa)."""
    try:
        return dates.human_since(value)
    except (TypeError, ValueError, AttributeError):
        return ""


@register.simple_tag(takes_context=True)
def nav_current(context, url: str) -> str:
    """The ``aria-current`` value for a navigation link to ``url``, or ``""``.

    ``page`` on the page itself, ``true`` anywhere below it.
    """
    request = context.get("request")
    if request is None or not url:
        return ""
    path = request.path
    if path == url:
        return "page"
    if url != "/" and path.startswith(url):
        return "true"
    return ""


@register.filter
def number(value):
    """A count in the reader's digits (Persian digits in Persian), usable as the counter
    of ``{% blocktranslate count counter=n|number %}``."""
    return dates.local_number(value)


@register.filter
def initial(user) -> str:
    """First letter of a member's public name, for the account avatar."""
    name = getattr(user, "public_name", "") or ""
    return name[:1].upper() or "?"


@register.filter
def join_names(items) -> str:
    """``Ledger``, ``Ledger and Relay``, ``Ledger, Relay and Atlas`` (translated)."""
    names = [str(getattr(item, "name", item)) for item in items]
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    return _("%(items)s and %(last)s") % {"items": ", ".join(names[:-1]), "last": names[-1]}


@register.simple_tag
def first_url(*names: str) -> str:
    """The URL of the first of ``names`` that resolves, or ``""``.

    ``{% first_url "announcements:subscriptions" "announcements_account:subscriptions" as url %}``
    lets a template link to a feature only when it is installed.
    """
    for name in names:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return ""


@register.simple_tag
def content_lang(obj) -> str:
    """`` lang="fa" dir="rtl"`` for an element holding ``obj``'s text.

    ``<div class="prose content-lang"{% content_lang page %}>``: the content keeps its own
    language and direction whatever the interface's (``.content-lang`` isolates it). Text
    of no known language gets `` dir="auto"``: the browser takes its direction from it.
    """
    code = languages.content_language(obj)
    if not code:
        return mark_safe(' dir="auto"')
    return format_html(' lang="{}" dir="{}"', code, languages.direction(code))


class SharedFragmentNode(template.Node):
    def __init__(self, nodelist, name, key):
        self.nodelist, self.name, self.key = nodelist, name, key

    def render(self, context):
        from core import fragments

        key = self.key.resolve(context)
        # A preview shows a draft: it is neither kept for readers nor served the live page.
        if not key or getattr(context.get("request"), "is_preview", False):
            return self.nodelist.render(context)
        signature, *parts = key
        return fragments.cached(
            f"html:{self.name.resolve(context)}",
            str(signature),
            tuple(parts),
            lambda: self.nodelist.render(context),
        )


@register.tag("shared")
def shared(parser, token):
    """``{% shared "name" key %}…{% endshared %}``: the block's HTML, kept like a shared
    fragment (``core.fragments``) under ``key`` — ``(access signature, *parts)``, made by
    the view from everything the block shows — until content changes. The block must hold
    nothing personal (no CSRF token, no name) beyond what ``key`` names. No key, or an
    editor's preview: rendered every time."""
    bits = token.split_contents()
    if len(bits) != 3:
        raise template.TemplateSyntaxError("{% shared %} takes a name and a key.")
    nodelist = parser.parse(("endshared",))
    parser.delete_first_token()
    return SharedFragmentNode(
        nodelist, parser.compile_filter(bits[1]), parser.compile_filter(bits[2])
    )
