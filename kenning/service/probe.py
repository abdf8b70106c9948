"""The exists query: gather candidates by structure, meaning, words and name, then judge.

Verdict rules (thresholds calibrated on benchmarks/bench_exists.py, see docs/benchmarks.md):
- "exists": the same token structure (fingerprint) as a definition of at least EXACT_MIN_TOKENS
  tokens, or a near copy (shingle Jaccard >= NEAR_EXISTS) of one of at least NEAR_MIN_TOKENS; or a
  description whose embedding is within DESCRIPTION_EXISTS cosine of a symbol's. Short
  definitions share shapes by coincidence (a close() that closes two handles), so they say at
  most "similar".
- "similar": a weaker near copy, a close embedding, or a name match; a name alone never says exists.
- "none": nothing above.
Candidates are ordered by structural strength, then an exact name match, then the fused rank of the
description (lexical + dense), then embedding cosine (which separates exact clones of each other).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from kenning.errors import InvalidInput
from kenning.indexer.extract import parse_source
from kenning.indexer.fingerprint import fingerprint, shape, tokenize
from kenning.indexer.languages import LANGUAGES
from kenning.memory import lexical, minhash
from kenning.memory import search_tables as tables
from kenning.memory.embeddings import embedding_text
from kenning.service.fusion import WEIGHTS, fuse

MAX_CODE_BYTES = 1_000_000
POOL = 30
EXACT_MIN_TOKENS = 20
NEAR_EXISTS = 0.8
NEAR_MIN_TOKENS = 40
NEAR_SIMILAR = 0.5
CODE_SEMANTIC_SIMILAR = 0.8
DESCRIPTION_EXISTS = 0.7
DESCRIPTION_SIMILAR = 0.5


@dataclass
class _Candidate:
    sid: int
    exact: bool = False
    near: float = 0.0
    semantic: float = 0.0
    lexical_rank: int = 0
    name: bool = False
    tokens: int = 0  # the candidate's token count
    fused: float = 0.0  # RRF score of the description over lexical and dense lists

    @property
    def structural(self) -> float:
        return 1.0 if self.exact else self.near if self.near >= NEAR_SIMILAR else 0.0

    @property
    def score(self) -> float:
        """What callers see: the strongest similarity, 0..1."""
        return max(self.structural, self.semantic)

    @property
    def order(self) -> tuple:
        return (self.structural, self.name, self.fused, self.semantic)

    def verdict(self, described: bool) -> str:
        if self.exact and self.tokens >= EXACT_MIN_TOKENS:
            return "exists"
        if self.near >= NEAR_EXISTS and self.tokens >= NEAR_MIN_TOKENS:
            return "exists"
        if described and self.semantic >= DESCRIPTION_EXISTS:
            return "exists"
        if self.near >= NEAR_SIMILAR or self.exact or self.name:
            return "similar"
        if self.semantic >= (DESCRIPTION_SIMILAR if described else CODE_SEMANTIC_SIMILAR):
            return "similar"
        return "none"


def check_code(code: str | bytes | None) -> str | None:
    if code is None:
        return None
    if isinstance(code, bytes):
        if len(code) > MAX_CODE_BYTES:
            raise InvalidInput(f"code is at most {MAX_CODE_BYTES // 1_000_000} MB; send one definition")
        if b"\x00" in code:
            raise InvalidInput("code must be source text, not binary data")
        try:
            code = code.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput("code must be UTF-8 source text, not binary data") from None
    if len(code.encode("utf-8", errors="replace")) > MAX_CODE_BYTES:
        raise InvalidInput(f"code is at most {MAX_CODE_BYTES // 1_000_000} MB; send one definition")
    if "\x00" in code:
        raise InvalidInput("code must be source text, not binary data")
    return code if code.strip() else None


def code_vectors(ops, codes: list[str], language: str | None) -> list | None:
    """One batch of embeddings for several code probes (None until anything is embedded): the guard
    looks up every definition a change adds, and one encode call costs far less than one per probe."""
    if not codes or tables.search_counts(ops.store.conn)[1] == 0:
        return None
    texts = [embedding_text(*_probe(code, language)[:3]) for code in codes]
    return list(ops.search_parts.embedder.encode(texts))


def find_existing(ops, code: str | None, description: str | None, name: str | None, language: str | None,
                  limit: int, code_vector=None) -> tuple[str, list[dict[str, Any]]]:
    """`code_vector`: the probe's embedding when the caller already has it (see `code_vectors`)."""
    conn = ops.store.conn
    found: dict[int, _Candidate] = {}

    def get(sid: int) -> _Candidate:
        return found.setdefault(sid, _Candidate(sid))

    semantic_ready = tables.search_counts(conn)[1] > 0  # nothing embedded yet: skip the model
    if code:
        probe_signature, probe_doc, probe_body, probe_shape, probe_fp, probe_name = _probe(code, language)
        for sid in tables.ids_with_fingerprint(conn, probe_fp):
            get(sid).exact = True
        probe_shingles = minhash.shingles(probe_shape)
        near_ids = minhash.candidates(conn, probe_shape)
        shapes = tables.symbols_by_id(conn, near_ids)
        for sid, symbol in shapes.items():
            score = minhash.jaccard(probe_shingles, minhash.shingles(symbol.shape))
            if score >= NEAR_SIMILAR:
                get(sid).near = score
        probe_vector = None
        if semantic_ready:
            probe_vector = code_vector if code_vector is not None else ops.search_parts.embedder.encode(
                [embedding_text(probe_signature, probe_doc, probe_body)])[0]
            for sid, similarity in ops.dense_hits_for_vector(probe_vector, POOL):
                candidate = get(sid)
                candidate.semantic = max(candidate.semantic, similarity)
        name = name or probe_name
        # Every structural candidate gets its code-to-code cosine: it orders exact clones of each
        # other and backs up a near match (a short near match alone is often a coincidence).
        hashes = tables.text_hashes(conn, list(found)) if probe_vector is not None else {}
        stored = ops.search_parts.vectors.vectors(sorted(set(hashes.values()))) if hashes else {}
        for candidate in found.values():
            vector = stored.get(hashes.get(candidate.sid, ""))
            if vector is not None:
                candidate.semantic = max(candidate.semantic, float(vector @ probe_vector))
    if description:
        dense = ops.dense_hits(description, POOL) if semantic_ready else []
        for sid, similarity in dense:
            candidate = get(sid)
            candidate.semantic = max(candidate.semantic, similarity)
        lexical_ids = [sid for sid, _ in lexical.search(conn, description, POOL)]
        for rank, sid in enumerate(lexical_ids, start=1):
            candidate = get(sid)
            candidate.lexical_rank = candidate.lexical_rank or rank
        for sid, value in fuse({"lexical": lexical_ids, "dense": [sid for sid, _ in dense]}, WEIGHTS).items():
            get(sid).fused = value
    if name:
        for sid in tables.ids_named(conn, name):
            get(sid).name = True
    symbols = tables.symbols_by_id(conn, found)
    for candidate in found.values():
        if candidate.sid in symbols:
            candidate.tokens = len(symbols[candidate.sid].shape.split())
    ranked = sorted((c for c in found.values() if c.sid in symbols), key=lambda c: c.order, reverse=True)
    # Code-only candidates below the similar bar are noise; a description's fused ranking is kept
    # (its best guesses are useful even when none is close enough for a verdict).
    ranked = [c for c in ranked if c.verdict(bool(description)) != "none" or c.fused][:limit]
    verdicts = [c.verdict(bool(description)) for c in ranked]
    verdict = "exists" if "exists" in verdicts else "similar" if "similar" in verdicts else "none"
    callers = tables.caller_counts(conn, [symbols[c.sid].qualified_name for c in ranked])
    return verdict, [_public(c, symbols[c.sid], callers, v) for c, v in zip(ranked, verdicts)]


