"""StreamField blocks shared by articles and announcements."""

from __future__ import annotations

from django import forms
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks import StreamValue
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.fields import StreamField
from wagtail.images.blocks import ImageChooserBlock

from .markdown import (
    CALLOUT_KINDS,
    CALLOUT_LABELS,
    Heading,
    HeadingIds,
    headings,
    markdown_to_text,
    render_markdown,
)


class MarkdownBlock(blocks.TextBlock):
    """Markdown text, rendered by the one sanitizing pipeline in ``core.markdown``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("rows", 12)
        kwargs.setdefault(
            "help_text",
            _("Markdown: ## headings, **bold**, lists, tables, ```code```, ::: tip callouts."),
        )
        super().__init__(**kwargs)

    @cached_property
    def field(self):
        from .widgets import MarkdownTextarea

        widget = MarkdownTextarea(attrs={"rows": self.rows})
        return forms.CharField(widget=widget, **self.field_options)

    def render_basic(self, value, context=None):
        return render_markdown(value, heading_ids=_planned_heading_ids(value, context))

    def get_searchable_content(self, value):
        return [markdown_to_text(value)]

    class Meta:
        icon = "doc-full"
        label = _("Text (Markdown)")


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        choices=[(kind, CALLOUT_LABELS[kind]) for kind in CALLOUT_KINDS], default="note"
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


def _markdown_values(stream_value) -> list[str]:
    """The Markdown text of each text and callout block of a body stream, in order."""
    values = []
    for child in stream_value or []:
        if child.block_type == "text":
            values.append(child.value)
        elif child.block_type == "callout":
            values.append(child.value.get("text") or "")
    return values


def body_markdown(stream_value) -> str:
    """All Markdown text of a body stream, in order (for tables of contents and search)."""
    return "\n\n".join(_markdown_values(stream_value))


# --- Heading ids across a whole body ---------------------------------------------------
#
# Each block is rendered on its own ({% include_block %} per block), yet the ids of its
# headings must be unique in the whole body and match the table of contents. So the ids
# are planned once per body, in block order, with one HeadingIds, and kept on the stream
# value; a Markdown block being rendered finds its own planned ids through the page in
# its template context.

_PLAN = "_portico_heading_plan"


class _Plan:
    def __init__(self, stream_value):
        ids = HeadingIds()
        self.blocks: list[tuple[str, list[Heading]]] = []
        for value in _markdown_values(stream_value):
            self.blocks.append((value, headings(value, heading_ids=ids)))

    def headings(self) -> list[Heading]:
        return [heading for _value, found in self.blocks for heading in found]

    def ids_for(self, value) -> list[str] | None:
        for planned_value, found in self.blocks:
            if planned_value is value:
                return [heading.id for heading in found]
        return None


def _plan(stream_value) -> _Plan:
    plan = getattr(stream_value, _PLAN, None)
    if plan is None:
        plan = _Plan(stream_value)
        setattr(stream_value, _PLAN, plan)
    return plan


def body_headings(stream_value) -> list[Heading]:
    """The ``##``/``###`` headings of a whole body stream, with the ids its blocks get
    when rendered on a page: unique across the body (for the table of contents)."""
    if not stream_value:
        return []
    return _plan(stream_value).headings()


class _PlannedIds(HeadingIds):
    """Hands out the ids planned for one block, in order."""

    def __init__(self, planned: list[str]):
        super().__init__()
        self._planned = list(planned)

    def state_key(self) -> str:
        return f"planned:{','.join(self._planned)}|{super().state_key()}"

    def replay(self, claimed: list[str]) -> None:
        del self._planned[: len(claimed)]
        super().replay(claimed)

    def claim(self, title: str) -> str:
        if self._planned:
            candidate = self._planned.pop(0)
            self.taken.add(candidate)
            self.claimed.append(candidate)
            return candidate
        return super().claim(title)  # pragma: no cover - the plan parsed the same text


def _body_streams(page):
    """Body streams already loaded on ``page`` (never a query)."""
    for field in type(page)._meta.get_fields():
        if isinstance(field, StreamField):
            value = page.__dict__.get(field.name)
            if isinstance(value, StreamValue) and isinstance(value.stream_block, BodyStreamBlock):
                yield value


def _planned_heading_ids(value, context) -> HeadingIds | None:
    """The planned ids of the Markdown block ``value`` of the page being rendered, if any."""
    if not context or not value:
        return None
    page = context.get("page")
    if page is None or not hasattr(type(page), "_meta"):
        return None
    for stream_value in _body_streams(page):
        planned = _plan(stream_value).ids_for(value)
        if planned is not None:
            return _PlannedIds(planned)
    return None
