"""A mailbox to read must be complete: a host without a user fails at start-up."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def check_imap_settings(app_configs, **kwargs):
    errors = []
    if settings.SUPPORT_IMAP_HOST and not settings.SUPPORT_IMAP_USER:
        errors.append(
            Error(
                "SUPPORT_IMAP_HOST is set but SUPPORT_IMAP_USER is empty.",
                hint="Set SUPPORT_IMAP_USER and SUPPORT_IMAP_PASSWORD, or unset the host.",
                id="inbound.E001",
            )
        )
    if settings.SUPPORT_IMAP_HOST and not settings.SUPPORT_EMAIL_ADDRESS:
        errors.append(
            Error(
                "SUPPORT_IMAP_HOST is set but SUPPORT_EMAIL_ADDRESS is empty.",
                hint="Set SUPPORT_EMAIL_ADDRESS to the address that mailbox receives.",
                id="inbound.E002",
            )
        )
    return errors
