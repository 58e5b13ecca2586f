"""One shape for every refusal of the API: ``{"error": {"status", "message"}}``.

The same body the search API (``search/views.py``) and the rate limits
(``core.ratelimit``) already answer with; a 429 adds ``retry_after``.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse, JsonResponse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError, ValidationError
from pydantic import BaseModel


class ErrorDetail(BaseModel):
    status: int
    message: str
    retry_after: int | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


class ApiError(Exception):
    def __init__(self, status: int, message: str, *, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = str(message)
        self.headers = headers or {}


class RateLimited(Exception):
    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


def error_response(status: int, message: str, headers: dict[str, str] | None = None):
    response = JsonResponse(
        {"error": {"status": status, "message": str(message)}},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )
    for name, value in (headers or {}).items():
        response[name] = value
    patch_cache_control(response, private=True, no_store=True)
    patch_vary_headers(response, ["Authorization", "Cookie"])
    return response


def unauthorized(message: str | None = None) -> HttpResponse:
    return error_response(
        401,
        message or _("The API token is missing, unknown, expired or revoked."),
        {"WWW-Authenticate": 'Bearer realm="api"'},
    )


def not_found() -> HttpResponse:
    return error_response(404, _("Not found."))


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ()) if part not in ("query", "path")]
        name = ".".join(location) or _("request")
        parts.append(f"{name}: {error.get('msg', '')}")
    return _("Invalid parameters: %(details)s") % {"details": "; ".join(parts)}


def install(api) -> None:
    """Answer every refusal of ``api`` in the one shape."""

    @api.exception_handler(ApiError)
    def _api_error(request, exc: ApiError):
        return error_response(exc.status, exc.message, exc.headers)

    @api.exception_handler(RateLimited)
    def _rate_limited(request, exc: RateLimited):
        from core.ratelimit import too_many_requests

        response = too_many_requests(exc.retry_after)
        patch_vary_headers(response, ["Authorization", "Cookie"])
        return response

    @api.exception_handler(ValidationError)
    def _invalid(request, exc: ValidationError):
        return error_response(400, _validation_message(exc))

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request, exc: AuthenticationError):
        return unauthorized()

    @api.exception_handler(HttpError)
    def _http_error(request, exc: HttpError):
        return error_response(exc.status_code, str(exc))

    @api.exception_handler(Http404)
    def _not_found(request, exc: Http404):
        return not_found()
