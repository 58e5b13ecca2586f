"""Read the demo content files: Markdown with a small ``key: value`` front-matter block.

The content lives in ``demo/content/<language>/``: English, then Persian and Romanian.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CONTENT_DIR = Path(__file__).resolve().parent / "content"
#: The demo that ``seed_demo`` loads.
ENGLISH_DIR = CONTENT_DIR / "en"


class ContentError(ValueError):
    pass


@dataclass
class ContentFile:
    path: Path
    meta: dict[str, str]
    body: str

    @property
    def slug(self) -> str:
        return self.path.stem

    def items(self, key: str) -> list[str]:
        return [item.strip() for item in self.meta.get(key, "").split(",") if item.strip()]

    def flag(self, key: str) -> bool:
        return self.meta.get(key, "").strip().lower() in {"yes", "true", "1"}


def read_content_file(path: Path) -> ContentFile:
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or lines[0].strip() != "---":
        raise ContentError(f"{path}: must start with a '---' front-matter line")
    meta: dict[str, str] = {}
    for number, line in enumerate(lines[1:], start=2):
        if line.strip() == "---":
            body = "\n".join(lines[number:]).strip() + "\n"
            return ContentFile(path=path, meta=meta, body=body)
        key, sep, value = line.partition(":")
        if not sep:
            raise ContentError(f"{path}:{number}: expected 'key: value', got {line!r}")
        meta[key.strip()] = value.strip()
    raise ContentError(f"{path}: the front matter is not closed with '---'")


def read_folder(folder: Path) -> list[ContentFile]:
    return [read_content_file(path) for path in sorted(folder.glob("*.md"))]


#: The other languages of the demo: their content is loaded into their own page trees.
TRANSLATED_DIRS = {"fa": CONTENT_DIR / "fa", "ro": CONTENT_DIR / "ro"}


def read_people(path: Path) -> list[dict[str, str]]:
    """The accounts of ``people.md``: one ``=== person`` section each, ``key: value``
    lines (everything before the first section is documentation)."""
    people: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip() == "=== person":
            current = {}
            people.append(current)
            continue
        if current is None or not line.strip():
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise ContentError(f"{path}:{number}: expected 'key: value', got {line!r}")
        current[key.strip()] = value.strip()
    for person in people:
        missing = [key for key in ("handle", "name", "email", "language") if not person.get(key)]
        if missing:
            raise ContentError(f"{path}: a person without {', '.join(missing)}")
    return people
