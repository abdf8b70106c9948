"""Bring the memory cache in step with the files: find the memory files that changed, re-read them.

A file is re-read when its (mtime_ns, size) differs from what the cache saw, or when it was
modified so soon before being read that a later edit could keep the same mtime. Which files to
stat comes from a ``FolderWatch`` where the kernel can say what changed (Linux); otherwise, and
whenever another process rewrote the cache, every file in the folders is stat'ed.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
import stat as stat_mode
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from kenning.errors import KenningError, StorageError
from kenning.memory.filestore import display_path, format_id, number_of
from kenning.memory.folder_watch import FolderWatch
from kenning.models import TASK_PRIORITIES, AcceptanceItem, Decision, Task, TaskNote

# File timestamps have a granularity (a few ms on ext4, up to 2 s on FAT): a file modified
# within this window of being read may change again under the same mtime, so it is re-read.
RACY_NS = 1_000_000_000
CLOSED_DECISIONS = ("superseded", "rejected", "deprecated")


class Source(Protocol):
    """What the cache needs from DecisionLog and TaskBoard."""

    def read(self, path: Path) -> Any: ...


@dataclass(slots=True)
class Snapshot:
    """What one process last saw of a kind's cached rows; reloaded when another process wrote."""

    generation: int = -1
    states: dict[str, tuple[int, int]] = field(default_factory=dict)  # key -> (mtime_ns, size)
    racy: set[str] = field(default_factory=set)  # keys to re-read whatever their stat says


@dataclass(frozen=True, slots=True)
class Watched:
    """A memory folder, the prefix of its files' cache keys, and what tells us its changes."""

    folder: Path
    prefix: str  # display path of the folder plus "/"
    watch: FolderWatch

    @classmethod
    def of(cls, folder: Path, root: Path) -> Watched:
        return cls(folder, display_path(folder, root) + "/", FolderWatch(folder))


def refresh(conn: sqlite3.Connection, kind: str, source: Source, folders: list[Watched], seen: Snapshot) -> Snapshot:
    """Make the cached rows of one kind ('decision' or 'task'), read from folders, match the files on disk."""
    checked_ns = time.time_ns()  # taken before any stat: see RACY_NS
    changes = [w.watch.changes() for w in folders]  # drained before any stat, so no change falls between
    generation = _generation(conn, kind)
    if generation != seen.generation:
        seen = _load(conn, kind, generation)
        # Another process wrote rows: it may have read a file just before a change we already
        # drained, so every file is checked against what it wrote.
        changes = [None] * len(folders)
    stale, gone = _changed_files(folders, changes, seen)
    if not stale and not gone:
        return seen
    read = {key: _read(source, path) for key, (path, _, _) in stale.items()}
    conn.execute("BEGIN IMMEDIATE")
    try:
        for key in [*gone, *stale]:
            _delete(conn, kind, key)
        for key, (_, mtime, size) in stale.items():
            _insert(conn, kind, key, mtime, size, checked_ns, read[key])
        conn.execute("INSERT INTO generations (kind, generation) VALUES (?, 1)"
                     " ON CONFLICT (kind) DO UPDATE SET generation = generation + 1", (kind,))
        written = _generation(conn, kind)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    if written != seen.generation + 1:  # another process wrote too: read the rows back
        return _load(conn, kind, written)
    for key in gone:
        del seen.states[key]
        seen.racy.discard(key)
    for key, (_, mtime, size) in stale.items():
        seen.states[key] = (mtime, size)
        seen.racy.discard(key)
        if mtime >= checked_ns - RACY_NS:
            seen.racy.add(key)
    seen.generation = written
    return seen


def _generation(conn: sqlite3.Connection, kind: str) -> int:
    row = conn.execute("SELECT generation FROM generations WHERE kind = ?", (kind,)).fetchone()
    return row[0] if row else 0


def _load(conn: sqlite3.Connection, kind: str, generation: int) -> Snapshot:
    seen = Snapshot(generation)
    for key, mtime, size, racy in conn.execute(
            "SELECT key, mtime_ns, size, mtime_ns >= checked_ns - ? FROM items WHERE kind = ?", (RACY_NS, kind)):
        seen.states[key] = (mtime, size)
        if racy:
            seen.racy.add(key)
    return seen


def decode(kind: str, data: str) -> Decision | Task:
    """The Decision or Task a cached row holds."""
    raw = json.loads(data)
    sections = tuple(tuple(pair) for pair in raw.pop("sections"))
    if kind == "decision":
        tuples = ("alternatives", "tags", "links", "rules")
        return Decision(**{**raw, **{k: tuple(raw[k]) for k in tuples}, "sections": sections})
    return Task(**{
        **raw, "links": tuple(raw["links"]), "depends_on": tuple(raw["depends_on"]), "sections": sections,
        "acceptance": tuple(AcceptanceItem(**a) for a in raw["acceptance"]),
        "notes": tuple(TaskNote(**n) for n in raw["notes"]),
    })


_Found = tuple[Path, int, int]  # the file, its mtime_ns and size


