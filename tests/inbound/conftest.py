import pytest

# The support fixtures (an agent, a customer, filing, indexed content) are the tickets'.
from tests.tickets.conftest import (  # noqa: F401
    agent,
    content,
    customer,
    file_ticket,
    indexed,
    second_agent,
)

from .servers import IMAP_PASSWORD, IMAP_USER, imap_server, smtp_server

SUPPORT = "support@portico.test"


@pytest.fixture(scope="module")
def smtp():
    with smtp_server() as server:
        yield server


@pytest.fixture(scope="module")
def imap():
    with imap_server() as server:
        yield server


@pytest.fixture
def support_mail(settings):
    """Support by email on, at ``support@portico.test``."""
    settings.SUPPORT_EMAIL_ADDRESS = SUPPORT
    settings.SUPPORT_REPLY_TO_TEMPLATE = ""
    settings.SUPPORT_INBOUND_SECRET = "s3cret-inbound"
    settings.DEFAULT_FROM_EMAIL = f"Portico <{SUPPORT}>"
    return settings


@pytest.fixture
def outgoing(support_mail, smtp):
    """Emails leave over SMTP to the test's server; returns its inbox (emptied)."""
    host, port, inbox = smtp
    support_mail.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    support_mail.EMAIL_HOST, support_mail.EMAIL_PORT = host, port
    support_mail.EMAIL_USE_TLS = support_mail.EMAIL_USE_SSL = False
    support_mail.EMAIL_HOST_USER = support_mail.EMAIL_HOST_PASSWORD = ""
    inbox.clear()
    return inbox


@pytest.fixture
def mailbox(support_mail, imap):
    host, port = imap
    support_mail.SUPPORT_IMAP_HOST, support_mail.SUPPORT_IMAP_PORT = host, port
    support_mail.SUPPORT_IMAP_USER, support_mail.SUPPORT_IMAP_PASSWORD = IMAP_USER, IMAP_PASSWORD
    support_mail.SUPPORT_IMAP_SSL = False
    support_mail.SUPPORT_IMAP_FOLDER = "INBOX"
    support_mail.SUPPORT_IMAP_DONE_FOLDER = ""
    return imap


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what a write queued for after its commit (the emails), like production does."""

    def run(write, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return write(*args, **kwargs)

    return run
