"""Search quality and speed on real code nobody here wrote (standard-library packages).

Queries are the first sentences of function docstrings; the index is built from a copy of the
corpus with every docstring and comment stripped (ast.unparse), so a query cannot simply match
its own text. Reports MRR@10 and recall@1/@10 for lexical only, dense only and fused, a grid
over the fusion parameters, the embedding variants (token limit, int8) on dense-only quality,
and embedding throughput against a plain `model.encode(texts)`.

The "shipped" row ranks exactly as `search()` does (fusion.ranked_scores: the fused lists, data
definitions demoted, an exact-name query's symbol first). `--split tune` / `--split holdout` keep the
queries of one fixed half of the functions (by a hash of the qualified name), so the grid can be
read on one half and the shipped row checked on the other.

    .venv/bin/python benchmarks/bench_search.py [--packages email json ...] [--queries 400] [--split all|tune|holdout]
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import itertools
import os
import random
import re
import shutil
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

import numpy as np

from kenning.store import lexical
from kenning.store import search_tables as tables
from kenning.service import Service
from kenning.service.fusion import RRF_K, WEIGHTS, fuse, ranked_scores
from kenning.settings import Settings

STDLIB = Path(sysconfig.get_paths()["stdlib"])
DEFAULT_PACKAGES = ("email", "json", "logging", "http", "urllib", "textwrap.py", "shlex.py", "argparse.py",
                    "shutil.py", "csv.py", "fnmatch.py", "ftplib.py", "gettext.py")
_SENTENCE = re.compile(r"^(.+?[.!?])(\s|$)", re.S)


def strip_tree(source_root: Path, names: tuple[str, ...], out: Path) -> list[tuple[str, str]]:
    """Copy `names` to `out` without docstrings or comments; return (qualified name, query)."""
    queries = []
    files = []
    for name in names:
        src = source_root / name
        files += sorted(src.rglob("*.py")) if src.is_dir() else [src]
    for path in files:
        rel = path.relative_to(source_root)
        if any(part.startswith("test") for part in rel.parts):
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError):
            continue
        module = ".".join(rel.with_suffix("").parts).removesuffix(".__init__")
        _collect(tree, module, queries)
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and body:
                if isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
                        and isinstance(body[0].value.value, str):
                    node.body = body[1:] or [ast.Pass()]
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(ast.unparse(tree) + "\n")
    return queries


def _collect(tree: ast.Module, module: str, queries: list[tuple[str, str]], prefix: str = "") -> None:
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            qualified = f"{module}.{prefix}{node.name}"
            doc = ast.get_docstring(node)
            if doc and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                match = _SENTENCE.match(doc.strip())
                sentence = " ".join((match.group(1) if match else doc.split("\n\n")[0]).split())
                if len(sentence.split()) >= 4:
                    queries.append((qualified, sentence))
            if isinstance(node, ast.ClassDef):
                _collect(node, module, queries, f"{prefix}{node.name}.")  # type: ignore[arg-type]


def channel_lists(service: Service, query: str, pool: int = 50) -> dict[str, list[str]]:
    conn = service.store.conn
    lists = {
        "lexical": [sid for sid, _ in lexical.search(conn, query, pool)],
        "name": [sid for sid, _ in lexical.search(conn, query, pool, names_only=True)],
        "dense": [sid for sid, _ in service.dense_hits(query, pool)],
    }
    symbols = tables.symbols_by_id(conn, itertools.chain(*lists.values()))
    ranks = service.centrality()
    lists["central"] = sorted(symbols, key=lambda sid: -ranks.get(symbols[sid].qualified_name, 0.0))
    return {k: [symbols[s].qualified_name for s in v if s in symbols] for k, v in lists.items()}


def metrics(ranked: list[list[str]], targets: list[str]) -> dict[str, float]:
    rr, r1, r10 = [], [], []
    for names, target in zip(ranked, targets):
        top = list(dict.fromkeys(names))[:10]
        rank = top.index(target) + 1 if target in top else 0
        rr.append(1 / rank if rank else 0.0)
        r1.append(rank == 1)
        r10.append(rank > 0)
    return {"mrr@10": float(np.mean(rr)), "recall@1": float(np.mean(r1)), "recall@10": float(np.mean(r10))}


def fused(lists: dict[str, list[str]], weights: dict[str, float], k: int) -> list[str]:
    scores = fuse(lists, weights, k)  # works on any hashable ids
    return sorted(scores, key=lambda n: -scores[n])


def in_split(qualified_name: str, split: str) -> bool:
    """A fixed half of the functions for tuning, the other half held out (as in bench_exists)."""
    if split == "all":
        return True
    half = hashlib.blake2b(qualified_name.encode(), digest_size=2).digest()[0] % 2
    return half == (0 if split == "tune" else 1)


def shipped(lists: dict[str, list[str]], query: str, kinds: dict[str, str]) -> list[str]:
    """The order search() returns (same scores, on qualified names instead of ids)."""
    exact = [name for name, kind in kinds.items() if name.rsplit(".", 1)[-1] == query] if query.isidentifier() else []
    scores = ranked_scores(lists, kinds, exact)
    return sorted(scores, key=lambda n: -scores[n])


def run(packages: tuple[str, ...], n_queries: int, variants: bool, split: str = "all", keep: Path | None = None,
        rounds: int = 5, sample: int = 300, variants_only: bool = False, throughput_only: bool = False,
        **embedding: object) -> None:
    """`embedding`: settings overrides (embed_backend, embed_quantize) for the fused-search part."""
    work = keep or Path(tempfile.mkdtemp(prefix="kenning-bench-search-"))
    try:
        if keep and (keep / ".kenning").exists():  # the corpus is there: only collect the queries
            scratch = Path(tempfile.mkdtemp(prefix="kenning-bench-queries-"))
            queries = strip_tree(STDLIB, packages, scratch)
            shutil.rmtree(scratch, ignore_errors=True)
        else:
            queries = strip_tree(STDLIB, packages, work)
        random.Random(7).shuffle(queries)
        queries = [q for q in queries if in_split(q[0], split)][:n_queries]
        service = Service.from_settings(Settings.load(work, embed_on_index=False, **embedding))
        started = time.perf_counter()
        report = service.index()
        print(f"corpus: {', '.join(packages)}: {report.symbols} symbols; {len(queries)} queries ({_load()})")
        print(f"index without embeddings: {time.perf_counter() - started:.1f}s")
        if variants_only:
            _variants(service, queries, rounds, sample, quality=not throughput_only)
            return
        print(f"embedder: {service.search_parts.embedder.key} on {service.search_parts.embedder.backend}")
        started = time.perf_counter()
        result = service.embed()
        seconds = time.perf_counter() - started
        print(f"embed: {result['encoded']} texts in {seconds:.1f}s ({result['encoded'] / seconds:.0f}/s incl. model load)")
        targets = [q for q, _ in queries]
        lists = [channel_lists(service, text) for _, text in queries]
        for channel in ("lexical", "dense", "name"):
            print(f"{channel:>8} only: " + _fmt(metrics([lst[channel] for lst in lists], targets)))
        grid = []
        for k, name_w, central_w, dense_w in itertools.product((5, 10, 20, 60), (0.0, 0.3, 0.6),
                                                                (0.0, 0.1, 0.3), (0.7, 1.0, 1.5)):
            weights = {"lexical": 1.0, "dense": dense_w, "name": name_w, "central": central_w}
            grid.append((metrics([fused(lst, weights, k) for lst in lists], targets), k, weights))
        grid.sort(key=lambda g: -g[0]["mrr@10"])
        for m, k, weights in grid[:5]:
            print(f"   fused k={k} {weights}: {_fmt(m)}")

        print(f"fused lists only (k={RRF_K} {WEIGHTS}): " + _fmt(metrics([fused(lst, WEIGHTS, RRF_K) for lst in lists], targets)))
        kinds = dict(service.store.conn.execute("SELECT qualified_name, kind FROM symbols"))
        ranked = [shipped(lst, text, kinds) for lst, (_, text) in zip(lists, queries)]
        print("fused as search() ranks (data definitions demoted): " + _fmt(metrics(ranked, targets)))
        _latency(service, [text for _, text in queries])
        if variants:
            _variants(service, queries, rounds, sample)
    finally:
        if keep is None:
            shutil.rmtree(work, ignore_errors=True)


def _latency(service: Service, texts: list[str]) -> None:
    times = []
    for text in texts[:200]:
        started = time.perf_counter()
        service.search(text, limit=10)
        times.append(time.perf_counter() - started)
    print(f"search latency over {len(times)} queries: p50 {np.percentile(times, 50) * 1000:.1f} ms,"
          f" p95 {np.percentile(times, 95) * 1000:.1f} ms")


VARIANTS = (  # (backend, token limit, int8 weights); the first row is the shipped default
    ("onnx", 64, False), ("onnx", 64, True), ("torch", 64, False), ("torch", 64, True), ("onnx", 128, False),
)
SOURCE_CHARS = 700  # a symbol's code as written, up to this many characters: the naive text to embed


def _variants(service: Service, queries: list[tuple[str, str]], rounds: int, sample_size: int,
              quality: bool = True) -> None:
    """Dense-only quality of each embedding variant on every symbol text, then throughput against a plain
    `model.encode(texts)`, interleaved round by round on the same sample (the machine's load moves).

    Two baselines, both sentence-transformers' defaults (batch 32, the model's 256 tokens): plain over each
    symbol's code as written (`source_texts`: what a naive pipeline embeds, and what kenning embedded
    before its texts became words), which gives symbols/s against symbols/s; and plain over kenning's own
    texts, which isolates the encoder settings (token limit, runtime, weights) from the text recipe."""
    from kenning.embedding.encoder import Embedder

    rows = service.store.conn.execute(
        "SELECT s.qualified_name, t.text, f.path, s.start_line, s.end_line FROM symbols s"
        " JOIN symbol_texts t ON t.symbol_id = s.id JOIN files f ON f.id = s.file_id").fetchall()
    names = [r[0] for r in rows]
    texts = [r[1] for r in rows]
    targets = [q for q, _ in queries]
    embedders = {variant: Embedder(max_tokens=variant[1], quantize=variant[2], backend=variant[0])
                 for variant in VARIANTS}
    for variant, embedder in embedders.items() if quality else ():
        vectors = embedder.encode(texts)  # the first call loads (and on first use exports) the model
        queries_v = embedder.encode([q for _, q in queries])
        order = np.argsort(-(queries_v @ vectors.T), axis=1)[:, :10]
        m = metrics([[names[i] for i in row] for row in order], targets)
        print(f"quality {_label(variant)}: dense-only {_fmt(m)}", flush=True)
    plain_model = Embedder(max_tokens=256, backend="torch")._load().model
    picked = random.Random(3).sample(range(len(rows)), min(sample_size, len(rows)))
    sample = [texts[i] for i in picked]
    sources = source_texts(service.root, [rows[i][2:] for i in picked])
    runs = {"plain, code as written": lambda: plain_model.encode(sources),
            "plain, kenning's texts": lambda: plain_model.encode(sample)}
    runs |= {_label(v): (lambda e=e: e.encode(sample)) for v, e in embedders.items()}
    rates: dict[str, list[float]] = {label: [] for label in runs}
    shuffle = random.Random(11)
    for round_no in range(rounds):
        order = list(runs)
        shuffle.shuffle(order)  # a load swing during a round must not always favour the same variant
        for label in order:
            started = time.perf_counter()
            runs[label]()
            rates[label].append(len(sample) / (time.perf_counter() - started))
        print(f"round {round_no + 1} ({_load()}): "
              + "; ".join(f"{label} {rates[label][-1]:.0f}/s" for label in runs), flush=True)
    for baseline in ("plain, code as written", "plain, kenning's texts"):
        print(f"{baseline}: median {np.median(rates[baseline]):.0f} texts/s on {len(sample)} symbols")
        for label in list(runs)[2:]:
            ratios = [rate / base for rate, base in zip(rates[label], rates[baseline])]
            print(f"  throughput {label}: median {np.median(ratios):.2f}x (rounds: "
                  + ", ".join(f"{r:.2f}" for r in ratios) + ")")
    _one_text_latency(embedders, [q for _, q in queries][:60], [t for t in texts if len(t) > 250][:60])


def source_texts(root: Path, spans: list[tuple[str, int, int]]) -> list[str]:
    """Each symbol's code as written (signature, docstring, body), whitespace collapsed, cut at SOURCE_CHARS."""
    out = []
    for path, start, end in spans:
        lines = (root / path).read_text(errors="replace").splitlines()[start - 1:min(end, start + 39)]
        out.append(" ".join(" ".join(lines).split())[:SOURCE_CHARS])
    return out


