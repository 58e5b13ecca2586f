"""StreamField blocks shared by articles and announcements."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

from .markdown import CALLOUT_KINDS, markdown_to_text, render_markdown


class MarkdownBlock(blocks.TextBlock):
    """Markdown text, rendered by the one sanitizing pipeline in ``core.markdown``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("rows", 12)
        kwargs.setdefault(
            "help_text",
            _("Markdown: ## headings, **bold**, lists, tables, ```code```, ::: tip callouts."),
        )
        super().__init__(**kwargs)

    def render_basic(self, value, context=None):
        return render_markdown(value)

    def get_searchable_content(self, value):
        return [markdown_to_text(value)]

    class Meta:
        icon = "doc-full"
        label = _("Text (Markdown)")


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        choices=[(kind, kind.title()) for kind in CALLOUT_KINDS], default="note"
    )
    title = blocks.CharBlock(required=False, max_length=120)
    text = MarkdownBlock(rows=4)

    class Meta:
        icon = "warning"
        label = _("Callout")
        template = "blocks/callout.html"


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock()
    alt_text = blocks.CharBlock(
        required=False, max_length=200, help_text=_("Describe the image for screen readers.")
    )
    caption = blocks.CharBlock(required=False, max_length=250)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "blocks/image.html"


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock()
    title = blocks.CharBlock(
        required=False, max_length=200, help_text=_("Defaults to the file title.")
    )
    description = blocks.CharBlock(required=False, max_length=250)

    class Meta:
        icon = "doc-full-inverse"
        label = _("Attached document")
        template = "blocks/document.html"


class BodyStreamBlock(blocks.StreamBlock):
    text = MarkdownBlock()
    callout = CalloutBlock()
    image = ImageBlock()
    document = DocumentBlock()

    class Meta:
        block_counts = {}


def body_markdown(stream_value) -> str:
    """All Markdown text of a body stream, in order (for tables of contents and search)."""
    parts = []
    for child in stream_value or []:
        if child.block_type == "text":
            parts.append(child.value)
        elif child.block_type == "callout":
            parts.append(child.value.get("text") or "")
    return "\n\n".join(parts)