def _public(c: _Candidate, symbol, callers: dict[str, int], verdict: str) -> dict[str, Any]:
    match = []
    if c.exact:
        match.append("structural-exact")
    if c.near and not c.exact:
        match.append("structural-near")
    if c.semantic:
        match.append("semantic")
    if c.lexical_rank:
        match.append("lexical")
    if c.name:
        match.append("name")
    # Each candidate's own verdict lets a caller that drops some candidates (the guard drops the code's own
    # earlier version) judge what is left.
    return symbol.public() | {"score": round(c.score, 4), "match": match, "verdict": verdict,
                              "callers": callers.get(symbol.qualified_name, 0)}


def _probe(code: str, language: str | None) -> tuple[str, str, str, str, str, str]:
    """(signature, docstring, body, shape, fingerprint, name) of the probe's main definition."""
    language = language or "python"
    spec = next((s for s in LANGUAGES if s.name == language), None)
    if spec is None:
        raise InvalidInput(f"unknown language {language!r}; use one of {', '.join(s.name for s in LANGUAGES)}")
    data = code.encode("utf-8")
    parsed = parse_source(str(PurePosixPath("probe").with_suffix(spec.extensions[0])), data, language)
    top = [s for s in parsed.symbols if s.parent is None]
    if top:
        main = max(top, key=lambda s: s.end_line - s.start_line)
        lines = code.splitlines()
        body = "\n".join(lines[main.start_line:min(main.end_line, main.start_line + 40)])
        return main.signature, main.docstring, body, main.shape, main.fingerprint, main.name
    # A fragment with no definition: its whole token stream is the shape.
    tokens = tokenize(data, spec.comment_style).tokens
    return "", "", code, shape(tokens), fingerprint(tokens), ""