def _one_text_latency(embedders: dict, queries: list[str], codes: list[str]) -> None:
    """What a search or exists pays to embed its one text; variants interleaved text by text."""
    times: dict[tuple[str, str], list[float]] = {}
    for query, code in zip(queries, codes):
        for variant, embedder in embedders.items():
            for kind, text in (("query", query), ("code", code)):
                started = time.perf_counter()
                embedder.encode([text])
                times.setdefault((_label(variant), kind), []).append(time.perf_counter() - started)
    print(f"one-text latency ({_load()}):")
    for (label, kind), values in times.items():
        print(f"  {label} {kind}: median {np.median(values) * 1000:.1f} ms over {len(values)}")


def _label(variant: tuple[str, int, bool]) -> str:
    backend, tokens, int8 = variant
    return f"{backend} {tokens} tokens {'int8' if int8 else 'fp32'}"


def _load() -> str:
    return "load " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def _fmt(m: dict[str, float]) -> str:
    return "  ".join(f"{k} {v:.3f}" for k, v in m.items())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--packages", nargs="*", default=list(DEFAULT_PACKAGES))
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--no-variants", action="store_true")
    parser.add_argument("--split", choices=("all", "tune", "holdout"), default="all",
                        help="queries of one fixed half of the functions (tune) or the other (holdout)")
    parser.add_argument("--keep", type=Path, help="build (or reuse) the stripped, indexed corpus here")
    parser.add_argument("--variants-only", action="store_true", help="skip the fusion grid and latency")
    parser.add_argument("--throughput-only", action="store_true", help="with --variants-only: skip their quality")
    parser.add_argument("--rounds", type=int, default=5, help="throughput rounds, each in a shuffled order")
    parser.add_argument("--sample", type=int, default=300, help="texts encoded per variant per round")
    parser.add_argument("--backend", choices=("onnx", "torch"), help="embed_backend for the fused search part")
    parser.add_argument("--int8", action=argparse.BooleanOptionalAction, help="embed_quantize for that part")
    args = parser.parse_args()
    run(tuple(args.packages), args.queries, not args.no_variants, args.split, args.keep, args.rounds, args.sample,
        args.variants_only, args.throughput_only, embed_backend=args.backend, embed_quantize=args.int8)
    sys.exit(0)
