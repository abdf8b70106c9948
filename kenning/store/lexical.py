"""The lexical index: SQLite FTS5 over symbol names, split identifiers, signatures, docstrings
and body words.

Rows share their rowid with `symbols.id`. IndexStore writes a file's rows with its symbols and
deletes them with its file, in the same transaction, so the two never drift apart. Body words
come with them when the indexer's workers computed them (search_rows.py), else later through
`set_bodies`.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from functools import lru_cache
from itertools import chain, islice

from kenning.models import ModuleUnit

_WORD = re.compile(r"[A-Za-z0-9]+")
# camelCase, PascalCase and ACRONYMWords boundaries inside one alphanumeric run.
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_CAMEL_BYTES = re.compile(_CAMEL.pattern.encode())
_RUN_BYTES = bytes(c if chr(c).isascii() and chr(c).isalnum() else 0x20 for c in range(256))
_RUN_BYTES_BY_LINE = bytes(0x0A if c == 0x0A else b for c, b in enumerate(_RUN_BYTES))  # keeps line breaks
_STOPWORDS = frozenset(
    "a an and are as at be by for from if in into is it its of on or that the this to was were "
    "will with return returns self cls none true false".split()
)
BODY_TERM_LIMIT = 400
# Column weights for bm25: a hit in a name says more than one in a body.
_WEIGHTS = (6.0, 2.0, 1.5, 1.0)
_UNIT_WEIGHTS = (4.0, 2.0, 1.0, 0.0)  # a file's path words, its module doc, its names


def split_identifier(text: str) -> list[str]:
    """'parseHTTPHeader_v2' -> ['parse', 'http', 'header', 'v', '2'] (lower case)."""
    words: list[str] = []
    for run in _WORD.findall(text):
        words.extend(part.lower() for part in _CAMEL.findall(run))
    return words


def terms(text: str) -> str:
    """Every word of `text` as written (lower case) and split, for the FTS columns."""
    return " ".join(map(_run_terms, _WORD.findall(text)))


@lru_cache(maxsize=1 << 16)  # names recur across a project's signatures and qualified names
def _run_terms(run: str) -> str:
    parts = [p.lower() for p in _CAMEL.findall(run)]
    return " ".join([run.lower(), *parts]) if len(parts) > 1 else run.lower()


def name_terms(name: str, qualified_name: str) -> str:
    return f"{terms(name)} {terms(qualified_name)}"


def body_terms(source: str) -> str:
    """Distinct split identifiers of a definition's source, in first-seen order, capped."""
    return " ".join(islice(words(source), BODY_TERM_LIMIT))


def words(text: str) -> dict[str, None]:
    """The distinct words of `text` as `split_identifier` finds them, two characters or longer and
    not all digits, in first-seen order (a dict: ordered, and a set for membership)."""
    return _distinct_words(text.encode("utf-8", "replace").translate(_RUN_BYTES).split())


def line_runs(data: bytes) -> list[list[bytes]]:
    """The alphanumeric runs of each line of `data`, lines split on "\\n" as tree-sitter counts rows:
    a file's runs found once, for `body_terms_of_runs` over each definition's lines."""
    return [line.split() for line in data.translate(_RUN_BYTES_BY_LINE).split(b"\n")]


def body_terms_of_runs(runs: Iterable[bytes]) -> str:
    """`body_terms` of the text these alphanumeric runs come from (runs as `line_runs` finds them)."""
    return " ".join(islice(_distinct_words(runs), BODY_TERM_LIMIT))


def _distinct_words(runs: Iterable[bytes]) -> dict[str, None]:
    # The work per word is done once per distinct run (and remembered across definitions): a
    # repeated run or part cannot change the first-seen order of what it holds.
    return dict.fromkeys(chain.from_iterable(map(_run_words, dict.fromkeys(runs))))


