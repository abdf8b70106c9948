"""After an index run: prepare new symbols for search, then embed them (or leave that for later).

Preparing stores the text a symbol is embedded as, its body words in the lexical index and its
near-clone bands; the indexer's workers compute these while parsing (store/search_rows.py), so
here it only catches symbols indexed without them, reading each of their files once. Embedding is the slow part; it
commits in chunks, so search uses what is done, and a run killed midway resumes where it
stopped. Texts already embedded (cache keyed by model variant and text hash) are never re-encoded.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from itertools import groupby

from kenning.store import search_rows
from kenning.embedding.encoder import Embedder
from kenning.store.embedded_text import embedding_text, text_hash
from kenning.store.index_store import IndexStore
from kenning.store.vector_store import VectorStore, collection_name
from kenning.settings import Settings

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
_CHUNK = 512  # texts encoded per commit
_COLLECTION_KEY = "embed_collection"


@dataclass
class SearchParts:
    """The model and vector store of one project, built lazily and shared by a service."""

    embedder: Embedder
    vectors: VectorStore

    @classmethod
    def from_settings(cls, settings: Settings, embedder: Embedder | None = None) -> "SearchParts":
        """The settings' model (or `embedder`, one already loaded with the same settings) and vector store."""
        embedder = embedder or Embedder(settings.model, settings.embed_max_tokens, settings.embed_quantize,
                                        settings.embed_batch_size, settings.embed_backend, settings.model_cache_dir)
        name = collection_name(embedder.key, settings.root)
        return cls(embedder, VectorStore(settings.index_dir, name, settings.chroma_url))


class LazyParts:
    """A service's SearchParts, made on first use (commands that never embed never load the model) and
    kept, so a server that re-indexes loads the model once."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self._settings = settings
        self._embedder = embedder
        self._parts: SearchParts | None = None
        self._lock = threading.Lock()

    def __call__(self) -> SearchParts:
        with self._lock:
            if self._parts is None:
                self._parts = SearchParts.from_settings(self._settings, self._embedder)
            return self._parts


def prepare_search(settings: Settings, store: IndexStore, parts: Callable[[], SearchParts],
                   progress: Progress | None = None, embed: bool | None = None) -> int:
    """Prepare new symbols, then embed them unless deferred; returns how many texts were encoded."""
    prepare_texts(settings, store)
    if not (settings.embed_on_index if embed is None else embed):
        return 0
    return embed_pending(store, parts(), progress)


def prepare_texts(settings: Settings, store: IndexStore) -> int:
    """Search rows for symbols indexed without them (the indexer's workers normally compute them)."""
    rows = store.search.symbols_without_text()
    texts, bodies, shapes = [], [], []
    for path, group in groupby(rows, key=lambda r: r[1]):
        lines = _read_lines(settings, path)
        for sid, _, start, end, signature, docstring, shape in group:
            words = search_rows.body_words(lines, start, end)
            text = embedding_text(signature, docstring, words)
            texts.append((sid, text_hash(text), text))
            bodies.append((words, sid))
            shapes.append((sid, shape))
    if rows:
        with store.transaction() as writes:
            writes.write_search_rows(texts, bodies, shapes)
    return len(texts)


def _read_lines(settings: Settings, path: str) -> list[list[bytes]]:
    try:
        return search_rows.file_lines((settings.root / path).read_bytes())
    except OSError:
        return []  # gone since it was indexed: the next run drops it


def embed_pending(store: IndexStore, parts: SearchParts, progress: Progress | None = None) -> int:
    embedder, vectors = parts.embedder, parts.vectors
    with store.transaction() as writes:
        if store.get_meta(_COLLECTION_KEY) != vectors.identity:
            writes.reset_embedded()
            writes.set_meta(_COLLECTION_KEY, vectors.identity)
    pending = store.search.pending_texts()
    ids_by_hash: dict[str, list[int]] = {}
    text_by_hash: dict[str, str] = {}
    for sid, digest, text in pending:
        ids_by_hash.setdefault(digest, []).append(sid)
        text_by_hash[digest] = text
    stored = store.search.stored_hashes(vectors.identity)
    have = [h for h in ids_by_hash if h in stored]
    needed = [h for h in ids_by_hash if h not in stored]
    cached = store.search.cached_vectors(embedder.key, needed)
    if cached:
        hashes = list(cached)
        vectors.add(hashes, _stack([cached[h] for h in hashes]))
    with store.transaction() as writes:
        writes.record_stored(vectors.identity, cached)
        writes.mark_embedded( [sid for h in [*have, *cached] for sid in ids_by_hash[h]])

    missing = [h for h in needed if h not in cached]
    # Longest first across chunks too, so the progress bar's rate only improves.
    missing.sort(key=lambda h: len(text_by_hash[h]), reverse=True)
    if progress and missing:
        progress(0, len(missing))
    for start in range(0, len(missing), _CHUNK):
        chunk = missing[start:start + _CHUNK]
        encoded = embedder.encode([text_by_hash[h] for h in chunk])
        vectors.add(chunk, encoded)
        with store.transaction() as writes:
            writes.cache_vectors(embedder.key, zip(chunk, encoded))
            writes.record_stored(vectors.identity, chunk)
            writes.mark_embedded( [sid for h in chunk for sid in ids_by_hash[h]])
        if progress:
            progress(start + len(chunk), len(missing))
    _prune(store, vectors)
    return len(missing)


def _prune(store: IndexStore, vectors: VectorStore) -> None:
    orphans = store.search.orphan_hashes(vectors.identity)
    if orphans:
        vectors.delete(orphans)
        with store.transaction() as writes:
            writes.forget_stored(vectors.identity, orphans)


def _stack(rows: list):
    import numpy as np

    return np.vstack(rows).astype(np.float32)
