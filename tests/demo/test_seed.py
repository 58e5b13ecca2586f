"""Loading the whole demo: search indexing is held back while the content loads (no index
task per item) and the index is built once, so search finds the demo afterwards; the
command ends with the demo accounts, as the README lists them; `make demo` builds the
index once and serves on the port it is given."""

import re
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from celery.signals import task_prerun
from django.core.management import call_command

from demo.seed import ACCOUNT_TABLE, COMMUNITY_ROW, DemoSeeder
from indexing.models import IndexQueueItem, IndexRebuild
from kb.models import ArticlePage
from search.models import SearchLog
from search.service import SearchRequest, SearchService

ROOT = Path(__file__).resolve().parents[2]


def restore_migration_rows() -> None:
    """What the migrations put in the database (Wagtail's root page, collection and
    groups, the content locales, the groups' permissions), when a flush removed it. Every
    data migration of ours runs again (each only adds what is missing)."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations.special import RunPython
    from wagtail.models import Collection, Locale

    from tests.factories.pages import _root

    _root()
    for code in ("fa", "ro"):
        Locale.objects.get_or_create(language_code=code)
    if not Collection.objects.exists():
        Collection.add_root(name="Root")
    for name in ("Editors", "Moderators"):
        Group.objects.get_or_create(name=name)
    for config in apps.get_app_configs():
        create_permissions(config, verbosity=0)
    ours = {"core", "forum", "search", "segments", "tickets", "portal", "kb", "users"}
    loader = MigrationLoader(connection)
    with connection.schema_editor(atomic=False) as editor:
        for (app_label, _name), migration in sorted(loader.disk_migrations.items()):
            if app_label not in ours:
                continue
            for operation in migration.operations:
                if isinstance(operation, RunPython):
                    operation.code(apps, editor)


# Committing for real, as `manage.py seed_demo` does: changes that reach indexing only
# after their commit (forum posts) must be held back too. What the migrations put in the
# database is restored first (an earlier transactional test may have flushed it; a
# serialized rollback cannot restore it after a flush that recreated the content types).
@pytest.mark.django_db(transaction=True)
def test_the_demo_queues_no_index_task_per_item_and_is_searchable():
    tasks: list[str] = []

    def count(sender=None, **kwargs):
        tasks.append(sender.name)

    restore_migration_rows()
    out, err = StringIO(), StringIO()
    task_prerun.connect(count, weak=False, dispatch_uid="test-demo-count-tasks")
    try:
        call_command("seed_demo", stdout=out, stderr=err)
    finally:
        task_prerun.disconnect(dispatch_uid="test-demo-count-tasks")
    # Announcement emails run (and send nothing: the demo's news is old), no index task.
    assert tasks and "indexing.drain_queue" not in tasks
    assert not IndexQueueItem.objects.exists()
    # One rebuild wrote everything.
    assert IndexRebuild.objects.filter(status=IndexRebuild.Status.DONE).count() == 1

    article = ArticlePage.objects.get(slug="verify-webhook-signatures", locale__language_code="en")
    page = SearchService().search(SearchRequest(q="verify webhook signatures"), None)
    assert not page.error
    assert f"article:{article.pk}" in [result.id for result in page.results]
    # The demo searches ran over the finished index: they found things.
    assert SearchLog.objects.filter(query="webhook signature", result_count__gt=0).exists()

    # Quiet: no line per task, a few summary lines, the accounts last.
    printed = out.getvalue() + err.getvalue()
    assert "Task " not in printed
    assert re.search(r"\d{3} search documents", printed)
    assert printed.rstrip().endswith("forum regulars")
    assert len(printed.splitlines()) < 40


def readme_accounts() -> list[tuple[str, str, str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (.+?) \| (.+?) \| (.+?) \|$", text, flags=re.MULTILINE)
    start = rows.index(("account", "email", "what it shows"))
    table = []
    for row in rows[start + 2 :]:
        if row[0] == "community members":
            table.append(row)
            break
        table.append(row)
    return [tuple(cell.replace("**", "") for cell in row) for row in table]


@pytest.mark.django_db
def test_the_command_ends_with_the_accounts_the_readme_lists(products):
    seeder = DemoSeeder()
    seeder.segments()
    seeder.accounts()
    for code, folder in seeder.languages.items():
        seeder.people(code, folder / "people.md")
    lines = seeder.summary().splitlines()
    readme = readme_accounts()
    assert [row[0] for row in readme] == [label for label, *_ in ACCOUNT_TABLE] + [COMMUNITY_ROW[0]]
    table = "\n".join(lines[-len(readme) * 3 :])
    for label, email, shows in readme:
        assert label in table
        assert email.split(" (")[0] in table
        assert " ".join(shows.split()) in " ".join(table.split())
    assert "portico-demo" in seeder.summary()
    # The table is the last thing printed.
    assert lines[-1].strip() == "forum regulars"


def test_make_demo_builds_the_index_once_and_serves_on_the_given_port():
    plan = subprocess.run(
        ["make", "-n", "demo", "PORT=8001"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "search_reindex" not in plan
    assert plan.count("seed_demo") == 1
    assert "runserver 127.0.0.1:8001" in plan
    assert "SITE_URL=http://127.0.0.1:8001" in plan
