"""Property-based run over the whole OpenAPI document (schemathesis), in-process through
the site's WSGI application: every operation, with generated parameters, as an anonymous
visitor, with a person's read-and-write token and with an administrator's integration
token (so the writes and the integration endpoints run too). No answer may be a server
error, and every answer must be one the document declares (status, content type, body)."""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.v1 import api
from users import tokens

schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1/"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def wsgi_app():
    """The site's WSGI application, sharing the test's database connection (as Django's
    test client does, the connection is not closed at the end of each request)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token_headers(member, staff):
    _token, raw = tokens.create_token(member, name="schemathesis", scopes=["read", "write"])
    staff.is_superuser = True
    staff.save(update_fields=["is_superuser"])
    _token, crm = tokens.create_token(member, name="crm", scopes=["integrations"], created_by=staff)
    return [{"Authorization": f"Bearer {raw}"}, {"Authorization": f"Bearer {crm}"}]


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_operation_conforms(case, content, wsgi_app, token_headers):
    for headers in ({}, *token_headers):
        case.call_and_validate(app=wsgi_app, headers=headers, checks=CHECKS)
