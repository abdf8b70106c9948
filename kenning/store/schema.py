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
    # 2: search: lexical index (rowid = symbols.id, kept in step by IndexStore.write_files and
    # delete_files), texts to embed, the embedding cache, near-clone bands. (It also made the exists audit
    # log's tables, until the log moved to its own database, store/audit.py, which copies them once.)
    """
    CREATE VIRTUAL TABLE symbols_fts USING fts5(
        name_terms, signature, docstring, body, tokenize = 'porter unicode61 remove_diacritics 2'
    );
    CREATE TABLE symbol_texts (
        symbol_id INTEGER PRIMARY KEY REFERENCES symbols (id) ON DELETE CASCADE,
        text_hash TEXT NOT NULL,
        text TEXT NOT NULL,
        embedded INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX symbol_texts_hash ON symbol_texts (text_hash);
    CREATE INDEX symbol_texts_embedded ON symbol_texts (embedded);
    CREATE TABLE embedding_cache (
        model TEXT NOT NULL,
        text_hash TEXT NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (model, text_hash)
    ) WITHOUT ROWID;
    CREATE TABLE stored_vectors (
        collection TEXT NOT NULL,
        text_hash TEXT NOT NULL,
        PRIMARY KEY (collection, text_hash)
    ) WITHOUT ROWID;
    CREATE TABLE symbol_bands (
        band INTEGER NOT NULL,
        symbol_id INTEGER NOT NULL REFERENCES symbols (id) ON DELETE CASCADE
    );
    CREATE INDEX symbol_bands_band ON symbol_bands (band);
    CREATE INDEX symbol_bands_symbol ON symbol_bands (symbol_id);
    """,
    # 3: made the guard's verdicts table, now in the audit log's own database too; kept for the numbering.
    "",
    # 4: the dependency edges architecture rules judge, a few percent of all references, read
    # without scanning the rest (`kenning check` runs in pre-commit hooks).
    """
    CREATE INDEX refs_dependency ON refs (file_id, kind, line, target_path, text, target, confidence)
        WHERE kind = 'import' OR (kind IN ('call', 'inherit', 'implement') AND target_path IS NOT NULL);
    """,
    # 5: the same index over the kinds of Python type-only and `__main__` dependencies too, which
    # rules may opt into (the extractor's version bump re-parses every file to give them).
    """
    DROP INDEX refs_dependency;
    CREATE INDEX refs_dependency ON refs (file_id, kind, line, target_path, text, target, confidence)
        WHERE kind IN ('import', 'import-type', 'import-main')
           OR (kind IN ('call', 'inherit', 'implement', 'call-main', 'inherit-main') AND target_path IS NOT NULL);
    """,
    # 6: each file as one search result (rowid = files.id, kept in step like symbols_fts): its path's
    # words, module doc and the names its top-level code holds (indexer/module_units.py).
    """
    CREATE VIRTUAL TABLE files_fts USING fts5(
        path_terms, doc, names, lines UNINDEXED, tokenize = 'porter unicode61 remove_diacritics 2'
    );
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)
