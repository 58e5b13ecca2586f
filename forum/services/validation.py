"""What a post must look like: titles, bodies, comments, tags, products and slugs."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.utils.text import slugify
from django.utils.translation import gettext as _

from segments.models import Segment

from .. import conf
from ..errors import InvalidPost, NotAllowed
from ..models import Question
from ..visibility import can_view_product, can_view_question

_TAG_RE = re.compile(r"^[\w][\w .+#-]*$")


_SPACES = re.compile(r"\s+")


def clean_title(title: str) -> str:
    title = _SPACES.sub(" ", title or "").strip()
    low, high = conf.get("FORUM_TITLE_MIN_LENGTH"), conf.get("FORUM_TITLE_MAX_LENGTH")
    if len(title) < low:
        raise InvalidPost(_("The title needs at least %(n)s characters.") % {"n": low})
    if len(title) > high:
        raise InvalidPost(_("The title can have at most %(n)s characters.") % {"n": high})
    return title


def clean_body(body: str) -> str:
    body = (body or "").strip()
    low, high = conf.get("FORUM_BODY_MIN_LENGTH"), conf.get("FORUM_BODY_MAX_LENGTH")
    if len(body) < low:
        raise InvalidPost(_("Please write at least %(n)s characters.") % {"n": low})
    if len(body) > high:
        raise InvalidPost(
            _("Posts can have at most %(n)s characters (this one has %(count)s).")
            % {"n": high, "count": len(body)}
        )
    return body


def clean_comment(body: str) -> str:
    body = (body or "").strip()
    high = conf.get("FORUM_COMMENT_MAX_LENGTH")
    if len(body) < 2:
        raise InvalidPost(_("The comment is empty."))
    if len(body) > high:
        raise InvalidPost(
            _("Comments can have at most %(n)s characters (this one has %(count)s).")
            % {"n": high, "count": len(body)}
        )
    return body


def parse_tags(tags: str | Iterable[str]) -> list[str]:
    """``"Webhooks, signing secret"`` → ``["webhooks", "signing secret"]`` (1 to N tags)."""
    items = tags.split(",") if isinstance(tags, str) else list(tags)
    cleaned: list[str] = []
    for item in items:
        name = _SPACES.sub(" ", str(item)).strip().lower()
        if name and name not in cleaned:
            cleaned.append(name)
    most = conf.get("FORUM_MAX_TAGS")
    if not cleaned:
        raise InvalidPost(_("Add at least one tag."))
    if len(cleaned) > most:
        raise InvalidPost(_("Use at most %(n)s tags.") % {"n": most})
    for name in cleaned:
        if len(name) < 2 or len(name) > 40 or not _TAG_RE.match(name):
            raise InvalidPost(
                _("“%(tag)s” is not a valid tag: use 2 to 40 letters, digits, spaces or - . + #.")
                % {"tag": name[:50]}
            )
    return cleaned


def tag_string(question: Question) -> str:
    return ", ".join(sorted(tag.name for tag in question.tags.all()))


def _check_product(product, user=None) -> Segment:
    """A product segment that ``user`` (when given) may see the forum of: nobody posts
    into a restricted product's forum they cannot open (the question would vanish from
    under them)."""
    if not isinstance(product, Segment) or product.kind != Segment.Kind.PRODUCT:
        raise InvalidPost(_("Choose the product your question is about."))
    if user is not None and not can_view_product(product, user):
        raise InvalidPost(_("Choose the product your question is about."))
    return product


#: Paths under /community/q/<id>/ that a slug must not take.
RESERVED_SLUGS = frozenset({"edit", "history", "answer", "comment", "watch"})


def slug_for(title: str) -> str:
    slug = slugify(title, allow_unicode=True)[:150].strip("-") or "question"
    return f"{slug}-question" if slug in RESERVED_SLUGS else slug


def _ensure_visible(question: Question, user, enforce: bool) -> None:
    if enforce and not can_view_question(question, user):
        raise NotAllowed(_("This question is not available."))
