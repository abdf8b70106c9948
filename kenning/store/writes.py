"""The writes of one index transaction, as whole operations: the layers above the store write no SQL.

`IndexStore.transaction()` hands one of these out; leaving the `with` block commits, an error rolls back.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from kenning.models import ParsedFile, Reference
from kenning.store import lexical, minhash, search_rows, search_tables
from kenning.store.boundary import storage_boundary

if TYPE_CHECKING:
    import numpy as np


class DeferredIndexes:
    """Indexes dropped for a bulk load, waiting to be built again."""

    def __init__(self, conn: sqlite3.Connection, pending: list[tuple[str, str]]) -> None:
        self._conn = conn
        self._pending = pending  # (table, CREATE INDEX statement)

    def rebuild(self, tables: Iterable[str] | None = None) -> None:
        """Build the indexes of these tables (of all, by default) that are still pending."""
        wanted = None if tables is None else set(tables)
        for table, sql in list(self._pending):
            if wanted is None or table in wanted:
                self._conn.execute(sql)
                self._pending.remove((table, sql))


@storage_boundary
class Writes:
    def __init__(self, conn: sqlite3.Connection, path: object) -> None:
        self._conn = conn
        self.path = path  # named in errors

    def set_meta(self, key: str, value: str) -> None:
        self._conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def write_files(self, parsed: Iterable[ParsedFile], fresh: bool = False,
                    references: bool = True) -> dict[str, int]:
        """Replace each file's symbols and references, with the search rows of files that carry
        them (`search_rows`, computed in the indexer's workers).
        `fresh`: the tables are empty, so there is nothing to replace. `references=False` leaves
        them for `write_references`. Returns each file's id."""
        conn, now = self._conn, time.time()
        file_ids: dict[str, int] = {}
        for file in parsed:
            if not fresh:
                lexical.delete_file_rows(conn, [file.path])
                conn.execute("DELETE FROM files WHERE path=?", (file.path,))
            cursor = conn.execute(
                "INSERT INTO files (path, language, module, content_hash, size, mtime_ns, parse_errors,"
                " decode_errors, indexed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (file.path, file.language, file.module, file.content_hash, file.size, file.mtime_ns,
                 file.parse_errors, int(file.decode_errors), now),
            )
            file_id = file_ids[file.path] = cursor.lastrowid
            if file.unit is not None:
                lexical.insert_unit(conn, file_id, file.path, file.unit)
            # The ids SQLite would choose, chosen here so the lexical and search rows can use them.
            first = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM symbols").fetchone()[0]
            ids = range(first, first + len(file.symbols))
            conn.executemany(
                "INSERT INTO symbols (id, file_id, qualified_name, name, kind, language, start_line, end_line,"
                " signature, docstring, parent, body_hash, fingerprint, shape)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(sid, file_id, s.qualified_name, s.name, s.kind, s.language, s.start_line, s.end_line,
                  s.signature, s.docstring, s.parent, s.body_hash, s.fingerprint, s.shape)
                 for sid, s in zip(ids, file.symbols)],
            )
            if file.search_rows is None:
                lexical.insert_rows(conn, [(sid, s.name, s.qualified_name, s.signature, s.docstring)
                                      for sid, s in zip(ids, file.symbols)])
            else:
                search_rows.write(conn, [(sid, s.docstring, row)
                                         for sid, s, row in zip(ids, file.symbols, file.search_rows)])
            if references:
                self.write_references(file_id, file.references)
        return file_ids

    def write_references(self, file_id: int, references: Iterable[Reference]) -> None:
        self._conn.executemany(
            "INSERT INTO refs (file_id, source, kind, name, text, line, target, target_path, confidence)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(file_id, r.source, r.kind, r.name, r.text, r.line, r.target, r.target_path, r.confidence)
             for r in references],
        )

    @contextmanager
    def indexes_deferred(self) -> Iterator["DeferredIndexes"]:
        """Drop the secondary indexes of the symbol, reference and search tables for a bulk load
        into empty tables (`write_files(..., fresh=True)`, which looks nothing up) and build them
        again after it (or earlier, table by table, with `rebuild`): faster than updating them row
        by row. A rollback brings the indexes back."""
        indexes = list(self._conn.execute(
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL"
            " AND tbl_name IN ('symbols', 'refs', 'symbol_texts', 'symbol_bands')"))
        for name, _, _ in indexes:
            self._conn.execute(f'DROP INDEX "{name}"')
        deferred = DeferredIndexes(self._conn, [(table, sql) for _, table, sql in indexes])
        yield deferred
        deferred.rebuild()

    def delete_files(self, paths: Iterable[str]) -> None:
        paths = list(paths)
        lexical.delete_file_rows(self._conn, paths)
        self._conn.executemany("DELETE FROM files WHERE path=?", [(p,) for p in paths])

    def touch_files(self, stamps: Iterable[tuple[str, int]]) -> None:
        """Record a new mtime for files whose content did not change."""
        self._conn.executemany("UPDATE files SET mtime_ns=? WHERE path=?", [(m, p) for p, m in stamps])

    def write_resolutions(self, rows: Iterable[tuple[str | None, str | None, float, int]]) -> None:
        """rows: (target, target_path, confidence, ref_id)."""
        self._conn.executemany("UPDATE refs SET target=?, target_path=?, confidence=? WHERE id=?", rows)

    # -- search rows and vectors -----------------------------------------------------------------

    def optimize_lexical(self) -> None:
        lexical.optimize(self._conn)

    def write_search_rows(self, texts: Iterable[tuple[int, str, str]], bodies: Iterable[tuple[str, int]],
                          shapes: Iterable[tuple[int, str]]) -> None:
        """For symbols indexed without them: (id, text hash, text) to embed, (body words, id), (id, shape)."""
        search_tables.write_texts(self._conn, texts)
        lexical.set_bodies(self._conn, bodies)
        minhash.write_bands(self._conn, shapes)

    def reset_embedded(self) -> None:
        search_tables.reset_embedded(self._conn)

    def mark_embedded(self, symbol_ids: Iterable[int]) -> None:
        search_tables.mark_embedded(self._conn, symbol_ids)

    def cache_vectors(self, model: str, items: Iterable[tuple[str, np.ndarray]]) -> None:
        search_tables.cache_vectors(self._conn, model, items)

    def record_stored(self, collection: str, hashes: Iterable[str]) -> None:
        search_tables.record_stored(self._conn, collection, hashes)

    def forget_stored(self, collection: str, hashes: Iterable[str]) -> None:
        search_tables.forget_stored(self._conn, collection, hashes)
