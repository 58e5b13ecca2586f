"""What the parts of ``SearchService`` know of each other (for the type checker only)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..backends import SearchBackend
    from ..schema import SearchQuery
    from .results import Result, SearchRequest


class ServiceBase:
    verify: bool
    mode: str

    if TYPE_CHECKING:

        @property
        def backend(self) -> SearchBackend: ...

        def engine_query(
            self,
            parsed: Any,
            person: Any,
            *,
            filters: dict,
            profile: Any = ...,
            languages: Any = ...,
            **options: Any,
        ) -> SearchQuery: ...

        def combine(
            self, query: SearchQuery, lexical: list, text: str, *, use: str, limit: int
        ) -> list: ...

        def vector_description(self) -> str: ...

        def _resolve_filters(
            self, request: SearchRequest, parsed: Any
        ) -> tuple[dict, list[str]]: ...

        def did_you_mean(
            self, parsed: Any, person: Any, filters: dict, *, current: int, languages: Any = ...
        ) -> str: ...

        @staticmethod
        def add_trails(results: list[Result]) -> None: ...

        def _results(
            self, ordered: list, user: Any, wanted: Any, *, debug: bool = False
        ) -> tuple[list[Result], int]: ...
