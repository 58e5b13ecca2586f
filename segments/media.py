"""Uploaded files are served only after an access check (``policy.can_view_file``).

``/media/`` is never a public folder: documents (``documents/…``), original images
(``original_images/…``) and their renditions (``images/…``) are looked up by their stored
name, checked against the person asking, and handed over by ``core.sendfile`` (streamed by
the application, or by the web server with ``X-Accel-Redirect``/``X-Sendfile``). Anything
else under ``/media/`` does not exist for the outside world. A refused file answers 404,
like the content it belongs to.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import Http404
from django.views.decorators.http import require_safe
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

from core.sendfile import sendfile

from . import policy


def _owner(path: str):
    """The document or image a stored file belongs to, or ``None``."""
    folder = path.split("/", 1)[0]
    if folder == "documents":
        return get_document_model().objects.filter(file=path).select_related("collection").first()
    image_model = get_image_model()
    if folder == "original_images":
        return image_model.objects.filter(file=path).select_related("collection").first()
    if folder == "images":
        rendition = (
            image_model.get_rendition_model()
            .objects.filter(file=path)
            .select_related("image__collection")
            .first()
        )
        return rendition.image if rendition is not None else None
    return None


@require_safe
def serve_media(request, path: str):
    if ".." in Path(path).parts or path.startswith("/"):
        raise Http404
    owner = _owner(path)
    if owner is None or not policy.can_view_file(owner, request.user):
        raise Http404
    response = sendfile(request, Path(settings.MEDIA_ROOT) / path)
    # Whether a file may be seen depends on who asks: never in a shared cache.
    response["Cache-Control"] = "private, max-age=3600"
    response["Vary"] = "Cookie"
    if path.startswith("documents/"):
        response["Content-Security-Policy"] = "default-src 'none'"
    return response
