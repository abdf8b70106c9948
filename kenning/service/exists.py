"""The exists query: gather candidates by structure, meaning, words and name, then judge.

Verdict rules (thresholds calibrated on benchmarks/bench_exists.py, see docs/benchmarks.md):
- "exists": the same token structure as a definition of at least EXACT_MIN_TOKENS tokens (the same
  fingerprint, or the same tokens apart from grouping parentheses), or a near copy (shingle Jaccard
  >= NEAR_EXISTS) of one of at least NEAR_MIN_TOKENS; or a description whose embedding is within
  DESCRIPTION_EXISTS cosine of a symbol's. Short definitions share shapes by coincidence (a close()
  that closes two handles), so they say at most "similar".
- "similar": a weaker near copy, a close embedding, structure and meaning close together
  (`closeness`), or a name match; a name alone never says exists.
- "none": nothing above.
Code probes order candidates by exact structure, then closeness: structure (the larger of shingle
Jaccard and `_one_edit`) plus SEMANTIC_WEIGHT x code-to-code cosine. One added statement costs a
short definition most of its shingles, though all its tokens are still there, in order, around one
inserted run: `_one_edit` scores that as len(shorter) / len(longer). The rename-proof parts of the
embedding (attributes, calls, literals) then tell the edited copy from an unrelated definition of a
similar shape. Exact clones of each other are ordered by the cosine. `_one_edit` feeds closeness
only (ordering and the "similar" bar), never "exists". Other probes order by an exact name match,
then the description's fused rank (lexical + dense), then cosine.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from kenning.errors import InvalidInput
from kenning.models import Symbol
from kenning.indexer.extract import parse_source
from kenning.indexer.fingerprint import fingerprint, shape, tokenize
from kenning.indexer.languages import language_named
from kenning.store import lexical, minhash, search_rows
from kenning.store.embedded_text import embedding_text
from kenning.service.fusion import DATA_FACTOR, DATA_KINDS, WEIGHTS, fuse

MAX_CODE_BYTES = 1_000_000
POOL = 30
EXACT_MIN_TOKENS = 20
NEAR_EXISTS = 0.8
NEAR_MIN_TOKENS = 40
NEAR_SIMILAR = 0.5
CODE_SEMANTIC_SIMILAR = 0.8
SEMANTIC_WEIGHT = 0.5  # tuned on the benchmark's tuning half; see docs/benchmarks.md
CLOSENESS_SIMILAR = 0.75
NEAR_FETCH = 0.25  # below this Jaccard a candidate's own vector is not worth fetching
DESCRIPTION_EXISTS = 0.7
DESCRIPTION_SIMILAR = 0.5


@dataclass
class _Candidate:
    sid: int
    exact: bool = False
    near: float = 0.0
    edit: float = 0.0  # `_one_edit` of the two token lists: one inserted or removed run explains the difference
    semantic: float = 0.0
    lexical_rank: int = 0
    name: bool = False
    tokens: int = 0  # the candidate's token count
    fused: float = 0.0  # RRF score of the description over lexical and dense lists
    code_probe: bool = False

    @property
    def closeness(self) -> float:
        """Structure and meaning together, for code probes (0 otherwise)."""
        return max(self.near, self.edit) + SEMANTIC_WEIGHT * self.semantic if self.code_probe else 0.0

    @property
    def structural(self) -> float:
        return 1.0 if self.exact else self.near if self.near >= NEAR_SIMILAR else 0.0

    @property
    def score(self) -> float:
        """What callers see: the strongest similarity, 0..1."""
        return max(self.structural, self.semantic)

    @property
    def order(self) -> tuple:
        if self.code_probe:
            return (self.exact, self.closeness, self.name, self.fused, self.semantic)
        return (self.structural, self.name, self.fused, self.semantic)

    def verdict(self, described: bool) -> str:
        if self.exact and self.tokens >= EXACT_MIN_TOKENS:
            return "exists"
        if self.near >= NEAR_EXISTS and self.tokens >= NEAR_MIN_TOKENS:
            return "exists"
        if described and self.semantic >= DESCRIPTION_EXISTS:
            return "exists"
        if self.near >= NEAR_SIMILAR or self.exact or self.name or self.closeness >= CLOSENESS_SIMILAR:
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


def code_vectors(ops, codes: list[str], language: str) -> list | None:
    """One batch of embeddings for several code probes (None until anything is embedded): the guard
    looks up every definition a change adds, and one encode call costs far less than one per probe."""
    if not codes or not ops.store.search.anything_embedded():
        return None
    texts = [embedding_text(*_probe(code, language)[:3]) for code in codes]
    return list(ops.search_parts.embedder.encode(texts))


def find_existing(ops, code: str | None, description: str | None, name: str | None, language: str | None,
                  limit: int, code_vector=None) -> tuple[str, list[dict[str, Any]]]:
    """`code_vector`: the probe's embedding when the caller already has it (see `code_vectors`)."""
    reads = ops.store.search
    found: dict[int, _Candidate] = {}
    rows: dict[int, Symbol] = {}  # each candidate's row, read once however many steps look at it

    def get(sid: int) -> _Candidate:
        return found.setdefault(sid, _Candidate(sid, code_probe=bool(code)))

    def symbols_of_found() -> dict[int, Symbol]:
        rows.update(reads.symbols_by_id([sid for sid in found if sid not in rows]))
        return {sid: rows[sid] for sid in found if sid in rows}

    semantic_ready = reads.anything_embedded()  # nothing embedded yet: skip the model
    if code:
        probe_signature, probe_doc, probe_words, probe_shape, probe_fp, probe_name = _probe(code, language)
        for sid in reads.ids_with_fingerprint(probe_fp):
            get(sid).exact = True
        for sid in reads.near_copies(probe_shape):
            get(sid)
        probe_vector = None
        if semantic_ready:
            probe_vector = code_vector if code_vector is not None else ops.search_parts.embedder.encode(
                [embedding_text(probe_signature, probe_doc, probe_words)])[0]
            for sid, similarity in ops.dense_hits_for_vector(probe_vector, POOL):
                candidate = get(sid)
                candidate.semantic = max(candidate.semantic, similarity)
        name = name or probe_name
        if name:
            for sid in reads.ids_named(name):
                get(sid).name = True
        # Every candidate, however found (bands, embedding, name), is compared by structure: the
        # bands miss some one-statement edits of short definitions that the embedding finds.
        _compare_structure(symbols_of_found(), found, probe_shape)
        # Structural candidates get their code-to-code cosine: it orders exact clones of each other and
        # backs up a near match (a short near match alone is often a coincidence). Those far apart in
        # structure cannot come first; fetching their vectors would only cost time.
        wanted = [sid for sid, c in found.items() if c.exact or c.name or max(c.near, c.edit) >= NEAR_FETCH]
        hashes = reads.text_hashes(wanted) if probe_vector is not None else {}
        stored = ops.search_parts.vectors.vectors(sorted(set(hashes.values()))) if hashes else {}
        for sid, digest in hashes.items():
            vector = stored.get(digest)
            if vector is not None:
                found[sid].semantic = max(found[sid].semantic, float(vector @ probe_vector))
    if description:
        lexical_hits, dense = ops.lexical_and_dense_hits(description, POOL)
        for sid, similarity in dense:
            candidate = get(sid)
            candidate.semantic = max(candidate.semantic, similarity)
        lexical_ids = [sid for sid, _ in lexical_hits]
        for rank, sid in enumerate(lexical_ids, start=1):
            candidate = get(sid)
            candidate.lexical_rank = candidate.lexical_rank or rank
        for sid, value in fuse({"lexical": lexical_ids, "dense": [sid for sid, _ in dense]}, WEIGHTS).items():
            get(sid).fused = value
    if name and not code:
        for sid in reads.ids_named(name):
            get(sid).name = True
    symbols = symbols_of_found()
    for candidate in found.values():
        if candidate.sid in symbols:
            candidate.tokens = len(symbols[candidate.sid].shape.split())
            if symbols[candidate.sid].kind in DATA_KINDS:  # a description says what code does
                candidate.fused *= DATA_FACTOR
    ranked = sorted((c for c in found.values() if c.sid in symbols), key=lambda c: c.order, reverse=True)
    # Code-only candidates below the similar bar are noise; a description's fused ranking is kept
    # (its best guesses are useful even when none is close enough for a verdict).
    judged = [(c, c.verdict(bool(description))) for c in ranked]
    judged = [(c, v) for c, v in judged if v != "none" or c.fused][:limit]
    verdicts = {v for _, v in judged}
    verdict = "exists" if "exists" in verdicts else "similar" if "similar" in verdicts else "none"
    callers = reads.caller_counts([symbols[c.sid].qualified_name for c, _ in judged])
    return verdict, [_public(c, symbols[c.sid], callers, v) for c, v in judged]


