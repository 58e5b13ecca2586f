"""Checking hits against the database: the index may lag behind a change, access must not."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence

from .. import signals
from ..registry import registry
from ..schema import split_id

logger = logging.getLogger(__name__)

# --- Checking hits against the database -----------------------------------------------------


def visible_items(ids: Iterable[str], user) -> dict[str, object]:
    """The database object of each id ``user`` may see now (a page, a question), checked
    by each type's ``visible`` (``segments.policy``); a child document (an attached file)
    is visible when its parent is."""
    owners = {document_id: registry.owner_key(document_id) for document_id in ids}
    wanted: dict[str, set[int]] = defaultdict(set)
    for key in owners.values():
        kind, pk = split_id(key)
        if pk.isdigit():
            wanted[kind].add(int(pk))
    found: dict[str, object] = {}
    for kind, pks in wanted.items():
        searchable = registry.get(kind)
        if searchable is None or searchable.visible is None:
            continue
        for obj in searchable.visible(user).filter(pk__in=pks):
            found[f"{kind}:{obj.pk}"] = obj
    return {document_id: found[key] for document_id, key in owners.items() if key in found}


def heal(stale: Sequence[str]) -> None:
    """Hits the database no longer shows: ask the write side to catch up."""
    if not stale:
        return
    try:
        signals.stale_hits.send(sender=visible_items, keys={registry.owner_key(i) for i in stale})
    except Exception:
        logger.warning("Could not queue stale search hits for re-indexing.", exc_info=True)
