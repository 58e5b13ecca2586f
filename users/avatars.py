"""Avatars drawn on the server: a member's initials on a colour of their own, as inline SVG.

Nothing is fetched from another service and nothing is stored: the colour comes from a
hash of the account's id (so it stays when the member renames themself) and the letters
from their public name. Works for every script the site is read in: Persian names give
their first letter(s) as written (Arabic script has no capitals), Romanian ones keep
their diacritics (``Ștefan Țăranu`` → ``ȘȚ``); combining marks are never taken alone.
"""

from __future__ import annotations

import hashlib
import unicodedata

from django.utils.html import format_html

#: Backgrounds that keep white letters at a contrast of at least 4.5:1 (WCAG AA).
PALETTE = (
    "#1d4ed8",  # blue
    "#b91c1c",  # red
    "#047857",  # green
    "#7e22ce",  # purple
    "#c2410c",  # orange
    "#0e7490",  # cyan
    "#be185d",  # pink
    "#4d7c0f",  # olive
    "#4338ca",  # indigo
    "#92400e",  # brown
)
FORMER_MEMBER_COLOUR = "#6b7280"


def _first_letter(word: str) -> str:
    """The first base character of ``word`` with the marks that belong to it."""
    letters = ""
    for char in word:
        if unicodedata.category(char).startswith("M"):
            if letters:
                letters += char
            continue
        if letters:
            break
        if char.isalnum():
            letters = char
    return unicodedata.normalize("NFC", letters.upper())


def initials(name: str) -> str:
    """One or two letters: the first of the first word and the first of the last one."""
    words = [word for word in (name or "").split() if _first_letter(word)]
    if not words:
        return "?"
    if len(words) == 1:
        return _first_letter(words[0])
    return _first_letter(words[0]) + _first_letter(words[-1])


def colour(user) -> str:
    if user is None or user.pk is None:
        return FORMER_MEMBER_COLOUR
    digest = hashlib.sha256(f"portico-avatar:{user.pk}".encode()).digest()
    return PALETTE[digest[0] % len(PALETTE)]


def avatar_svg(user, size: int = 32):
    """Inline SVG (decorative: the member's name is always written beside it)."""
    name = getattr(user, "public_name", "") if user is not None else ""
    letters = initials(name)
    font_size = round(size * (0.42 if len(letters) > 1 else 0.5))
    return format_html(
        '<svg class="avatar-svg" width="{size}" height="{size}" viewBox="0 0 {size} {size}" '
        'aria-hidden="true" focusable="false">'
        '<circle cx="{half}" cy="{half}" r="{half}" fill="{fill}"/>'
        '<text x="50%" y="50%" dy=".35em" text-anchor="middle" fill="#fff" '
        'font-size="{font_size}" font-weight="700" font-family="inherit">{letters}</text></svg>',
        size=size,
        half=size / 2,
        fill=colour(user),
        font_size=font_size,
        letters=letters,
    )
