"""The layering of the apps, checked on every import — inside functions too.

An app may import only the apps below it. ``core`` is shared ground and imports no app of
the project; features reach search through its public modules (``search.service`` to
query, ``search.registry``/``search.documents``/``search.schema``/``search.extract`` to
register a type), never a backend; the indexing side uses the schema, the registry and
the backends' write API, never the query side; and no two apps import each other.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: app → the project apps it may import.
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "segments": {"core"},
    "users": {"segments", "core"},
    "search": {"users", "segments", "core"},
    "indexing": {"search", "segments", "core"},
    "kb": {"search", "users", "segments", "core"},
    "announcements": {"search", "users", "segments", "core"},
    "forum": {"search", "users", "segments", "core"},
    "tickets": {"forum", "kb", "announcements", "search", "users", "segments", "core"},
    "portal": {"tickets", "forum", "kb", "announcements", "search", "users", "segments", "core"},
    "api": {"tickets", "forum", "kb", "announcements", "search", "users", "segments", "core"},
    "webhooks": {"tickets", "forum", "kb", "announcements", "users", "segments", "core"},
    "widget": {
        "api", "tickets", "forum", "kb", "announcements", "search", "users", "segments",
        "core",
    },
    "inbound": {"tickets", "forum", "kb", "announcements", "search", "users", "segments", "core"},
    "demo": {
        "portal", "tickets", "forum", "kb", "announcements", "indexing", "search", "users",
        "segments", "core",
    },
}  # fmt: skip
APPS = set(ALLOWED)
#: Modules of ``search`` that features (and indexing) may use.
SEARCH_PUBLIC = {
    "search",
    "search.service",
    "search.registry",
    "search.documents",
    "search.schema",
    "search.extract",
    "search.signals",
    "search.answers",
    "search.analytics",  # the search log, read by reports and the agents' side panel
}
#: What the write side may use of search: never the query side.
INDEXING_SEARCH = {"search.registry", "search.schema", "search.backends", "search.signals"}


def imports(app_dir: Path, root: Path):
    """``(module imported, file, line)`` for every import of a project app, anywhere."""
    for path in app_dir.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
                yield names, path.relative_to(root), node.lineno
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    yield [alias.name], path.relative_to(root), node.lineno


def violations(root: Path = ROOT) -> list[str]:
    found: list[str] = []
    edges: dict[tuple[str, str], str] = {}
    for app in sorted(APPS):
        app_dir = root / app
        if not app_dir.is_dir():
            continue
        for names, path, line in imports(app_dir, root):
            module = names[0]
            target = module.split(".")[0]
            if target not in APPS or target == app:
                continue
            where = f"{path}:{line} imports {module}"
            edges.setdefault((app, target), where)
            if target not in ALLOWED[app]:
                found.append(f"{where}: {app} may not import {target}")
            elif target == "search" and app != "indexing" and app != "demo":
                # ``from search import service`` names the module in the imported names.
                used = {n for n in names if n in SEARCH_PUBLIC and n != "search"} or {module}
                if not used <= SEARCH_PUBLIC:
                    found.append(f"{where}: features use search through its public modules")
            elif (
                target == "search"
                and app == "indexing"
                and not any(module == m or module.startswith(m + ".") for m in INDEXING_SEARCH)
            ):
                found.append(f"{where}: the write side never queries")
    for (a, b), where in edges.items():
        if (b, a) in edges and a < b:
            found.append(f"{a} and {b} import each other: {where}; {edges[(b, a)]}")
    return found


def test_the_apps_keep_their_layers():
    assert violations() == []


def test_the_check_catches_a_cycle_hidden_in_a_function(tmp_path):
    """A reintroduced cycle fails the check, even inside a function body."""
    for app in ("core", "kb", "search"):
        (tmp_path / app).mkdir()
    (tmp_path / "search" / "service.py").write_text(
        "def related(article):\n    from kb.models import ArticlePage\n    return ArticlePage\n"
    )
    (tmp_path / "kb" / "queries.py").write_text("from search import service\n")
    (tmp_path / "core" / "home.py").write_text("def f():\n    import kb.models\n")
    found = violations(tmp_path)
    assert any("search may not import kb" in v for v in found)
    assert any("kb and search import each other" in v for v in found)
    assert any("core may not import kb" in v for v in found)


def test_the_check_catches_a_feature_using_a_backend(tmp_path):
    (tmp_path / "forum").mkdir()
    (tmp_path / "forum" / "similar.py").write_text(
        "def f():\n    from search.backends import SearchBackendError\n"
    )
    assert violations(tmp_path) == [
        "forum/similar.py:2 imports search.backends: features use search through its public modules"
    ]


def test_every_project_app_has_a_layer():
    from django.conf import settings

    project = {a for a in settings.INSTALLED_APPS if (ROOT / a).is_dir()}
    assert project <= APPS, project - APPS
