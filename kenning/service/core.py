"""Service: every operation kenning offers, over one project root."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kenning.errors import Ambiguous, InvalidInput, NotFound
from kenning.indexer import graph as graphs
from kenning.indexer.centrality import pagerank_ranks
from kenning.store.audit import AuditLog
from kenning.store.index_store import IndexStore
from kenning.models import IndexReport, Reference, Symbol
from kenning.service.context import ContextOps
from kenning.service.freshness import FreshnessOps
from kenning.service.guard import GuardOps
from kenning.service.indexing import Progress, run_index
from kenning.service.memory_ops import MemoryOps
from kenning.service.rules_ops import RulesOps
from kenning.service.search import SearchOps
from kenning.service.search_preparation import LazyParts
from kenning.settings import Settings

if TYPE_CHECKING:  # networkx loads on the first graph query, not with every command
    import networkx as nx

    from kenning.embedding.encoder import Embedder

log = logging.getLogger(__name__)

MAX_NAME_LENGTH = 1_000
SIDE_THREADS = 4  # a server answers several searches at once; each needs one for its lexical query


@dataclass(frozen=True, slots=True)
class Use:
    """A reference seen from the other end: who uses a symbol, or what it uses."""

    symbol: str | None  # the user (for callers) or the used (for callees)
    path: str
    line: int
    kind: str
    text: str
    confidence: float


# From this many symbols on, a re-index refreshes centrality in the background (seconds of work)
# while answers use the previous ranks; smaller projects recompute at once (milliseconds).
BACKGROUND_RANKS_SYMBOLS = 20_000


@dataclass(frozen=True, slots=True)
class _Cached:
    generation: str | None = None
    value: Any = None
    symbols: int = 0


class Service(FreshnessOps, ContextOps, SearchOps, MemoryOps, RulesOps, GuardOps):
    def __init__(self, settings: Settings, store: IndexStore, audit: AuditLog | None = None,
                 embedder: Embedder | None = None) -> None:
        """`embedder`: a model already loaded with these settings' model options, to share (tests do)."""
        self.settings = settings
        self.store = store
        self.audit = audit or AuditLog(store.index_dir)
        self._search_parts = LazyParts(settings, embedder)
        self._graph = _Cached()
        self._graph_lock = threading.Lock()
        self._ranks = _Cached()
        self._ranks_lock = threading.Lock()  # one computation at a time; the others reuse its result
        self._ranks_refreshing = threading.Event()
        # Rule checks, per index generation (RulesOps): the edges, and the violations of one rule set.
        self._edges_cache: tuple[str, list] | None = None
        self._edges_lock = threading.Lock()
        self._violations_cache: tuple[tuple, list] | None = None
        self._rules_lock = threading.Lock()
        self._side_threads: ThreadPoolExecutor | None = None
        self._side_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, embedder: Embedder | None = None) -> "Service":
        return cls(settings, IndexStore(settings.index_dir), embedder=embedder)

    @classmethod
    def for_reading(cls, settings: Settings) -> "Service":
        """A service over an index that exists; NotFound (and nothing written) for a root never indexed,
        so a command that only reads creates no files."""
        if not IndexStore.exists_at(settings.index_dir):
            raise NotFound(f"{settings.root} has no index yet: run `kenning index` there first")
        return cls.from_settings(settings)

    @property
    def root(self):
        return self.settings.root

    def close(self) -> None:
        with self._side_lock:
            if self._side_threads is not None:
                self._side_threads.shutdown(wait=True)
                self._side_threads = None
        self.audit.close()
        self.store.close()

    @property
    def side_threads(self) -> ThreadPoolExecutor:
        """Threads for work that overlaps the caller's (search's lexical query beside the embedding),
        made on first use; each keeps its own SQLite connection."""
        with self._side_lock:
            if self._side_threads is None:
                self._side_threads = ThreadPoolExecutor(SIDE_THREADS, thread_name_prefix="kenning-side")
            return self._side_threads

    # -- indexing ----------------------------------------------------------------------------

    def index(self, progress: Progress | None = None, lock_timeout: float = 300) -> IndexReport:
        """Index incrementally; waits up to `lock_timeout` seconds for another writer (IndexBusy after)."""
        return run_index(self.settings, self.store, progress, lock_timeout, self._search_parts)

    def status(self) -> dict:
        """Counts, how much is embedded, how fresh the index is, and when it was last written."""
        counts = self.store.counts()
        state = self.index_state()
        last = self.store.get_meta("last_indexed_at")
        return {**counts, "embedded": state["embedded"], "stale_files": state["stale_files"],
                "indexing": state["indexing"], "last_indexed_at": float(last) if last else None,
                "root": str(self.root)}

    # -- symbols -----------------------------------------------------------------------------

    def find_symbols(self, name: str) -> list[Symbol]:
        """Symbols matching a short name, a qualified name or any dotted suffix of one."""
        name = _check_name(name)
        found = self.store.symbols_named(name)
        if not found:
            raise NotFound(f"no symbol named {name!r} in the index of {self.root}; search for it by what it does, "
                           "or re-index if it is new")
        return found

    def symbol(self, name: str) -> Symbol:
        """Exactly one symbol; an ambiguous name lists its candidates."""
        found = self.find_symbols(name)
        if len(found) > 1:
            names = sorted({s.qualified_name for s in found})
            if len(names) == 1:
                return found[0]
            raise Ambiguous(
                f"{name!r} matches {len(names)} symbols; use a qualified name: {', '.join(names[:20])}", names
            )
        return found[0]

    def callers(self, name: str) -> dict[str, list[Use]]:
        """Who uses each symbol matching `name` (calls, imports, subclasses, type uses)."""
        result = {}
        for qualified in _distinct(self.find_symbols(name)):
            refs = self.store.references_to([qualified])
            result[qualified] = [_use(r, r.source) for r in refs]
        return result

    def callees(self, name: str) -> dict[str, list[Use]]:
        """What each symbol matching `name` uses; unresolved uses are kept with their text."""
        result = {}
        for qualified in _distinct(self.find_symbols(name)):
            refs = self.store.references_from([qualified])
            result[qualified] = [_use(r, r.target) for r in refs]
        return result

    def impact(self, name: str, max_depth: int | None = None) -> dict[str, dict[str, int]]:
        """Everything that depends on each match of `name`, transitively, with distance."""
        if max_depth is not None and max_depth < 1:
            raise InvalidInput("depth must be at least 1")
        graph = self.dependency_graph()
        return {q: graphs.impact(graph, [q], max_depth) for q in _distinct(self.find_symbols(name))}

    def repo_map(self, budget_tokens: int = 1_024) -> tuple[str, list[graphs.MapEntry]]:
        if budget_tokens < 16:
            raise InvalidInput("the map budget must be at least 16 tokens")
        return graphs.repo_map(self.store.all_symbols(), self.centrality(), budget_tokens)

    def dependency_graph(self) -> nx.MultiDiGraph:
        """The graph for the current index (impact, neighbourhoods), rebuilt only when the index changed."""
        generation = self._index_generation()
        with self._graph_lock:
            if self._graph.generation != generation or self._graph.value is None:
                built = graphs.build_graph(self.store.all_symbols(), self.store.resolved_edges())
                self._graph = _Cached(generation, built)
            return self._graph.value

    def centrality(self) -> dict[str, float]:
        """PageRank of every symbol for the current index (search and the repo map rank by it)."""
        generation = self._index_generation()
        cached = self._ranks
        if cached.generation == generation:
            return cached.value
        if cached.value is not None and cached.symbols >= BACKGROUND_RANKS_SYMBOLS:
            # A large index just changed: 20 readers must not wait seconds for a ranking prior that
            # moves little per re-index. Answer with the previous ranks; one thread refreshes them.
            if not self._ranks_refreshing.is_set():
                self._ranks_refreshing.set()
                threading.Thread(target=self._refresh_ranks, args=(generation,), name="kenning-ranks",
                                 daemon=True).start()
            return cached.value
        return self._compute_ranks(generation)

    def _compute_ranks(self, generation: str) -> dict[str, float]:
        with self._ranks_lock:
            if self._ranks.generation != generation:
                symbols = self.store.symbol_paths()
                self._ranks = _Cached(generation, pagerank_ranks(symbols, self.store.resolved_edges()), len(symbols))
            return self._ranks.value

    def _refresh_ranks(self, generation: str) -> None:
        try:
            self._compute_ranks(generation)
        except Exception:  # the previous ranks stay in use; the next change tries again
            log.exception("refreshing symbol centrality failed")
        finally:
            self._ranks_refreshing.clear()
            self.store.close()  # this thread's connection

    def _index_generation(self) -> str:
        # Every index run ends by stamping last_indexed_at; the newest reference's id also catches a run
        # that wrote references and died before its stamp. (Counting edges took 5 ms per search at 54k.)
        return f"{self.store.get_meta('last_indexed_at')}:{self.store.newest_reference_id()}"


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput("a symbol name is required")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(f"a symbol name is at most {MAX_NAME_LENGTH} characters")
    return name


def _distinct(symbols: list[Symbol]) -> list[str]:
    return list(dict.fromkeys(s.qualified_name for s in symbols))


def _use(ref: Reference, symbol: str | None) -> Use:
    return Use(symbol=symbol, path=ref.path, line=ref.line, kind=ref.kind, text=ref.text, confidence=ref.confidence)
