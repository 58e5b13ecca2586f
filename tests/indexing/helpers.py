"""Small builders of real content for the indexing tests."""

from django.core.files.base import ContentFile
from wagtail.documents import get_document_model

from forum import services as forum
from tests.factories import publish


def pdf_bytes(*lines: str) -> bytes:
    """A minimal, valid one-page PDF showing ``lines`` in Helvetica."""
    text = " ".join(f"({line.replace('(', '[').replace(')', ']')}) Tj 0 -16 Td" for line in lines)
    stream = f"BT /F1 12 Tf 72 720 Td {text} ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def make_document(title: str, name: str, content: bytes):
    return get_document_model().objects.create(title=title, file=ContentFile(content, name=name))


def attach(article, *documents, text="See the attached files."):
    """Give ``article`` a body with ``documents`` attached, and publish it."""
    article.body = [("text", text)] + [
        ("document", {"document": d, "title": "", "description": ""}) for d in documents
    ]
    return publish(article)


def ask(author, product, title="How do I connect the bank feed?", body=None, **kwargs):
    return forum.ask_question(
        author,
        title=title,
        body=body or "I tried **everything** in the settings page and nothing happens.",
        product=product,
        tags=kwargs.pop("tags", ["bank-feed"]),
        enforce_limits=False,
        notify=False,
        **kwargs,
    )


def answer(question, author, body="Open *Settings → Banks* and press **Reconnect**."):
    return forum.post_answer(question, author, body=body, enforce_limits=False, notify=False)
