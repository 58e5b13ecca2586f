"""Test settings: fast hashing, in-memory mail, tasks in-process unless a test brings a broker."""

import os

from .base import *  # noqa: F403
from .base import VAR_DIR

DEBUG = False
SECRET_KEY = "test-only-key-not-secret"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "test-media" / os.environ.get("PYTEST_XDIST_WORKER", "main")
# Tests serve static files through the finders; WhiteNoise only needs the folder to exist.
STATIC_ROOT = VAR_DIR / "test-static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
CELERY_BROKER_URL = ""
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
PORTICO_EMBEDDED_BEAT = False  # tests that need it turn it on
ACCOUNT_RATE_LIMITS = False
# Tests write the search log when they flush it (search.analytics.flush).
SEARCH_LOG_FLUSH_SECONDS = 0
PORTICO_RATE_LIMITS_ENABLED = False  # tests that need them turn them on
WAGTAILADMIN_BASE_URL = SITE_URL = "http://testserver"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# Search: one set of indexes per test worker, away from the site's own.
SEARCH_INDEX_PREFIX = f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
SEARCH_EMBEDDED_PATH = VAR_DIR / "test-search"
# Encoding is slow on small machines: tests that exercise vectors turn this on.
SEARCH_SEMANTIC = "off"
SEARCH_DIRECT_ANSWER = "off"
TICKETS_ATTACHMENT_ROOT = (
    VAR_DIR / "test-ticket-attachments" / os.environ.get("PYTEST_XDIST_WORKER", "main")
)
# A second address for the site: tests of absolute URLs (core.seo) ask on it too.
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "help.example.test"]  # noqa: F405
# Webhook tests post to a receiver on 127.0.0.1 (the SSRF tests turn this off).
WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
