"""Decision search: words (FTS5 over the memory cache) and meaning (the shared embedder and a Chroma
collection of decision vectors), fused by the reciprocal rank fusion symbol search uses.

Vectors are made lazily, at search time: only decision texts whose hash has no vector in the
collection are embedded, through the same (model, text hash) embedding cache as symbols, and
vectors of texts no decision has any more are deleted. So nothing loads the model unless a
search needs it, a hand-edited decision is re-embedded on the next search, and a deleted one
drops out. With embedding off (`embed_on_index = false`) or a model that cannot load, search
falls back to words alone and says so in ``note``.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kenning.errors import ConfigError, StorageError
from kenning.memory.cache_refresh import CLOSED_DECISIONS
from kenning.store.embedded_text import TEXT_LIMIT, text_hash
from kenning.store.index_store import IndexStore
from kenning.memory.memory_cache import MemoryCache, MemoryView
from kenning.store.vector_store import VectorStore, collection_name
from kenning.models import Decision, Problem
from kenning.service.fusion import WEIGHTS, fuse
from kenning.settings import Settings

if TYPE_CHECKING:
    from kenning.embedding.encoder import Embedder

log = logging.getLogger(__name__)

# all-MiniLM neighbours below this cosine are unrelated; without a floor every query would
# return `limit` decisions, however far from it they are.
MIN_SIMILARITY = 0.3
_CHUNK = 256  # texts encoded per commit, so a killed first search keeps what it did
_SPACES = re.compile(r"\s+")
OFF_NOTE = "semantic search is off (embed_on_index = false): decisions matched by their words only"


class DecisionHits(list):
    """[(Decision, score)], best first, as lexical search always returned; plus how they were found.

    ``note`` is set when the search fell back to words alone; ``why`` maps a decision id to the
    ranks that found it (e.g. "lexical #2; dense #1 (cosine 0.61)"); ``problems`` names the decision
    files that do not read, which the search could not look in.
    """

    def __init__(self, hits=(), note: str | None = None, why: dict[str, str] | None = None,
                 problems: list[Problem] | None = None) -> None:
        super().__init__(hits)
        self.note = note
        self.why = why or {}
        self.problems = problems or []


def decision_text(decision: Decision) -> str:
    """What a decision is embedded as: title, then the decision, then its context, to the text limit."""
    title = decision.title.strip().rstrip(".")
    text = " ".join(part for part in (f"{title}." if title else "", decision.decision, decision.context) if part)
    return _SPACES.sub(" ", text).strip()[:TEXT_LIMIT]


@dataclass(frozen=True, slots=True)
class _Corpus:
    """The decisions of one memory-cache generation, by id and by the hash of their text."""

    key: tuple[int, int]
    by_id: dict[str, Decision]
    texts: dict[str, str]  # text hash -> text
    ids_by_hash: dict[str, list[str]]


class DecisionSearch:
    """One per service: remembers which generation of the decision files is in the vector store."""

    def __init__(self, settings: Settings, store: IndexStore, cache: MemoryCache,
                 embedder: Callable[[], Embedder]) -> None:
        """`embedder`: the service's model, loaded on the first call (a search by words alone never needs it)."""
        self.settings = settings
        self.store = store
        self.cache = cache
        self._embedder = embedder
        self._corpus: _Corpus | None = None
        self._synced: tuple[int, int] | None = None
        self._vectors: VectorStore | None = None
        self._lock = threading.Lock()  # the HTTP server searches from a thread pool

    def search(self, query: str, limit: int, status: str | None) -> DecisionHits:
        pool = max(50, limit * 5)
        with self.cache.view("decision") as view:
            lexical = view.search_decisions(query, pool, status)
            skipped = view.problems("decision")
            if not self.settings.embed_on_index:
                return DecisionHits(lexical[:limit], note=OFF_NOTE, problems=skipped)
            corpus = self._corpus_of(view)
        if not corpus.by_id:
            return DecisionHits(lexical[:limit], problems=skipped)
        try:
            dense = self._dense(query, corpus, pool, status)
        except (ConfigError, StorageError) as e:
            log.warning("decision search falls back to words: %s", e)
            return DecisionHits(lexical[:limit], note=f"semantic search unavailable ({e}); "
                                                      "decisions matched by their words only", problems=skipped)
        lists = {"lexical": [d.id for d, _ in lexical], "dense": [i for i, _ in dense]}
        fused = fuse(lists, WEIGHTS)
        found = {d.id: d for d, _ in lexical} | {i: corpus.by_id[i] for i, _ in dense}
        # Equal scores: current decisions before closed ones, then by id (as lexical search orders).
        order = sorted(fused, key=lambda i: (-fused[i], found[i].status in CLOSED_DECISIONS, i))[:limit]
        similarity = dict(dense)
        return DecisionHits([(found[i], fused[i]) for i in order],
                            why={i: _why(i, lists, similarity) for i in order}, problems=skipped)

    def embed(self) -> int:
        """Give every decision its vector now rather than on the first search; how many were encoded."""
        if not self.settings.embed_on_index:
            return 0
        with self.cache.view("decision") as view:
            corpus = self._corpus_of(view)
        return self._in_step(corpus)[1] if corpus.by_id else 0

    # --- dense ---------------------------------------------------------------------------

    def _dense(self, query: str, corpus: _Corpus, pool: int, status: str | None) -> list[tuple[str, float]]:
        """(decision id, cosine) nearest to the query, after bringing the vector store in step."""
        vectors, _ = self._in_step(corpus)
        found = vectors.query(self._embedder().encode([query])[0], pool)
        hits = []
        for digest, similarity in found:
            if similarity < MIN_SIMILARITY:
                break  # best first
            hits += [(i, similarity) for i in corpus.ids_by_hash.get(digest, ())
                     if status is None or corpus.by_id[i].status == status]
        return hits

    def _in_step(self, corpus: _Corpus) -> tuple[VectorStore, int]:
        """The decision vector store holding exactly the corpus's texts, and how many texts were encoded for it."""
        with self._lock:
            vectors = self._vector_store(self._embedder().key)
            encoded = 0
            if self._synced != corpus.key:
                encoded = self._sync(corpus, vectors)
                self._synced = corpus.key
        return vectors, encoded

    def _sync(self, corpus: _Corpus, vectors: VectorStore) -> int:
        """Add vectors for texts the store lacks (cache first, then the model); delete unused ones.

        Returns how many texts the model encoded."""
        embedder = self._embedder()
        stored = self.store.search.stored_hashes(vectors.identity)
        if len(stored) != vectors.count():  # the vector folder was deleted or another one is used: re-add all
            stored = set()
        needed = [h for h in corpus.texts if h not in stored]
        cached = self.store.search.cached_vectors(embedder.key, needed)
        if cached:
            import numpy as np

            vectors.add(list(cached), np.vstack(list(cached.values())).astype(np.float32))
            with self.store.transaction() as writes:
                writes.record_stored(vectors.identity, cached)
        missing = [h for h in needed if h not in cached]
        for start in range(0, len(missing), _CHUNK):
            chunk = missing[start:start + _CHUNK]
            encoded = embedder.encode([corpus.texts[h] for h in chunk])
            vectors.add(chunk, encoded)
            with self.store.transaction() as writes:
                writes.cache_vectors(embedder.key, zip(chunk, encoded))
                writes.record_stored(vectors.identity, chunk)
        gone = [h for h in stored if h not in corpus.texts]
        if gone:
            vectors.delete(gone)
            with self.store.transaction() as writes:
                writes.forget_stored(vectors.identity, gone)
        if missing or gone:
            log.info("decision vectors: %d encoded, %d from cache, %d removed", len(missing), len(cached), len(gone))
        return len(missing)

    def _vector_store(self, embedder_key: str) -> VectorStore:
        if self._vectors is None:
            name = collection_name(embedder_key, self.settings.root, "decisions")
            self._vectors = VectorStore(self.settings.index_dir, name, self.settings.chroma_url)
        return self._vectors

    def _corpus_of(self, view: MemoryView) -> _Corpus:
        """The decisions and their text hashes, rebuilt only when the decision files changed."""
        # The inode tells a rebuilt cache file (whose generations restart) from the one we saw.
        key = (view.generation("decision"), os.stat(self.cache.path).st_ino)
        corpus = self._corpus
        if corpus is None or corpus.key != key:
            by_id, texts, ids_by_hash = {}, {}, {}
            for decision in view.decisions().items:  # files that do not read are left out, as in lexical search
                text = decision_text(decision)
                digest = text_hash(text)
                by_id[decision.id] = decision
                texts[digest] = text
                ids_by_hash.setdefault(digest, []).append(decision.id)
            corpus = self._corpus = _Corpus(key, by_id, texts, ids_by_hash)
        return corpus



def _why(decision_id: str, lists: dict[str, list[str]], similarity: dict[str, float]) -> str:
    parts = []
    for channel in ("lexical", "dense"):
        if decision_id in lists[channel]:
            rank = lists[channel].index(decision_id) + 1
            extra = f" (cosine {similarity[decision_id]:.2f})" if channel == "dense" else ""
            parts.append(f"{channel} #{rank}{extra}")
    return "; ".join(parts)
