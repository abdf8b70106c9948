"""Bring the memory cache in step with the files: stat every memory file, re-read the ones that changed.

A file is re-read when its (mtime_ns, size) differs from what the cache saw, or when it was
modified so soon before being read that a later edit could keep the same mtime.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from kenning.errors import KenningError, StorageError
from kenning.memory.filestore import display_path, format_id, number_of
from kenning.models import TASK_PRIORITIES, AcceptanceItem, Decision, Task, TaskNote

# Past this many changed files one folder scan is cheaper than finding each file by id.
_SCAN_THRESHOLD = 8
# File timestamps have a granularity (a few ms on ext4, up to 2 s on FAT): a file modified
# within this window of being read may change again under the same mtime, so it is re-read.
RACY_NS = 1_000_000_000
CLOSED_DECISIONS = ("superseded", "rejected", "deprecated")


class Source(Protocol):
    """What the cache needs from DecisionLog and TaskBoard."""

    def scan(self) -> tuple[list[Any], list[str]]: ...

    def get(self, item_id: str) -> Any: ...


@dataclass(slots=True)
class Snapshot:
    """What one process last saw of a kind's cached rows; reloaded when another process wrote."""

    generation: int = -1
    states: dict[str, tuple[int, int]] = field(default_factory=dict)  # key -> (mtime_ns, size)
    racy: set[str] = field(default_factory=set)  # keys to re-read whatever their stat says


def refresh(conn: sqlite3.Connection, kind: str, source: Source, folders: list[Path], root: Path,
            seen: Snapshot) -> Snapshot:
    """Make the cached rows of one kind ('decision' or 'task'), read from folders, match the files on disk."""
    checked_ns = time.time_ns()  # taken before any stat: see RACY_NS
    generation = _generation(conn, kind)
    if generation != seen.generation:
        seen = _load(conn, kind, generation)
    on_disk = _stat_files(folders, root, seen.states)
    stale = {key: state for key, state in on_disk.items() if key in seen.racy or seen.states.get(key) != state}
    gone = seen.states.keys() - on_disk.keys()
    if not stale and not gone:
        return seen
    read = _read(source, stale)
    conn.execute("BEGIN IMMEDIATE")
    try:
        for key in [*gone, *stale]:
            _delete(conn, kind, key)
        for key, (mtime, size) in stale.items():
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
    for key, state in stale.items():
        seen.states[key] = state
        seen.racy.discard(key)
        if state[0] >= checked_ns - RACY_NS:
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


def _stat_files(folders: list[Path], root: Path, known: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
    """display path -> (mtime_ns, size) of every numbered Markdown file in the folders.

    Plain strings and no regex for names already known: this runs over every memory file on every read.
    """
    found: dict[str, tuple[int, int]] = {}
    for folder in folders:
        shown = display_path(folder, root) + "/"
        try:
            entries = list(os.scandir(folder))
        except FileNotFoundError:
            continue
        except OSError as e:
            raise StorageError(f"cannot list memory folder {folder}: {e.strerror or e}") from e
        for entry in entries:
            key = shown + entry.name
            if key not in known and (number_of(entry.name) is None or not entry.is_file()):
                continue
            try:
                stat = entry.stat()
            except FileNotFoundError:
                continue  # deleted between listing and stat
            found[key] = (stat.st_mtime_ns, stat.st_size)
    return found


def _read(source: Source, stale: dict[str, tuple[int, int]]) -> dict[str, Decision | Task | str]:
    """key -> the item, or the message saying why its file does not read."""
    read: dict[str, Decision | Task | str] = {}
    if len(stale) > _SCAN_THRESHOLD:
        items, _ = source.scan()
        read = {item.path: item for item in items if item.path in stale}
    for key in stale:
        if key not in read:  # few files, or ones the scan could not read: get each for its own error
            try:
                read[key] = source.get(str(number_of(key.rsplit("/", 1)[-1])))
            except KenningError as e:
                read[key] = str(e)
    return read


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
        " depends_on, ticked, criteria, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (kind, key, mtime, size, checked_ns, item.id, item.title, item.status, rank,
         json.dumps([dict(link) for link in item.links]), json.dumps(deps), ticked, criteria,
         json.dumps(_plain(item))),
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
