"""Sending a file after an access check, by the application or by the web server.

Files that follow their content's access (documents, images, ticket attachments) are
never served as public files: a view checks who is asking, then hands the file over. By
default the application streams it. In production the web server can do the streaming
after the check (``PORTICO_SENDFILE``):

- ``nginx``: the response carries ``X-Accel-Redirect: <PORTICO_SENDFILE_URL><path>`` and
  nginx serves the file from an ``internal`` location (see deploy/nginx);
- ``apache`` (or ``lighttpd``): ``X-Sendfile: <absolute path>`` (mod_xsendfile).

``sendfile`` also serves as Wagtail's ``SENDFILE_BACKEND``, so documents served by
Wagtail's own view take the same road.
"""

from __future__ import annotations

import mimetypes
import os
import stat
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotModified
from django.utils.http import http_date, parse_http_date_safe


def _mode() -> str:
    return (settings.PORTICO_SENDFILE or "").strip().lower()


def _root_and_url(path: Path) -> tuple[str, str] | None:
    """The internal URL nginx serves ``path`` under: media and ticket files have their own."""
    roots = [
        (Path(settings.MEDIA_ROOT), settings.PORTICO_SENDFILE_URL.rstrip("/") + "/media/"),
    ]
    attachments = settings.TICKETS_ATTACHMENT_ROOT
    if attachments:
        roots.append(
            (Path(attachments), settings.PORTICO_SENDFILE_URL.rstrip("/") + "/attachments/")
        )
    resolved = path.resolve()
    for root, url in roots:
        try:
            return str(resolved.relative_to(root.resolve()).as_posix()), url
        except ValueError:
            continue
    return None


def sendfile(
    request,
    filename,
    attachment: bool = False,
    attachment_filename: str | None = None,
    mimetype: str | None = None,
    encoding: str | None = None,
    **_kwargs,
):
    """A response that delivers the file at ``filename`` (an absolute path)."""
    path = Path(filename)
    try:
        status = os.stat(path)
    except OSError:
        raise Http404("No such file.") from None
    if not stat.S_ISREG(status.st_mode):
        raise Http404("No such file.")
    guessed, guessed_encoding = mimetypes.guess_type(path.name)
    content_type = mimetype or guessed or "application/octet-stream"
    modified = parse_http_date_safe(request.headers.get("If-Modified-Since") or "")
    if modified is not None and int(status.st_mtime) <= modified:
        return HttpResponseNotModified()

    mode = _mode()
    if mode == "nginx":
        located = _root_and_url(path)
        if located is None:
            raise Http404("No such file.")
        relative, url = located
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = quote(url + relative)
    elif mode in {"apache", "lighttpd", "x-sendfile"}:
        response = HttpResponse(content_type=content_type)
        response["X-Sendfile"] = str(path.resolve())
    else:
        response = FileResponse(open(path, "rb"), content_type=content_type)  # noqa: SIM115 (closed by the response)
        response["Content-Length"] = str(status.st_size)
    if encoding or guessed_encoding:
        response["Content-Encoding"] = encoding or guessed_encoding
    response["Last-Modified"] = http_date(status.st_mtime)
    if attachment:
        name = attachment_filename or path.name
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response