def _changed_files(folders: list[Watched], changes: list[set[str] | None],
                   seen: Snapshot) -> tuple[dict[str, _Found], set[str]]:
    """The files to re-read (key -> file, mtime, size) and the keys whose file is gone."""
    looked: dict[str, _Found | None] = {}  # None: not a memory file (any more)
    reread = set(seen.racy)  # re-read whatever their stat says
    for watched, names in zip(folders, changes):
        if names is None:
            found = _stat_folder(watched, seen.states)
            looked.update(found)
            looked.update({key: None for key in seen.states
                           if key not in found and key.rsplit("/", 1)[0] + "/" == watched.prefix})
        else:  # the kernel saw these written: an edit may keep both size and mtime
            keys = {watched.prefix + name: watched.folder / name for name in names}
            looked.update({key: _stat_file(path) for key, path in keys.items()})
            reread |= keys.keys()
    for key in seen.racy - looked.keys():
        watched = next((w for w in folders if key.rsplit("/", 1)[0] + "/" == w.prefix), None)
        looked[key] = _stat_file(watched.folder / key.rsplit("/", 1)[1]) if watched else None
    stale = {key: found for key, found in looked.items()
             if found is not None and (key in reread or seen.states.get(key) != found[1:])}
    gone = {key for key, found in looked.items() if found is None and key in seen.states}
    return stale, gone


def _stat_folder(watched: Watched, known: dict[str, tuple[int, int]]) -> dict[str, _Found]:
    """key -> (file, mtime_ns, size) of every numbered Markdown file in the folder.

    Plain strings and no regex for names already known: this runs over every file of a folder.
    """
    found: dict[str, _Found] = {}
    try:
        entries = list(os.scandir(watched.folder))
    except FileNotFoundError:
        return found
    except OSError as e:
        raise StorageError(f"cannot list memory folder {watched.folder}: {e.strerror or e}") from e
    for entry in entries:
        key = watched.prefix + entry.name
        if key not in known and (number_of(entry.name) is None or not entry.is_file()):
            continue
        try:
            stat = entry.stat()
        except FileNotFoundError:
            continue  # deleted between listing and stat
        found[key] = (Path(entry.path), stat.st_mtime_ns, stat.st_size)
    return found


def _stat_file(path: Path) -> _Found | None:
    """The file's (path, mtime_ns, size) if it is a numbered Markdown file; None if not or gone."""
    if number_of(path.name) is None:
        return None
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise StorageError(f"cannot look at memory file {path}: {e.strerror or e}") from e
    return (path, stat.st_mtime_ns, stat.st_size) if stat_mode.S_ISREG(stat.st_mode) else None


def _read(source: Source, path: Path) -> Decision | Task | str:
    """The item, or the message saying why its file does not read."""
    try:
        return source.read(path)
    except KenningError as e:
        return str(e)


def _delete(conn: sqlite3.Connection, kind: str, key: str) -> None:
    row = conn.execute("SELECT id FROM items WHERE kind = ? AND key = ?", (kind, key)).fetchone()
    if row is not None:
        conn.execute("DELETE FROM items WHERE id = ?", row)
        if kind == "decision":
            conn.execute("DELETE FROM decision_text WHERE rowid = ?", row)


def _insert(conn: sqlite3.Connection, kind: str, key: str, mtime: int, size: int, checked_ns: int,
            item: Decision | Task | str) -> None:
    if isinstance(item, str):
        number = number_of(key.rsplit("/", 1)[-1])
        conn.execute(
            "INSERT INTO items (kind, key, mtime_ns, size, checked_ns, item_id, problem) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (kind, key, mtime, size, checked_ns, format_id(number or 0), item),
        )
        return
    if isinstance(item, Decision):
        rank, deps, ticked, criteria = int(item.status in CLOSED_DECISIONS), [], 0, 0
    else:
        rank, deps = TASK_PRIORITIES.index(item.priority), list(item.depends_on)
        ticked, criteria = sum(a.done for a in item.acceptance), len(item.acceptance)
    cursor = conn.execute(
        "INSERT INTO items (kind, key, mtime_ns, size, checked_ns, item_id, title, status, rank, links,"
        " depends_on, ticked, criteria, rules, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (kind, key, mtime, size, checked_ns, item.id, item.title, item.status, rank,
         json.dumps([dict(link) for link in item.links]), json.dumps(deps), ticked, criteria,
         len(item.rules) if isinstance(item, Decision) else 0, json.dumps(_plain(item))),
    )
    if isinstance(item, Decision):
        body = [item.context, item.decision, item.consequences, *item.alternatives, *(t for _, t in item.sections)]
        conn.execute("INSERT INTO decision_text (rowid, title, tags, body) VALUES (?, ?, ?, ?)",
                     (cursor.lastrowid, item.title, " ".join(item.tags), "\n".join(body)))


def _plain(item: Decision | Task) -> dict[str, Any]:
    """Every field, as JSON-ready values (decode turns them back)."""
    return {f.name: _jsonable(getattr(item, f.name)) for f in dataclasses.fields(item)}


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    return value
