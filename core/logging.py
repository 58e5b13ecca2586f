"""Logs: one JSON object per line in production (``LOG_FORMAT=json``), plain text elsewhere.

Every record carries the id of the request it was written in (``request_id``): the
``X-Request-ID`` the proxy in front sent (nginx: ``proxy_set_header X-Request-ID
$request_id``, so its access log and ours share the id), or a new one. The response
carries it back in ``X-Request-ID``. With JSON logs, each request also gets one line of
its own (logger ``portico.requests``: method, path, status, duration).

Loaded by ``logging.config.dictConfig`` before the apps: nothing here imports a model.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import traceback
import uuid
from datetime import UTC, datetime

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

_INCOMING_ID = re.compile(r"^[A-Za-z0-9._:-]{8,100}$")
# Attributes every LogRecord has; anything else was passed with ``extra=``.
_STANDARD = frozenset(
    logging.LogRecord("", 0, "", 0, "", (), None).__dict__.keys()
    | {"message", "asctime", "request_id", "taskName"}
)
requests_logger = logging.getLogger("portico.requests")


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (``-`` outside a request) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return True


def _jsonable(value):
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    return str(value)


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message,
    request_id, process, the traceback (``exc_info``) and whatever ``extra=`` gave."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id.get()),
            "process": record.process,
        }
        for key, value in record.__dict__.items():
            if key in _STANDARD or key.startswith("_") or key in entry:
                continue
            if key == "request":  # Django's request loggers pass the request itself
                entry["path"] = getattr(value, "path", str(value))
                continue
            entry[key] = _jsonable(value)
        if record.exc_info:
            entry["exc_info"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        if record.stack_info:
            entry["stack_info"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False)


class RequestIdMiddleware:
    """Gives each request an id (the proxy's ``X-Request-ID``, or a new one) for its log
    lines and its response; logs one line per request in ``portico.requests``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        current = incoming if _INCOMING_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = current
        token = request_id.set(current)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = current
            if requests_logger.isEnabledFor(logging.INFO):
                requests_logger.info(
                    "%s %s %s",
                    request.method,
                    request.path,
                    response.status_code,
                    extra={
                        "method": request.method,
                        "path": request.path,
                        "status": response.status_code,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    },
                )
            return response
        finally:
            request_id.reset(token)
