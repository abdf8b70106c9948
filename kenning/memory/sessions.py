"""Session handoffs: what one session leaves for the next, one Markdown file each.

Front matter holds id and timestamp; the body holds ``## Summary``, ``## Next steps`` and
``## Open questions`` (bullet lists). Ids are sequential, so the latest handoff is the one
with the highest id even when two sessions end in the same second.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kenning.errors import InvalidInput
from kenning.memory.filestore import create_numbered, display_path, find_file, inside_root, locked, normalize_id
from kenning.memory.filestore import number_of, numbered_files
from kenning.memory.frontmatter import bullet_list, bullets, has_heading, parse, read_text, render
from kenning.memory.frontmatter import split_sections, text_field
from kenning.models import Handoff

SESSIONS_FOLDER = Path(".kenning/memory/sessions")


class SessionLog:
    def __init__(self, folder: Path, *, root: Path | None = None) -> None:
        self.folder = folder
        self.root = root

    @classmethod
    def for_root(cls, root: Path) -> SessionLog:
        return cls(inside_root(root, root / SESSIONS_FOLDER), root=root)

    def handoff(self, summary: str, next_steps: Iterable[str] = (), open_questions: Iterable[str] = ()) -> Handoff:
        """Record the end of a session."""
        summary = summary.strip()
        if not summary:
            raise InvalidInput("a handoff needs a summary of what this session did")
        if has_heading(summary):
            raise InvalidInput("summary may not contain '## ' headings (they start a new section); use '###'")
        draft = Handoff(id="", path="", timestamp=_now(), summary=summary,
                        next_steps=_items(next_steps, "next_steps"), open_questions=_items(open_questions, "open_questions"))
        with locked(self.folder):
            name = " ".join(summary.split()[:6])  # the slug: the summary's first words
            path = create_numbered([self.folder], name, lambda new_id: _render(draft, new_id))
        return self._read(path)

    def get(self, handoff_id: str | int) -> Handoff:
        return self._read(find_file([self.folder], str(handoff_id), "handoff"))

    def list(self, limit: int | None = None) -> list[Handoff]:
        """Handoffs newest first; a malformed file is an error naming it."""
        paths = list(reversed(numbered_files(self.folder)))
        return [self._read(p) for p in paths[:limit]]

    def last(self) -> Handoff | None:
        """The latest handoff that reads; files that do not are an error, never skipped silently."""
        latest = self.list(limit=1)
        return latest[0] if latest else None

    def _read(self, path: Path) -> Handoff:
        meta, body = parse(read_text(path), path)
        return _from_file(path, meta, body, display_path(path, self.root))


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _items(values: Iterable[str], key: str) -> tuple[str, ...]:
    if isinstance(values, str):
        raise InvalidInput(f"{key} must be a list of strings")
    return tuple(v.strip() for v in values if v.strip())


def _from_file(path: Path, meta: dict[str, Any], body: str, display: str) -> Handoff:
    item_id = normalize_id(text_field(meta, "id", path))
    if int(item_id) != number_of(path.name):
        raise InvalidInput(f"{path}: front matter id {item_id} does not match the file name; make them agree")
    _, sections = split_sections(body)
    named = {h.lower(): t for h, t in sections}
    return Handoff(
        id=item_id,
        timestamp=text_field(meta, "timestamp", path),
        path=display,
        summary=named.get("summary", ""),
        next_steps=tuple(bullets(named.get("next steps", ""))),
        open_questions=tuple(bullets(named.get("open questions", ""))),
        extra={k: v for k, v in meta.items() if k not in ("id", "timestamp")},
    )


def _render(handoff: Handoff, item_id: str) -> str:
    meta = {"id": item_id, "timestamp": handoff.timestamp, **handoff.extra}
    parts = [f"## Summary\n\n{handoff.summary}"]
    if handoff.next_steps:
        parts.append(f"## Next steps\n\n{bullet_list(handoff.next_steps)}")
    if handoff.open_questions:
        parts.append(f"## Open questions\n\n{bullet_list(handoff.open_questions)}")
    return render(meta, "\n\n".join(parts) + "\n")
