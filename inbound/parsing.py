"""Reading an inbound email: who sent it, to which addresses, what they wrote (without the
quoted conversation or their signature), which files came with it, and whether it is an
automatic message that must never be answered.

Pure functions of the raw bytes: nothing here touches the database.
"""

from __future__ import annotations

import email
import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

from bs4 import BeautifulSoup

_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# The line a mail client writes above the message it quotes (it may wrap over 2–3 lines).
_ATTRIBUTION = [
    re.compile(r"^on\b.{1,400}\bwrote:?$", re.IGNORECASE),  # English (Gmail, Apple Mail, …)
    re.compile(r"^(la|pe)\b.{1,400}\ba scris:?$", re.IGNORECASE),  # Romanian
    re.compile(r"^در\b.{1,400}نوشت[:：]?$"),  # Persian (Gmail: «در تاریخ … نوشت:»)
]
_SEPARATORS = re.compile(
    r"^(-{2,}\s*(original message|forwarded message|mesaj(ul)? original|mesaj redirecționat"
    r"|پیام اصلی|پیام بازارسال‌شده|پیام هدایت‌شده)\s*-{2,}|_{20,})$",
    re.IGNORECASE,
)
# Outlook's header block over the quoted message: "From: …" then "Sent: …" / "Date: …".
_HEADER_FROM = re.compile(r"^\*?(from|de la|de|از|فرستنده)\s*:\*?\s", re.IGNORECASE)
_HEADER_NEXT = re.compile(
    r"^\*?(sent|date|to|subject|trimis|data|către|subiect|ارسال|تاریخ|به|موضوع)\s*:", re.IGNORECASE
)
_SIGNATURE = re.compile(r"^(-- ?|—)$")
_MOBILE_SIGNATURE = re.compile(
    r"^(sent from my \w+|trimis de pe \w+|ارسال شده از \w+)", re.IGNORECASE
)
_SYSTEM_SENDERS = re.compile(
    r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|noreply-\w+|bounces?)(\+.*)?@",
    re.IGNORECASE,
)
_PERSIAN = re.compile("[\u0600-\u06ff]")
_ROMANIAN = re.compile("[ăâîșşțţĂÂÎȘŞȚŢ]")
_QUOTE_CONTAINERS = (
    "blockquote",
    ".gmail_quote",
    ".gmail_attr",
    ".gmail_signature",
    "#divRplyFwdMsg",
    "#appendonsend",
    ".moz-cite-prefix",
    ".moz-signature",
    "div[data-marker='__QUOTED_TEXT__']",
)
_PARAGRAPHS = ["p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "table", "ul", "ol", "hr"]
_LINES = ["div", "li", "tr"]


@dataclass
class Attachment:
    name: str
    content: bytes
    content_type: str


@dataclass
class InboundEmail:
    message_id: str
    sender: str  # the address, lower case
    sender_name: str
    subject: str
    text: str  # what they wrote: quotes and signature removed
    recipients: list[str]
    attachments: list[Attachment] = field(default_factory=list)
    automatic: str = ""  # why it is an automatic message ("" when a person wrote it)
    language: str = ""  # a guess from the text: "fa", "ro" or ""
    spoofed: bool = False  # the receiving server says the From domain failed DMARC


def parse(raw: bytes) -> InboundEmail:
    message = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    name, sender = parseaddr(str(message.get("From", "")))
    message_id = str(message.get("Message-ID", "")).strip()
    if not message_id:
        message_id = f"<{hashlib.sha256(raw).hexdigest()}@inbound.invalid>"
    recipients = [
        address.lower()
        for header in ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")
        for _name, address in getaddresses([str(v) for v in message.get_all(header, [])])
        if address
    ]
    body_part = message.get_body(preferencelist=("plain", "html"))
    text = ""
    if body_part is not None:
        content = _content(body_part)
        if body_part.get_content_subtype() == "html":
            content = html_to_text(content)
        text = strip_quoted(content)
    return InboundEmail(
        message_id=message_id[:255],
        sender=sender.strip().lower(),
        sender_name=" ".join(str(name).split())[:80],
        subject=" ".join(str(message.get("Subject", "")).split()),
        text=text,
        recipients=recipients,
        attachments=list(_attachments(message, body_part)),
        automatic=automatic_reason(message, sender),
        language=guess_language(text),
        spoofed=any(
            "dmarc=fail" in str(value).lower()
            for value in message.get_all("Authentication-Results", [])
        ),
    )


def _content(part) -> str:
    try:
        return part.get_content()
    except (LookupError, UnicodeError):  # an unknown or wrong charset
        return part.get_payload(decode=True).decode("utf-8", errors="replace")


def _attachments(message: EmailMessage, body_part):
    for part in message.walk():
        if part.is_multipart() or part is body_part:
            continue
        filename = part.get_filename()
        disposition = part.get_content_disposition()
        if not filename and disposition != "attachment":
            continue  # another rendering of the body
        if (
            disposition == "inline"
            and part.get("Content-ID")
            and part.get_content_maintype() == "image"
        ):
            continue  # a picture inside the HTML (a logo in a signature)
        content = part.get_payload(decode=True) or b""
        yield Attachment(
            name=filename or "attachment", content=content, content_type=part.get_content_type()
        )


def automatic_reason(message: EmailMessage, sender: str) -> str:
    """Why ``message`` was sent by a machine (an auto-reply, a bounce, a list), or ``""``."""
    auto_submitted = str(message.get("Auto-Submitted", "")).strip().lower()
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    precedence = str(message.get("Precedence", "")).strip().lower()
    if precedence in {"bulk", "junk", "list", "auto_reply"}:
        return f"Precedence: {precedence}"
    for header in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress", "List-Id"):
        if message.get(header) is not None:
            return f"{header} header"
    if message.get_content_type() == "multipart/report":
        return "delivery report"
    if str(message.get("Return-Path", "")).strip() == "<>":
        return "empty Return-Path (a bounce)"
    if not sender or _SYSTEM_SENDERS.match(sender.strip()):
        return "system sender"
    return ""


def html_to_text(html: str) -> str:
    """The text of an HTML email: scripts, styles and quoted parts dropped, blocks on lines
    of their own. The result is plain text (shown escaped like any message)."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "head", "title", "meta", "link", "template"]):
        tag.decompose()
    for selector in _QUOTE_CONTAINERS:
        for tag in soup.select(selector):
            tag.decompose()
    for tag in soup.find_all("br"):
        tag.replace_with("\n")
    for tag in soup.find_all(_PARAGRAPHS):
        tag.insert_after("\n\n")
    for tag in soup.find_all(_LINES):
        tag.insert_after("\n")
    text = soup.get_text()
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _is_attribution(lines: list[str], index: int) -> bool:
    for size in (1, 2, 3):
        window = " ".join(line.strip() for line in lines[index : index + size])
        if any(pattern.match(window) for pattern in _ATTRIBUTION):
            return True
    return False


def _is_outlook_header(lines: list[str], index: int) -> bool:
    if not _HEADER_FROM.match(lines[index].strip()):
        return False
    following = [line.strip() for line in lines[index + 1 : index + 4] if line.strip()]
    return bool(following) and _HEADER_NEXT.match(following[0]) is not None


def strip_quoted(text: str) -> str:
    """What the person wrote in a reply: the quoted earlier messages ("> …" lines, and
    everything below an "On … wrote:", "La … a scris:", "در … نوشت:", Outlook's
    "From: … Sent: …" block or "-----Original Message-----") and the signature ("-- ")
    removed."""
    raw_lines = str(text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = [_BIDI.sub("", line) for line in raw_lines]
    cut = len(lines)
    for index, line in enumerate(lines):
        stripped = line.strip()
        if (
            _SEPARATORS.match(stripped)
            or _SIGNATURE.match(line.rstrip("\n"))
            or (stripped and _is_attribution(lines, index))
            or _is_outlook_header(lines, index)
        ):
            cut = index
            break
    kept = [line.rstrip() for line in lines[:cut] if not line.lstrip().startswith(">")]
    while kept and (not kept[-1].strip() or _MOBILE_SIGNATURE.match(kept[-1].strip())):
        kept.pop()
    while kept and not kept[0].strip():
        kept.pop(0)
    return "\n".join(kept)


def guess_language(text: str) -> str:
    """``"fa"`` for Persian script, ``"ro"`` for Romanian letters, else ``""``."""
    if _PERSIAN.search(text or ""):
        return "fa"
    if _ROMANIAN.search(text or ""):
        return "ro"
    return ""
