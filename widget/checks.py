"""Start-up check: every ``WIDGET_ALLOWED_ORIGINS`` entry is an origin."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register

from .origins import is_origin, normalise


@register(Tags.security)
def check_widget_origins(app_configs=None, **kwargs):
    value = getattr(settings, "WIDGET_ALLOWED_ORIGINS", [])
    if isinstance(value, str):
        return [
            Error(
                "WIDGET_ALLOWED_ORIGINS must be a list of origins.",
                hint="In the environment: origins separated by commas.",
                id="widget.E001",
            )
        ]
    bad = [item for item in value if not is_origin(normalise(item))]
    if not bad:
        return []
    return [
        Error(
            f"WIDGET_ALLOWED_ORIGINS holds what is not an origin: {', '.join(map(str, bad))}.",
            hint="Write each as scheme://host[:port], e.g. https://app.example.com "
            "(no path, no trailing slash).",
            id="widget.E001",
        )
    ]
