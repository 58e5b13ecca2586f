"""The forum's settings: ``FORUM_*``, defined (with their defaults) in
``config/settings/base.py`` and read here at call time, so tests may override them."""

from __future__ import annotations

from django.conf import settings


def get(name: str):
    return getattr(settings, name)
