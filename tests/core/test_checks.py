import os
import subprocess
import sys
from pathlib import Path

from django.core.checks import Error
from django.test import override_settings

from core.checks import check_production_services, check_search_settings

ROOT = Path(__file__).resolve().parents[2]


@override_settings(SEARCH_BACKEND="opensearch", OPENSEARCH_URL="")
def test_opensearch_without_url_fails_at_start():
    errors = check_search_settings(None)
    assert [e.id for e in errors] == ["portico.E002"]
    assert isinstance(errors[0], Error)


@override_settings(SEARCH_BACKEND="elastic")
def test_unknown_backend_is_an_error():
    assert [e.id for e in check_search_settings(None)] == ["portico.E001"]


@override_settings(CELERY_BROKER_URL="")
def test_production_without_broker_warns():
    assert "portico.W001" in [w.id for w in check_production_services(None)]


@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}})
def test_production_with_a_per_process_cache_warns():
    assert "portico.W003" in [w.id for w in check_production_services(None)]


def test_check_deploy_is_clean_with_production_values(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "x" * 30 + "-production-secret-key-with-enough-entropy-123",
        "ALLOWED_HOSTS": "help.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "EMAIL_HOST": "smtp.example.com",
        "CACHE_URL": "redis://127.0.0.1:6379/1",
        "PORTICO_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.production", PORTICO_VAR_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr
