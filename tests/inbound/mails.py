"""Emails as customers' mail clients write them (bytes, ready to post or APPEND)."""

from __future__ import annotations

import uuid
from email.message import EmailMessage
from email.utils import format_datetime

from django.utils import timezone


def compose(
    *,
    sender: str,
    to: str,
    subject: str,
    text: str | None = None,
    html: str | None = None,
    attachments=(),
    headers: dict | None = None,
    in_reply_to: str = "",
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = f"<{uuid.uuid4().hex}@customer.test>"
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    for name, value in (headers or {}).items():
        message[name] = value
    if text is not None:
        message.set_content(text)
        if html is not None:
            message.add_alternative(html, subtype="html")
    elif html is not None:
        message.set_content(html, subtype="html")
    for name, content, content_type in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def quoted(original: str) -> str:
    return "\n".join(f"> {line}" for line in original.splitlines())
