"""/healthz (the process answers) and /readyz (database, cache, broker, search engine)."""

import os

import pytest

from tests.search.support import CLUSTER_URL

pytestmark = pytest.mark.django_db

REDIS_URL = os.environ.get("PORTICO_TEST_REDIS_URL", "redis://127.0.0.1:6379")
CLOSED = "127.0.0.1:9"  # the discard port: nothing listens there


@pytest.fixture
def redis_url():
    import redis

    url = f"{REDIS_URL}/14"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs Redis at {url}: {exc}")
        pytest.skip(f"No Redis at {url}: {exc}")
    return url


def test_healthz_answers_without_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_probes_pass_by_ip_address_and_over_plain_http(client, settings):
    """A load balancer probes the address, over HTTP, before TLS: no 400, no redirect."""
    settings.ALLOWED_HOSTS = ["help.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz", HTTP_HOST="10.0.0.7:8000").status_code == 200
    assert client.get("/readyz", HTTP_HOST="10.0.0.7:8000").status_code in (200, 503)
    # Everything else still gets the host check.
    assert client.get("/robots.txt", HTTP_HOST="10.0.0.7:8000").status_code == 400


@pytest.mark.parametrize(
    "site_backend", ["embedded", "osmem", *(["cluster"] if CLUSTER_URL else [])], indirect=True
)
def test_readyz_reports_every_check(client, site_backend):
    site_backend.ensure_index()
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["status"] == "ok"
    assert set(data["checks"]) == {"database", "cache", "broker", "search"}
    assert data["checks"]["broker"]["status"] == "skipped"  # no broker: tasks in-process
    for name in ("database", "cache", "search"):
        assert data["checks"][name]["status"] == "ok"
    for check in data["checks"].values():
        assert isinstance(check["ms"], float) and check["ms"] >= 0


def test_readyz_with_a_broker(client, site_backend, settings, redis_url):
    site_backend.ensure_index()
    settings.CELERY_BROKER_URL = redis_url
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["broker"]["status"] == "ok"


def test_readyz_asks_the_engine_past_the_circuit_breaker(client, site_backend, settings):
    """Searches leave a failing engine alone for a while; /readyz asks the engine itself
    (and leaves the breaker as it is)."""
    from search.backends import get_backend

    site_backend.ensure_index()
    breaker = get_backend().breaker
    while not breaker.failed():
        pass
    assert not breaker.allow()
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["search"]["status"] == "ok"
    assert not breaker.allow()


def test_a_broker_down_makes_it_unready_without_telling_secrets(client, site_backend, settings):
    site_backend.ensure_index()
    settings.CELERY_BROKER_URL = f"redis://:hunter2-secret@{CLOSED}/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    data = response.json()
    assert data["status"] == "error"
    assert data["checks"]["broker"]["status"] == "error"
    assert data["checks"]["database"]["status"] == "ok"
    assert "hunter2" not in response.content.decode() and CLOSED not in response.content.decode()


def test_a_cache_down_makes_it_unready(client, site_backend, settings):
    site_backend.ensure_index()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://{CLOSED}/1",
        }
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == {
        "status": "error",
        "error": "ConnectionError",
        "ms": response.json()["checks"]["cache"]["ms"],
    }


def test_the_sites_own_redis_cache_down_makes_it_unready(client, site_backend, settings):
    """The cache CACHE_URL makes of a redis:// address answers like an empty cache while
    Redis is down: the site keeps working, /readyz says so."""
    from config.settings.base import cache_from_url

    site_backend.ensure_index()
    settings.CACHES = {"default": cache_from_url(f"redis://{CLOSED}/1")}
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["error"] == "CacheUnavailable"


def test_the_search_engine_down_or_without_an_index(client, settings, site_backend):
    response = client.get("/readyz")  # answers, but nothing was indexed yet
    assert response.status_code == 503
    assert response.json()["checks"]["search"]["error"] == "NoSearchIndex"

    from search.backends import reset_backends

    settings.SEARCH_BACKEND = "opensearch"
    settings.OPENSEARCH_URL = f"http://{CLOSED}"
    reset_backends()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["search"]["error"] == "SearchUnavailable"
    assert response.json()["checks"]["database"]["status"] == "ok"
