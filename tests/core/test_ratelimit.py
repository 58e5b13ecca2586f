"""Rate limits of the endpoints anyone may call, per client address, on the shared cache."""

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.core.checks import run_checks

from core.ratelimit import hit, parse_rate

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("PORTICO_TEST_REDIS_URL", "redis://127.0.0.1:6379")

ENDPOINTS = {
    "search_api": ("get", "/api/v1/search", {"q": "invoice"}),
    "search_suggest": ("get", "/api/v1/search/suggest", {"q": "inv"}),
    "search_click": ("post", "/search/click/", {"token": "x", "rank": "1", "item": "a:1"}),
    "forum_similar": ("get", "/community/similar/", {"q": "webhook retries"}),
    "support_suggest": ("post", "/support/new/suggest/", {"description": "webhook fails"}),
}


@pytest.fixture
def limits(settings):
    settings.PORTICO_RATE_LIMITS_ENABLED = True
    settings.PORTICO_RATE_LIMITS = dict.fromkeys(ENDPOINTS, "3/m")
    return settings.PORTICO_RATE_LIMITS


@pytest.fixture
def redis_cache(settings):
    import redis

    url = f"{REDIS_URL}/13"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        client.ping()
    except redis.RedisError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs Redis at {url}: {exc}")
        pytest.skip(f"No Redis at {url}: {exc}")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"test-ratelimit-{os.getpid()}",
        }
    }
    from django.core.cache import cache

    cache.clear()
    yield client
    cache.clear()


def call(client, name, **extra):
    method, path, data = ENDPOINTS[name]
    return getattr(client, method)(path, data, **extra)


def test_rates_are_written_like_allauths():
    assert parse_rate("60/m") == (60, 60)
    assert parse_rate("100/5m") == (100, 300)
    assert parse_rate(" 1000 / h ") == (1000, 3600)
    assert parse_rate("5/s") == (5, 1) and parse_rate("10/d") == (10, 86400)
    assert parse_rate("off") is None and parse_rate("0") is None and parse_rate("") is None
    with pytest.raises(ValueError):
        parse_rate("60 per minute")


def test_a_wrong_rate_fails_the_checks(settings):
    settings.PORTICO_RATE_LIMITS = {"search_api": "sixty a minute"}
    assert [e.id for e in run_checks() if e.id == "portico.E010"] == ["portico.E010"]


@pytest.mark.parametrize("name", ENDPOINTS)
def test_past_the_limit_the_answer_is_429_with_retry_after(client, limits, name, home):
    for _ in range(3):
        assert call(client, name).status_code != 429
    response = call(client, name)
    assert response.status_code == 429
    wait = int(response["Retry-After"])
    assert 1 <= wait <= 60
    body = response.json()
    assert body["error"]["status"] == 429 and body["error"]["retry_after"] == wait
    assert body["error"]["message"].startswith(f"Too many requests. Try again in {wait} second")
    assert "no-store" in response["Cache-Control"]
    # Another address has its own count; another endpoint too.
    assert call(client, name, REMOTE_ADDR="203.0.113.9").status_code != 429
    other = next(n for n in ENDPOINTS if n != name)
    assert call(client, other).status_code != 429


def test_behind_a_proxy_each_client_address_counts(client, limits, settings):
    settings.TRUSTED_PROXY_COUNT = settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for _ in range(3):
        response = call(client, "search_suggest", HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy)
        assert response.status_code == 200
    blocked = call(client, "search_suggest", HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy)
    assert blocked.status_code == 429
    # Another client behind the same proxy is not blocked ...
    assert (
        call(client, "search_suggest", HTTP_X_FORWARDED_FOR="198.51.100.8", **proxy).status_code
        == 200
    )
    # ... and an address a client forged before the proxy's own does not help it.
    forged = call(
        client,
        "search_suggest",
        HTTP_X_FORWARDED_FOR="192.0.2.1, 198.51.100.7",
        **proxy,
    )
    assert forged.status_code == 429


def test_the_next_window_starts_again():
    assert [hit("t", "a", "2/m", now=600.0) for _ in range(3)] == [0, 0, 60]
    assert hit("t", "a", "2/m", now=659.5) == 1  # still the same minute: wait for it
    assert hit("t", "a", "2/m", now=660.0) == 0  # a new minute


def test_the_count_is_shared_and_exact_on_redis(redis_cache):
    """Many requests at once, from many threads (as from many processes): exactly the
    limit goes through, the count living in Redis."""
    results = []
    barrier = threading.Barrier(24)

    def request():
        barrier.wait()
        results.append(hit("burst", "198.51.100.7", "10/h"))

    threads = [threading.Thread(target=request) for _ in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(0) == 10 and len(results) == 24
    assert any(b"ratelimit:burst:198.51.100.7" in key for key in redis_cache.keys("*"))


def test_with_the_cache_down_requests_go_through(client, limits, settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/1",
        }
    }
    for _ in range(5):
        assert call(client, "search_suggest").status_code == 200
    assert "the cache is not answering" in caplog.text


def test_limits_come_from_the_environment():
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "RATE_LIMIT_SEARCH_API": "500/h",
        "RATE_LIMIT_SUPPORT_SUGGEST": "off",
        "RATE_LIMIT_SIGN_IN": "5/m/ip",
    }
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps([settings.PORTICO_RATE_LIMITS, settings.ACCOUNT_RATE_LIMITS]))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    limits, account = json.loads(output.strip().splitlines()[-1])
    assert limits["search_api"] == "500/h" and limits["support_suggest"] == "off"
    assert limits["search_suggest"] == "120/m"  # the default
    assert account == {"login": "5/m/ip", "login_failed": "10/m/ip,5/5m/key"}


def test_sign_in_attempts_are_limited_per_address(client, settings, member):
    settings.ACCOUNT_RATE_LIMITS = {"login": "3/m/ip"}
    for _ in range(3):
        response = client.post("/account/login/", {"login": member.email, "password": "wrong"})
        assert response.status_code == 200  # the form again, with its error
    assert (
        client.post("/account/login/", {"login": member.email, "password": "x"}).status_code == 429
    )
