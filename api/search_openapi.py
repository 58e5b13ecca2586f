"""The OpenAPI description of the search API, which stays a plain Django view
(``search/views.py``: its URLs, parameters, answers, errors and rate limits are a
published contract). Written by hand from that view; ``tests/api`` checks the view
against it with schemathesis.
"""

from __future__ import annotations

from search.schema import SORTS
from search.service import MAX_PAGE

ERROR = {"$ref": "#/components/schemas/ErrorBody"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _list_parameter(name: str, description: str) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": "string", "maxLength": 200},
    }


NULLABLE_STRING = {"anyOf": [{"type": "string"}, {"type": "null"}]}

SEARCH_RESULT = {
    "type": "object",
    "required": [
        "type", "title", "url", "snippet", "score", "products", "tags", "updated", "language",
    ],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "url": {"type": "string"},
        "snippet": {"type": "string"},
        "score": {"type": "number"},
        "products": {"type": "array", "items": {"type": "string"}},
        "tags": {"type": "array", "items": {"type": "string"}},
        "updated": {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]},
        "language": {"type": "string"},
    },
}  # fmt: skip

FACET = {
    "type": "object",
    "required": ["value", "label", "count"],
    "properties": {
        "value": {"type": "string"},
        "label": {"type": "string"},
        "count": {"type": "integer"},
    },
}

SEARCH_PAGE = {
    "type": "object",
    "required": [
        "query", "total", "page", "num_pages", "results", "facets", "suggestion",
        "corrected_from", "messages", "degraded",
    ],
    "properties": {
        "query": {"type": "string"},
        "total": {"type": "integer"},
        "page": {"type": "integer"},
        "num_pages": {"type": "integer"},
        "results": {"type": "array", "items": SEARCH_RESULT},
        "facets": {"type": "object", "additionalProperties": {"type": "array", "items": FACET}},
        "suggestion": NULLABLE_STRING,
        "corrected_from": NULLABLE_STRING,
        "messages": {"type": "array", "items": {"type": "string"}},
        "degraded": {"type": "boolean"},
    },
}  # fmt: skip

SUGGESTIONS = {
    "type": "object",
    "required": ["query", "suggestions"],
    "properties": {
        "query": {"type": "string"},
        "suggestions": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["kind", "text", "url"],
                "properties": {
                    "kind": {"type": "string"},
                    "text": {"type": "string"},
                    "url": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
}

SESSION_NOTE = (
    " With a token (`read` scope) it answers as the token's person; without one it uses the "
    "site's session: signed-in people get what they may see, anyone else public content only."
)


def paths(prefix: str) -> dict:
    """Path items of the search API under ``prefix`` (``/api/v1/``)."""
    refusals = {
        "400": _json(ERROR, "A parameter it cannot use (unknown, too long, out of range)."),
        "401": _json(ERROR, "An `Authorization` header that is not a usable token."),
        "403": _json(ERROR, "The token does not have the `read` scope."),
        "429": _json(ERROR, "Too many requests (this address or token); see `Retry-After`."),
    }
    security = [{"TokenAuth": []}, {}]
    return {
        f"{prefix}search": {
            "get": {
                "operationId": "search",
                "security": security,
                "summary": "Search everything the caller may see",
                "description": (
                    "Articles, announcements, questions with their answers and attached "
                    "files, ranked, with facets. `q` takes phrases, `-exclusions` and "
                    "`product:`/`tag:`/`type:`/`lang:` filters; list parameters take "
                    "comma-separated values (up to 10)." + SESSION_NOTE
                ),
                "tags": ["search"],
                "parameters": [
                    {
                        "name": "q",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "maxLength": 10_000},
                    },
                    _list_parameter("type", "Content types (`article`, `question`, …)."),
                    _list_parameter("product", "Product slugs."),
                    _list_parameter("tag", "Tag slugs."),
                    _list_parameter("lang", "Language codes (`en`, `fa`, `ro`)."),
                    {
                        "name": "sort",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "enum": list(SORTS)},
                    },
                    {
                        "name": "page",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
                    },
                    {
                        "name": "exact",
                        "in": "query",
                        "required": False,
                        "description": "`1`: no spelling correction.",
                        "schema": {"type": "string", "enum": ["1"]},
                    },
                ],
                "responses": {"200": _json(SEARCH_PAGE, "A page of results."), **refusals},
            }
        },
        f"{prefix}search/suggest": {
            "get": {
                "operationId": "search_suggest",
                "security": security,
                "summary": "Type-ahead: titles and popular queries",
                "description": "What to offer while someone types." + SESSION_NOTE,
                "tags": ["search"],
                "parameters": [
                    {
                        "name": "q",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "maxLength": 200},
                    },
                    {
                        "name": "limit",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 10},
                    },
                ],
                "responses": {"200": _json(SUGGESTIONS, "Suggestions."), **refusals},
            }
        },
    }
