"""Start-up checks for the support settings, so a mistake fails at start, not at upload."""

from __future__ import annotations

from django.core.checks import Error, Tags, register

from . import conf


@register(Tags.compatibility)
def check_ticket_settings(app_configs=None, **kwargs):
    from .attachments import RULES, allowed_extensions

    errors = []
    unknown = sorted(set(allowed_extensions()) - set(RULES))
    if unknown:
        errors.append(
            Error(
                f"TICKETS_ATTACHMENT_EXTENSIONS lists {', '.join(unknown)}, which the "
                "attachment checks cannot verify.",
                hint=f"Use only: {', '.join(sorted(RULES))}.",
                id="tickets.E001",
            )
        )
    for name in ("TICKETS_ATTACHMENT_MAX_BYTES", "TICKETS_ATTACHMENT_MAX_FILES"):
        value = conf.get(name)
        if not isinstance(value, int) or value < 1:
            errors.append(Error(f"{name} must be a positive whole number.", id="tickets.E002"))
    slugs = [slug for slug, _label in conf.get("TICKETS_CATEGORIES")]
    if len(slugs) != len(set(slugs)):
        errors.append(Error("TICKETS_CATEGORIES repeats a slug.", id="tickets.E003"))
    return errors
