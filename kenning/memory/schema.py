"""SQLite schema of the code index, as numbered forward migrations.

The index is derived data: a database from a newer kenning, or one that is corrupt, is set
aside and rebuilt rather than trusted.
"""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # 1: files, symbols, references
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE files (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        language TEXT NOT NULL,
        module TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        parse_errors INTEGER NOT NULL DEFAULT 0,
        decode_errors INTEGER NOT NULL DEFAULT 0,
        indexed_at REAL NOT NULL
    );
    CREATE INDEX files_module ON files (module);
    CREATE TABLE symbols (
        id INTEGER PRIMARY KEY,
        file_id INTEGER NOT NULL REFERENCES files (id) ON DELETE CASCADE,
        qualified_name TEXT NOT NULL,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        language TEXT NOT NULL,
        start_line INTEGER NOT NULL,
        end_line INTEGER NOT NULL,
        signature TEXT NOT NULL,
        docstring TEXT NOT NULL,
        parent TEXT,
        body_hash TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        shape TEXT NOT NULL
    );
    CREATE INDEX symbols_name ON symbols (name);
    CREATE INDEX symbols_qualified_name ON symbols (qualified_name);
    CREATE INDEX symbols_file ON symbols (file_id);
    CREATE INDEX symbols_fingerprint ON symbols (fingerprint);
    CREATE TABLE refs (
        id INTEGER PRIMARY KEY,
        file_id INTEGER NOT NULL REFERENCES files (id) ON DELETE CASCADE,
        source TEXT,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        text TEXT NOT NULL,
        line INTEGER NOT NULL,
        target TEXT,
        target_path TEXT,
        confidence REAL NOT NULL DEFAULT 0
    );
    CREATE INDEX refs_file ON refs (file_id);
    CREATE INDEX refs_target ON refs (target);
    CREATE INDEX refs_source ON refs (source);
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)
