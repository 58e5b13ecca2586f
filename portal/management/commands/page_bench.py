"""Measure what the key pages cost: CPU and wall time per request, and database queries.

In-process (default): each page is requested ``--n`` times with Django's test client, as an
anonymous visitor and as a signed-in member, with ``DEBUG`` off and after a warm-up, and
the command prints, per page and visitor, the median and 95th percentile of the CPU time
(``time.process_time``), the median wall time and the number of queries of one request.

``--url BASE`` measures a running server instead: concurrent clients (threads with
urllib, or ``wrk`` when installed) request each page, and the command prints requests per
second and latency percentiles.

It needs content: on a scratch database, ``manage.py migrate``, ``seed_demo`` and
``search_reindex`` first (see the README's Benchmarks section).
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from http.cookiejar import CookieJar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from tqdm import tqdm

DEFAULT_MEMBER = "priya@northwind.example"
DEFAULT_QUERY = "invoice"


@dataclass
class Result:
    page: str
    visitor: str
    url: str
    status: int
    cpu_median_ms: float
    cpu_p95_ms: float
    wall_median_ms: float
    queries: int


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def key_pages(query: str) -> list[tuple[str, str]]:
    """(name, path) of the key pages, found in the content that is there."""
    from announcements.models import AnnouncementIndexPage
    from forum.models import Question
    from kb.models import ArticlePage, CategoryPage, KnowledgeBaseIndexPage

    def first_url(queryset, label: str) -> str:
        page = queryset.live().public().order_by("path").first()
        if page is None:
            raise CommandError(f"No {label} found: load the demo first (manage.py seed_demo).")
        return page.url

    article = first_url(ArticlePage.objects.filter(restricted=False), "article")
    question = Question.objects.filter(restricted=False).order_by("pk").first()
    if question is None:
        raise CommandError("No question found: load the demo first (manage.py seed_demo).")
    return [
        ("home", "/"),
        ("kb home", first_url(KnowledgeBaseIndexPage.objects.all(), "knowledge base")),
        ("category", first_url(CategoryPage.objects.all(), "category")),
        ("article", article),
        ("announcements", first_url(AnnouncementIndexPage.objects.all(), "announcements")),
        ("community", "/community/"),
        ("question", question.get_absolute_url()),
        ("search", f"/search/?q={query}"),
        ("search api", f"/api/v1/search?q={query}"),
        ("suggest", f"/api/v1/search/suggest?q={query[:3]}"),
        ("support step 1", "/support/new/"),
    ]


class Command(BaseCommand):
    help = "Measure CPU time, wall time and queries of the key pages (in-process or over HTTP)."

    def add_arguments(self, parser):
        parser.add_argument("--n", type=int, default=30, help="Measured requests per page.")
        parser.add_argument(
            "--warmup",
            type=int,
            default=3,
            help="Requests before measuring (--url: 0 skips the one-second warm-up per page).",
        )
        parser.add_argument("--member", default=DEFAULT_MEMBER, help="Email of the member.")
        parser.add_argument("--query", default=DEFAULT_QUERY, help="Search query to use.")
        parser.add_argument("--only", default="", help="Comma-separated page names.")
        parser.add_argument("--json", dest="json_path", default="", help="Write results here.")
        parser.add_argument("--url", default="", help="Measure a running server at this base.")
        parser.add_argument("--clients", type=int, default=4, help="Concurrent clients (--url).")
        parser.add_argument("--seconds", type=float, default=5.0, help="Per page (--url).")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        member = get_user_model().objects.filter(email=options["member"]).first()
        if member is None:
            raise CommandError(f"No member {options['member']}: load the demo first.")
        pages = key_pages(options["query"])
        if options["only"]:
            wanted = {name.strip() for name in options["only"].split(",")}
            pages = [(name, path) for name, path in pages if name in wanted]
        if options["url"]:
            self.measure_server(pages, member, options)
            return
        hosts = [*settings.ALLOWED_HOSTS, "testserver"]
        # The periodic tasks would run in this process's threads and count as its CPU time.
        with override_settings(
            DEBUG=False,
            ALLOWED_HOSTS=hosts,
            PORTICO_RATE_LIMITS_ENABLED=False,
            PORTICO_EMBEDDED_BEAT=False,
        ):
            results = self.measure_in_process(pages, member, options)
        self.print_table(results)
        if options["json_path"]:
            with open(options["json_path"], "w") as out:
                json.dump([asdict(result) for result in results], out, indent=1)

    # --- In-process ---------------------------------------------------------------------

    def measure_in_process(self, pages, member, options) -> list[Result]:
        anonymous = Client()
        signed_in = Client()
        signed_in.force_login(member)
        visitors = [("anonymous", anonymous), ("member", signed_in)]
        n, warmup = max(1, options["n"]), max(0, options["warmup"])
        results = []
        bar = tqdm(
            total=len(pages) * len(visitors) * (n + warmup + 1),
            desc="Pages",
            unit="req",
            disable=options["no_progress"] or None,
            file=self.stderr._out,
        )
        with bar:
            for name, path in pages:
                for visitor, client in visitors:
                    bar.set_postfix_str(f"{name} ({visitor})")
                    for _ in range(warmup):
                        client.get(path)
                        bar.update()
                    cpu, wall = [], []
                    status = 0
                    for _ in range(n):
                        cpu_start, wall_start = time.process_time(), time.perf_counter()
                        response = client.get(path)
                        cpu.append((time.process_time() - cpu_start) * 1000)
                        wall.append((time.perf_counter() - wall_start) * 1000)
                        status = response.status_code
                        bar.update()
                    with CaptureQueriesContext(connection) as captured:
                        client.get(path)
                    bar.update()
                    results.append(
                        Result(
                            page=name,
                            visitor=visitor,
                            url=path,
                            status=status,
                            cpu_median_ms=round(statistics.median(cpu), 2),
                            cpu_p95_ms=round(percentile(cpu, 0.95), 2),
                            wall_median_ms=round(statistics.median(wall), 2),
                            queries=len(captured.captured_queries),
                        )
                    )
        return results

    def print_table(self, results: list[Result]) -> None:
        header = (
            f"{'page':<16} {'visitor':<10} {'status':>6} {'cpu med':>9} {'cpu p95':>9} "
            f"{'wall med':>9} {'queries':>7}"
        )
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for r in results:
            self.stdout.write(
                f"{r.page:<16} {r.visitor:<10} {r.status:>6} {r.cpu_median_ms:>9.1f} "
                f"{r.cpu_p95_ms:>9.1f} {r.wall_median_ms:>9.1f} {r.queries:>7}"
            )
        self.stdout.write("(milliseconds; queries of one request)")

    # --- Over HTTP ----------------------------------------------------------------------

    def member_cookie(self, member) -> str:
        """A session cookie for ``member`` in the server's database (same settings)."""
        from importlib import import_module

        from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

        store = import_module(settings.SESSION_ENGINE).SessionStore()
        store[SESSION_KEY] = str(member.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = member.get_session_auth_hash()
        store.save()
        return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"

    def measure_server(self, pages, member, options) -> None:
        base = options["url"].rstrip("/")
        cookie = self.member_cookie(member)
        clients, seconds = max(1, options["clients"]), max(0.5, options["seconds"])
        wrk = shutil.which("wrk")
        self.stdout.write(
            f"{base}: {clients} concurrent clients, {seconds:g} s per page and visitor"
            + (" (wrk)" if wrk else " (urllib threads)")
        )
        header = (
            f"{'page':<16} {'visitor':<10} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>6}"
        )
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        rows = [
            (name, path, visitor) for name, path in pages for visitor in ("anonymous", "member")
        ]
        for name, path, visitor in tqdm(
            rows, desc="Pages", disable=options["no_progress"] or None, file=self.stderr._out
        ):
            headers = {"Cookie": cookie} if visitor == "member" else {}
            if options["warmup"]:
                # Not measured: each server process's first requests load what it keeps
                # (sentence encoders, templates, cached fragments and pages).
                self._threads(base + path, headers, clients, 1.0)
            if wrk:
                line = self._wrk(wrk, base + path, headers, clients, seconds)
            else:
                line = self._threads(base + path, headers, clients, seconds)
            self.stdout.write(f"{name:<16} {visitor:<10} {line}")

    def _threads(self, url: str, headers: dict, clients: int, seconds: float) -> str:
        latencies: list[float] = []
        errors = [0]
        lock = threading.Lock()
        deadline = time.perf_counter() + seconds

        def run():
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
            while time.perf_counter() < deadline:
                request = urllib.request.Request(url, headers=headers)
                start = time.perf_counter()
                try:
                    with opener.open(request, timeout=30) as response:
                        response.read()
                    ok = True
                except (urllib.error.URLError, OSError):
                    ok = False
                elapsed = (time.perf_counter() - start) * 1000
                with lock:
                    if ok:
                        latencies.append(elapsed)
                    else:
                        errors[0] += 1

        threads = [threading.Thread(target=run) for _ in range(clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        rate = len(latencies) / elapsed if elapsed else 0.0
        return (
            f"{rate:>8.1f} {percentile(latencies, 0.5):>8.1f} "
            f"{percentile(latencies, 0.95):>8.1f} {errors[0]:>6}"
        )

    def _wrk(self, wrk: str, url: str, headers: dict, clients: int, seconds: float) -> str:
        command = [wrk, f"-t{min(clients, 2)}", f"-c{clients}", f"-d{max(1, round(seconds))}s"]
        command += ["--latency"]
        for key, value in headers.items():
            command += ["-H", f"{key}: {value}"]
        output = subprocess.run(
            [*command, url], capture_output=True, text=True, timeout=seconds + 30, check=False
        ).stdout
        rate = p50 = p95 = "?"
        for line in output.splitlines():
            parts = line.split()
            if line.startswith("Requests/sec:"):
                rate = parts[-1]
            elif parts[:1] == ["50%"]:
                p50 = parts[1]
            elif parts[:1] == ["90%"]:
                p95 = parts[1] + " (p90)"
        return f"{rate:>8} {p50:>8} {p95:>8} {'-':>6}"
