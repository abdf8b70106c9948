"""A proposed change as the text a file would have: unified diffs and string edits applied to a base.

The guard judges whole proposed files, but changes arrive as diffs (`git diff`, `diff -u`) or as
Claude Code's Edit/MultiEdit string replacements; these turn them into the new text, or refuse
with InvalidInput when they do not apply (the editor's own tool would then fail as well).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kenning.errors import InvalidInput

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
NULL_PATH = "/dev/null"


@dataclass
class Hunk:
    old_start: int  # 1-based; 0 when the hunk adds to an empty file
    lines: list[str] = field(default_factory=list)  # each starts with ' ', '-', '+' or '\\'


@dataclass
class FilePatch:
    old_path: str | None  # None: the file is new
    new_path: str | None  # None: the file is deleted
    hunks: list[Hunk] = field(default_factory=list)

    @property
    def path(self) -> str:
        return self.new_path or self.old_path or ""


def parse_diff(text: str) -> list[FilePatch]:
    """Every file patch in a unified diff; git's a/ and b/ prefixes are dropped."""
    patches: list[FilePatch] = []
    current: FilePatch | None = None
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ "):
            current = FilePatch(_diff_path(line[4:], "a/"), _diff_path(lines[i + 1][4:], "b/"))
            patches.append(current)
            i += 2
            continue
        match = _HUNK.match(line)
        if match and current is not None:
            current.hunks.append(Hunk(int(match.group(1))))
        elif current is not None and current.hunks and line[:1] in (" ", "-", "+", "\\"):
            current.hunks[-1].lines.append(line)
        elif current is not None and current.hunks and line == "":
            current.hunks[-1].lines.append(" ")  # some tools strip the space of an empty context line
        i += 1
    if not patches:
        raise InvalidInput("the diff has no file headers (--- a/path, +++ b/path); give a unified diff")
    return patches


def apply_patch(base: str, patch: FilePatch) -> str:
    """The text `base` becomes under `patch`; hunks may sit a few lines off, as `patch` allows."""
    source = base.splitlines()
    ends_with_newline = base.endswith("\n") or not base
    out: list[str] = []
    cursor = 0
    for number, hunk in enumerate(patch.hunks, start=1):
        old = [line[1:] for line in hunk.lines if line[:1] in (" ", "-")]
        new = [line[1:] for line in hunk.lines if line[:1] in (" ", "+")]
        at = _locate(source, old, max(hunk.old_start - 1, 0), cursor)
        if at is None:
            raise InvalidInput(f"hunk {number} of the diff for {patch.path} does not apply to its current text")
        out.extend(source[cursor:at])
        out.extend(new)
        cursor = at + len(old)
        for before, line in zip(hunk.lines, hunk.lines[1:]):
            if line.startswith("\\"):  # "\ No newline at end of file" says which side lacks the last newline
                ends_with_newline = before[:1] == "-"
    out.extend(source[cursor:])
    return "\n".join(out) + ("\n" if ends_with_newline and out else "")


def apply_edits(base: str, edits: list[tuple[str, str, bool]], path: str) -> str:
    """Claude Code's Edit semantics: replace old with new, once or everywhere; '' creates a new file."""
    text = base
    for number, (old, new, replace_all) in enumerate(edits, start=1):
        if old == "":
            if text:
                raise InvalidInput(f"edit {number} for {path} has an empty old_string but the file is not empty")
            text = new
        elif old not in text:
            raise InvalidInput(f"edit {number} for {path}: old_string is not in the file")
        else:
            text = text.replace(old, new) if replace_all else text.replace(old, new, 1)
    return text


def _diff_path(raw: str, prefix: str) -> str | None:
    path = raw.split("\t", 1)[0].strip()
    if path == NULL_PATH:
        return None
    if path.startswith('"') and path.endswith('"'):
        path = path[1:-1]
    return path[len(prefix):] if path.startswith(prefix) else path


def _locate(source: list[str], old: list[str], expected: int, floor: int) -> int | None:
    """Where `old` sits in `source` at or after `floor`, nearest to `expected` first."""
    if not old:
        return min(max(expected, floor), len(source))
    for offset in range(len(source) + 1):
        for at in (expected + offset, expected - offset) if offset else (expected,):
            if floor <= at <= len(source) - len(old) and source[at:at + len(old)] == old:
                return at
    return None