def _compare_structure(symbols: dict[int, Symbol], found: dict[int, _Candidate], probe_shape: str) -> None:
    """Near-copy Jaccard of each candidate; the same tokens apart from grouping parentheses count as
    an exact match (the fingerprint keeps them, a reformatter does not)."""
    probe_tokens = minhash.comparable_tokens(probe_shape)
    probe_shingles = minhash.comparable_shingles(probe_shape)
    for sid, symbol in symbols.items():
        candidate = found[sid]
        tokens = minhash.comparable_tokens(symbol.shape)
        if tokens == probe_tokens:
            candidate.exact = True
        candidate.near = minhash.multiset_jaccard(probe_shingles, minhash.shingle_counts(tokens))
        candidate.edit = _one_edit(probe_tokens, tokens)


def _public(c: _Candidate, symbol, callers: dict[str, int], verdict: str) -> dict[str, Any]:
    match = []
    if c.exact:
        match.append("structural-exact")
    if c.near >= NEAR_SIMILAR and not c.exact:
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


_METHOD_LANGUAGES = frozenset({"javascript", "typescript", "tsx"})
_CLASS_OPEN, _CLASS_CLOSE = b"class _ {\n", b"\n}\n"


def _probe(code: str, language: str) -> tuple[str, str, str, str, str, str]:
    """(signature, docstring, code words, shape, fingerprint, name) of the probe's main definition, the
    first three as the index keeps them for its symbols (`search_rows.for_file`)."""
    spec = language_named(language)  # resolved by the caller (probe_language.resolve)
    data = code.encode("utf-8")
    path = str(PurePosixPath("probe").with_suffix(spec.extensions[0]))
    parsed = parse_source(path, data, language)
    top = [s for s in parsed.symbols if s.parent is None]
    if parsed.parse_errors and language in _METHOD_LANGUAGES:
        # A method sent on its own (`name(args) { ... }`) is no valid top-level code here, and its nested
        # functions would stand for it: read it inside a class, as it was written.
        wrapped = parse_source(path, _CLASS_OPEN + data + _CLASS_CLOSE, language)
        if wrapped.parse_errors < parsed.parse_errors:
            data, parsed = _CLASS_OPEN + data + _CLASS_CLOSE, wrapped
            top = [s for s in parsed.symbols if s.parent == f"{parsed.module}._"]
    if top:
        main = max(top, key=lambda s: s.end_line - s.start_line)
        words = search_rows.body_words(search_rows.file_lines(data), main.start_line, main.end_line)
        return main.signature, main.docstring, words, main.shape, main.fingerprint, main.name
    # A fragment with no definition: its whole token stream is the shape.
    tokens = tokenize(data, spec.comment_style, language).tokens
    return "", "", lexical.body_terms(code), shape(tokens), fingerprint(tokens), ""


def _one_edit(a: list[str], b: list[str]) -> float:
    """len(shorter) / len(longer) when the longer is the shorter with one run of tokens inserted (a
    statement added or removed), else 0. Shingles cannot see this in a short definition: ten added
    tokens cost a 14-token function most of its shingles, though every one of its tokens is still
    there, in order."""
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    n = len(short)
    if not n:
        return 0.0
    head = 0
    while head < n and short[head] == long[head]:
        head += 1
    tail = 0
    while tail < n - head and short[-1 - tail] == long[-1 - tail]:
        tail += 1
    return n / len(long) if head + tail == n else 0.0
