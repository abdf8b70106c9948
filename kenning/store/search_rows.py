"""What search keeps per symbol beyond the code index: the text it is embedded as, its lexical
index row (name and signature terms, body words) and its near-clone bands.

All of it follows from the file's bytes and the symbol, so the indexer's worker processes
compute it (the service hands them `for_file`) and the main process only writes it, with the
symbols, in the same transaction. `prepare_texts` uses the same functions for symbols indexed
without it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from itertools import chain

from kenning.store import lexical, minhash
from kenning.store.embedded_text import embedding_text, text_hash
from kenning.models import ParsedFile, SearchRow

# Bump when a row's content changes for the same file: older indexes are then re-parsed in full.
ROWS_VERSION = "4"  # 2: the embedded text is signature, summary and code words (embedding_text);
# 3: body lines counted as tree-sitter counts rows (a form feed no longer starts a line); 4: files as units
BODY_LINES = 200  # lines of a definition read for body words (lexical row and embedded text)


def file_lines(data: bytes) -> list[list[bytes]]:
    """What `body_words` reads of a file: the words of each line (`lexical.line_runs`)."""
    return lexical.line_runs(data)


def body_words(lines: Sequence[list[bytes]], start_line: int, end_line: int) -> str:
    runs = chain.from_iterable(lines[start_line - 1:min(end_line, start_line - 1 + BODY_LINES)])
    return lexical.body_terms_of_runs(runs)


def for_file(parsed: ParsedFile, data: bytes) -> tuple[SearchRow, ...]:
    """One row per symbol of `parsed`, in order; runs in the indexer's workers (module level, so it pickles)."""
    lines = file_lines(data)
    shapes = list(dict.fromkeys(s.shape for s in parsed.symbols))  # identical shapes are common
    bands = dict(zip(shapes, map(tuple, minhash.band_keys_many(shapes))))
    rows = []
    for s in parsed.symbols:
        words = body_words(lines, s.start_line, s.end_line)
        text = embedding_text(s.signature, s.docstring, words)
        rows.append(SearchRow(text_hash(text), text, lexical.name_terms(s.name, s.qualified_name),
                              lexical.terms(s.signature), words, bands[s.shape]))
    return tuple(rows)


def write(conn: sqlite3.Connection, rows: Iterable[tuple[int, str, SearchRow]]) -> None:
    """rows: (symbol id, docstring, search row) of symbols just inserted, with no lexical row yet."""
    rows = list(rows)
    conn.executemany(
        "INSERT INTO symbols_fts (rowid, name_terms, signature, docstring, body) VALUES (?, ?, ?, ?, ?)",
        [(sid, r.name_terms, r.signature_terms, doc, r.body_terms) for sid, doc, r in rows],
    )
    conn.executemany(
        "INSERT OR REPLACE INTO symbol_texts (symbol_id, text_hash, text) VALUES (?, ?, ?)",
        [(sid, r.text_hash, r.text) for sid, _, r in rows],
    )
    conn.executemany("INSERT INTO symbol_bands (band, symbol_id) VALUES (?, ?)",
                     [(key, sid) for sid, _, r in rows for key in r.bands])
