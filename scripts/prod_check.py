"""`make prod-check`: the production topology on this machine, driven over real HTTP.

Brings up, on free loopback ports, a scratch PostgreSQL database (created, then dropped),
its own ``redis-server`` (cache and broker, no persistence), the OpenSearch-compatible
``osmem-server``, gunicorn with two workers on the production settings (DEBUG off, the
file-based email backend writing to a temporary folder), a Celery worker and celery beat.
Then, over HTTP as a browser would:

1. a staff member signs in through the portal's sign-in with the authenticator-app code
   and publishes an article in the Wagtail admin; it is found in search;
2. a member asks a question and another answers it;
3. a member files a support ticket with an attached file and downloads it again;
4. while members keep writing (questions, answers, comments, ticket replies) the worker
   (SIGKILL, whole process group), the broker and the search server are killed in turn
   and restarted: every request must still succeed (no 5xx);
5. after recovery the search index, the emails written and the forum's counters must match
   the database exactly (bounded waits, no timing assertions);
6. a bounded load run (anonymous pages, loopback) reports requests, errors (must be 0)
   and the 95th percentile.

Needs PostgreSQL (``POSTGRES_TEST_URL``, default postgres://postgres@127.0.0.1:5432),
``redis-server`` on the PATH and the ``osmem-server`` test package. Missing, it fails on
CI (``$CI`` set) and is skipped elsewhere. Exit status 0 when every check passed.
Options: ``--load-seconds`` (20), ``--connections`` (16), ``--keep`` (keep the scratch
folder with every process's log).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import email
import http.client
import io
import json
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
STARTED = time.monotonic()
OUTAGE_SECONDS = 6
PASSWORD = "prod-check-" + secrets.token_hex(8)
# A 1×1 PNG: the ticket's attachment.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8cfc0f01f0005000201e2d1a5"
    "6b0000000049454e44ae426082"
)


class CheckFailed(Exception):
    pass


def step(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.1f}s] {message}", flush=True)


def unavailable(message: str) -> None:
    if os.environ.get("CI"):
        print(f"CI needs {message}", file=sys.stderr)
        sys.exit(1)
    print(f"Skipped make prod-check: {message}")
    sys.exit(0)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, what: str, *, seconds: float = 90, interval: float = 0.3):
    """Poll ``condition`` until it returns a true value (returned), at most ``seconds``."""
    deadline = time.monotonic() + seconds
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except Exception as exc:  # the thing polled may not be up yet
            last_error = exc
        time.sleep(interval)
    raise CheckFailed(f"Timed out after {seconds:.0f}s waiting for {what} ({last_error!r})")


# --- Processes -----------------------------------------------------------------------------


class Service:
    """A process in its own process group (so SIGKILL takes its children too)."""

    def __init__(self, name: str, argv: list[str], env: dict, folder: Path):
        self.name, self.argv, self.env = name, argv, env
        self.log_path = folder / f"{name}.log"
        self.process: subprocess.Popen | None = None
        self.starts = 0
        self.expected_down = False  # killed on purpose: the supervisor leaves it alone

    def start(self) -> None:
        self.starts += 1
        with self.log_path.open("a") as log:
            log.write(f"\n--- start {self.starts} ---\n")
            log.flush()
            self.process = subprocess.Popen(
                self.argv,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def log_since_start(self) -> str:
        text = self.log_path.read_text(errors="replace")
        return text.rsplit(f"--- start {self.starts} ---", 1)[-1]

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def signal(self, number: int) -> None:
        if self.running():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, number)

    def kill(self) -> None:
        self.signal(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=30)

    def stop(self, timeout: float = 20) -> None:
        if not self.running():
            return
        self.signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()


class Osmem:
    """osmem-server on a fixed port (so a restart comes back at the same address)."""

    def __init__(self, port: int):
        self.port = port
        self.server = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        from osmem_server import OsmemServer

        self.starts += 1
        self.server = OsmemServer.start(japanese=False, addr=f"127.0.0.1:{self.port}")

    def kill(self) -> None:
        self.server.process.kill()
        self.server.process.wait(timeout=30)

    def stop(self) -> None:
        if self.server is not None:
            self.server.close()


# --- HTTP ----------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes
    url: str

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


@dataclass
class Tally:
    """Every response the flow and the writers got, by status (5xx is a failure)."""

    statuses: collections.Counter = field(default_factory=collections.Counter)
    server_errors: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, method: str, path: str, status: int) -> None:
        with self.lock:
            self.statuses[status] += 1
            if status >= 500:
                self.server_errors.append(f"{method} {path} → {status}")


class FormParser(HTMLParser):
    """The forms of a page: action, method, and the fields a browser would send."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form = None
        self._textarea = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = {
                "action": a.get("action", ""),
                "method": a.get("method", "get").lower(),
                "id": a.get("id", ""),
                "fields": [],
                "selects": {},
            }
            self.forms.append(self._form)
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in {"checkbox", "radio"} and "checked" not in a:
                return
            if kind in {"submit", "button", "image", "file", "reset"}:
                return
            self._form["fields"].append((name, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
        elif tag == "select" and name:
            self._select = name
            self._form["selects"][name] = []
        elif tag == "option" and self._select:
            self._form["selects"][self._select].append((a.get("value", ""), "selected" in a))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form["fields"].append(tuple(self._textarea))
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            if self._form is not None:
                for name, options in self._form["selects"].items():
                    chosen = [v for v, selected in options if selected]
                    if chosen:
                        self._form["fields"].append((name, chosen[0]))
            self._form = None


def forms_of(html: str) -> list[dict]:
    parser = FormParser()
    parser.feed(html)
    return parser.forms


def find_form(html: str, *, action: str = "", field: str = "") -> dict:
    for form in forms_of(html):
        names = {name for name, _ in form["fields"]} | set(form["selects"])
        if action and action not in form["action"]:
            continue
        if field and field not in names:
            continue
        return form
    raise CheckFailed(f"No form with action~{action!r} and field {field!r} on the page")


def encode_multipart(fields: list[tuple[str, str]], files: list[tuple[str, str, bytes, str]]):
    boundary = "----portico" + uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields:
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.write(str(value).encode() + b"\r\n")
    for name, filename, content, content_type in files:
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
        )
        out.write(content + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


class Browser:
    """A client with its own cookies, talking to gunicorn as the TLS proxy would (it says
    the request came over HTTPS, X-Forwarded-Proto, which gunicorn trusts from loopback)."""

    def __init__(self, port: int, tally: Tally, name: str = "anonymous"):
        self.port, self.tally, self.name = port, tally, name
        self.cookies: dict[str, str] = {}
        self.origin = f"https://127.0.0.1:{port}"

    def request(self, method, path, *, fields=None, files=None, follow=True, timeout=60):
        for _hop in range(10):
            headers = {
                "Host": f"127.0.0.1:{self.port}",
                "X-Forwarded-Proto": "https",
                "User-Agent": "portico-prod-check",
                "Accept-Language": "en",
            }
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            body = None
            if method == "POST":
                headers["Origin"] = self.origin
                headers["Referer"] = self.origin + path
                if files:
                    body, headers["Content-Type"] = encode_multipart(fields or [], files)
                else:
                    body = urlencode(fields or []).encode()
                    headers["Content-Type"] = "application/x-www-form-urlencoded"
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
            try:
                connection.request(method, path, body=body, headers=headers)
                raw = connection.getresponse()
                content = raw.read()
                response_headers = {k.lower(): v for k, v in raw.getheaders()}
                for key, value in raw.getheaders():
                    if key.lower() == "set-cookie":
                        name, _, rest = value.partition("=")
                        cookie_value = rest.split(";", 1)[0]
                        if cookie_value in ("", '""'):
                            self.cookies.pop(name.strip(), None)
                        else:
                            self.cookies[name.strip()] = cookie_value
                response = Response(raw.status, response_headers, content, path)
            finally:
                connection.close()
            self.tally.add(method, path, response.status)
            if follow and response.status in (301, 302, 303) and response.location:
                target = urlsplit(urljoin(self.origin + path, response.location))
                path = target.path + (f"?{target.query}" if target.query else "")
                method, fields, files = "GET", None, None
                continue
            return response
        raise CheckFailed(f"Too many redirects from {path}")

    def get(self, path, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def submit(self, page: Response, form: dict, values: dict, *, files=None, follow=True):
        """Fill ``form`` of ``page`` (keeping the fields the page gave, e.g. tokens)."""
        fields = [(k, v) for k, v in form["fields"] if k not in values]
        for key, value in values.items():
            if isinstance(value, list):
                fields.extend((key, item) for item in value)
            elif value is not None:
                fields.append((key, value))
        action = form["action"] or page.url
        action = urljoin(self.origin + page.url, action)
        target = urlsplit(action)
        path = target.path + (f"?{target.query}" if target.query else "")
        return self.request("POST", path, fields=fields, files=files, follow=follow)


def expect(response: Response, *statuses: int, what: str) -> Response:
    if response.status not in statuses:
        snippet = re.sub(r"\s+", " ", response.text)[:600]
        raise CheckFailed(f"{what}: {response.url} answered {response.status}: {snippet}")
    return response


# --- The check -----------------------------------------------------------------------------


class ProdCheck:
    def __init__(self, options):
        self.options = options
        self.folder = Path()  # made once the prerequisites are there
        self.tally = Tally()
        self.results: list[tuple[str, str]] = []
        self.services: list[Service] = []
        self.osmem: Osmem | None = None
        self.redis: Service | None = None
        self.database_name = f"portico_prodcheck_{os.getpid()}"
        self.database_created = False

    # --- prerequisites and set-up ----------------------------------------------------------

    def preflight(self) -> None:
        import dj_database_url
        import psycopg

        url = os.environ.get("POSTGRES_TEST_URL") or "postgres://postgres@127.0.0.1:5432/portico"
        config = dj_database_url.parse(url)
        self.pg = {
            "host": config.get("HOST") or "127.0.0.1",
            "port": config.get("PORT") or 5432,
            "user": config.get("USER") or None,
            "password": config.get("PASSWORD") or None,
        }
        try:
            self._admin().close()
        except psycopg.OperationalError as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            unavailable(f"PostgreSQL at {self.pg['host']}:{self.pg['port']} ({first}).")
        self.redis_server = shutil.which("redis-server") or (
            "/usr/sbin/redis-server" if Path("/usr/sbin/redis-server").exists() else ""
        )
        if not self.redis_server:
            unavailable("redis-server (apt-get install redis-server).")
        try:
            from osmem_server import resolve_binary

            resolve_binary()
        except Exception as exc:
            unavailable(f"the osmem-server test package ({exc}).")

    def _admin(self):
        import psycopg

        options = {**self.pg, "dbname": "postgres", "autocommit": True, "connect_timeout": 5}
        return psycopg.connect(**{k: v for k, v in options.items() if v is not None})

    def environment(self) -> dict:
        self.ports = {"app": free_port(), "redis": free_port(), "search": free_port()}
        auth = self.pg["user"] or ""
        if self.pg["password"]:
            auth += f":{self.pg['password']}"
        database_url = (
            f"postgres://{auth + '@' if auth else ''}{self.pg['host']}:{self.pg['port']}"
            f"/{self.database_name}"
        )
        redis = f"redis://127.0.0.1:{self.ports['redis']}"
        self.mail_folder = self.folder / "mail"
        keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV", "CI")
        return {
            **{k: v for k, v in os.environ.items() if k in keep},
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": database_url,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": f"https://127.0.0.1:{self.ports['app']}",
            "CACHE_URL": f"{redis}/1",
            "CELERY_BROKER_URL": f"{redis}/0",
            "CELERY_QUEUE": "portico",
            # Short intervals so recovery takes seconds, not the production minutes.
            "CELERY_VISIBILITY_TIMEOUT": "20",
            "OUTBOX_DISPATCH_INTERVAL": "3",
            "OUTBOX_REDISPATCH_SECONDS": "15",
            "INDEXING_SYNC_INTERVAL": "3",
            "INDEXING_LEASE_SECONDS": "10",
            "INDEXING_RETRY_BASE_SECONDS": "1",
            "INDEXING_RETRY_MAX_SECONDS": "4",
            "INDEXING_RECONCILE_INTERVAL": "8",
            "SEARCH_BREAKER_COOLDOWN": "3",
            "SEARCH_BACKEND": "opensearch",
            # The check's members write far more an hour than trust levels let a person:
            # the limits are tested on their own, here they would only stop the writes.
            "RATE_LIMIT_FORUM_ASK": "off,off,off,off",
            "RATE_LIMIT_FORUM_ANSWER": "off,off,off,off",
            "OPENSEARCH_URL": f"http://127.0.0.1:{self.ports['search']}",
            "SEARCH_INDEX_PREFIX": "prodcheck",
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.mail_folder),
            "PORTICO_VAR_DIR": str(self.folder / "var"),
            "MEDIA_ROOT": str(self.folder / "media"),
            "TICKETS_ATTACHMENT_ROOT": str(self.folder / "attachments"),
            "STATIC_ROOT": str(self.folder / "static"),
            "PORTICO_EMBEDDED_BEAT": "false",
            "GUNICORN_BIND": f"127.0.0.1:{self.ports['app']}",
            "GUNICORN_WORKERS": "2",
            "LOG_FORMAT": "json",
        }

    def bring_up(self) -> None:
        with self._admin() as admin:
            # Scratch databases of earlier runs that were killed before cleaning up.
            names = admin.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE 'portico\\_prodcheck\\_%'"
            ).fetchall()
            for (name,) in names:
                pid = name.rsplit("_", 1)[-1]
                if pid.isdigit() and not Path(f"/proc/{pid}").exists():
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'DROP DATABASE IF EXISTS "{self.database_name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{self.database_name}"')
        self.database_created = True
        self.env = self.environment()
        step(f"Scratch database {self.database_name}; working folder {self.folder}")

        self.redis = Service(
            "redis",
            [self.redis_server, "--port", str(self.ports["redis"]), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--daemonize", "no"],
            self.env, self.folder,
        )  # fmt: skip
        self.redis.start()
        self.osmem = Osmem(self.ports["search"])
        self.osmem.start()
        step(f"redis-server on :{self.ports['redis']}, osmem-server on :{self.ports['search']}")

        # Migrations and static files at once (two processes, two cores).
        jobs = {
            name: subprocess.Popen(
                [sys.executable, "manage.py", *argv],
                cwd=ROOT,
                env=self.env,
                stdout=(self.folder / f"{name}.log").open("w"),
                stderr=subprocess.STDOUT,
            )
            for name, argv in {
                "migrate": ["migrate", "--noinput", "-v", "0"],
                "collectstatic": ["collectstatic", "--noinput", "-v", "0"],
            }.items()
        }
        for name, job in jobs.items():
            if job.wait(timeout=600) != 0:
                raise CheckFailed(f"{name} failed:\n{(self.folder / f'{name}.log').read_text()}")
        step("Migrated the scratch database and collected the static files")

        self.setup_django()
        self.seed()
        step(f"Content: {self.counts_line()}")

        python = [sys.executable, "-m"]
        self.gunicorn = Service(
            "gunicorn", [str(BIN / "gunicorn"), "--config", "deploy/gunicorn.conf.py"],
            self.env, self.folder,
        )  # fmt: skip
        self.worker = Service(
            "worker",
            [*python, "celery", "-A", "config", "worker", "--pool", "prefork",
             "--concurrency", "2", "--queues", "portico", "--hostname", "prodcheck@%h",
             "--without-gossip", "--without-mingle", "--loglevel", "INFO"],
            self.env, self.folder,
        )  # fmt: skip
        self.beat = Service(
            "beat",
            [*python, "celery", "-A", "config", "beat", "--loglevel", "INFO",
             "--schedule", str(self.folder / "beat-schedule")],
            self.env, self.folder,
        )  # fmt: skip
        self.services = [self.gunicorn, self.worker, self.beat, self.redis]
        for service in (self.gunicorn, self.worker, self.beat):
            service.start()
        self.restarts: list[str] = []
        self.supervisor_stop = threading.Event()
        threading.Thread(target=self.supervise, args=(self.supervisor_stop,), daemon=True).start()
        self.wait_worker_ready()
        wait_until(
            lambda: (
                "Scheduler: Sending" in self.beat.log_since_start()
                or "beat: Starting" in self.beat.log_since_start()
            ),
            "celery beat",
            seconds=90,
        )
        anonymous = Browser(self.ports["app"], Tally())
        wait_until(lambda: anonymous.get("/healthz").status == 200, "gunicorn", seconds=120)
        ready = wait_until(self.readyz_ok, "/readyz to report every check ok", seconds=90)
        self.record("Topology up", ", ".join(f"{k} {v['status']}" for k, v in ready.items()))
        step(
            "gunicorn (2 workers, production settings), Celery worker and beat up; /readyz: "
            + ", ".join(f"{k}={v['status']}" for k, v in ready.items())
        )

    def supervise(self, stop: threading.Event) -> None:
        """What systemd does for the units in deploy/systemd (Restart=on-failure,
        RestartSec=5): a process that exits by itself is started again, and the summary
        says so."""
        while not stop.wait(1):
            for service in (self.gunicorn, self.worker, self.beat):
                if service.expected_down or service.process is None:
                    continue
                code = service.process.poll()
                if code is None:
                    continue
                tail = service.log_since_start()[-4000:]
                at = tail.rfind("Unrecoverable error")
                reason = [tail[at : at + 90].replace('\\"', '"')] if at >= 0 else []
                self.restarts.append(
                    f"{service.name} exited ({code}: {reason[-1] if reason else 'see its log'})"
                )
                step(f"Supervisor: the {service.name} exited by itself ({code}); starting it again")
                if stop.wait(5):
                    return
                service.start()

    def wait_worker_ready(self) -> None:
        wait_until(lambda: " ready." in self.worker.log_since_start(), "the worker", seconds=120)

    def readyz_ok(self):
        response = Browser(self.ports["app"], Tally()).get("/readyz")
        checks = json.loads(response.body)["checks"]
        self.last_readyz = checks  # for the message when it never gets there
        if response.status == 200 and all(c["status"] == "ok" for c in checks.values()):
            return checks
        return None

    def setup_django(self) -> None:
        os.environ.update(self.env)
        import django

        django.setup()
        logging.disable(logging.CRITICAL)  # this process only checks; the services log

    def seed(self) -> None:
        """Accounts and a little content, written with the services (as an import would)."""
        from allauth.account.models import EmailAddress
        from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
        from django.contrib.auth import get_user_model
        from django.utils import timezone

        from forum import services as forum
        from segments.models import Segment
        from tests.factories import make_article, make_category, make_home

        User = get_user_model()
        month_ago = timezone.now() - timedelta(days=30)

        def account(username, **extra):
            user = User.objects.create_user(
                username=username,
                email=f"{username}@prod-check.example",
                password=PASSWORD,
                date_joined=month_ago,
                **extra,
            )
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
            return user

        self.staff = account("ops-editor", is_staff=True, is_superuser=True)
        self.totp_secret = generate_totp_secret()
        TOTP.activate(self.staff, self.totp_secret)
        self.members = [account(f"member-{n}") for n in range(1, 7)]
        self.product = Segment.objects.create(
            kind=Segment.Kind.PRODUCT, slug="relay", name="Relay", description="Messaging."
        )
        make_home()
        self.category = make_category(title="Operations", slug="operations")
        self.articles = [
            make_article(
                self.category,
                title=f"{topic} for Relay",
                slug=f"relay-{n}",
                body=f"## {topic}\n\nSteps for {topic.lower()} with the Relay agent.",
            )
            for n, topic in enumerate(
                ["Rotate API keys", "Configure webhooks", "Proxy settings", "Delivery logs",
                 "Sending limits", "Bounce handling"]
            )
        ]  # fmt: skip
        self.questions = []
        for n in range(6):
            asker, helper = self.members[n % 4], self.members[(n + 1) % 4]
            question = forum.ask_question(
                asker,
                title=f"Relay question number {n} about webhook retries",
                body="Our webhook endpoint times out now and then. What does Relay retry?",
                product=self.product,
                tags="webhooks",
                enforce_limits=False,
            )
            forum.post_answer(
                question, helper, body="Relay retries for 24 hours with a growing delay."
            )
            self.questions.append(question)

    def counts_line(self) -> str:
        from forum.models import Answer, Question
        from kb.models import ArticlePage
        from tickets.models import Ticket

        return (
            f"{ArticlePage.objects.live().count()} articles, {Question.objects.count()} "
            f"questions, {Answer.objects.count()} answers, {Ticket.objects.count()} tickets"
        )

    def record(self, name: str, figures: str) -> None:
        self.results.append((name, figures))

    # --- the flow --------------------------------------------------------------------------

    def sign_in(self, username: str, *, totp: bool = False) -> Browser:
        from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

        browser = Browser(self.ports["app"], self.tally, username)
        page = expect(browser.get("/account/login/"), 200, what="sign-in page")
        form = find_form(page.text, field="password")
        response = browser.submit(
            page, form, {"login": f"{username}@prod-check.example", "password": PASSWORD},
            follow=False,
        )  # fmt: skip
        expect(response, 302, what=f"sign-in of {username}")
        if totp:
            if "/2fa/authenticate" not in response.location:
                raise CheckFailed(f"Staff sign-in did not ask for the code: {response.location}")
            page = expect(browser.get(response.location), 200, what="the code page")
            form = find_form(page.text, field="code")
            code = format_hotp_value(hotp_value(self.totp_secret, int(time.time()) // 30))
            response = browser.submit(page, form, {"code": code}, follow=False)
            expect(response, 302, what="the authenticator code")
        if "sessionid" not in browser.cookies:
            raise CheckFailed(f"{username} has no session after signing in")
        return browser

    def publish_article(self, staff: Browser) -> str:
        expect(staff.get("/admin/"), 200, what="the admin dashboard")
        word = "zephyrquill" + secrets.token_hex(2)
        path = f"/admin/pages/add/kb/articlepage/{self.category.pk}/"
        page = expect(staff.get(path), 200, what="the admin's new-article form")
        form = find_form(page.text, field="title")
        title = f"Rotating {word} signing secrets"
        response = staff.submit(
            page,
            form,
            {
                "title": title,
                "slug": f"rotating-{word}",
                "summary": f"How to rotate the {word} signing secret without downtime.",
                "body-count": "1",
                "body-0-type": "text",
                "body-0-value": f"## Steps\n\nCreate a second {word} secret, then drop the first.",
                "body-0-deleted": "",
                "body-0-order": "0",
                "body-0-id": str(uuid.uuid4()),
                "action-publish": "action-publish",
            },
            follow=False,
        )
        expect(response, 302, what="publishing the article in the admin")
        from kb.models import ArticlePage

        article = ArticlePage.objects.filter(slug=f"rotating-{word}").first()
        if article is None or not article.live:
            raise CheckFailed("The article published in the admin is not live")
        self.published_url = article.url
        expect(staff.get(article.url), 200, what="the published article")

        reader = Browser(self.ports["app"], self.tally, "reader")

        def found():
            api = reader.get(f"/api/v1/search?q={word}")
            hits = json.loads(api.body).get("results", []) if api.status == 200 else []
            return any(hit.get("title") == title for hit in hits)

        wait_until(found, "the new article in search", seconds=90, interval=1.5)
        page = expect(reader.get(f"/search/?q={word}"), 200, what="the search page")
        if f'href="{self.published_url}' not in page.text:
            raise CheckFailed("The search page does not link the new article")
        return title

    def ask(self, browser: Browser, title: str, body: str) -> int:
        page = expect(browser.get("/community/ask/"), 200, what="the ask form")
        form = find_form(page.text, field="title")
        response = browser.submit(
            page,
            form,
            {"title": title, "body": body, "product": str(self.product.pk), "tags": "relay",
             "website": ""},
            follow=False,
        )  # fmt: skip
        expect(response, 302, what="asking a question")
        match = re.search(r"/community/q/(\d+)/", response.location)
        if not match:
            raise CheckFailed(f"Asking led to {response.location}")
        expect(browser.get(response.location), 200, what="the new question")
        return int(match.group(1))

    def answer(self, browser: Browser, question_id: int, body: str) -> None:
        page = expect(browser.get(f"/community/q/{question_id}/"), 200, what="a question page")
        form = find_form(page.text, action=f"/community/q/{question_id}/answer/")
        response = browser.submit(page, form, {"body": body, "website": ""}, follow=False)
        expect(response, 302, what="answering")
        expect(browser.get(response.location), 200, what="the answered question")

    def comment(self, browser: Browser, question_id: int, body: str) -> None:
        page = expect(browser.get(f"/community/q/{question_id}/"), 200, what="a question page")
        form = find_form(page.text, action=f"/community/q/{question_id}/comment/")
        response = browser.submit(page, form, {"body": body, "website": ""}, follow=False)
        expect(response, 302, what="commenting")

    def file_ticket(self, browser: Browser, subject: str) -> tuple[int, str]:
        page = expect(browser.get("/support/new/"), 200, what="the support form")
        form = find_form(page.text, field="subject")
        description = "Deliveries to our endpoint fail with a 401 since this morning."
        response = browser.submit(
            page, form,
            {"product": "relay", "subject": subject, "description": description,
             "action": "continue"},
            follow=False,
        )  # fmt: skip
        expect(response, 302, what="describing the problem")
        page = expect(browser.get(response.location), 200, what="the ticket form")
        form = find_form(page.text, field="description")
        response = browser.submit(
            page, form, {"subject": subject, "description": description},
            files=[("attachments", "screen.png", PNG, "image/png")], follow=False,
        )  # fmt: skip
        expect(response, 302, what="filing the ticket")
        match = re.search(r"/support/tickets/(\d+)/", response.location)
        if not match:
            raise CheckFailed(f"Filing led to {response.location}")
        page = expect(browser.get(response.location), 200, what="the new ticket")
        link = re.search(r'href="(/support/files/\d+/[^"]+)"', page.text)
        if not link:
            raise CheckFailed("The ticket page does not link its attachment")
        return int(match.group(1)), link.group(1)

    def reply(self, browser: Browser, number: int, body: str) -> None:
        page = expect(browser.get(f"/support/tickets/{number}/"), 200, what="a ticket")
        form = find_form(page.text, action=f"/support/tickets/{number}/reply/")
        response = browser.submit(page, form, {"body": body}, follow=False)
        expect(response, 302, what="replying to a ticket")

    def flow(self) -> None:
        staff = self.sign_in("ops-editor", totp=True)
        step("Staff signed in with password and authenticator code (allauth, MFA on)")
        title = self.publish_article(staff)
        step(f"Published {title!r} in the Wagtail admin; found on the search page and API")
        self.record("Admin publish → search", "article published over HTTP, found in search")

        self.browsers = [self.sign_in(member.username) for member in self.members]
        asker, helper = self.browsers[0], self.browsers[1]
        question = self.ask(
            asker,
            "Relay agent cannot reach our outbound proxy",
            "The agent times out behind our corporate proxy. @member-2 have you seen this?",
        )
        self.answer(helper, question, "Set **HTTPS_PROXY** in the agent's service file.")
        self.questions_asked = [question]
        step(f"member-1 asked question {question}; member-2 answered it")

        number, attachment = self.file_ticket(asker, "Webhook deliveries fail with 401")
        download = expect(asker.get(attachment), 200, what="the ticket's attachment")
        if download.body != PNG:
            raise CheckFailed("The attachment downloaded differs from the one uploaded")
        stranger = self.browsers[2].get(attachment, follow=False)
        if stranger.status != 404:
            raise CheckFailed(f"Another member got the attachment: {stranger.status}")
        self.ticket = (number, asker)
        step(f"member-1 filed ticket {number} with an attachment and downloaded it back")
        self.record("Ask, answer, ticket", f"question {question}, ticket {number} + attachment")

    # --- failures --------------------------------------------------------------------------

    def writes(self, stop: threading.Event, done: list, failures: list) -> None:
        """Members keep writing: questions, answers, comments, ticket replies."""
        n = 0
        while not stop.is_set():
            n += 1
            # One write in eight is a question, spread over the members like the rest.
            kind = ("answer", "comment", "reply", "answer", "comment", "reply", "answer",
                    "ask")[n % 8]  # fmt: skip
            who = self.browsers[(n + n // 8) % len(self.browsers)]
            other = self.browsers[(n + n // 8 + 1) % len(self.browsers)]
            try:
                if kind == "ask":
                    self.questions_asked.append(
                        self.ask(
                            who,
                            f"Relay webhook retries, case {len(self.questions_asked) + 1}",
                            f"Does Relay retry a webhook that answered 503? @{other.name}",
                        )
                    )
                elif kind == "answer":
                    question = self.questions_asked[n % len(self.questions_asked)]
                    self.answer(who, question, f"Yes: answer {n}, it retries with backoff.")
                elif kind == "comment":
                    question = self.questions_asked[n % len(self.questions_asked)]
                    self.comment(who, question, f"Comment {n}: same here.")
                else:
                    number, owner = self.ticket
                    self.reply(owner, number, f"Update {n}: still failing after the change.")
                # Reading goes on too: search answers (from the database while the
                # engine is away).
                expect(who.get("/search/?q=webhook+retries"), 200, what="searching")
                done.append(kind)
            except CheckFailed as exc:
                failures.append(str(exc))
            except OSError as exc:
                failures.append(f"{kind}: connection error {exc!r}")

    def outage(self, name: str, kill, restart) -> None:
        stop, done, failures = threading.Event(), [], []
        writer = threading.Thread(target=self.writes, args=(stop, done, failures), daemon=True)
        errors_before = len(self.tally.server_errors)
        writer.start()
        try:
            wait_until(lambda: len(done) >= 2 or failures, "writes before the kill", seconds=120)
            kill()
            killed_at, down_since = len(done), time.monotonic()
            step(f"Killed the {name} (SIGKILL) during writes")

            def down_long_enough():
                # A few writes and at least OUTAGE_SECONDS without it (pacing, not a check).
                elapsed = time.monotonic() - down_since
                return failures or (len(done) >= killed_at + 4 and elapsed >= OUTAGE_SECONDS)

            wait_until(down_long_enough, f"writes without the {name}", seconds=180)
            during = len(done) - killed_at
            restart()
            back_at = len(done)
            step(f"Restarted the {name}; {during} writes succeeded while it was down")
            wait_until(lambda: len(done) >= back_at + 2 or failures, "writes after the restart",
                       seconds=120)  # fmt: skip
        finally:
            stop.set()
            writer.join(timeout=120)
        server_errors = self.tally.server_errors[errors_before:]
        if failures or server_errors:
            raise CheckFailed(f"While the {name} was down: {failures + server_errors}")
        self.record(f"Kill {name}", f"{len(done)} writes, {during} while down, 0 errors")

    def kill_worker(self) -> None:
        self.worker.expected_down = True
        self.worker.kill()

    def restart_worker(self) -> None:
        self.worker.start()
        self.worker.expected_down = False
        self.wait_worker_ready()

    def kill_broker(self) -> None:
        self.redis.kill()

    def restart_broker(self) -> None:
        self.redis.start()
        wait_until(self.redis_answers, "redis-server", seconds=60)

    def redis_answers(self) -> bool:
        import redis

        return redis.Redis(port=self.ports["redis"], socket_connect_timeout=1).ping()

    def kill_search(self) -> None:
        self.osmem.kill()

    def restart_search(self) -> None:
        self.osmem.start()

    # --- recovery --------------------------------------------------------------------------

    def state(self) -> dict:
        """What the database says against what the index, the mail folder and the counters
        hold."""
        from django.db import close_old_connections

        from core.models import OutboxMessage
        from forum.services.counters import drifted_answers, drifted_questions
        from indexing.models import IndexQueueItem
        from search.backends import get_backend, reset_backends

        close_old_connections()
        reset_backends()
        backend = get_backend()
        backend.refresh()
        expected = self.expected_documents()
        indexed = backend.all_ids()
        stored = backend.get(list(expected)) if set(expected) == indexed else {}
        stale = [key for key, doc in expected.items() if stored.get(key) != doc]
        sent = self.emails_sent()
        wanted = self.emails_expected()
        rows = OutboxMessage.objects.all()
        return {
            "outbox_rows": rows.count(),
            "outbox_rerun": rows.filter(attempts__gt=1).count(),
            "outbox_resent": rows.filter(dispatches__gt=1).count(),
            "outbox_open": OutboxMessage.objects.exclude(state=OutboxMessage.State.DONE).count(),
            "index_queue": IndexQueueItem.objects.count(),
            "documents": len(expected),
            "missing": len(set(expected) - indexed),
            "extra": len(indexed - set(expected)),
            "stale": len(stale) if set(expected) == indexed else None,
            "emails_sent": sum(sent.values()),
            "emails_expected": sum(wanted.values()),
            "emails_equal": sent == wanted,
            "drifted_counters": drifted_questions().count() + drifted_answers().count(),
        }

    @staticmethod
    def expected_documents() -> dict:
        from search.registry import registry

        documents = {}
        for source in registry.indexed():
            for chunk in source.iter_indexable():
                for obj in chunk:
                    for document in source.documents(obj):
                        documents[document.id] = document
        return documents

    def emails_sent(self) -> collections.Counter:
        sent: collections.Counter = collections.Counter()
        if not self.mail_folder.exists():
            return sent
        for path in self.mail_folder.iterdir():
            for chunk in path.read_text(errors="replace").split("-" * 79 + "\n"):
                if chunk.strip():
                    sent[email.message_from_string(chunk)["To"]] += 1
        return sent

    @staticmethod
    def emails_expected() -> collections.Counter:
        """One email per delivery the database records: forum notifications, ticket
        receipts, and each ticket message emailed (to the assignee for a customer's reply,
        to the customer otherwise)."""
        from forum.models import NotificationDelivery
        from tickets.models import Ticket, TicketMessage

        wanted: collections.Counter = collections.Counter()
        for address in NotificationDelivery.objects.values_list("user__email", flat=True):
            wanted[address] += 1
        for address in Ticket.objects.filter(confirmation_sent_at__isnull=False).values_list(
            "requester__email", flat=True
        ):
            wanted[address] += 1
        for message in TicketMessage.objects.filter(notified_at__isnull=False).select_related(
            "ticket__requester", "ticket__assignee"
        ):
            ticket = message.ticket
            to_agent = message.author_id == ticket.requester_id
            wanted[(ticket.assignee if to_agent else ticket.requester).email] += 1
        return wanted

    def recover(self) -> None:
        try:
            ready = wait_until(self.readyz_ok, "/readyz ok after the restarts", seconds=120)
        except CheckFailed as exc:
            raise CheckFailed(
                f"{exc}; last /readyz: {getattr(self, 'last_readyz', None)}"
            ) from None
        self.wait_worker_ready()  # restarted by the supervisor if it exited
        step(
            "After the restarts /readyz: "
            + ", ".join(f"{k}={v['status']}" for k, v in ready.items())
        )
        last = {}

        def settled():
            last.clear()
            last.update(self.state())
            return (
                last["outbox_open"] == 0
                and last["index_queue"] == 0
                and last["missing"] == last["extra"] == 0
                and last["stale"] == 0
                and last["emails_equal"]
                and last["drifted_counters"] == 0
            )

        started = time.monotonic()
        try:
            wait_until(settled, "the index, emails and counters to match", seconds=180, interval=2)
        except CheckFailed as exc:
            raise CheckFailed(f"{exc}; last state: {last}") from None
        step(
            f"Recovered in {time.monotonic() - started:.0f}s: {last['documents']} documents "
            f"indexed (0 missing, 0 extra, 0 stale), {last['emails_sent']} emails = "
            f"{last['emails_expected']} deliveries recorded, outbox and index queue empty, "
            f"0 drifted counters"
        )
        self.record(
            "Recovery",
            f"{last['documents']} docs = DB, {last['emails_sent']} emails = "
            f"{last['emails_expected']} recorded, 0 drifted counters",
        )
        self.record(
            "Outbox",
            f"{last['outbox_rows']} rows done; {last['outbox_resent']} sent again by the "
            f"dispatcher, {last['outbox_rerun']} run again after a kill",
        )

    # --- load ------------------------------------------------------------------------------

    def load(self) -> dict:
        from forum.models import Question

        paths = ["/", "/kb/", "/community/", self.published_url]
        paths += [article.url for article in self.articles[:3]]
        paths += [q.get_absolute_url() for q in Question.objects.order_by("pk")[:4]]
        paths += ["/search/?q=webhook+retries", "/search/?q=rotate+keys"]
        seconds, connections = self.options.load_seconds, self.options.connections
        deadline = time.monotonic() + seconds
        port = self.ports["app"]

        def run(n: int):
            latencies, errors, statuses = [], [], collections.Counter()
            i = n
            while time.monotonic() < deadline:
                path = paths[i % len(paths)]
                i += 1
                begun = time.monotonic()
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                    conn.request("GET", path, headers={"X-Forwarded-Proto": "https",
                                                       "Host": f"127.0.0.1:{port}"})  # fmt: skip
                    response = conn.getresponse()
                    response.read()
                    conn.close()
                    statuses[response.status] += 1
                    if response.status >= 400:
                        errors.append(f"{path} → {response.status}")
                except OSError as exc:
                    errors.append(f"{path} → {exc!r}")
                latencies.append(time.monotonic() - begun)
            return latencies, errors, statuses

        with ThreadPoolExecutor(connections) as pool:
            outcomes = list(pool.map(run, range(connections)))
        latencies = sorted(x for lat, _, _ in outcomes for x in lat)
        errors = [e for _, errs, _ in outcomes for e in errs]
        statuses = sum((s for _, _, s in outcomes), collections.Counter())

        def percentile(p):
            return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

        figures = {
            "requests": len(latencies),
            "errors": len(errors),
            "rps": len(latencies) / seconds,
            "p50": percentile(0.50),
            "p95": percentile(0.95),
            "max": latencies[-1] * 1000,
            "statuses": dict(statuses),
        }
        step(
            f"Load: {seconds}s, {connections} connections, {len(paths)} pages: "
            f"{figures['requests']} requests ({figures['rps']:.1f}/s), {figures['errors']} "
            f"errors, p50 {figures['p50']:.0f} ms, p95 {figures['p95']:.0f} ms, "
            f"max {figures['max']:.0f} ms"
        )
        if errors:
            raise CheckFailed(f"Load run errors: {errors[:10]}")
        self.record(
            "Load run",
            f"{figures['requests']} req in {seconds}s ({figures['rps']:.1f}/s), "
            f"{connections} conns, 0 errors, p50 {figures['p50']:.0f} ms, "
            f"p95 {figures['p95']:.0f} ms",
        )
        return figures

    # --- the whole run ---------------------------------------------------------------------

    def run(self) -> int:
        self.preflight()
        self.folder = Path(tempfile.mkdtemp(prefix="portico-prod-check-"))
        ok = False
        try:
            self.bring_up()
            self.flow()
            self.outage("worker", self.kill_worker, self.restart_worker)
            self.outage("broker", self.kill_broker, self.restart_broker)
            self.outage("search server", self.kill_search, self.restart_search)
            self.recover()
            self.load()
            if self.tally.server_errors:
                raise CheckFailed(f"Server errors: {self.tally.server_errors}")
            ok = True
        except CheckFailed as exc:
            step(f"FAILED: {exc}")
        finally:
            self.tear_down(ok)
        self.summary(ok)
        return 0 if ok else 1

    def summary(self, ok: bool) -> None:
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(self.tally.statuses.items()))
        rows = [
            *self.results,
            ("Flow requests", f"{sum(self.tally.statuses.values())} ({statuses})"),
        ]
        restarts = getattr(self, "restarts", [])
        rows.append(("Supervisor restarts", "; ".join(restarts) if restarts else "none"))
        rows.append(("Run time", f"{time.monotonic() - STARTED:.0f}s"))
        width = max(len(name) for name, _ in rows)
        print("\n== make prod-check " + ("passed" if ok else "FAILED") + " ==")
        for name, figures in rows:
            print(f"  {name:<{width}}  {figures}")
        if not ok:
            print(f"  Logs: {self.folder}")

    def tear_down(self, ok: bool) -> None:
        if hasattr(self, "supervisor_stop"):
            self.supervisor_stop.set()
            for service in (self.gunicorn, self.worker, self.beat):
                service.expected_down = True
        for service in (getattr(self, "beat", None), getattr(self, "worker", None),
                        getattr(self, "gunicorn", None), self.redis):  # fmt: skip
            if service is not None:
                service.stop()
        if self.osmem is not None:
            self.osmem.stop()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # Django was never set up
            pass
        if self.database_created:
            with self._admin() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.database_name}" WITH (FORCE)')
        if ok and not self.options.keep:
            shutil.rmtree(self.folder, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--load-seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--keep", action="store_true", help="keep the logs and files")
    options = parser.parse_args()
    check = ProdCheck(options)
    previous = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        return check.run()
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
