"""Plain text of attached files (PDF, .txt, .md, .csv), for their search documents.

Extraction never raises: a damaged, encrypted or oversized file is logged and indexed by
its title alone. Results are cached per file content (``file_hash``), so re-indexing an
article for a vote or an edit does not parse its PDFs again.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re

from django.conf import settings
from django.core.cache import cache

from core.markdown import markdown_to_text

logger = logging.getLogger(__name__)

TEXT_EXTENSIONS = {"txt", "md", "markdown", "csv"}
PDF_EXTENSIONS = {"pdf"}
SUPPORTED_EXTENSIONS = TEXT_EXTENSIONS | PDF_EXTENSIONS
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
CACHE_SECONDS = 7 * 24 * 3600


def normalize(text: str, limit: int | None = None) -> str:
    text = text.replace("\x00", " ")
    text = _BLANK_LINES.sub("\n\n", _SPACES.sub(" ", text)).strip()
    if limit is not None and len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0]
    return text


def decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1", errors="replace")


def pdf_text(data: bytes, limit: int) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    # Many PDFs are "encrypted" with an empty user password; others cannot be read.
    if reader.is_encrypted and not reader.decrypt(""):
        return ""
    parts, size = [], 0
    for page in reader.pages:
        text = page.extract_text() or ""
        parts.append(text)
        size += len(text)
        if size >= limit:
            break
    return "\n\n".join(parts)


def csv_text(text: str) -> str:
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    rows = csv.reader(io.StringIO(text), dialect)
    return "\n".join(" ".join(cell.strip() for cell in row if cell.strip()) for row in rows)


def text_from_bytes(data: bytes, extension: str, *, limit: int | None = None) -> str:
    """Plain text of a file's content, by extension ("" for unsupported or broken files)."""
    limit = limit or settings.INDEXING_ATTACHMENT_MAX_CHARS
    extension = extension.lower().lstrip(".")
    if extension in PDF_EXTENSIONS:
        try:
            text = pdf_text(data, limit)
        except Exception:
            logger.warning("Could not read a PDF's text.", exc_info=True)
            return ""
    elif extension in {"md", "markdown"}:
        text = markdown_to_text(decode(data))
    elif extension == "csv":
        text = csv_text(decode(data))
    elif extension in TEXT_EXTENSIONS:
        text = decode(data)
    else:
        return ""
    return normalize(text, limit)


def extract_text(document) -> str:
    """Plain text of a Wagtail document's file ("" when unsupported or unreadable)."""
    extension = (document.file_extension or "").lower()
    if extension not in SUPPORTED_EXTENSIONS or not document.file:
        return ""
    fingerprint = (
        document.file_hash
        or hashlib.sha1(f"{document.file.name}:{document.file_size}".encode()).hexdigest()
    )
    key = f"indexing:text:{document.pk}:{fingerprint}:{settings.INDEXING_ATTACHMENT_MAX_CHARS}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    max_bytes = settings.INDEXING_ATTACHMENT_MAX_BYTES
    try:
        with document.open_file() as handle:
            data = handle.read(max_bytes + 1)
        if len(data) > max_bytes:
            logger.warning(
                "Not indexing the text of document %s: larger than %s bytes.",
                document.pk,
                max_bytes,
            )
            text = ""
        else:
            text = text_from_bytes(data, extension)
    except Exception:
        logger.warning("Could not read the text of document %s.", document.pk, exc_info=True)
        return ""
    cache.set(key, text, CACHE_SECONDS)
    return text
