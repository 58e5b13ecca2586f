"""Uploads capped while they stream in, not after they are stored.

Django's own handlers write a whole file (to memory, then to a temporary file) before any
form can see its size, so a 2 GB "attachment" would be read to the end just to be refused.
``CappedUploadHandler`` comes first in ``FILE_UPLOAD_HANDLERS`` and:

- refuses a multipart request at once when its ``Content-Length`` already says it is
  larger than ``PORTICO_UPLOAD_MAX_REQUEST_BYTES`` (nothing of the body is read);
- counts the bytes of every file as they arrive, and stops reading the moment one file
  passes ``PORTICO_UPLOAD_MAX_FILE_BYTES`` (or all of them together pass the request cap).

Either way it raises ``UploadTooLarge``; ``UploadLimitMiddleware`` parses multipart bodies
before any view (and before the CSRF check reads the form) and turns it into a clear 413
answer: a page, or JSON for scripts. Paths under ``PORTICO_UPLOAD_UNCAPPED_PATHS`` (the
Wagtail admin, whose images and documents have their own limits) are left alone.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from .http import error_answer


class UploadTooLarge(RequestDataTooBig):
    """A file, or the request, is larger than the site accepts."""

    def __init__(self, limit: int, *, whole_request: bool = False):
        self.limit = limit
        self.whole_request = whole_request
        super().__init__(f"upload larger than {limit} bytes")


def max_file_bytes() -> int:
    return int(settings.PORTICO_UPLOAD_MAX_FILE_BYTES)


def max_request_bytes() -> int:
    return int(settings.PORTICO_UPLOAD_MAX_REQUEST_BYTES)


def is_capped(request) -> bool:
    path = getattr(request, "path_info", "") or ""
    return not any(path.startswith(prefix) for prefix in settings.PORTICO_UPLOAD_UNCAPPED_PATHS)


def _content_length(meta) -> int:
    try:
        return max(0, int(meta.get("CONTENT_LENGTH") or 0))
    except (TypeError, ValueError):
        return 0


class CappedUploadHandler(FileUploadHandler):
    """Counts what arrives and stops at the cap; stores nothing itself (the handlers
    after it do), so it only ever passes chunks on or raises."""

    def __init__(self, request=None):
        super().__init__(request)
        self.capped = request is None or is_capped(request)
        self.file_bytes = 0
        #: Every file byte this handler has seen in the request (tests read it).
        self.received = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if self.capped and content_length > max_request_bytes():
            raise UploadTooLarge(max_request_bytes(), whole_request=True)
        return None  # the parser goes on, with this and the next handlers

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.file_bytes = 0

    def receive_data_chunk(self, raw_data, start):
        size = len(raw_data)
        self.file_bytes += size
        self.received += size
        if self.capped:
            if self.file_bytes > max_file_bytes():
                raise UploadTooLarge(max_file_bytes())
            if self.received > max_request_bytes():
                raise UploadTooLarge(max_request_bytes(), whole_request=True)
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler builds the file


def too_large_response(request, error: UploadTooLarge):
    limit = filesizeformat(error.limit)
    if error.whole_request:
        message = _(
            "What you sent is larger than %(limit)s in all. Attach fewer or smaller files "
            "and try again."
        ) % {"limit": limit}
    else:
        message = _(
            "A file you attached is larger than %(limit)s. Attach a smaller file (a "
            "compressed or shortened copy) and try again."
        ) % {"limit": limit}
    return error_answer(request, 413, message, "413.html")


class UploadLimitMiddleware:
    """Refuse an oversized multipart request with a 413 before any view sees it.

    Listed in ``MIDDLEWARE`` after the authentication middleware (the page shows the
    signed-in header) and, like all request-phase code, before the CSRF check reads the
    form.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method == "POST"
            and request.content_type == "multipart/form-data"
            and is_capped(request)
        ):
            if _content_length(request.META) > max_request_bytes():
                return too_large_response(
                    request, UploadTooLarge(max_request_bytes(), whole_request=True)
                )
            try:
                request.POST  # noqa: B018  (parse now, through the capped handler)
            except UploadTooLarge as error:
                request._mark_post_parse_error()
                for handler in request.upload_handlers:
                    handler.upload_interrupted()  # removes a half-written temporary file
                return too_large_response(request, error)
        return self.get_response(request)
