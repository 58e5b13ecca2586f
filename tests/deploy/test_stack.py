"""The production topology for real: nginx (deploy/nginx/portico.conf, TLS) in front of
gunicorn (deploy/gunicorn.conf.py, two workers, production settings) on a copy of the test
database, with files sent by nginx after the application's check (X-Accel-Redirect).

Needs Debian's nginx (``apt-get install nginx-light``) and openssl: missing, the test fails
on CI and is skipped elsewhere (as the Redis tests do).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from wagtail.models import Collection

from tests.factories import UserFactory, make_article, make_category
from tests.indexing.test_celery_worker import DatabaseCopy
from tests.segments.test_files import make_document, use
from tests.tickets.conftest import PNG, upload
from tickets import services as tickets

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.django_db(transaction=True)


def require(tool: str) -> str:
    path = shutil.which(tool) or (f"/usr/sbin/{tool}" if Path(f"/usr/sbin/{tool}").exists() else "")
    if not path:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs {tool}: apt-get install nginx-light openssl")
        pytest.skip(f"{tool} is not installed")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, *, context=None, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2, context=context)
            return
        except (urllib.error.URLError, ConnectionError, OSError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def render_site(replacements: dict[str, str]) -> str:
    """deploy/nginx/portico.conf with this machine's paths and ports; each replaced text
    must be there (so the example cannot drift away from what is tested)."""
    site = (DEPLOY / "nginx" / "portico.conf").read_text()
    for old, new in replacements.items():
        assert old in site, f"deploy/nginx/portico.conf no longer has {old!r}"
        site = site.replace(old, new)
    return re.sub(r"^\s*listen \[::\].*$", "", site, flags=re.MULTILINE)  # no IPv6 here


@pytest.fixture
def stack(tmp_path, settings, home, products):
    nginx, openssl = require("nginx"), require("openssl")
    from search.backends import get_backend, reset_backends

    if not Collection.objects.exists():  # an earlier transactional test emptied the tables
        Collection.add_root(name="Root")
    # Content: a public document, a document nothing published uses (staff only), and a
    # customer's ticket with an attached screenshot; the customer is signed in.
    public_doc = make_document("runbook.txt", b"Kestrelwind runbook: rotate the key.")
    hidden_doc = make_document("draft-notes.txt", b"Not for the public.")
    use(make_article(make_category(title="Ops"), title="Runbook"), document=public_doc)
    customer = UserFactory(username="customer")
    ticket = tickets.file_ticket(
        customer,
        product=products["relay"],
        subject="Webhook deliveries fail",
        description="Every delivery fails since this morning with a 401.",
        files=[upload("screen.png", PNG, "image/png")],
        enforce_limits=False,
        notify=False,
    )
    attachment = ticket.attachments.get()
    sessions = {}
    for user in (customer, UserFactory(username="stranger")):
        browser = Client()
        browser.force_login(user)
        sessions[user.username] = browser.cookies["sessionid"].value

    settings.SEARCH_EMBEDDED_PATH = tmp_path / "search"
    settings.SEARCH_INDEX_PREFIX = "stack"
    reset_backends()
    get_backend().ensure_index()

    static_root = tmp_path / "static"
    app_port, http_port, https_port = free_port(), free_port(), free_port()
    database = DatabaseCopy(tmp_path)
    database.start()
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": settings.SECRET_KEY,  # the signed-in session stays valid
        "DATABASE_URL": database.url,
        "ALLOWED_HOSTS": "localhost",
        "SITE_URL": f"https://localhost:{https_port}",
        "CACHE_URL": f"file://{tmp_path / 'cache'}",
        "PORTICO_VAR_DIR": str(tmp_path / "var"),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "TICKETS_ATTACHMENT_ROOT": str(settings.TICKETS_ATTACHMENT_ROOT),
        "STATIC_ROOT": str(static_root),
        "SEARCH_BACKEND": "embedded",
        "SEARCH_EMBEDDED_PATH": str(settings.SEARCH_EMBEDDED_PATH),
        "SEARCH_INDEX_PREFIX": "stack",
        "PORTICO_SENDFILE": "nginx",
        "PORTICO_SENDFILE_URL": "/_protected/",
        "TRUSTED_PROXY_COUNT": "1",
        "RATE_LIMIT_SEARCH_SUGGEST": "3/m",
        "PORTICO_REQUIRE_MFA_FOR_STAFF": "false",
        "GUNICORN_BIND": f"127.0.0.1:{app_port}",
        "GUNICORN_WORKERS": "2",
        "LOG_FORMAT": "json",
        "PORTICO_EMBEDDED_BEAT": "false",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=environment,
        check=True,
        timeout=300,
    )

    # A certificate for localhost, and the site's nginx configuration around it.
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem"),
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    logs = tmp_path / "logs"
    logs.mkdir()
    site = render_site(
        {
            "listen 80;": f"listen 127.0.0.1:{http_port};",
            "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
            "server_name help.example.com;": "server_name localhost;",
            "/etc/letsencrypt/live/help.example.com/fullchain.pem": str(tmp_path / "cert.pem"),
            "/etc/letsencrypt/live/help.example.com/privkey.pem": str(tmp_path / "key.pem"),
            "/var/log/nginx/": f"{logs}/",
            "/srv/portico/static_build/": f"{static_root}/",
            "/var/lib/portico/media/": f"{settings.MEDIA_ROOT}/",
            "/var/lib/portico/ticket-attachments/": f"{settings.TICKETS_ATTACHMENT_ROOT}/",
            "server 127.0.0.1:8000": f"server 127.0.0.1:{app_port}",
        }
    )
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"""
user root;
worker_processes 1;
pid {tmp_path}/nginx.pid;
error_log {logs}/error.log warn;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {tmp_path}/client-body;
    proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fastcgi;
    uwsgi_temp_path {tmp_path}/uwsgi;
    scgi_temp_path {tmp_path}/scgi;
    include {tmp_path}/site.conf;
}}
"""
    )
    nginx_command = [nginx, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")]
    check = subprocess.run([*nginx_command, "-t"], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stderr

    app_log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115 (closed below)
    gunicorn = subprocess.Popen(
        [str(BIN / "gunicorn"), "--config", "deploy/gunicorn.conf.py"],
        cwd=ROOT,
        env=environment,
        stdout=app_log,
        stderr=subprocess.STDOUT,
    )
    server = subprocess.Popen([*nginx_command, "-g", "daemon off;"], stderr=subprocess.PIPE)
    tls = ssl.create_default_context(cafile=str(tmp_path / "cert.pem"))
    try:
        wait_for(f"http://127.0.0.1:{app_port}/healthz")
        wait_for(f"https://localhost:{https_port}/healthz", context=tls)
        yield {
            "url": f"https://localhost:{https_port}",
            "http_url": f"http://localhost:{http_port}",
            "tls": tls,
            "session": sessions["customer"],
            "stranger_session": sessions["stranger"],
            "public_doc": public_doc,
            "hidden_doc": hidden_doc,
            "attachment_url": reverse(
                "support:attachment", kwargs={"pk": attachment.pk, "name": attachment.name}
            ),
            "app_log": tmp_path / "gunicorn.log",
            "access_log": logs / "portico.access.log",
            "static_root": static_root,
        }
    finally:
        server.terminate()
        gunicorn.terminate()
        server.wait(30)
        gunicorn.wait(60)
        app_log.close()
        database.stop()
        reset_backends()


def fetch(stack, path, *, cookie=None, headers=None):
    request = urllib.request.Request(stack["url"] + path, headers=headers or {})
    if cookie:
        request.add_header("Cookie", f"sessionid={cookie}")
    opener = urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=stack["tls"]), NoRedirect
    )
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def check_the_site(stack):
    # Plain HTTP goes to HTTPS (on the standard port).
    plain = {**stack, "url": stack["http_url"], "tls": None}
    status, headers, _ = fetch(plain, "/kb/?x=1")
    assert status == 301 and headers["Location"] == "https://localhost/kb/?x=1"

    status, _, body = fetch(stack, "/healthz")
    assert status == 200 and json.loads(body) == {"status": "ok"}
    status, _, body = fetch(stack, "/readyz")
    checks = json.loads(body)["checks"]
    assert status == 200, checks
    assert {name: check["status"] for name, check in checks.items()} == {
        "database": "ok",
        "cache": "ok",
        "broker": "skipped",
        "search": "ok",
    }

    status, headers, body = fetch(stack, "/")
    assert status == 200
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    assert "frame-ancestors 'self'" in headers["Content-Security-Policy"]
    request_id = headers["X-Request-ID"]
    # Static files come from nginx, hashed names cached for good.
    stylesheet = re.search(rb'href="(/static/css/portico\.[0-9a-f]{12}\.css)"', body).group(1)
    status, headers, css = fetch(stack, stylesheet.decode())
    assert status == 200 and "immutable" in headers["Cache-Control"]
    assert css == (stack["static_root"] / stylesheet.decode()[len("/static/") :]).read_bytes()

    # One request id in nginx's access log and in the application's JSON log.
    time.sleep(0.5)  # nginx writes its log line after the response
    access = [json.loads(line) for line in stack["access_log"].read_text().splitlines()]
    assert any(entry["request_id"] == request_id and entry["uri"] == "/" for entry in access)
    app_lines = [
        json.loads(line)
        for line in stack["app_log"].read_text().splitlines()
        if line.startswith("{")
    ]
    assert any(
        line.get("request_id") == request_id and line.get("path") == "/" for line in app_lines
    )


def check_protected_files(stack):
    document = stack["public_doc"]
    content = b"Kestrelwind runbook: rotate the key."
    for path in (document.url, f"/media/{document.file.name}"):
        status, headers, body = fetch(stack, path)
        assert status == 200, path
        assert body == content
        assert "X-Accel-Redirect" not in headers  # nginx consumed it
        # The application's headers that nginx keeps, and those it repeats (once each).
        assert headers.get_all("X-Content-Type-Options") == ["nosniff"]
        assert headers.get_all("Content-Security-Policy") == ["default-src 'none'"]
    # The internal location is not reachable from outside.
    status, _, _ = fetch(stack, f"/_protected/media/{document.file.name}")
    assert status == 404
    # A file no published page uses is for staff alone.
    hidden = stack["hidden_doc"]
    for path in (hidden.url, f"/media/{hidden.file.name}"):
        assert fetch(stack, path)[0] == 404, path

    # A ticket's file: its customer gets it (from nginx), nobody else.
    status, headers, body = fetch(stack, stack["attachment_url"], cookie=stack["session"])
    assert status == 200 and body == PNG
    assert headers["Content-Type"] == "image/png"
    assert "sandbox" in headers["Content-Security-Policy"]
    assert "no-store" in headers["Cache-Control"]
    status, headers, _ = fetch(stack, stack["attachment_url"])  # not signed in
    assert status == 302 and headers["Location"].startswith("/account/login/")
    assert fetch(stack, stack["attachment_url"], cookie=stack["stranger_session"])[0] == 404
    assert fetch(stack, "/_protected/attachments/")[0] == 404


def check_rate_limits(stack):
    """A client cannot dodge a limit by sending its own X-Forwarded-For: nginx appends
    the address it saw, and TRUSTED_PROXY_COUNT=1 takes that one."""
    answers = [
        fetch(stack, "/api/v1/search/suggest?q=run", headers={"X-Forwarded-For": f"192.0.2.{n}"})
        for n in range(4)
    ]
    assert [status for status, _, _ in answers] == [200, 200, 200, 429]
    assert int(answers[-1][1]["Retry-After"]) >= 1


def test_the_production_topology(stack):
    """One stack for all three (it takes a while to start): the site, the files, the
    limits."""
    check_the_site(stack)
    check_protected_files(stack)
    check_rate_limits(stack)
