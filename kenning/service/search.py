"""Search and "does this already exist?": the operations Service gets from this mixin.

search fuses ranked lists by reciprocal rank fusion: lexical (FTS5 bm25 over names, split
identifiers, signatures, docstrings and body words), dense (cosine in Chroma) and, as a weak
prior, graph centrality (fusion.py has the tuned weights); a query that is exactly a symbol's
name (or a dotted path to it) puts that definition first, ahead of tests. Files are results too (kind
"module": path, module doc, top-level names; indexer/module_units.py), and results come one per file
(result_grouping.py).
"""

from __future__ import annotations

from typing import Any

from kenning.errors import InvalidInput, NotFound
from kenning.store import audit
from kenning.store.index_store import writer_lock
from kenning.models import SYMBOL_KINDS
from kenning.service import exists as probes
from kenning.service import exists_language as probe_language
from kenning.service import result_grouping as results
from kenning.service.freshness import not_searchable
from kenning.service.fusion import ranked_scores
from kenning.service.search_preparation import SearchParts, embed_pending, prepare_texts

MAX_QUERY_CHARS = 2_000
MAX_LIMIT = 100
# Candidates asked of each list, whatever the limit: a pool that grew with `limit` reordered the top
# (the top 10 of limit=10 and of limit=100 differed for most queries; docs/benchmarks.md).
CANDIDATES = 100
UNIT_CANDIDATES = 30  # files as units; 30 and 100 gave the same tune-half ranking (bench_repo_search), 30 is cheaper


