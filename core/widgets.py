"""The admin's Markdown editor: a textarea that EasyMDE (vendored under static/vendor/)
turns into an editor with a toolbar, a preview drawn by the site's own renderer
(``core.markdown`` through an admin-only endpoint) and help for tables and callouts.

The editor starts from a Stimulus controller (``portico-markdown``), so it also starts
in StreamField blocks added after the page loaded. Without JavaScript it is a textarea.
"""

from __future__ import annotations

import json

from django import forms
from django.urls import reverse
from django.utils.translation import gettext as _


def toolbar_labels() -> dict[str, str]:
    """Tooltips of the toolbar buttons, in the editor's language."""
    return {
        "bold": _("Bold"),
        "italic": _("Italic"),
        "heading": _("Heading"),
        "quote": _("Quote"),
        "unordered-list": _("Bulleted list"),
        "ordered-list": _("Numbered list"),
        "link": _("Link"),
        "table": _("Table"),
        "code": _("Code"),
        "horizontal-rule": _("Horizontal line"),
        "preview": _("Preview"),
        "side-by-side": _("Side by side"),
        "help": _("Markdown help"),
        "loading": _("Rendering the preview…"),
        "failed": _("The preview could not be rendered."),
    }


class MarkdownTextarea(forms.Textarea):
    template_name = "core/widgets/markdown_textarea.html"

    def __init__(self, attrs=None):
        super().__init__({"rows": 12, **(attrs or {})})

    def get_context(self, name, value, attrs):
        attrs = {
            **(attrs or {}),
            "data-controller": "portico-markdown",
            "data-portico-markdown-preview-url-value": reverse("markdown_preview"),
            "data-portico-markdown-labels-value": json.dumps(toolbar_labels()),
            "dir": "auto",
        }
        return super().get_context(name, value, attrs)

    class Media:
        css = {"all": ["vendor/easymde/easymde.min.css", "css/markdown-editor.css"]}
        js = ["vendor/easymde/easymde.min.js", "js/markdown-editor.js"]
