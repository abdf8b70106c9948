"""The exists audit log: every answer with its query id, and what the caller then chose; and the
guard's verdicts on proposed changes.

It lives in the index database, so `kenning stats` can say how many duplicates were avoided, which
functions were written new despite a close match, and what the guard caught before it was written.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from typing import Any

CHOICES = ("reused", "extended", "wrote_new")
GUARD_DECISIONS = ("allow", "block")


def record_query(conn: sqlite3.Connection, probe: dict[str, Any], verdict: str, candidates: list[dict]) -> str:
    query_id = uuid.uuid4().hex[:16]
    conn.execute(
        "INSERT INTO exists_queries (query_id, at, probe, verdict, candidates) VALUES (?, ?, ?, ?, ?)",
        (query_id, time.time(), json.dumps(probe), verdict, json.dumps(candidates)),
    )
    return query_id


def query_exists(conn: sqlite3.Connection, query_id: str) -> bool:
    return conn.execute("SELECT 1 FROM exists_queries WHERE query_id = ?", (query_id,)).fetchone() is not None


def record_choice(conn: sqlite3.Connection, query_id: str, choice: str, reason: str) -> None:
    conn.execute("INSERT INTO choices (query_id, choice, reason, at) VALUES (?, ?, ?, ?)",
                 (query_id, choice, reason, time.time()))


def record_guard(conn: sqlite3.Connection, path: str, origin: str, decision: str, findings: list[dict]) -> int:
    cursor = conn.execute(
        "INSERT INTO guard_checks (at, path, origin, decision, findings) VALUES (?, ?, ?, ?, ?)",
        (time.time(), path, origin, decision, json.dumps(findings)),
    )
    return int(cursor.lastrowid)


def guard_stats(conn: sqlite3.Connection) -> dict[str, Any]:
    """Guard checks by decision, and findings by kind: what was caught before it was written."""
    decisions = dict(conn.execute("SELECT decision, COUNT(*) FROM guard_checks GROUP BY decision"))
    caught: dict[str, int] = {}
    for (findings,) in conn.execute("SELECT findings FROM guard_checks WHERE findings != '[]'"):
        for finding in json.loads(findings):
            caught[finding["kind"]] = caught.get(finding["kind"], 0) + 1
    return {"checks": sum(decisions.values()), "decisions": {d: decisions.get(d, 0) for d in GUARD_DECISIONS},
            "caught": caught}


def stats(conn: sqlite3.Connection) -> dict[str, Any]:
    """Counts of answers and choices, and the latest choice per query that wrote new code over a match."""
    verdicts = dict(conn.execute("SELECT verdict, COUNT(*) FROM exists_queries GROUP BY verdict"))
    # A query's last recorded choice is the one that counts.
    latest = conn.execute(
        "SELECT c.query_id, c.choice, c.reason, c.at, q.verdict, q.probe, q.candidates FROM choices c"
        " JOIN exists_queries q ON q.query_id = c.query_id"
        " WHERE c.id = (SELECT MAX(id) FROM choices WHERE query_id = c.query_id) ORDER BY c.at"
    ).fetchall()
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
        "verdicts": {v: verdicts.get(v, 0) for v in ("exists", "similar", "none")},
        "choices": by_choice,
        "duplicates_avoided": by_choice["reused"] + by_choice["extended"],
        "wrote_new_despite_match": despite,
        "guard": guard_stats(conn),
    }
