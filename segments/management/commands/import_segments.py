"""Grant segments from a CRM export (CSV or JSON).

CSV: a header with ``email`` and ``segments`` (``product:ledger;stage:active``).
JSON: ``[{"email": ..., "segments": ["product:ledger", "stage:active"]}, ...]``.

The file is the truth for imported grants: what it no longer lists is revoked, members it
does not list at all included. ``--partial`` is for a file of only some members (only
theirs are replaced); ``--keep-missing`` revokes nothing. Grants made by staff are kept.
"""

import csv
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from segments.services import sync_imported_memberships


def read_rows(path: Path) -> dict[str, list[str]]:
    text = path.read_text(encoding="utf-8-sig")
    rows: dict[str, list[str]] = {}
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(f"{path}: not valid JSON ({exc})") from exc
        if not isinstance(data, list):
            raise CommandError(f"{path}: expected a list of {{email, segments}} objects")
        for item in data:
            if not isinstance(item, dict) or "email" not in item:
                raise CommandError(f"{path}: every item needs an email: {item!r}")
            segments = item.get("segments") or []
            if isinstance(segments, str):
                segments = segments.split(";")
            rows.setdefault(item["email"].strip(), []).extend(s for s in segments if s)
    else:
        reader = csv.DictReader(text.splitlines())
        if not reader.fieldnames or {"email", "segments"} - set(reader.fieldnames):
            raise CommandError(f"{path}: the CSV header must have 'email' and 'segments'")
        for row in reader:
            keys = [k for k in (row["segments"] or "").replace(",", ";").split(";") if k.strip()]
            rows.setdefault(row["email"].strip(), []).extend(keys)
    return rows


class Command(BaseCommand):
    help = "Grant segment memberships from a CRM export (CSV or JSON)."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--keep-missing",
            action="store_true",
            help="Do not revoke imported grants the file no longer lists.",
        )
        parser.add_argument(
            "--partial",
            action="store_true",
            help=(
                "The file lists only some members: replace their imported grants and "
                "leave the imported grants of members it does not list."
            ),
        )

    def handle(self, path: Path, keep_missing: bool, partial: bool, **options):
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        rows = read_rows(path)
        with tqdm(total=len(rows), desc="Importing", unit="member", disable=None) as bar:
            report = sync_imported_memberships(
                rows,
                replace=not keep_missing,
                partial=partial,
                progress=lambda: bar.update(1),
            )
        for error in report.errors:
            self.stderr.write(self.style.WARNING(error))
        self.stdout.write(
            self.style.SUCCESS(
                f"granted {report.granted}, revoked {report.revoked} "
                f"({report.revoked_unlisted} from {report.members_removed} members "
                "no longer in the file), "
                f"unchanged {report.unchanged}, errors {len(report.errors)}"
            )
        )
