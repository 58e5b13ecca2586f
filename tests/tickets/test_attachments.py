"""Attachments are checked on the server: size, count, extension and content."""

import pytest

from tickets import attachments, services
from tickets.errors import InvalidAttachment
from tickets.models import TicketAttachment

from .conftest import PDF, PNG, upload, zip_bytes

pytestmark = pytest.mark.django_db

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48


@pytest.mark.parametrize(
    "name,content",
    [
        ("screen.png", PNG),
        ("Screen Shot 2026-03-01.PNG", PNG),
        ("invoice.pdf", PDF),
        ("relay.log", b"2026-03-01T10:00:00Z delivery failed 401\n"),
        ("export.csv", "name;amount\nCorrib;1 200,00 €\n".encode()),
        ("request.har", b'{"log": {"version": "1.2", "entries": []}}'),
        ("settings.json", b'{"currency": "EUR"}'),
    ],
)
def test_genuine_files_are_accepted(name, content):
    checked = attachments.check_file(upload(name, content))
    assert checked.name == name
    assert checked.size == len(content)


def test_a_file_too_big_is_refused(settings):
    settings.TICKETS_ATTACHMENT_MAX_BYTES = 100
    with pytest.raises(InvalidAttachment, match="at most 100"):
        attachments.check_file(upload("big.log", b"x" * 101))


@pytest.mark.parametrize("name", ["setup.exe", "script.js", "page.html", "archive.zip", "noext"])
def test_a_type_we_do_not_take_is_refused(name):
    with pytest.raises(InvalidAttachment, match="not a file type we accept"):
        attachments.check_file(upload(name, b"hello"))


@pytest.mark.parametrize(
    "name,content",
    [
        ("invoice.pdf", EXE),  # a program named like a PDF
        ("screen.png", PDF),  # a PDF named like a picture
        ("photo.jpg", PNG),  # a PNG is not a JPEG
        ("notes.txt", zip_bytes()),  # an archive in disguise
        ("notes.txt", PNG),  # a picture in disguise
        ("relay.log", b"binary\x00data\x00"),  # NUL bytes: not text
        ("export.csv", "caf\xe9".encode("latin-1")),  # not UTF-8
        ("request.har", b"<html>not json</html>"),  # HAR must be JSON
    ],
)
def test_a_disguised_file_is_refused(name, content):
    with pytest.raises(InvalidAttachment, match="does not contain what its name says"):
        attachments.check_file(upload(name, content))


def test_too_many_files_are_refused(settings):
    settings.TICKETS_ATTACHMENT_MAX_FILES = 2
    files = [upload(f"shot-{n}.png", PNG) for n in range(3)]
    with pytest.raises(InvalidAttachment, match="at most 2 files"):
        attachments.check_files(files)


def test_names_are_cleaned():
    assert attachments.clean_name("../../etc/passwd.txt") == "passwd.txt"
    assert attachments.clean_name("C:\\Users\\me\\log.txt") == "log.txt"
    assert attachments.clean_name('a"b<c>.txt') == "a_b_c_.txt"


def test_the_browser_content_type_is_never_trusted(customer, file_ticket):
    ticket = file_ticket(customer, files=[upload("notes.txt", b"hello\n", "text/html")])
    stored = ticket.attachments.get()
    assert stored.content_type == "text/plain; charset=utf-8"
    # Stored under a random name, outside MEDIA_ROOT.
    assert stored.file.name.endswith(".txt") and "notes" not in stored.file.name


def test_several_files_with_one_message(customer, agent, file_ticket):
    ticket = file_ticket(customer)
    message = services.reply_as_agent(
        ticket, agent, "Here are both.", files=[upload("a.png", PNG), upload("b.pdf", PDF)]
    )
    assert sorted(a.name for a in message.attachments.all()) == ["a.png", "b.pdf"]


def test_a_disguised_file_in_the_form_is_an_error_and_nothing_is_filed(
    client, customer, home, products
):
    from tickets import flow

    client.force_login(customer)
    session = client.session
    session[flow.DRAFT_KEY] = {"product": "relay", "subject": "Broken", "description": "x" * 20}
    session.save()
    response = client.post(
        "/support/new/details/",
        {
            "product": "relay",
            "subject": "Webhook deliveries fail",
            "description": "Every delivery fails since this morning.",
            "priority": "2",
            "attachments": [upload("screen.png", PNG), upload("invoice.pdf", EXE)],
        },
    )
    assert response.status_code == 400
    assert "does not contain what its name says" in response.content.decode()
    assert not TicketAttachment.objects.exists()


def test_too_big_in_the_reply_form(client, customer, file_ticket, settings):
    settings.TICKETS_ATTACHMENT_MAX_BYTES = 10
    ticket = file_ticket(customer)
    client.force_login(customer)
    response = client.post(
        f"/support/tickets/{ticket.number}/reply/",
        {"body": "Here is the log", "attachments": [upload("relay.log", b"x" * 11)]},
    )
    assert response.status_code == 400
    assert "files can be at most" in response.content.decode()
    assert not ticket.messages.exists()
