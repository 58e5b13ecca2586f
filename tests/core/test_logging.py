"""Logs: JSON lines with the request's id in production, plain text elsewhere."""

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.logging import JsonFormatter, RequestIdFilter

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def json_lines():
    """Records of every logger, formatted as production formats them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    requests_logger = logging.getLogger("portico.requests")
    previous = requests_logger.level
    requests_logger.setLevel(logging.INFO)
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        requests_logger.setLevel(previous)


def test_a_record_is_one_json_object(json_lines):
    logger = logging.getLogger("portico.test")
    logger.warning("Index %s is behind", "content", extra={"pending": 3, "names": ("a", "b")})
    try:
        raise ValueError("broken")
    except ValueError:
        logger.exception("It broke: «%s»", "şi ţară")
    first, second = json_lines()
    assert first["level"] == "WARNING" and first["logger"] == "portico.test"
    assert first["message"] == "Index content is behind"
    assert first["pending"] == 3 and first["names"] == ["a", "b"]
    assert first["request_id"] == "-"  # outside a request
    assert first["time"].endswith("+00:00")
    assert second["message"] == "It broke: «şi ţară»"
    assert "ValueError: broken" in second["exc_info"]


@pytest.mark.django_db
def test_each_request_has_an_id_in_its_logs_and_response(client, json_lines):
    response = client.get("/robots.txt")
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    [line] = [entry for entry in json_lines() if entry["logger"] == "portico.requests"]
    assert line["request_id"] == request_id
    assert (line["method"], line["path"], line["status"]) == ("GET", "/robots.txt", 200)
    assert line["duration_ms"] >= 0

    # The proxy's id is kept (nginx: proxy_set_header X-Request-ID $request_id) ...
    proxied = "3f1c2a9be0d84c7e9a1b5c6d7e8f9012"
    assert client.get("/robots.txt", HTTP_X_REQUEST_ID=proxied)["X-Request-ID"] == proxied
    # ... but not anything a client may send.
    forged = client.get("/robots.txt", HTTP_X_REQUEST_ID='x"\n{"level": "ERROR"}')
    assert forged["X-Request-ID"] != 'x"\n{"level": "ERROR"}'
    assert len(forged["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_a_server_error_is_logged_with_the_request_id(client, json_lines, settings):
    client.raise_request_exception = False
    settings.ROOT_URLCONF = "tests.core.urls_broken"
    response = client.get("/broken/")
    assert response.status_code == 500
    [error] = [entry for entry in json_lines() if entry["logger"] == "django.request"]
    assert error["request_id"] == response["X-Request-ID"]
    assert error["path"] == "/broken/" and error["status_code"] == 500
    assert "RuntimeError: the view broke" in error["exc_info"]


def _log_from(settings_module: str, **env) -> str:
    """What a process with these settings writes to standard error for one warning."""
    code = (
        "import django, logging; django.setup(); "
        "logging.getLogger('portico.check').warning('hello %s', 'world')"
    )
    environment = {key: value for key, value in os.environ.items() if key != "LOG_FORMAT"}
    environment.update(DJANGO_SETTINGS_MODULE=settings_module, SECRET_KEY="test-only", **env)
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stderr.strip().splitlines()[-1]


def test_production_logs_json_and_elsewhere_plain_text():
    line = json.loads(_log_from("config.settings.production"))
    assert line["message"] == "hello world" and line["level"] == "WARNING"
    plain = _log_from("config.settings.production", LOG_FORMAT="plain")
    assert plain.endswith("WARNING portico.check: hello world")
    assert _log_from("config.settings.dev").endswith("WARNING portico.check: hello world")
    assert json.loads(_log_from("config.settings.dev", LOG_FORMAT="json"))["logger"] == (
        "portico.check"
    )
