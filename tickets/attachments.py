"""Checking files customers and agents attach: size, count, extension and content.

A file is accepted only when its extension is allowed (``TICKETS_ATTACHMENT_EXTENSIONS``)
*and* its content is what the extension says: images and PDFs are recognised by their
magic bytes (``filetype``), text files must be UTF-8 without NUL bytes and must not look
like any known binary format, and JSON files (``.json``, ``.har``) must parse. A ``.pdf``
that is really a program, or a ``.txt`` that is really a ZIP, is refused with a clear
message. The browser's declared content type is never trusted: what we store and serve is
the type that belongs to the checked extension.
"""

from __future__ import annotations

import codecs
import json
import re
import unicodedata
from dataclasses import dataclass

import filetype
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from . import conf
from .errors import InvalidAttachment

# extension: (content type we store and serve, how the content is checked, accepted magic)
RULES: dict[str, tuple[str, str, frozenset[str]]] = {
    "png": ("image/png", "magic", frozenset({"image/png"})),
    "jpg": ("image/jpeg", "magic", frozenset({"image/jpeg"})),
    "jpeg": ("image/jpeg", "magic", frozenset({"image/jpeg"})),
    "gif": ("image/gif", "magic", frozenset({"image/gif"})),
    "webp": ("image/webp", "magic", frozenset({"image/webp"})),
    "pdf": ("application/pdf", "magic", frozenset({"application/pdf"})),
    "txt": ("text/plain; charset=utf-8", "text", frozenset()),
    "log": ("text/plain; charset=utf-8", "text", frozenset()),
    "csv": ("text/csv; charset=utf-8", "text", frozenset()),
    "json": ("application/json", "json", frozenset()),
    "har": ("application/json", "json", frozenset()),
}
HEAD_BYTES = 8192
CHUNK = 64 * 1024
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


@dataclass
class CheckedFile:
    upload: object  # the UploadedFile, positioned at 0
    name: str
    extension: str
    content_type: str
    size: int


def allowed_extensions() -> list[str]:
    return [ext.lower().lstrip(".") for ext in conf.get("TICKETS_ATTACHMENT_EXTENSIONS")]


def accepted_description() -> str:
    """``PNG, JPG, PDF, TXT …`` for help texts and error messages."""
    return ", ".join(ext.upper() for ext in allowed_extensions())


def accept_attribute() -> str:
    """The ``accept`` attribute of the file input (a hint; the server decides)."""
    return ",".join(f".{ext}" for ext in allowed_extensions())


def clean_name(raw: str) -> str:
    """The file's own name, without folders or characters that break headers or paths."""
    name = unicodedata.normalize("NFC", str(raw or "")).replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_NAME.sub("_", name).strip(" .")
    if len(name) > 150:
        stem, dot, ext = name.rpartition(".")
        name = f"{stem[: 140 - len(ext)]}.{ext}" if dot and len(ext) <= 10 else name[:150]
    return name or "attachment"


def _read_chunks(upload):
    upload.seek(0)
    yield from upload.chunks(CHUNK)
    upload.seek(0)


def _is_utf8_text(upload) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    try:
        for chunk in _read_chunks(upload):
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


class TooDeep(ValueError):
    """JSON nested deeper than the parser goes (``[[[[…]]]]`` by the hundred thousand)."""


def _is_json(upload) -> bool:
    try:
        json.loads(b"".join(_read_chunks(upload)).decode("utf-8-sig"))
    except RecursionError:
        raise TooDeep from None
    except (UnicodeDecodeError, ValueError):
        return False
    return True


def check_file(upload) -> CheckedFile:
    name = clean_name(getattr(upload, "name", ""))
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    allowed = allowed_extensions()
    if extension not in allowed or extension not in RULES:
        raise InvalidAttachment(
            _("“%(name)s” is not a file type we accept. You can attach: %(types)s.")
            % {"name": name, "types": accepted_description()}
        )
    size = upload.size or 0
    limit = conf.get("TICKETS_ATTACHMENT_MAX_BYTES")
    if size > limit:
        raise InvalidAttachment(
            _("“%(name)s” is %(size)s; files can be at most %(limit)s.")
            % {"name": name, "size": filesizeformat(size), "limit": filesizeformat(limit)}
        )
    if size == 0:
        raise InvalidAttachment(_("“%(name)s” is empty.") % {"name": name})
    content_type, method, magic = RULES[extension]
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    guessed = filetype.guess(head)
    if method == "magic":
        genuine = guessed is not None and guessed.mime in magic
    else:
        # Text must not be a known binary format in disguise, and must really be text.
        genuine = guessed is None and _is_utf8_text(upload)
        if genuine and method == "json":
            try:
                genuine = _is_json(upload)
            except TooDeep:
                raise InvalidAttachment(
                    _(
                        "“%(name)s” is nested too deeply to be read as JSON. Please attach "
                        "the original file, or a plain-text export of it."
                    )
                    % {"name": name}
                ) from None
    if not genuine:
        raise InvalidAttachment(
            _(
                "“%(name)s” does not contain what its name says: a .%(ext)s file must be "
                "a real %(kind)s file. Please attach the original file."
            )
            % {"name": name, "ext": extension, "kind": extension.upper()}
        )
    return CheckedFile(
        upload=upload, name=name, extension=extension, content_type=content_type, size=size
    )


def check_files(uploads) -> list[CheckedFile]:
    uploads = [upload for upload in uploads or () if upload]
    most = conf.get("TICKETS_ATTACHMENT_MAX_FILES")
    if len(uploads) > most:
        raise InvalidAttachment(_("You can attach at most %(n)s files at a time.") % {"n": most})
    return [check_file(upload) for upload in uploads]