@lru_cache(maxsize=1 << 17)
def _run_words(run: bytes) -> tuple[str, ...]:
    """A run's lower-case words of two or more characters, not all digits."""
    parts = [run] if run.isalpha() and run.islower() else _CAMEL_BYTES.findall(run)
    return tuple(part.lower().decode("ascii") for part in parts if len(part) > 1 and not part.isdigit())


def insert_rows(conn: sqlite3.Connection, rows: Iterable[tuple[int, str, str, str, str]]) -> None:
    """rows: (symbol id, name, qualified name, signature, docstring) of symbols just written; their
    body words come later (`set_bodies`)."""
    conn.executemany(
        "INSERT INTO symbols_fts (rowid, name_terms, signature, docstring, body) VALUES (?, ?, ?, ?, '')",
        [(sid, name_terms(name, qualified), terms(signature), docstring) for sid, name, qualified, signature, docstring in rows],
    )


def delete_file_rows(conn: sqlite3.Connection, paths: Iterable[str]) -> None:
    """Drop the rows of these files and of every symbol of them; call before the files are deleted."""
    paths = [(p,) for p in paths]
    conn.executemany(
        "DELETE FROM symbols_fts WHERE rowid IN"
        " (SELECT s.id FROM symbols s JOIN files f ON f.id = s.file_id WHERE f.path = ?)",
        paths,
    )
    conn.executemany("DELETE FROM files_fts WHERE rowid IN (SELECT id FROM files WHERE path = ?)", paths)


def insert_unit(conn: sqlite3.Connection, file_id: int, path: str, unit: ModuleUnit) -> None:
    """A file's row as a search result of its own (`module_units`)."""
    conn.execute("INSERT INTO files_fts (rowid, path_terms, doc, names, lines) VALUES (?, ?, ?, ?, ?)",
                 (file_id, terms(path.rsplit(".", 1)[0]), unit.doc, terms(unit.names), unit.lines))


def optimize(conn: sqlite3.Connection) -> None:
    """Merge the index's segments into one: a bulk load leaves many, and every query reads them all."""
    conn.execute("INSERT INTO symbols_fts (symbols_fts) VALUES ('optimize')")
    conn.execute("INSERT INTO files_fts (files_fts) VALUES ('optimize')")


def set_bodies(conn: sqlite3.Connection, rows: Iterable[tuple[str, int]]) -> None:
    """rows: (body terms, symbol id)."""
    conn.executemany("UPDATE symbols_fts SET body=? WHERE rowid=?", rows)


def match_expression(query: str) -> str | None:
    """A natural-language or identifier query as an FTS5 OR-query of quoted terms."""
    words = [w for w in dict.fromkeys(terms(query).split()) if w not in _STOPWORDS]
    if not words:
        return None
    return " OR ".join(f'"{w}"' for w in words[:64])


def search_units(conn: sqlite3.Connection, query: str, limit: int) -> list[tuple[int, float]]:
    """(file id, bm25 score, higher is better) of the files as units, best first."""
    expression = match_expression(query)
    if expression is None:
        return []
    rows = conn.execute(
        f"SELECT rowid, -bm25(files_fts, {', '.join(map(str, _UNIT_WEIGHTS))}) AS score FROM files_fts"
        " WHERE files_fts MATCH ? ORDER BY score DESC LIMIT ?",
        (expression, limit),
    )
    return [(fid, score) for fid, score in rows]


def search(conn: sqlite3.Connection, query: str, limit: int, names_only: bool = False) -> list[tuple[int, float]]:
    """(symbol id, bm25 score, higher is better), best first."""
    expression = match_expression(query)
    if expression is None:
        return []
    if names_only:
        expression = "name_terms : (" + expression + ")"
    rows = conn.execute(
        f"SELECT rowid, -bm25(symbols_fts, {', '.join(map(str, _WEIGHTS))}) AS score FROM symbols_fts"
        " WHERE symbols_fts MATCH ? ORDER BY score DESC LIMIT ?",
        (expression, limit),
    )
    return [(sid, score) for sid, score in rows]
