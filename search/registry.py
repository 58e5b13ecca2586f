"""The registry of searchable content types.

Every searchable type registers itself, in a module of its own app (``kb/search.py``,
``announcements/search.py``, ``forum/search.py``), with everything search needs to know
about it: its key, labels and query aliases (``type:article``), the pure function that
builds its search documents, the changes that make a document stale, how a hit is
re-checked against the database (through ``segments.policy``), the fallback used while
the engine is down, and its ranking signals. ``indexing`` (the write side) and
``search`` (the read side) loop over the registry and name no app's models, so a new
searchable type is a change to one app.

Registration happens when Django starts: ``autodiscover()`` imports the ``search``
module of every installed project app (``apps.ready`` of the search app calls it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from .schema import SearchDocument, split_id


@dataclass(frozen=True)
class Change:
    """A change that makes documents stale: when ``signal`` fires (for ``sender``, when
    given), ``keys(**signal_kwargs)`` names the queue keys to re-index (``"article:42"``).
    Receivers run inside the change's transaction; a failing one is logged, never raised.
    """

    signal: Any
    keys: Callable[..., Iterable[str | None]]
    sender: Any = None
    reason: str = "changed"


@dataclass(frozen=True)
class Ranking:
    """A type's ranking signals.

    ``weights`` maps a ranking profile's name (``"search"``, ``"similar"``) to a factor
    applied to every document of the type. ``factors(document, profile, now)`` returns
    ``(label, factor)`` pairs for one document (quality signals: solved, votes,
    freshness…); factors multiply and 1.0 means "no effect".
    """

    weights: Mapping[str, float] = field(default_factory=dict)
    factors: Callable[[SearchDocument, Any, datetime], list[tuple[Any, float]]] | None = None


@dataclass(frozen=True)
class SearchableType:
    """One searchable content type. See the module docstring."""

    #: The key in document ids (``article:42``) and in the ``type`` field.
    key: str
    label: Any
    plural: Any
    #: What people may type after ``type:`` besides the key.
    aliases: tuple[str, ...] = ()

    # --- Write side (indexing) -----------------------------------------------------------
    #: The model whose instances are indexed (for page types, the specific page model).
    model: Any = None
    #: All instances, with the relations ``build`` reads (defaults to the model's manager).
    queryset: Callable[[], QuerySet] | None = None
    #: ``build(instance)`` → the item's documents (none when it must not be in the index).
    #: A pure function of the instance and its relations.
    build: Callable[[Any], list[SearchDocument]] | None = None
    #: Narrows ``queryset()`` to what a fresh index holds (a superset is fine).
    indexable: Callable[[QuerySet], QuerySet] = lambda queryset: queryset
    #: ``changed_since(moment)`` → a filter of items changed since then (``search_sync``).
    changed_since: Callable[[datetime], Q] | None = None
    #: Changes that make this type's documents stale, besides the generic page changes.
    changes: tuple[Change, ...] = ()
    #: ``targeting(segment)`` → pks of the items whose documents carry ``segment`` (so a
    #: renamed or deleted segment re-indexes them).
    targeting: Callable[[Any], Iterable[Any]] | None = None
    #: A Wagtail page type: publishing, unpublishing, moving, deleting and privacy changes
    #: re-index it without a ``Change`` of its own.
    pages: bool = False
    #: Documents of a child type (attached files) are built by and checked through their
    #: parent: ``document:42-7`` belongs to ``article:42``.
    parent: str = ""

    # --- Read side (search) --------------------------------------------------------------
    #: ``visible(user)`` → the instances ``user`` may see now (``segments.policy``); every
    #: hit is checked against it before it is shown.
    visible: Callable[[Any], QuerySet] | None = None
    #: ``fallback(user)`` → the instances a database search covers while the engine is
    #: down (``None``: this type is not searched then). Searched with Wagtail's database
    #: search backend over the model's ``search_fields``.
    fallback: Callable[[Any], QuerySet] | None = None
    ranking: Ranking = field(default_factory=Ranking)
    #: Order of the type in type-ahead (lower first: reviewed content before the rest).
    suggest_rank: int = 50
    #: Offered when someone describes a problem (similar questions, support suggestions).
    answers_questions: bool = False
    #: ``corpus_document(row, pk)`` → a document for a benchmark corpus row (the type
    #: the relevance benchmarks rank), or ``None``.
    corpus_document: Callable[[dict, int], SearchDocument | None] | None = None

    def __post_init__(self):
        if not self.key or ":" in self.key:
            raise ValueError(f"A type key is a word without ':': {self.key!r}")

    # --- Helpers -------------------------------------------------------------------------

    def doc_id(self, pk) -> str:
        return f"{self.key}:{pk}"

    def all(self) -> QuerySet:
        if self.queryset is not None:
            return self.queryset()
        return self.model._default_manager.all()

    def load(self, pks: Iterable) -> dict[str, Any]:
        """Instances by pk (as strings), with what ``build`` reads."""
        objects = list(self.all().filter(pk__in=list(pks)))
        if self.pages:
            from .documents import mark_view_restrictions

            mark_view_restrictions(objects)
        return {str(obj.pk): obj for obj in objects}

    def documents(self, obj) -> list[SearchDocument]:
        if obj is None or self.build is None:
            return []
        return self.build(obj)

    def iter_indexable(self, chunk_size: int = 200) -> Iterator[list]:
        """Everything to put in a fresh index, in chunks of loaded instances."""
        pks = list(self.indexable(self.all()).order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(pks), chunk_size):
            yield list(self.load(pks[start : start + chunk_size]).values())

    def count_indexable(self) -> int:
        return self.indexable(self.all()).count()

    def keys(self, since=None) -> list[str]:
        queryset = self.all()
        if since is not None and self.changed_since is not None:
            queryset = queryset.filter(self.changed_since(since))
        pks = queryset.order_by("pk").values_list("pk", flat=True).distinct()
        return [self.doc_id(pk) for pk in pks]

    def existing(self, pks: Iterable) -> set[str]:
        return {str(pk) for pk in self.all().filter(pk__in=list(pks)).values_list("pk", flat=True)}

    @property
    def indexed(self) -> bool:
        """Whether the write side loads and builds this type itself (not a child)."""
        return self.build is not None and not self.parent


class Registry:
    def __init__(self):
        self._types: dict[str, SearchableType] = {}
        self._zero_result_providers: list[Callable[[Any], dict]] = []
        self._listeners: list[tuple[Callable, Callable]] = []
        self._lock = threading.Lock()
        self._discovered = False

    def register(self, searchable: SearchableType) -> SearchableType:
        with self._lock:
            existing = self._types.get(searchable.key)
            if existing is not None and existing != searchable:
                raise ValueError(f"The search type {searchable.key!r} is registered twice.")
            self._types[searchable.key] = searchable
        if existing is None:
            for added, _removed in self._listeners:
                added(searchable)
        return searchable

    def unregister(self, key: str) -> None:
        with self._lock:
            removed = self._types.pop(key, None)
        if removed is not None:
            for _added, on_removed in self._listeners:
                on_removed(removed)

    def on_change(self, added: Callable, removed: Callable) -> None:
        """Call ``added(type)`` for every type registered now and later, and
        ``removed(type)`` when one is unregistered (the write side connects each type's
        changes this way)."""
        self._listeners.append((added, removed))
        for searchable in self:
            added(searchable)

    def register_zero_results(self, provider: Callable[[Any], dict]) -> None:
        """``provider(user)`` → extra context for the search page when nothing was found
        (e.g. popular articles, topics to browse); its template reads the keys it knows."""
        if provider not in self._zero_result_providers:
            self._zero_result_providers.append(provider)

    def zero_result_context(self, user) -> dict:
        context: dict = {}
        for provider in self._zero_result_providers:
            context.update(provider(user))
        return context

    # --- Lookups -------------------------------------------------------------------------

    def __iter__(self) -> Iterator[SearchableType]:
        self.autodiscover()
        return iter(list(self._types.values()))

    def __contains__(self, key: str) -> bool:
        self.autodiscover()
        return key in self._types

    def get(self, key: str) -> SearchableType | None:
        self.autodiscover()
        return self._types.get(key)

    def keys(self) -> list[str]:
        return [t.key for t in self]

    def indexed(self) -> list[SearchableType]:
        """Types the write side loads and builds (children come with their parents)."""
        return [t for t in self if t.indexed]

    def has_children(self, key: str) -> bool:
        """Whether documents of type ``key`` come with child documents (attached files)."""
        return any(t.parent == key for t in self)

    def page_types(self) -> list[SearchableType]:
        return [t for t in self if t.pages and t.model is not None]

    def resolve_alias(self, value: str) -> str | None:
        """``type:`` value as typed → a type key, or ``None``."""
        wanted = value.strip().lower()
        for searchable in self:
            if wanted == searchable.key or wanted in searchable.aliases:
                return searchable.key
        return None

    def owner_key(self, document_id: str) -> str:
        """The queue key that rebuilds ``document_id``: its own, or its parent's for a
        child document (``document:42-7`` → ``article:42``)."""
        kind, pk = split_id(document_id)
        searchable = self.get(kind)
        if searchable is not None and searchable.parent:
            return f"{searchable.parent}:{pk.split('-', 1)[0]}"
        return document_id

    def key_for_instance(self, instance) -> str | None:
        """The key of a model instance of a registered type (pages: by their specific
        class), or ``None``."""
        for searchable in self:
            model = searchable.model
            if model is None or searchable.parent:
                continue
            if isinstance(instance, model) or getattr(instance, "specific_class", None) is model:
                return searchable.doc_id(instance.pk)
        return None

    # --- Discovery -----------------------------------------------------------------------

    def autodiscover(self) -> None:
        if self._discovered:
            return
        with self._lock:
            if self._discovered:
                return
            self._discovered = True
        from importlib import import_module

        from django.apps import apps
        from django.utils.module_loading import module_has_submodule

        for config in apps.get_app_configs():
            if config.name.startswith(("django.", "wagtail", "allauth", "taggit", "modelcluster")):
                continue
            if config.name == "search" or not module_has_submodule(config.module, "search"):
                continue
            import_module(f"{config.name}.search")


registry = Registry()


def register(searchable: SearchableType) -> SearchableType:
    return registry.register(searchable)
