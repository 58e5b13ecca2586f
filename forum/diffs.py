"""Line differences between two versions of a post's Markdown, for its edit history."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

#: Unchanged lines kept around each change (the rest is folded away).
CONTEXT_LINES = 2


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added", "removed" or "gap" (unchanged lines left out)
    text: str


def line_diff(old: str, new: str, context: int = CONTEXT_LINES) -> list[DiffLine]:
    old_lines, new_lines = (old or "").splitlines(), (new or "").splitlines()
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    result: list[DiffLine] = []
    for number, group in enumerate(matcher.get_grouped_opcodes(context)):
        if number:
            result.append(DiffLine("gap", ""))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                result += [DiffLine("same", line) for line in old_lines[i1:i2]]
                continue
            if tag in ("replace", "delete"):
                result += [DiffLine("removed", line) for line in old_lines[i1:i2]]
            if tag in ("replace", "insert"):
                result += [DiffLine("added", line) for line in new_lines[j1:j2]]
    return result
