"""The interface every search backend implements. Small on purpose.

Writes: ``ensure_index``, ``upsert``, ``delete``, ``delete_children`` (attached documents
of an article) and ``apply`` (all three, in that order, as one batch). Reads: ``search``
(filters on every facet field, access terms, facets, sort, paging), ``count``,
``suggest_titles``. Rebuilds: ``create_version`` → ``upsert(..., version=v)`` →
``switch_to(v)`` → ``drop_old_versions()``; searches keep reading the current version
until the switch, which is atomic.

A backend instance is one logical index (``<prefix>-<name>``), safe to share between
threads of one process.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

from ..schema import SearchDocument, SearchQuery, SearchResults


class SearchBackendError(Exception):
    """A backend could not do what was asked (the caller may retry later)."""


class SearchUnavailable(SearchBackendError):
    """The engine cannot be reached or is busy (server down, writer lock held)."""


class SchemaOutdated(SearchBackendError):
    """The index was built with another ``SCHEMA_VERSION``: rebuild it."""


def new_version_name() -> str:
    """``v`` + a UTC timestamp to the microsecond: versions sort by age."""
    return "v" + datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")


class SearchBackend(ABC):
    name = "base"

    def __init__(self, *, prefix: str, index: str = "content"):
        self.prefix = prefix
        self.index = index

    @property
    def index_name(self) -> str:
        """The logical index name (an alias on OpenSearch, a folder when embedded)."""
        return f"{self.prefix}-{self.index}"

    # --- Writes --------------------------------------------------------------------------

    @abstractmethod
    def ensure_index(self) -> str:
        """Create the index if there is none; return the current version's name."""

    @abstractmethod
    def upsert(self, documents: Iterable[SearchDocument], *, version: str | None = None) -> int:
        """Add or replace documents (by id), in bulk; returns how many were written."""

    @abstractmethod
    def delete(self, ids: Iterable[str], *, version: str | None = None) -> int:
        """Remove documents by id; ids that are not indexed are ignored."""

    @abstractmethod
    def delete_children(self, parent_ids: Iterable[str], *, version: str | None = None) -> None:
        """Remove every document whose ``parent`` is one of ``parent_ids``."""

    def apply(
        self,
        *,
        upserts: Sequence[SearchDocument] = (),
        deletes: Sequence[str] = (),
        replace_children_of: Sequence[str] = (),
    ) -> None:
        """One batch of changes: children of the given parents go, then upserts, deletes."""
        if replace_children_of:
            self.delete_children(replace_children_of)
        if upserts:
            self.upsert(upserts)
        if deletes:
            self.delete(deletes)

    @abstractmethod
    def refresh(self) -> None:
        """Make every write so far visible to searches (tests, end of a rebuild)."""

    # --- Reads ---------------------------------------------------------------------------

    @abstractmethod
    def search(self, query: SearchQuery) -> SearchResults:
        """Matching documents, best first (or newest), with total and requested facets."""

    def count(self, query: SearchQuery | None = None) -> int:
        query = query or SearchQuery(access=None)
        return self.search(dataclasses.replace(query, offset=0, limit=0, facets=())).total

    def facets(self, query: SearchQuery, fields: Sequence[str]) -> dict[str, list[tuple[str, int]]]:
        """Counts per value of ``fields`` over the documents ``query`` matches."""
        return self.search(
            dataclasses.replace(query, offset=0, limit=0, facets=tuple(fields))
        ).facets

    @property
    def supports_vectors(self) -> bool:
        """Whether documents get vectors and ``vector_search`` finds them."""
        return False

    @property
    def vector_mode(self) -> str:
        """How ``vector_search`` finds documents: ``exact`` over every document the query
        allows, ``knn`` (an approximate index in the engine) or ``rerank``: only the
        lexical candidates are scored."""
        return "exact"

    @property
    def vector_mode_settled(self) -> bool:
        """Whether ``vector_mode`` is decided for this process."""
        return True

    #: Why ``vector_mode`` is what it is (system check, debug view).
    vector_reason = ""

    def vector_search(
        self,
        query: SearchQuery,
        vectors: dict,
        *,
        limit: int = 100,
        floors: dict[str, float] | None = None,
        exempt: Sequence[str] = (),
        confirmed: Mapping[str, SearchDocument] | None = None,
    ) -> SearchResults:
        """The ``limit`` documents nearest to the query ``vectors`` (``{model: vector}``)
        among those the access terms, filters, required phrases and exclusions of
        ``query`` allow (its text is not matched), none less close than ``floors[model]``
        but those in ``exempt`` (found lexically); scores are cosines. ``confirmed``:
        documents by id that ``query`` itself found lexically (so they pass all of its
        rules), which a backend need not look up again."""
        return SearchResults(total=0, hits=[])

    @abstractmethod
    def near_matches(
        self, word: str, *, access: list[str] | None, limit: int = 20
    ) -> list[SearchDocument]:
        """Documents ``access`` allows with a title or body word within two edits of
        ``word``: where "did you mean" finds its candidate spellings."""

    @abstractmethod
    def suggest_titles(
        self,
        prefix: str,
        *,
        access: list[str] | None,
        limit: int = 8,
        languages: tuple[str, ...] = ("en",),
    ) -> list[SearchDocument]:
        """Documents whose title starts with the words typed so far (type-ahead), the
        words analysed the way of ``languages``."""

    @abstractmethod
    def get(self, ids: Iterable[str]) -> dict[str, SearchDocument]:
        """Stored documents by id (those that exist)."""

    @abstractmethod
    def all_ids(self) -> set[str]:
        """Every id in the current version (consistency checks and tests)."""

    # --- Versions ------------------------------------------------------------------------

    @abstractmethod
    def current_version(self) -> str | None:
        """The version searches read, or ``None`` when there is no index yet."""

    @abstractmethod
    def create_version(self) -> str:
        """Create a new, empty version of the index (not yet searched)."""

    @abstractmethod
    def switch_to(self, version: str) -> None:
        """Make ``version`` the one searches and writes use, atomically."""

    @abstractmethod
    def versions(self) -> list[str]:
        """Every version of this index, oldest first."""

    @abstractmethod
    def drop_version(self, version: str) -> None:
        """Delete one version (never the current one)."""

    def drop_old_versions(self) -> list[str]:
        """Delete the versions older than the current one; returns their names."""
        current = self.current_version()
        dropped = []
        for version in self.versions():
            if current is not None and version < current:
                self.drop_version(version)
                dropped.append(version)
        return dropped

    def drop_all(self) -> None:
        """Delete every version of this index (tests, throwaway indexes)."""
        raise NotImplementedError

    def close(self) -> None:  # noqa: B027 (optional hook)
        """Release files and connections."""
