"""Where ticket attachments live: a private folder, never under ``MEDIA_ROOT``.

Files are stored under random names (the customer's file name is kept in the database) and
are only ever served by ``tickets.views.attachment``, which checks who is asking.
"""

from __future__ import annotations

import uuid

from django.core.files.storage import FileSystemStorage
from django.utils import timezone

from . import conf


class AttachmentStorage(FileSystemStorage):
    """Reads ``TICKETS_ATTACHMENT_ROOT`` when used (so test settings apply), has no URL."""

    def __init__(self):
        super().__init__(base_url=None)

    @property
    def base_location(self):
        return str(conf.attachment_root())

    @property
    def location(self):
        return str(conf.attachment_root().resolve())

    def url(self, name):
        raise ValueError("Ticket attachments have no public URL; use tickets:attachment.")


attachment_storage = AttachmentStorage()


def attachment_path(instance, filename: str) -> str:
    """``2026/05/<random>.<ext>``: nothing in the path comes from the customer but the
    (already validated) extension."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{ext}"


def get_attachment_storage():
    return attachment_storage
