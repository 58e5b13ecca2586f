"""Uploads are refused while they stream in: on the Content-Length alone, or as soon as a
file passes the cap, without reading the rest of the body."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponse
from django.test import RequestFactory

from core.uploads import CappedUploadHandler, UploadLimitMiddleware
from tickets.models import Ticket, TicketMessage
from tickets.services import file_ticket

CAP = 100 * 1024
REQUEST_CAP = 30 * CAP
BOUNDARY = "PorticoBoundary"
CHUNK = 16 * 1024


@pytest.fixture
def small_caps(settings):
    settings.PORTICO_UPLOAD_MAX_FILE_BYTES = CAP
    settings.PORTICO_UPLOAD_MAX_REQUEST_BYTES = REQUEST_CAP


class GeneratedBody:
    """A request body produced piece by piece, counting what the server reads of it."""

    def __init__(self, parts):
        self.parts = iter(parts)
        self.buffer = b""
        self.bytes_read = 0

    def read(self, size=-1):
        while size < 0 or len(self.buffer) < size:
            try:
                self.buffer += next(self.parts)
            except StopIteration:
                break
        if size < 0:
            size = len(self.buffer)
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        self.bytes_read += len(data)
        return data

    def readline(self, size=-1):  # pragma: no cover - the multipart parser uses read()
        return self.read(size)


def _multipart(file_size: int):
    head = (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="body"\r\n\r\n'
        "The export still fails.\r\n"
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="attachments"; filename="big.log"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    length = len(head) + file_size + len(tail)

    def parts():
        yield head
        sent = 0
        while sent < file_size:
            piece = min(CHUNK, file_size - sent)
            sent += piece
            yield b"a" * piece
        yield tail

    return parts(), length


def _request(parts, length: int, *, declared: int | None = None) -> tuple[WSGIRequest, object]:
    body = GeneratedBody(parts)
    environ = RequestFactory()._base_environ(
        PATH_INFO="/support/tickets/1/reply/",
        REQUEST_METHOD="POST",
        CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH=str(declared if declared is not None else length),
        HTTP_ACCEPT="application/json",
    )
    environ["wsgi.input"] = body
    return WSGIRequest(environ), body


def _through_middleware(request):
    seen = []

    def view(req):
        seen.append(req)
        return HttpResponse("the view ran")

    return UploadLimitMiddleware(view)(request), seen


def _capped_handler(request) -> CappedUploadHandler:
    return next(h for h in request.upload_handlers if isinstance(h, CappedUploadHandler))


def test_the_capped_handler_comes_first(settings):
    assert settings.FILE_UPLOAD_HANDLERS[0] == "core.uploads.CappedUploadHandler"
    assert len(settings.FILE_UPLOAD_HANDLERS) > 1


def test_a_file_over_the_cap_stops_the_reading(small_caps):
    file_size = 20 * CAP  # 2 MB in a 100 KB cap (the request as a whole is allowed 3 MB)
    parts, length = _multipart(file_size)
    request, body = _request(parts, length)

    response, seen = _through_middleware(request)

    assert response.status_code == 413
    assert seen == []  # the view never ran
    message = json.loads(response.content)["error"]["message"]
    assert "larger than 100.0\xa0KB" in message
    handler = _capped_handler(request)
    assert CAP < handler.received <= CAP + 64 * 1024
    # The parser reads ahead by at most a couple of chunks: far from the whole body.
    assert body.bytes_read < 3 * CAP < length


def test_a_large_content_length_is_refused_before_reading(small_caps):
    parts, length = _multipart(REQUEST_CAP + CAP)
    request, body = _request(parts, length)
    assert length > REQUEST_CAP

    response, seen = _through_middleware(request)

    assert response.status_code == 413
    assert seen == []
    assert body.bytes_read == 0


def test_the_handler_refuses_on_content_length_too(small_caps):
    handler = CappedUploadHandler(None)
    with pytest.raises(Exception, match="larger than") as caught:
        handler.handle_raw_input(None, {}, REQUEST_CAP + 1, BOUNDARY)
    assert caught.value.whole_request
    assert handler.received == 0


def test_a_file_within_the_cap_reaches_the_view(small_caps):
    parts, length = _multipart(CAP // 2)
    request, body = _request(parts, length)

    response, seen = _through_middleware(request)

    assert response.status_code == 200
    assert seen[0].FILES["attachments"].size == CAP // 2
    assert body.bytes_read == length
    assert _capped_handler(request).received == CAP // 2


def test_the_admin_keeps_its_own_limits(small_caps):
    parts, length = _multipart(2 * CAP)
    request, _body = _request(parts, length)
    request.path_info = "/admin/documents/multiple/add/"

    response, seen = _through_middleware(request)

    assert response.status_code == 200
    assert seen[0].FILES["attachments"].size == 2 * CAP


@pytest.mark.django_db
def test_a_reply_with_a_file_over_the_cap_gets_a_clear_page(small_caps, client, products):
    from tests.factories import UserFactory

    customer = UserFactory(username="customer")
    ticket = file_ticket(
        customer,
        product=products["relay"],
        subject="Exports fail",
        description="Every CSV export stops halfway since this morning.",
        enforce_limits=False,
    )
    client.force_login(customer)
    messages_before = TicketMessage.objects.filter(ticket=ticket).count()
    big = SimpleUploadedFile("big.log", b"a" * (CAP + 1), content_type="text/plain")

    response = client.post(
        f"/support/tickets/{ticket.number}/reply/",
        {"body": "Here is the log.", "attachments": [big]},
    )

    assert response.status_code == 413
    assert "larger than 100.0\xa0KB" in response.content.decode()
    assert TicketMessage.objects.filter(ticket=ticket).count() == messages_before
    assert Ticket.objects.get(pk=ticket.pk).attachments.count() == 0
