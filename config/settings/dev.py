"""Local development and `make demo`: debug on, a throwaway key, mail printed to the console."""

import os

from .base import *  # noqa: F403
from .base import env_bool, env_list

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-insecure-key-change-me-in-production"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# `make widget-demo` serves a product page on port 8001 that embeds the help widget.
WIDGET_ALLOWED_ORIGINS = env_list(
    "WIDGET_ALLOWED_ORIGINS", "http://127.0.0.1:8001,http://localhost:8001"
)