class SearchOps:
    """Mixed into Service, which provides `settings`, `store`, `freshness()` and `centrality()`."""

    @property
    def search_parts(self) -> SearchParts:
        return self._search_parts()  # type: ignore[attr-defined]  # made in Service.__init__

    # -- embedding ---------------------------------------------------------------------------

    def embed(self, progress=None) -> dict[str, int]:
        """Embed every symbol that has no vector yet (after `kenning index` with embedding deferred), and
        every decision, so the first decision search need not."""
        with writer_lock(self.store.index_dir, 300):
            prepare_texts(self.settings, self.store)
            encoded = embed_pending(self.store, self.search_parts, progress)
        decisions = self.decision_search.embed()  # type: ignore[attr-defined]  # MemoryOps
        return {"encoded": encoded, "decisions_encoded": decisions, **self.index_state()}

    def index_state(self) -> dict[str, Any]:
        symbols, embedded = self.store.search_counts()
        fresh = self.freshness()  # type: ignore[attr-defined]
        state = {"symbols": symbols, "embedded": embedded, "stale_files": fresh["stale_files"],
                 "indexing": fresh["indexing"]}
        if fresh["indexing"]:
            state["not_searchable"] = not_searchable(fresh["stale_files"], fresh["stale_paths"], symbols - embedded)
        return state

    # -- search ------------------------------------------------------------------------------

    def search(self, query: str, limit: int = 10, kind: str | None = None, path_prefix: str | None = None,
               language: str | None = None, group: bool = True) -> dict[str, Any]:
        """The best `limit` matches; with `group`, one result per file (result_grouping.by_file)."""
        query = _check_text(query, "a search query")
        limit = _check_limit(limit)
        if kind is not None and kind not in SYMBOL_KINDS:
            raise InvalidInput(f"unknown kind {kind!r}; use one of {', '.join(SYMBOL_KINDS)}")
        lexical_hits, dense = self.lexical_and_dense_hits(query, CANDIDATES)
        lists = {"lexical": [sid for sid, _ in lexical_hits], "dense": [sid for sid, _ in dense]}
        similarity = dict(dense)
        parts = results.name_query(query)
        named = self.store.search.ids_named(parts[-1]) if parts else []
        symbols = self.store.search.symbols_by_id([*named, *lists["lexical"], *lists["dense"]], kind, path_prefix, language)
        if kind in (None, "module"):  # files as results, keyed apart from symbol ids by their sign
            ranked = [fid for fid, _ in self.store.search.lexical_units(query, UNIT_CANDIDATES)]
            units = self.store.search.units_by_id(ranked, path_prefix, language)
            lists["module"] = [-fid for fid in ranked if fid in units]
            symbols.update((-fid, unit) for fid, unit in units.items())
        exact = results.named_definitions(parts, {sid: symbols[sid] for sid in named if sid in symbols}) if parts else []
        ranks = self._centrality()
        lists["central"] = sorted(symbols, key=lambda sid: -ranks.get(symbols[sid].qualified_name, 0.0))
        tests = [sid for sid, symbol in symbols.items() if results.is_test_path(symbol.path)]
        fused = ranked_scores(lists, {sid: symbol.kind for sid, symbol in symbols.items()}, exact, tests=tests)
        order = sorted((sid for sid in fused if sid in symbols), key=lambda sid: -fused[sid])

        def result(sid: int) -> dict[str, Any]:
            why = _why(sid, lists, similarity, sid in exact)
            return symbols[sid].public() | {"score": round(fused[sid], 5), "why": why}

        if not group:
            return {"results": [result(sid) for sid in order[:limit]], "index": self.index_state()}
        found = [result(best) | {"also": [_also(symbols[sid], fused[sid]) for sid in also], "copies": copies}
                 for best, also, copies in results.by_file(order, symbols, limit)]
        return {"results": found, "index": self.index_state()}

    def lexical_and_dense_hits(self, text: str, limit: int) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
        """(lexical hits, dense hits) for `text`. The lexical query runs on a side thread while this
        one embeds `text` and asks the vector store: SQLite and ONNX Runtime both release the GIL, so
        on two cores the two overlap (docs/benchmarks.md, "Search latency")."""
        if not self.store.search.anything_embedded():
            return self.store.search.lexical(text, limit), []
        lexical_hits = self.side_threads.submit(self._lexical_hits, text, limit)  # type: ignore[attr-defined]
        dense = self.dense_hits(text, limit, one_thread=True)
        return lexical_hits.result(), dense

    def _lexical_hits(self, text: str, limit: int) -> list[tuple[int, float]]:
        return self.store.search.lexical(text, limit)  # the side thread's own connection

    def dense_hits(self, text: str, limit: int, one_thread: bool = False) -> list[tuple[int, float]]:
        """(symbol id, cosine) nearest to `text`; empty until something is embedded. `one_thread`: see
        `Embedder.encode`."""
        if not self.store.search.anything_embedded():
            return []
        parts = self.search_parts
        vector = parts.embedder.encode([text], one_thread=one_thread)[0]
        return self.dense_hits_for_vector(vector, limit)

    def dense_hits_for_vector(self, vector, limit: int) -> list[tuple[int, float]]:
        found = self.search_parts.vectors.query(vector, limit)
        ids = self.store.search.embedded_ids_by_hash([h for h, _ in found])
        return [(sid, sim) for h, sim in found for sid in ids.get(h, ())]

    def _centrality(self) -> dict[str, float]:
        return self.centrality()  # type: ignore[attr-defined]

    # -- exists ------------------------------------------------------------------------------

    def exists(self, code: str | None = None, description: str | None = None, name: str | None = None,
               language: str | None = None, limit: int = 5, path: str | None = None) -> dict[str, Any]:
        """Whether code like this is already in the project: verdict, candidates, index state.

        The code's language is `language`, else the one `path` (the file the code is meant for) implies,
        else inferred from the project's languages (`language_inferred` in the answer says so). While an
        index run is under way a "none" is "unknown", and a note says what is not searchable yet."""
        limit = _check_limit(limit)
        code = probes.check_code(code)
        description = _check_text(description, "a description") if description is not None and description.strip() else None
        name = name.strip() if name and name.strip() else None
        if not (code or description or name):
            raise InvalidInput("exists needs at least one of code, description or name")
        index = self.index_state()  # before the lookup: a run that ends during it must not go unmentioned
        chosen = probe_language.resolve(language, path, code, self.store.language_counts)
        verdict, candidates = probes.find_existing(self, code, description, name, chosen.name, limit)
        answer: dict[str, Any] = {}
        if index["indexing"]:
            # Found nothing in an index still being written is no evidence that nothing exists.
            verdict = "unknown" if verdict == "none" else verdict
            answer["note"] = (f"{index['not_searchable']}: " + (
                "nothing found in what is searchable so far, which is not a 'none'" if verdict == "unknown"
                else "more candidates may appear") + "; ask again when index.indexing is false")
        probe = {"name": name, "description": description, "language": chosen.name,
                 "code_lines": code.count("\n") + 1 if code else 0}
        query_id = self.audit.record_query(probe, verdict, [  # type: ignore[attr-defined]
            {k: c[k] for k in ("qualified_name", "path", "score", "match")} for c in candidates
        ])
        return {"query_id": query_id, "verdict": verdict, "language": chosen.name,
                "language_inferred": chosen.inferred, "candidates": candidates, **answer, "index": index}

    def record_choice(self, query_id: str, choice: str, reason: str | None = None) -> dict[str, Any]:
        if choice not in audit.CHOICES:
            raise InvalidInput(f"choice must be one of {', '.join(audit.CHOICES)}")
        reason = (reason or "").strip()
        if choice == "wrote_new" and not reason:
            raise InvalidInput("a reason is required when writing new code despite an exists answer")
        if not self.audit.record_choice(query_id, choice, reason):  # type: ignore[attr-defined]
            raise NotFound(f"no exists answer with query id {query_id!r}")
        return {"query_id": query_id, "choice": choice, "reason": reason}

    def search_stats(self) -> dict[str, Any]:
        return self.audit.stats()  # type: ignore[attr-defined]


def _also(symbol, score: float) -> dict[str, Any]:
    """Another matching symbol of a result's file, in brief."""
    return {"qualified_name": symbol.qualified_name, "kind": symbol.kind, "start_line": symbol.start_line,
            "end_line": symbol.end_line, "score": round(score, 5)}


def _why(sid: int, lists: dict[str, list[int]], similarity: dict[int, float], exact: bool) -> str:
    parts = ["exact name"] if exact else []
    for channel in ("lexical", "dense", "module"):
        if sid in lists.get(channel, ()):
            rank = lists[channel].index(sid) + 1
            extra = f" (cosine {similarity[sid]:.2f})" if channel == "dense" else ""
            parts.append(f"{channel} #{rank}{extra}")
    return "; ".join(parts) or "central"


def _check_text(text: str | None, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput(f"{what} must not be empty")
    if len(text) > MAX_QUERY_CHARS:
        raise InvalidInput(f"{what} is at most {MAX_QUERY_CHARS} characters")
    if "\x00" in text:
        raise InvalidInput(f"{what} must be text, not binary data")
    return text


def _check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}")
    return limit
