"""Compile the interface catalogues, or check that they are complete.

``--compile`` writes the ``.mo`` files from the ``.po`` catalogues in pure Python (no GNU
gettext needed), so ``make install`` works on any machine. ``--check`` extracts the
strings of the current code (Django's ``makemessages``, which needs GNU gettext) into a
scratch copy of ``locale/`` and fails when a string of a language in ``LANGUAGES`` is
missing, empty or fuzzy there, or when a translation's placeholders differ from the
original's; the committed catalogues are not touched.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

import polib
from django.conf import settings
from django.core.management import BaseCommand, CommandError, call_command
from django.test.utils import override_settings

DOMAINS = ("django", "djangojs")
IGNORE = [".venv/*", "var/*", "static_build/*", "node_modules/*", "tests/*", "docs/*", "deploy/*"]
PLACEHOLDER = re.compile(r"%\([^)]+\)[sdrf]|%[sdrf]|\{[a-z_]+\}")


def catalogues(root: Path):
    for code, _name in settings.LANGUAGES:
        if code == settings.LANGUAGE_CODE:
            continue
        for domain in DOMAINS:
            path = root / code / "LC_MESSAGES" / f"{domain}.po"
            if path.exists() or domain == "django":
                yield code, domain, path


def problems(path: Path) -> list[str]:
    found = []
    if not path.exists():
        return [f"{path}: missing"]
    for entry in polib.pofile(str(path)):
        if entry.obsolete:
            continue
        label = entry.msgid[:60].replace("\n", " ")
        if "fuzzy" in entry.flags:
            found.append(f"fuzzy: {label!r}")
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        if not all(t.strip() for t in translations):
            found.append(f"untranslated: {label!r}")
            continue
        wanted = set(PLACEHOLDER.findall(entry.msgid))
        if entry.msgid_plural:
            wanted |= set(PLACEHOLDER.findall(entry.msgid_plural))
        for translation in translations:
            have = set(PLACEHOLDER.findall(translation))
            # A plural form may leave the number out ("one article"), nothing else.
            if have - wanted or (wanted - have) - {"%(count)s", "%d", "%s"}:
                found.append(f"placeholders differ: {label!r}")
                break
    return found


class Command(BaseCommand):
    help = "Compile (--compile) or check (--check) the interface translations."

    def add_arguments(self, parser):
        parser.add_argument("--compile", action="store_true")
        parser.add_argument("--check", action="store_true")

    def handle(self, *args, compile=False, check=False, **options):
        root = Path(settings.LOCALE_PATHS[0])
        if not (compile or check):
            raise CommandError("Say --compile or --check.")
        if compile:
            count = 0
            for po in root.glob("*/LC_MESSAGES/*.po"):
                polib.pofile(str(po)).save_as_mofile(str(po.with_suffix(".mo")))
                count += 1
            self.stdout.write(f"Compiled {count} catalogues.")
        if check:
            self.check_catalogues(root)

    def check_catalogues(self, root: Path) -> None:
        if shutil.which("xgettext") is None:
            raise CommandError(
                "Checking translations needs GNU gettext (xgettext): apt-get install gettext."
            )
        languages = [code for code, _n in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
        # makemessages writes into the locale folder beside the code it reads, so it runs on
        # a scratch copy of the project: the committed catalogues stay as they are.
        base = Path(settings.BASE_DIR)
        skip = shutil.ignore_patterns(
            ".git", ".venv", "var", "static_build", "node_modules", "*.pyc", "__pycache__", "*.mo"
        )
        with tempfile.TemporaryDirectory() as scratch:
            copy = Path(scratch) / "project"
            shutil.copytree(base, copy, ignore=skip)
            cwd = os.getcwd()
            os.chdir(copy)
            try:
                with override_settings(LOCALE_PATHS=[copy / "locale"]):
                    for domain in DOMAINS:
                        call_command(
                            "makemessages",
                            locale=languages,
                            domain=domain,
                            no_location=True,
                            no_wrap=True,
                            no_obsolete=True,
                            ignore_patterns=IGNORE,
                            verbosity=0,
                        )
            finally:
                os.chdir(cwd)
            report = []
            for code, domain, path in catalogues(copy / "locale"):
                for problem in problems(path):
                    report.append(f"{code}/{domain}: {problem}")
        if report:
            shown = "\n".join(report[:50])
            more = f"\n… and {len(report) - 50} more" if len(report) > 50 else ""
            raise CommandError(
                f"{len(report)} translation problems (run `make messages` and translate):\n"
                f"{shown}{more}"
            )
        self.stdout.write(f"Translations complete for {', '.join(languages)}.")
