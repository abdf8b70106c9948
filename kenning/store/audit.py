"""The exists audit log: every answer with its query id, and what the caller then chose; and the
guard's verdicts on proposed changes.

`kenning stats` reads it to say how many duplicates were avoided, which functions were written new
despite a close match, and what the guard caught before it was written; the guard reads it to honour a
`wrote_new` choice recorded for the exact code it found (`override`).

It has its own database beside the index (audit.sqlite3), not the index's: a first index holds the
index's write lock for its whole run, and an exists or search answered meanwhile must not wait behind
it to record itself. Its writes are a row each, so the short busy timeout only ever waits for another
audit writer. Each record is committed before the answer returns: nothing is queued, nothing lost.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from kenning.errors import StorageError
from kenning.models import EXISTS_CHOICES

log = logging.getLogger(__name__)

CHOICES = EXISTS_CHOICES
GUARD_DECISIONS = ("allow", "block")
VERDICTS = ("exists", "similar", "none", "unknown")
DB_NAME = "audit.sqlite3"
LEGACY_DB_NAME = "index.sqlite3"  # where the log lived before it had its own file
BUSY_TIMEOUT = 5.0

_SCHEMA = """
CREATE TABLE exists_queries (
    query_id TEXT PRIMARY KEY,
    at REAL NOT NULL,
    probe TEXT NOT NULL,
    verdict TEXT NOT NULL,
    candidates TEXT NOT NULL,
    fingerprint TEXT,  -- a guard finding's: the structural fingerprint of the code it judged
    target TEXT        -- and the existing definition it matched
);
CREATE INDEX exists_queries_code ON exists_queries (fingerprint, target) WHERE fingerprint IS NOT NULL;
CREATE TABLE choices (
    id INTEGER PRIMARY KEY,
    query_id TEXT NOT NULL REFERENCES exists_queries (query_id),
    choice TEXT NOT NULL,
    reason TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX choices_query ON choices (query_id);
CREATE TABLE guard_checks (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    path TEXT NOT NULL,
    origin TEXT NOT NULL,
    decision TEXT NOT NULL,
    findings TEXT NOT NULL
);
"""
_LEGACY_COLUMNS = {  # the tables an older kenning kept in the index, and their columns
    "exists_queries": "query_id, at, probe, verdict, candidates",
    "choices": "id, query_id, choice, reason, at",
    "guard_checks": "id, at, path, origin, decision, findings",
}


class AuditLog:
    """The log of one project, opened on first use; safe to share between threads."""

    def __init__(self, index_dir: Path) -> None:
        self.path = index_dir / DB_NAME
        self._legacy = index_dir / LEGACY_DB_NAME
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # -- writing -----------------------------------------------------------------------------

    def record_query(self, probe: dict[str, Any], verdict: str, candidates: list[dict],
                     fingerprint: str | None = None, target: str | None = None) -> str:
        query_id = uuid.uuid4().hex[:16]
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO exists_queries (query_id, at, probe, verdict, candidates, fingerprint, target)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (query_id, time.time(), json.dumps(probe), verdict, json.dumps(candidates), fingerprint, target),
            )
        return query_id

    def record_choice(self, query_id: str, choice: str, reason: str) -> bool:
        """False when no answer has this query id (nothing is recorded)."""
        with self._transaction() as conn:
            if conn.execute("SELECT 1 FROM exists_queries WHERE query_id = ?", (query_id,)).fetchone() is None:
                return False
            conn.execute("INSERT INTO choices (query_id, choice, reason, at) VALUES (?, ?, ?, ?)",
                         (query_id, choice, reason, time.time()))
        return True

    def record_guard(self, path: str, origin: str, decision: str, findings: list[dict]) -> int:
        with self._transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO guard_checks (at, path, origin, decision, findings) VALUES (?, ?, ?, ?, ?)",
                (time.time(), path, origin, decision, json.dumps(findings)),
            )
        return int(cursor.lastrowid)

    # -- reading -----------------------------------------------------------------------------

    def override(self, fingerprint: str, target: str) -> dict[str, str] | None:
        """The latest `wrote_new` choice ({"query_id", "reason"}) recorded for a guard finding on code of this
        structural fingerprint against this existing definition, if any."""
        with self._transaction(write=False) as conn:
            row = conn.execute(
                "SELECT q.query_id, c.reason FROM exists_queries q JOIN choices c ON c.query_id = q.query_id"
                " WHERE q.fingerprint = ? AND q.target = ? AND c.choice = 'wrote_new' ORDER BY c.id DESC LIMIT 1",
                (fingerprint, target)).fetchone()
        return None if row is None else {"query_id": row[0], "reason": row[1]}

    def stats(self) -> dict[str, Any]:
        """Counts of answers and choices, and the latest choice per query that wrote new code over a match."""
        with self._transaction(write=False) as conn:
            verdicts = dict(conn.execute("SELECT verdict, COUNT(*) FROM exists_queries GROUP BY verdict"))
            # A query's last recorded choice is the one that counts.
            latest = conn.execute(
                "SELECT c.query_id, c.choice, c.reason, c.at, q.verdict, q.probe, q.candidates FROM choices c"
                " JOIN exists_queries q ON q.query_id = c.query_id"
                " WHERE c.id = (SELECT MAX(id) FROM choices WHERE query_id = c.query_id) ORDER BY c.at"
            ).fetchall()
            guard = _guard_stats(conn)
        by_choice = {choice: 0 for choice in CHOICES}
        despite: list[dict[str, Any]] = []
        for query_id, choice, reason, at, verdict, probe, candidates in latest:
            by_choice[choice] = by_choice.get(choice, 0) + 1
            if choice == "wrote_new" and verdict in ("exists", "similar"):
                top = json.loads(candidates)[:1]
                despite.append({"query_id": query_id, "verdict": verdict, "probe": json.loads(probe),
                                "closest": top[0]["qualified_name"] if top else None, "reason": reason, "at": at})
        return {
            "queries": sum(verdicts.values()),
            "verdicts": {v: verdicts.get(v, 0) for v in VERDICTS},
            "choices": by_choice,
            "duplicates_avoided": by_choice["reused"] + by_choice["extended"],
            "wrote_new_despite_match": despite,
            "guard": guard,
        }

    # -- the database ------------------------------------------------------------------------

    @contextmanager
    def _transaction(self, write: bool = True) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                conn = self._connection()
                conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                try:
                    yield conn
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
            except sqlite3.Error as e:
                raise StorageError(f"cannot use the audit log {self.path}: {e}; if another kenning holds it,"
                                   " try again") from e

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(self.path.as_uri(), uri=True, timeout=BUSY_TIMEOUT, isolation_level=None,
                                   check_same_thread=False)
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                if conn.execute("PRAGMA user_version").fetchone()[0] == 0:
                    self._create(conn)
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        return self._conn

    def _create(self, conn: sqlite3.Connection) -> None:
        """The tables, with the records an older kenning kept in the index database."""
        # Read first, on a connection of its own: a write transaction here with the index attached would
        # wait for the index writer too.
        legacy = self._legacy_rows()
        conn.execute("BEGIN IMMEDIATE")
        try:
            if conn.execute("PRAGMA user_version").fetchone()[0] == 0:  # another process may have won the race
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                for table, rows in legacy.items():
                    if rows:
                        marks = ", ".join("?" * len(rows[0]))
                        conn.executemany(f"INSERT INTO {table} ({_LEGACY_COLUMNS[table]}) VALUES ({marks})", rows)
                conn.execute("PRAGMA user_version = 1")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _legacy_rows(self) -> dict[str, list[tuple]]:
        if not self._legacy.is_file():
            return {}
        try:
            with closing(sqlite3.connect(self._legacy.as_uri() + "?mode=ro", uri=True, timeout=BUSY_TIMEOUT)) as old:
                tables = {row[0] for row in old.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
                return {table: old.execute(f"SELECT {columns} FROM {table}").fetchall()
                        for table, columns in _LEGACY_COLUMNS.items() if table in tables}
        except sqlite3.Error as e:
            # An unreadable old index costs its old records (said in the log), never the log itself.
            log.warning("the audit records in %s were not copied into %s: %s", self._legacy, self.path.name, e)
            return {}


def _guard_stats(conn: sqlite3.Connection) -> dict[str, Any]:
    """Guard checks by decision, and findings by kind: what was caught before it was written."""
    decisions = dict(conn.execute("SELECT decision, COUNT(*) FROM guard_checks GROUP BY decision"))
    caught: dict[str, int] = {}
    for (findings,) in conn.execute("SELECT findings FROM guard_checks WHERE findings != '[]'"):
        for finding in json.loads(findings):
            caught[finding["kind"]] = caught.get(finding["kind"], 0) + 1
    return {"checks": sum(decisions.values()), "decisions": {d: decisions.get(d, 0) for d in GUARD_DECISIONS},
            "caught": caught}
