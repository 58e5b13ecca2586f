"""Start-up checks for required external settings: mistakes fail at start, not at first use."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

SEARCH_BACKENDS = ("embedded", "opensearch")


@register()
def check_search_settings(app_configs, **kwargs):
    errors = []
    backend = getattr(settings, "SEARCH_BACKEND", "embedded")
    if backend not in SEARCH_BACKENDS:
        errors.append(
            Error(
                f"SEARCH_BACKEND is {backend!r}.",
                hint=f"Use one of: {', '.join(SEARCH_BACKENDS)}.",
                id="portico.E001",
            )
        )
    if backend == "opensearch" and not settings.OPENSEARCH_URL:
        errors.append(
            Error(
                "SEARCH_BACKEND is 'opensearch' but OPENSEARCH_URL is not set.",
                hint="Set OPENSEARCH_URL, e.g. https://user:password@search.internal:9200.",
                id="portico.E002",
            )
        )
    return errors


@register(Tags.security, deploy=True)
def check_production_services(app_configs, **kwargs):
    warnings = []
    if not settings.CELERY_BROKER_URL:
        warnings.append(
            Warning(
                "CELERY_BROKER_URL is not set: emails and index updates run inside web requests.",
                hint="Set CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/0) and run a worker.",
                id="portico.W001",
            )
        )
    if settings.EMAIL_BACKEND.endswith("console.EmailBackend"):
        warnings.append(
            Warning(
                "Email is printed to the console, not sent.",
                hint="Set EMAIL_HOST (and EMAIL_HOST_USER/PASSWORD) or EMAIL_BACKEND.",
                id="portico.W002",
            )
        )
    if "locmem" in settings.CACHES["default"]["BACKEND"].lower():
        warnings.append(
            Warning(
                "The cache lives in each process's memory: sign-in rate limits and cached "
                "pages are not shared between web processes.",
                hint="Set CACHE_URL to a shared cache, e.g. redis://127.0.0.1:6379/1.",
                id="portico.W003",
            )
        )
    return warnings


@register()
def check_outbox_settings(app_configs, **kwargs):
    """A task of a killed worker comes back after the broker's visibility timeout; the
    outbox row it runs must be free again by then (core/outbox.py)."""
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", None) or {}
    timeout = options.get("visibility_timeout")
    lease = settings.OUTBOX_LEASE_SECONDS
    if timeout is not None and lease >= timeout:
        return [
            Error(
                f"OUTBOX_LEASE_SECONDS ({lease}) is not shorter than the broker's visibility "
                f"timeout ({timeout}).",
                hint="A task redelivered after a worker died would find its outbox row still "
                "held and skip it. Raise CELERY_VISIBILITY_TIMEOUT or lower "
                "OUTBOX_LEASE_SECONDS.",
                id="portico.E030",
            )
        ]
    return []
