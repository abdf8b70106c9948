"""The audit log never holds up a read: exists and search answer while another writer holds the index.

A first index keeps the index database's write lock for its whole run; the audit records of answers given
meanwhile go to their own database, at once, and are there for `kenning stats` and `kenning choice`.
"""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing

from kenning.store.audit import AuditLog
from kenning.store.index_store import IndexStore
from kenning.service import Service
from kenning.settings import Settings
from serving_project import make_project

# SQLite's busy timeout on the index is 30 s: an answer that waited for the writer would take that long.
PROMPT = 15


def test_exists_and_search_answer_and_are_audited_while_the_index_is_write_locked(tmp_path):
    root = make_project(tmp_path / "proj")
    service = Service.from_settings(Settings.load(root))
    service.index()
    before = service.search_stats()["queries"]

    writer = sqlite3.connect(service.store.path, isolation_level=None)  # a second writer, as another process is
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('held_by', 'test')")
    try:
        with ThreadPoolExecutor(1) as pool:
            found = pool.submit(service.exists, name="restock").result(timeout=PROMPT)
            hits = pool.submit(service.search, "record a delivery and return it as JSON").result(timeout=PROMPT)
            chosen = pool.submit(service.record_choice, found["query_id"], "reused").result(timeout=PROMPT)
            held = pool.submit(service.search_stats).result(timeout=PROMPT)
    finally:
        writer.execute("ROLLBACK")
        writer.close()

    assert found["candidates"][0]["qualified_name"] == "inventory.restock"
    assert hits["results"][0]["qualified_name"] == "inventory.restock"
    assert chosen["choice"] == "reused"
    assert held["queries"] == before + 1 and held["duplicates_avoided"] == 1
    # Committed, not queued: another process's log (a fresh handle) reads the same records after the writer left.
    service.close()
    reopened = AuditLog(service.store.index_dir)
    assert reopened.stats()["queries"] == before + 1
    assert reopened.stats()["choices"]["reused"] == 1
    reopened.close()


def test_records_kept_in_the_index_by_an_older_kenning_are_carried_over(tmp_path):
    IndexStore(tmp_path / "index").close()
    with closing(sqlite3.connect(tmp_path / "index" / "index.sqlite3", isolation_level=None)) as conn:
        # The tables as migrations 2 and 3 of the index made them before the log had a database of its own.
        conn.execute("CREATE TABLE exists_queries (query_id TEXT PRIMARY KEY, at REAL, probe TEXT, verdict TEXT,"
                     " candidates TEXT)")
        conn.execute("CREATE TABLE choices (id INTEGER PRIMARY KEY, query_id TEXT, choice TEXT, reason TEXT, at REAL)")
        conn.execute("CREATE TABLE guard_checks (id INTEGER PRIMARY KEY, at REAL, path TEXT, origin TEXT,"
                     " decision TEXT, findings TEXT)")
        conn.execute("INSERT INTO exists_queries VALUES ('old-query', 1.0, '{}', 'exists', '[{\"qualified_name\": \"a.b\"}]')")
        conn.execute("INSERT INTO choices (query_id, choice, reason, at) VALUES ('old-query', 'wrote_new', 'faster', 2.0)")
        conn.execute("INSERT INTO guard_checks (at, path, origin, decision, findings) VALUES (3.0, 'x.py', 'git',"
                     " 'block', '[{\"kind\": \"rule\"}]')")
    log = AuditLog(tmp_path / "index")
    stats = log.stats()
    assert stats["queries"] == 1 and stats["verdicts"]["exists"] == 1
    assert [(d["query_id"], d["closest"], d["reason"]) for d in stats["wrote_new_despite_match"]] == [
        ("old-query", "a.b", "faster")]
    assert stats["guard"] == {"checks": 1, "decisions": {"allow": 0, "block": 1}, "caught": {"rule": 1}}
    assert log.record_choice("old-query", "reused", "")  # the old ids still take choices
    log.close()
