"""API v1 (``/api/v1/``) on django-ninja: the read resources, the OpenAPI 3 document
(``/api/v1/openapi.json``) and its browsable reference (``/api/v1/docs``).

See ``docs/api.md`` and ``docs/decisions/0004-api-framework.md``.
"""

from __future__ import annotations

import hashlib

from django.http import HttpResponseNotModified
from django.shortcuts import render
from django.utils.cache import patch_cache_control, patch_response_headers, patch_vary_headers
from django.utils.http import parse_etags
from ninja import NinjaAPI
from ninja.openapi.docs import DocsBase

from . import community as _community_writes  # noqa: F401  (registers on the read router)
from . import errors, integrations, search_openapi, tickets
from .resources import router

DESCRIPTION = """\
The help center for scripts and integrations: knowledge-base articles and categories,
announcements, community questions with their answers, and search; asking, answering and
voting; the caller's own support requests; and, for integrations, segment memberships and
accounts.

**Who you are.** Send a personal API token as `Authorization: Bearer <token>` (create one
on your profile page). The API then answers as that person: exactly what they may see on
the site, never more. Without a token, the site's session is used (writes then need the
CSRF token in `X-CSRFToken`), or nobody (public content only).

**Scopes.** `read` for reading, `write` for asking, answering, voting and support
requests, `integrations` (given by an administrator) for the integration endpoints.

**Lists** are newest first; follow `next_cursor` (`?cursor=`) for the next page.
**Caching**: every answer carries an `ETag`; send it back in `If-None-Match` and an
unchanged answer is `304 Not Modified`.
**Errors** are `{"error": {"status", "message"}}` (429 adds `retry_after`).
"""


class ReferenceDocs(DocsBase):
    """The reference as a plain page of the site: server-rendered from the OpenAPI
    document, no script and nothing from another site (the strict CSP holds)."""

    def render_page(self, request, api, **kwargs):
        schema = api.get_openapi_schema(path_params=kwargs)
        operations = []
        for path, item in schema["paths"].items():
            for method, operation in item.items():
                operations.append(
                    {
                        "method": method.upper(),
                        "path": path,
                        "id": operation.get("operationId", ""),
                        "summary": operation.get("summary", ""),
                        "description": operation.get("description", ""),
                        "tags": operation.get("tags", []),
                        "parameters": [
                            {
                                "name": p["name"],
                                "in": p["in"],
                                "required": p.get("required", False),
                                "type": _type_of(p.get("schema", {})),
                                "description": p.get("description", ""),
                            }
                            for p in operation.get("parameters", [])
                        ],
                        "responses": [
                            {
                                "status": status,
                                "description": response.get("description", ""),
                                "type": _type_of(
                                    response.get("content", {})
                                    .get("application/json", {})
                                    .get("schema", {})
                                ),
                            }
                            for status, response in operation.get("responses", {}).items()
                        ],
                        "secured": bool(operation.get("security")),
                        "access": _access(method, path),
                        "body": _request_body(operation),
                    }
                )
        models = [
            {
                "name": name,
                "fields": [
                    {
                        "name": field,
                        "type": _type_of(spec),
                        "required": field in model.get("required", []),
                    }
                    for field, spec in model.get("properties", {}).items()
                ],
            }
            for name, model in sorted(schema.get("components", {}).get("schemas", {}).items())
        ]
        response = render(
            request,
            "api/docs.html",
            {
                "schema": schema,
                "operations": operations,
                "models": models,
                "openapi_url": self.get_openapi_url(api, kwargs),
            },
        )
        patch_response_headers(response, cache_timeout=0)
        return response


def _access(method: str, path: str) -> str:
    """Who may call an operation, for the reference page (the scopes of ``api.auth``)."""
    if "/integrations/" in path:
        return "integrations"
    if method.lower() != "get":
        return "write"
    if "/tickets" in path:
        return "personal"
    return "read"


def _request_body(operation: dict) -> dict | None:
    for content_type, spec in operation.get("requestBody", {}).get("content", {}).items():
        schema = spec.get("schema", {})
        fields = schema.get("properties")
        return {
            "content_type": content_type,
            "type": ", ".join(fields) if fields and "$ref" not in schema else _type_of(schema),
        }
    return None


def _type_of(schema: dict) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " | ".join(_type_of(s) for s in schema["anyOf"])
    kind = schema.get("type", "")
    if kind == "array":
        return f"[{_type_of(schema.get('items', {}))}]"
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    if schema.get("format"):
        return f"{kind} ({schema['format']})"
    return kind or "object"


class PorticoAPI(NinjaAPI):
    def create_response(self, request, data, *, status=None, temporal_response=None):
        response = super().create_response(
            request, data, status=status, temporal_response=temporal_response
        )
        # Personal answers: private to the caller, and never the same for another token,
        # session or language.
        patch_vary_headers(response, ["Authorization", "Cookie", "Accept-Language"])
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            etag = '"' + hashlib.sha256(response.content).hexdigest()[:32] + '"'
            response["ETag"] = etag
            patch_cache_control(response, private=True, no_cache=True)
            wanted = parse_etags(request.headers.get("If-None-Match", ""))
            if "*" in wanted or etag in wanted or f"W/{etag}" in wanted:
                not_modified = HttpResponseNotModified()
                for header in ("ETag", "Cache-Control", "Vary"):
                    not_modified[header] = response[header]
                return not_modified
        else:
            patch_cache_control(response, private=True, no_store=True)
        return response

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        prefix = path_prefix if path_prefix is not None else self.get_root_path(path_params or {})
        schema["paths"].update(search_openapi.paths(prefix))
        return schema


api = PorticoAPI(
    title="Portico API",
    version="1.0",
    description=DESCRIPTION,
    urls_namespace="api_v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
    docs=ReferenceDocs(),
)
errors.install(api)
api.add_router("/", router)
api.add_router("/", tickets.router)
api.add_router("/", integrations.router)
