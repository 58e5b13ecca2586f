"""@mentions: ``@username`` or ``@DisplayName`` (spaces left out) in posts and comments."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.db.models import Q, Value
from django.db.models.functions import Lower, Replace

MAX_MENTIONS = 10
_CODE_BLOCK = re.compile(r"```.*?```|~~~.*?~~~", re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
# Not preceded by a word character, "@" or "/": e-mail addresses and URLs are not mentions.
_MENTION = re.compile(r"(?<![\w@/.])@([^\W_][\w.+-]{0,79})")


def mentioned_names(text: str | None) -> list[str]:
    if not text:
        return []
    text = _INLINE_CODE.sub(" ", _CODE_BLOCK.sub(" ", text))
    names: list[str] = []
    for match in _MENTION.finditer(text):
        name = match.group(1).rstrip(".-+").lower()
        if name and name not in names:
            names.append(name)
    return names[:MAX_MENTIONS]


def mentioned_users(text: str | None, *, exclude_ids=()) -> list:
    """Active members named in ``text`` (by username or by display name without spaces)."""
    names = mentioned_names(text)
    if not names:
        return []
    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .annotate(
            _username=Lower("username"),
            _compact=Replace(Lower("display_name"), Value(" "), Value("")),
        )
        .filter(Q(_username__in=names) | Q(_compact__in=names))
        .exclude(pk__in=[pk for pk in exclude_ids if pk])
        .order_by("pk")
    )
    return list(users)
