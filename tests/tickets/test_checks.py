"""Support settings are checked at start-up, so a mistake fails before the first upload."""

from tickets.checks import check_ticket_settings


def test_the_default_settings_pass():
    assert check_ticket_settings() == []


def test_an_extension_the_content_checks_cannot_verify_is_an_error(settings):
    settings.TICKETS_ATTACHMENT_EXTENSIONS = ["png", "exe", "docx"]
    errors = check_ticket_settings()
    assert [error.id for error in errors] == ["tickets.E001"]
    assert "docx, exe" in errors[0].msg


def test_limits_must_be_positive_and_categories_unique(settings):
    settings.TICKETS_ATTACHMENT_MAX_FILES = 0
    settings.TICKETS_CATEGORIES = [("billing", "Billing"), ("billing", "Invoices")]
    assert sorted(error.id for error in check_ticket_settings()) == [
        "tickets.E002",
        "tickets.E003",
    ]
