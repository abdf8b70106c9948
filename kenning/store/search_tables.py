"""Reads and writes of the search tables: symbol texts, the embedding cache, which vectors a
collection holds, and symbol (and file unit) lookups by id with the filters search offers."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING


from kenning.models import Symbol

if TYPE_CHECKING:  # numpy loads with the first vector, not with every command
    import numpy as np

_COLUMNS = (
    "s.id, s.qualified_name, s.name, s.kind, s.language, f.path, s.start_line, s.end_line, s.signature,"
    " s.docstring, s.parent, s.body_hash, s.fingerprint, s.shape"
)


def symbols_without_text(conn: sqlite3.Connection) -> list[tuple]:
    """(id, path, start_line, end_line, signature, docstring, shape) of symbols not yet prepared."""
    return conn.execute(
        "SELECT s.id, f.path, s.start_line, s.end_line, s.signature, s.docstring, s.shape"
        " FROM symbols s JOIN files f ON f.id = s.file_id"
        " LEFT JOIN symbol_texts t ON t.symbol_id = s.id WHERE t.symbol_id IS NULL ORDER BY f.path, s.start_line"
    ).fetchall()


def write_texts(conn: sqlite3.Connection, rows: Iterable[tuple[int, str, str]]) -> None:
    """rows: (symbol id, text hash, text)."""
    conn.executemany("INSERT OR REPLACE INTO symbol_texts (symbol_id, text_hash, text) VALUES (?, ?, ?)", rows)


def pending_texts(conn: sqlite3.Connection) -> list[tuple[int, str, str]]:
    """(symbol id, text hash, text) of symbols whose vector is not in the store yet."""
    return conn.execute("SELECT symbol_id, text_hash, text FROM symbol_texts WHERE embedded = 0").fetchall()


def mark_embedded(conn: sqlite3.Connection, symbol_ids: Iterable[int]) -> None:
    conn.executemany("UPDATE symbol_texts SET embedded = 1 WHERE symbol_id = ?", [(i,) for i in symbol_ids])


def reset_embedded(conn: sqlite3.Connection) -> None:
    """The embedding variant changed: every symbol needs a vector from the new one."""
    conn.execute("UPDATE symbol_texts SET embedded = 0")


def cached_vectors(conn: sqlite3.Connection, model: str, hashes: list[str]) -> dict[str, np.ndarray]:
    import numpy as np

    found: dict[str, np.ndarray] = {}
    for start in range(0, len(hashes), 500):
        chunk = hashes[start:start + 500]
        rows = conn.execute(
            f"SELECT text_hash, vector FROM embedding_cache WHERE model = ? AND text_hash IN ({','.join('?' * len(chunk))})",
            (model, *chunk),
        )
        found.update((h, np.frombuffer(blob, dtype=np.float32)) for h, blob in rows)
    return found


def cache_vectors(conn: sqlite3.Connection, model: str, items: Iterable[tuple[str, np.ndarray]]) -> None:
    conn.executemany(
        "INSERT OR REPLACE INTO embedding_cache (model, text_hash, vector) VALUES (?, ?, ?)",
        [(model, h, _float32_bytes(v)) for h, v in items],
    )


def stored_hashes(conn: sqlite3.Connection, collection: str) -> set[str]:
    return {h for (h,) in conn.execute("SELECT text_hash FROM stored_vectors WHERE collection = ?", (collection,))}


def record_stored(conn: sqlite3.Connection, collection: str, hashes: Iterable[str]) -> None:
    conn.executemany("INSERT OR IGNORE INTO stored_vectors (collection, text_hash) VALUES (?, ?)",
                     [(collection, h) for h in hashes])


def forget_stored(conn: sqlite3.Connection, collection: str, hashes: Iterable[str]) -> None:
    conn.executemany("DELETE FROM stored_vectors WHERE collection = ? AND text_hash = ?",
                     [(collection, h) for h in hashes])


def orphan_hashes(conn: sqlite3.Connection, collection: str) -> list[str]:
    """Vectors in the store that no current symbol uses any more."""
    rows = conn.execute(
        "SELECT v.text_hash FROM stored_vectors v WHERE v.collection = ?"
        " AND NOT EXISTS (SELECT 1 FROM symbol_texts t WHERE t.text_hash = v.text_hash)",
        (collection,),
    )
    return [h for (h,) in rows]


def embedded_ids_by_hash(conn: sqlite3.Connection, hashes: list[str]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    if not hashes:
        return out
    rows = conn.execute(
        # `+embedded`: look rows up by hash; the planner would otherwise walk the embedded index,
        # every embedded symbol (15 ms of a search on 54k symbols, against 0.1 ms).
        f"SELECT text_hash, symbol_id FROM symbol_texts WHERE +embedded = 1 AND text_hash IN ({','.join('?' * len(hashes))})",
        hashes,
    )
    for h, sid in rows:
        out.setdefault(h, []).append(sid)
    return out


def text_hashes(conn: sqlite3.Connection, symbol_ids: list[int]) -> dict[int, str]:
    if not symbol_ids:
        return {}
    rows = conn.execute(
        f"SELECT symbol_id, text_hash FROM symbol_texts WHERE +embedded = 1 AND symbol_id IN ({','.join('?' * len(symbol_ids))})",
        symbol_ids,
    )
    return dict(rows)


def symbols_by_id(
    conn: sqlite3.Connection, ids: Iterable[int], kind: str | None = None, path_prefix: str | None = None,
    language: str | None = None,
) -> dict[int, Symbol]:
    """Symbols by id, keeping only those that pass the filters."""
    where, args = _filters(path_prefix, language, "s.language")
    if kind:
        where.append("s.kind = ?")
        args.append(kind)
    rows = _rows_by_id(conn, f"SELECT {_COLUMNS} FROM symbols s JOIN files f ON f.id = s.file_id", "s.id", ids,
                       where, args)
    return {row[0]: Symbol(*row[1:]) for row in rows}


def units_by_id(conn: sqlite3.Connection, file_ids: Iterable[int], path_prefix: str | None = None,
                language: str | None = None) -> dict[int, Symbol]:
    """Files as search results (kind "module", the whole file as its span), by file id, filtered."""
    where, args = _filters(path_prefix, language, "f.language")
    rows = _rows_by_id(conn, "SELECT f.id, f.module, f.language, f.path, u.lines FROM files f"
                             " JOIN files_fts u ON u.rowid = f.id", "f.id", file_ids, where, args)
    return {fid: Symbol(module or path, path.rsplit("/", 1)[-1], "module", language, path, 1, int(lines), path)
            for fid, module, language, path, lines in rows}


def _filters(path_prefix: str | None, language: str | None, language_column: str) -> tuple[list[str], list]:
    where, args = [], []
    if language:
        where.append(f"{language_column} = ?")
        args.append(language)
    if path_prefix:
        where.append("substr(f.path, 1, ?) = ?")
        args += [len(path_prefix), path_prefix]
    return where, args


def _rows_by_id(conn: sqlite3.Connection, select: str, id_column: str, ids: Iterable[int], where: list[str],
                args: list) -> Iterator[tuple]:
    """Rows of `select` whose `id_column` is one of `ids` (asked 500 at a time) and that pass `where`."""
    ids = list(dict.fromkeys(ids))
    extra = "".join(f" AND {w}" for w in where)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        yield from conn.execute(f"{select} WHERE {id_column} IN ({','.join('?' * len(chunk))}){extra}", (*chunk, *args))


def ids_with_fingerprint(conn: sqlite3.Connection, fingerprint: str, limit: int = 200) -> list[int]:
    return [i for (i,) in conn.execute("SELECT id FROM symbols WHERE fingerprint = ? LIMIT ?", (fingerprint, limit))]


def ids_named(conn: sqlite3.Connection, name: str, limit: int = 50) -> list[int]:
    rows = conn.execute("SELECT id FROM symbols WHERE name = ? LIMIT ?", (name, limit))
    return [i for (i,) in rows]


def caller_counts(conn: sqlite3.Connection, qualified_names: list[str]) -> dict[str, int]:
    if not qualified_names:
        return {}
    rows = conn.execute(
        f"SELECT target, COUNT(*) FROM refs WHERE kind = 'call' AND target IN ({','.join('?' * len(qualified_names))})"
        " GROUP BY target",
        qualified_names,
    )
    return dict(rows)


def anything_embedded(conn: sqlite3.Connection) -> bool:
    """Whether any symbol has a stored vector: one index probe, not a count (asked before every vector query)."""
    return conn.execute("SELECT 1 FROM symbol_texts WHERE embedded = 1 LIMIT 1").fetchone() is not None


def search_counts(conn: sqlite3.Connection) -> tuple[int, int]:
    """(symbols, symbols with a stored vector)."""
    symbols = conn.execute("SELECT COUNT(*) FROM symbols").fetchone()[0]
    # All rows less the pending ones: both counts are quick (a table's row count, a short index range),
    # where counting the embedded rows walks most of the index on every search and exists answer.
    embedded = conn.execute("SELECT (SELECT COUNT(*) FROM symbol_texts)"
                            " - (SELECT COUNT(*) FROM symbol_texts WHERE embedded = 0)").fetchone()[0]
    return symbols, embedded


def _float32_bytes(vector) -> bytes:
    import numpy as np

    return np.asarray(vector, dtype=np.float32).tobytes()
