"""A rebuildable SQLite cache of the decision log and task board: fast lists, briefs and search.

The Markdown files stay the source of truth: every query first re-reads the files that
changed (see ``cache_refresh``), so a hand edit shows up on the next call.
The cache is its own database file in the index folder (``memory-cache.sqlite3``), apart
from the code index and its migrations: deleting it loses nothing.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kenning.errors import InvalidInput, StorageError
from kenning.memory.cache_refresh import Snapshot, Source, Watched, decode, refresh
from kenning.memory.decisions import DecisionLog
from kenning.memory.tasks import TaskBoard
from kenning.models import Decision, Problem, Task

CACHE_NAME = "memory-cache.sqlite3"
_SCHEMA_VERSION = 5  # 5: decisions read from ADR folders carry their folder's id prefix
_SCHEMA = """
CREATE TABLE items (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    mtime_ns INTEGER NOT NULL,
    size INTEGER NOT NULL,
    checked_ns INTEGER NOT NULL,
    item_id TEXT NOT NULL,
    title TEXT,
    status TEXT,
    rank INTEGER,
    links TEXT,
    depends_on TEXT,
    ticked INTEGER,
    criteria INTEGER,
    rules INTEGER NOT NULL DEFAULT 0,
    data TEXT,
    problem TEXT,
    UNIQUE (kind, key)
);
CREATE INDEX items_status ON items (kind, status, rank, item_id);
CREATE INDEX items_problem ON items (kind, key) WHERE problem IS NOT NULL;
CREATE INDEX items_id ON items (kind, item_id, status);
CREATE INDEX items_rules ON items (kind, item_id) WHERE rules > 0;
CREATE TABLE generations (kind TEXT PRIMARY KEY, generation INTEGER NOT NULL);
CREATE VIRTUAL TABLE decision_text USING fts5(title, tags, body, tokenize = 'unicode61');
"""
# bm25 column weights: a word in the title counts most, then tags, then the body.
_WEIGHTS = "3.0, 2.0, 1.0"


@dataclass(frozen=True, slots=True)
class Row:
    """A cached decision or task in brief, for callers that show many and need few in full."""

    kind: str
    id: str
    title: str
    status: str
    path: str
    rank: int  # tasks: index in TASK_PRIORITIES; decisions: 1 when closed
    links: tuple[dict[str, Any], ...]
    ticked: int  # acceptance items ticked, of ``criteria``
    criteria: int
    data: str

    def load(self) -> Decision | Task:
        return decode(self.kind, self.data)


_ROW = "kind, item_id, title, status, key, rank, links, ticked, criteria, data"


@dataclass(frozen=True, slots=True)
class Page:
    """Some of the matching items, how many match in all, and the files that do not read."""

    items: list
    total: int
    problems: list[Problem]


class MemoryView:
    """Queries over a cache that was brought up to date when the view was opened."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def decisions(self, status: str | None = None, tag: str | None = None) -> Page:
        """Decisions by id, optionally one status and/or tag (case-insensitive)."""
        rows = self.conn.execute(
            "SELECT data FROM items WHERE kind = 'decision' AND data IS NOT NULL"
            " AND (?1 IS NULL OR status = ?1) ORDER BY item_id, key", (status,))
        found = [decode("decision", data) for (data,) in rows]
        if tag:
            found = [d for d in found if tag.lower() in (t.lower() for t in d.tags)]
        return Page(found, len(found), self.problems("decision") + self.shared_ids("decision"))

    def search_decisions(self, query: str, limit: int = 20, status: str | None = None) -> list[tuple[Decision, float]]:
        """Lexical (FTS5, bm25) search over title, tags and body; word prefixes match.

        Best first, current decisions before closed ones on equal scores. Scores are
        positive, larger is better, and comparable within one query only.
        """
        terms = list(dict.fromkeys(re.findall(r"\w+", query.lower())))
        if not terms:
            raise InvalidInput("search needs at least one word")
        match = " OR ".join(f'"{term}"*' for term in terms)
        rows = self.conn.execute(
            f"SELECT i.data, -bm25(decision_text, {_WEIGHTS}) FROM decision_text"
            " JOIN items i ON i.id = decision_text.rowid"
            " WHERE decision_text MATCH ? AND (? IS NULL OR i.status = ?)"
            f" ORDER BY bm25(decision_text, {_WEIGHTS}), i.rank, i.item_id LIMIT ?",
            (match, status, status, limit),
        ).fetchall()
        return [(decode("decision", data), score) for data, score in rows]

    def decisions_with_rules(self) -> Page:
        """Decisions that carry architecture rules, by id."""
        rows = self.conn.execute(
            "SELECT data FROM items WHERE kind = 'decision' AND rules > 0 ORDER BY item_id, key")
        return Page([decode("decision", data) for (data,) in rows], -1, self.problems("decision"))

    def decisions_changed_since(self, mtime_ns: int) -> list[Decision]:
        """Decisions whose file was written after the given time, newest first."""
        rows = self.conn.execute(
            "SELECT data FROM items WHERE kind = 'decision' AND data IS NOT NULL AND mtime_ns > ?"
            " ORDER BY mtime_ns DESC, item_id", (mtime_ns,))
        return [decode("decision", data) for (data,) in rows]

    def decisions_linking_code(self, statuses: tuple[str, ...]) -> list[Row]:
        """Decisions of the given statuses that have at least one link."""
        marks = ",".join("?" * len(statuses))
        rows = self.conn.execute(
            f"SELECT {_ROW} FROM items WHERE kind = 'decision' AND status IN ({marks}) AND links != '[]'"
            " ORDER BY item_id", statuses)
        return [_row(r) for r in rows]

    def task_rows(self, status: str, limit: int) -> tuple[list[Row], int]:
        """Up to ``limit`` tasks of one status by priority then id, and how many there are."""
        total = self.conn.execute("SELECT COUNT(*) FROM items WHERE kind = 'task' AND status = ?",
                                  (status,)).fetchone()[0]
        rows = self.conn.execute(f"SELECT {_ROW} FROM items WHERE kind = 'task' AND status = ?"
                                 " ORDER BY rank, item_id LIMIT ?", (status, limit))
        return [_row(r) for r in rows], total

    def tasks(self, statuses: tuple[str, ...] | None = None, limit: int | None = None) -> Page:
        """Tasks by status (in the order given), priority, then id; ``limit`` caps the items returned."""
        chosen = statuses or ("in_progress", "open", "blocked", "done", "dropped")
        marks = ",".join("?" * len(chosen))
        order = " ".join(f"WHEN ? THEN {n}" for n in range(len(chosen)))
        total = self.conn.execute(
            f"SELECT COUNT(*) FROM items WHERE kind = 'task' AND status IN ({marks})", chosen).fetchone()[0]
        rows = self.conn.execute(
            f"SELECT data FROM items WHERE kind = 'task' AND status IN ({marks})"
            f" ORDER BY CASE status {order} END, rank, item_id LIMIT ?",
            (*chosen, *chosen, -1 if limit is None else limit))
        return Page([decode("task", data) for (data,) in rows], total, self.problems("task") + self.shared_ids("task"))

    def next_task(self) -> Task | None:
        """As ``tasks.pick_next``: the highest-priority open task whose dependencies are all done."""
        row = self.conn.execute(
            "SELECT data FROM items t WHERE kind = 'task' AND status = 'open' AND NOT EXISTS ("
            " SELECT 1 FROM json_each(t.depends_on) dep WHERE NOT EXISTS ("
            "  SELECT 1 FROM items d WHERE d.kind = 'task' AND d.item_id = dep.value AND d.status = 'done'))"
            " ORDER BY rank, item_id LIMIT 1").fetchone()
        return decode("task", row[0]) if row else None

    def generation(self, kind: str) -> int:
        """Goes up whenever a file of the kind ('decision' or 'task') is re-read or gone: derived data keys on it."""
        row = self.conn.execute("SELECT generation FROM generations WHERE kind = ?", (kind,)).fetchone()
        return row[0] if row else 0

    def problems(self, kind: str) -> list[Problem]:
        """Each file of a kind ('decision' or 'task') that does not read, and why."""
        rows = self.conn.execute(
            "SELECT key, problem FROM items WHERE kind = ? AND problem IS NOT NULL ORDER BY key", (kind,))
        return [Problem(key, problem) for key, problem in rows]

    def shared_ids(self, kind: str) -> list[Problem]:
        """Files that read but claim an id another file of the same folder has (two branches each added 0007)."""
        rows = self.conn.execute(
            "SELECT item_id, key FROM items WHERE kind = ?1 AND data IS NOT NULL AND item_id IN ("
            " SELECT item_id FROM items WHERE kind = ?1 AND data IS NOT NULL GROUP BY item_id HAVING COUNT(*) > 1)"
            " ORDER BY item_id, key", (kind,))
        claims: dict[str, list[str]] = {}
        for item_id, key in rows:
            claims.setdefault(item_id, []).append(key)
        return [Problem(key, f"{key}: {kind} {item_id} is also {', '.join(k for k in keys if k != key)}; renumber "
                             "one of them (its file name and its front-matter id) so that each id names one file")
                for item_id, keys in claims.items() for key in keys[1:]]


