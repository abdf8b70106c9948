"""The search tables read as whole questions: what search, exists and embedding ask of the index.

Reached as `IndexStore.search`; each call uses the calling thread's own connection, so the server's
threads (and search's side thread) read side by side.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

from kenning.models import Symbol
from kenning.store import lexical, minhash
from kenning.store import search_tables as tables
from kenning.store.boundary import storage_boundary

if TYPE_CHECKING:
    import numpy as np


class Connected(Protocol):
    """What SearchReads needs of the IndexStore: the calling thread's connection, and a path for errors."""

    path: object

    @property
    def conn(self) -> sqlite3.Connection: ...


@storage_boundary
class SearchReads:
    def __init__(self, store: Connected) -> None:
        self._store = store
        self.path = store.path

    # -- words and names ------------------------------------------------------------------------

    def lexical(self, query: str, limit: int, names_only: bool = False) -> list[tuple[int, float]]:
        """(symbol id, bm25 score, higher is better), best first."""
        return lexical.search(self._store.conn, query, limit, names_only)

    def lexical_units(self, query: str, limit: int) -> list[tuple[int, float]]:
        """(file id, bm25 score) of the files as units, best first."""
        return lexical.search_units(self._store.conn, query, limit)

    def ids_named(self, name: str, limit: int = 50) -> list[int]:
        return tables.ids_named(self._store.conn, name, limit)

    def ids_with_fingerprint(self, fingerprint: str, limit: int = 200) -> list[int]:
        return tables.ids_with_fingerprint(self._store.conn, fingerprint, limit)

    def near_copies(self, shape: str, limit: int = 200) -> list[int]:
        """Symbols sharing a MinHash band with `shape`, most shared bands first."""
        return minhash.candidates(self._store.conn, shape, limit)

    # -- rows -----------------------------------------------------------------------------------

    def symbols_by_id(self, ids: Iterable[int], kind: str | None = None, path_prefix: str | None = None,
                      language: str | None = None) -> dict[int, Symbol]:
        return tables.symbols_by_id(self._store.conn, ids, kind, path_prefix, language)

    def units_by_id(self, file_ids: Iterable[int], path_prefix: str | None = None, language: str | None = None) -> dict[int, Symbol]:
        return tables.units_by_id(self._store.conn, file_ids, path_prefix, language)

    def caller_counts(self, qualified_names: list[str]) -> dict[str, int]:
        return tables.caller_counts(self._store.conn, qualified_names)

    def symbols_without_text(self) -> list[tuple]:
        return tables.symbols_without_text(self._store.conn)

    # -- embedding ------------------------------------------------------------------------------

    def anything_embedded(self) -> bool:
        return tables.anything_embedded(self._store.conn)

    def pending_texts(self) -> list[tuple[int, str, str]]:
        """(symbol id, text hash, text) of every symbol not embedded yet."""
        return tables.pending_texts(self._store.conn)

    def text_hashes(self, symbol_ids: list[int]) -> dict[int, str]:
        return tables.text_hashes(self._store.conn, symbol_ids)

    def embedded_ids_by_hash(self, hashes: list[str]) -> dict[str, list[int]]:
        return tables.embedded_ids_by_hash(self._store.conn, hashes)

    def cached_vectors(self, model: str, hashes: list[str]) -> dict[str, np.ndarray]:
        return tables.cached_vectors(self._store.conn, model, hashes)

    def stored_hashes(self, collection: str) -> set[str]:
        return tables.stored_hashes(self._store.conn, collection)

    def orphan_hashes(self, collection: str) -> list[str]:
        return tables.orphan_hashes(self._store.conn, collection)
