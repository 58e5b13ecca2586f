from inbound.checks import check_imap_settings


def test_a_mailbox_needs_its_user_and_the_support_address(settings):
    settings.SUPPORT_IMAP_HOST = ""
    assert check_imap_settings(None) == []
    settings.SUPPORT_IMAP_HOST, settings.SUPPORT_IMAP_USER = "imap.example.com", ""
    settings.SUPPORT_EMAIL_ADDRESS = ""
    assert [e.id for e in check_imap_settings(None)] == ["inbound.E001", "inbound.E002"]
    settings.SUPPORT_IMAP_USER, settings.SUPPORT_EMAIL_ADDRESS = "support", "support@example.com"
    assert check_imap_settings(None) == []