class MemoryCache:
    def __init__(self, index_dir: Path, root: Path, decisions: DecisionLog, tasks: TaskBoard) -> None:
        self.path = index_dir / CACHE_NAME
        self.root = root
        self.sources: dict[str, tuple[Source, list[Watched]]] = {
            "decision": (decisions, [Watched.of(f, root) for f in decisions.folders]),
            "task": (tasks, [Watched.of(tasks.folder, root)]),
        }
        self._seen = {kind: Snapshot() for kind in self.sources}
        self._seen_lock = threading.Lock()  # the HTTP server calls from a thread pool

    # --- connection ----------------------------------------------------------------------

    @contextmanager
    def view(self, *kinds: str) -> Iterator[MemoryView]:
        """Queries over the cache after the files of the given kinds were re-checked (once)."""
        conn = self._open()
        try:
            with self._seen_lock:
                for kind in kinds or ("decision", "task"):
                    source, folders = self.sources[kind]
                    self._seen[kind] = refresh(conn, kind, source, folders, self._seen[kind])
            yield MemoryView(conn)
        except sqlite3.Error as e:
            raise StorageError(f"the memory cache {self.path} failed ({e}); delete it to rebuild it") from e
        finally:
            conn.close()

    def _open(self) -> sqlite3.Connection:
        try:
            return self._connect()
        except sqlite3.DatabaseError:
            # Derived data: a corrupt or foreign cache file is rebuilt, never trusted.
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            try:
                return self._connect()
            except sqlite3.Error as e:
                raise StorageError(f"cannot create the memory cache {self.path}: {e}") from e

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            if conn.execute("PRAGMA user_version").fetchone()[0] != _SCHEMA_VERSION:
                _create(conn)
        except BaseException:
            conn.close()
            raise
        return conn


def _create(conn: sqlite3.Connection) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        if conn.execute("PRAGMA user_version").fetchone()[0] != _SCHEMA_VERSION:  # another process may have won
            for table in ("items", "decision_text", "generations"):
                conn.execute(f"DROP TABLE IF EXISTS {table}")
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _row(values: tuple) -> Row:
    kind, item_id, title, status, key, rank, links, ticked, criteria, data = values
    return Row(kind, item_id, title, status, key, rank, tuple(json.loads(links)), ticked, criteria, data)
