"""Repository-level search quality: 21 real repositories in 8 languages (repo_corpora.py), each indexed
from a copy with every comment and docstring blanked out, asked the first sentence of its module,
class and function docs and the names of its definitions.

A query's targets are files (module questions) or definition spans; a result hits a target when its
path matches and, for a span, one of its lines (its own or those of the symbols grouped with it) falls
inside the span; a `copies` location (the same code elsewhere) counts too. Scores: nDCG@10 (binary
gain, each target counted once, ideal DCG from the number of targets; for results grouped by file, see
`scores`), MRR@10 and recall@10, as the mean of per-repository means, for search() as shipped and for
its lexical-only and dense-only lists; per language and per query kind; distinct files per top 10; and
whether the top 10 is the same for limit = 10, 50 and 100.

Repositories are split into a tune half and a held-out half (repo_corpora.CORPORA, fixed). Indexes
are cached per repository under --cache, keyed by kenning's derived-index versions; a new key starts
from the last index of the same repository, so only changed rows are rebuilt and no text is embedded
twice (the embedding cache travels with it).

    .venv/bin/python benchmarks/bench_repo_search.py [--split tune|holdout|all] [--repos attrs clap]
        [--languages go rust] [--max-queries-per-repo 100] [--cache /tmp/kenning-bench-repos] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from statistics import mean, median

from bench_search import _load
from repo_corpora import CORPORA, QUERY_KINDS, STRIP_VERSION, Corpus, MissingCorpus, Query, prepare, sample

from kenning.indexer.extract import EXTRACTOR_VERSION
from kenning.store import lexical
from kenning.store import search_tables as tables
from kenning.store.schema import SCHEMA_VERSION
from kenning.store.search_rows import ROWS_VERSION
from kenning.service import Service
from kenning.settings import Settings

TOP = 10
POOL = 100  # results asked of each single list
RANKINGS = ("fused", "lexical", "dense")


def code_version() -> str:
    return f"x{EXTRACTOR_VERSION}-r{ROWS_VERSION}-s{SCHEMA_VERSION}-q{STRIP_VERSION}"


def indexed(corpus: Corpus, stripped: Path, cache: Path) -> Service:
    root = cache / f"index-{code_version()}" / corpus.name
    if not root.exists():
        shutil.copytree(stripped, root)
        earlier = sorted(cache.glob(f"index-*-q{STRIP_VERSION}/{corpus.name}/.kenning"), key=lambda p: p.stat().st_mtime)
        if earlier:  # start from the last index: unchanged rows and every embedded text are kept
            shutil.copytree(earlier[-1], root / ".kenning")
    service = Service.from_settings(Settings.load(root, embed_on_index=False))
    started = time.perf_counter()
    report = service.index()
    encoded = service.embed()["encoded"]
    print(f"{corpus.name}: {report.files_indexed + report.files_unchanged} files ({report.files_skipped} skipped),"
          f" {report.symbols} symbols, {encoded} texts embedded, {time.perf_counter() - started:.1f}s", flush=True)
    return service


class _RememberedQueries:
    """The embedder, remembering each query's vector: the limit=50/100 and dense-only passes re-ask the
    query the timed limit=10 search already embedded."""

    def __init__(self, embedder) -> None:
        self._embedder = embedder
        self._seen: dict[str, object] = {}

    def encode(self, texts, one_thread: bool = False):
        if len(texts) != 1:
            return self._embedder.encode(texts, one_thread=one_thread)
        if texts[0] not in self._seen:
            self._seen[texts[0]] = self._embedder.encode(texts, one_thread=one_thread)
        return self._seen[texts[0]]

    def __getattr__(self, name: str):
        return getattr(self._embedder, name)


def _hits(result: dict, target: tuple[str, int, int], file_target: bool) -> bool:
    """Whether `result` answers `target`: a symbol of it (its own, one in `also`, or a `copies` location,
    the same code elsewhere) in the target file, and for a span target inside the span."""
    path, start, end = target
    spans = [(result["path"], s["start_line"], s["end_line"], s.get("kind", result["kind"]))
             for s in (result, *result.get("also", ()))]
    for copy in result.get("copies", ()):
        copy_path, line = copy.rsplit(":", 1)
        spans.append((copy_path, int(line), int(line), "copy"))
    # A module (a whole file) does not answer a question about one of its definitions.
    return any(span_path == path and (file_target or (first <= end and start <= last and
                                                       (kind != "module" or start <= first and last <= end)))
               for span_path, first, last, kind in spans)


def scores(results: list[dict], query: Query) -> dict[str, float]:
    """nDCG@10, reciprocal rank, recall@10 and distinct files of one ranking. A per-symbol result counts
    for one target (gain 1). A result grouped by file (it has `also`) counts for every target its
    symbols hit (gain: how many), and its ideal is the best list of files: the target files, those
    holding most targets first (a file that holds two targets can only be listed once)."""
    top = results[:TOP]
    grouped = any("also" in r for r in top)
    found: set[int] = set()
    dcg, first = 0.0, 0
    for rank, result in enumerate(top, start=1):
        new = [i for i, t in enumerate(query.targets) if i not in found and _hits(result, t, query.kind == "module")]
        new = new if grouped else new[:1]
        if new:
            found.update(new)
            dcg += len(new) / math.log2(rank + 1)
            first = first or rank
    if grouped and query.kind != "module":
        per_file = Counter(path for path, _, _ in query.targets)
        gains = sorted(per_file.values(), reverse=True)
    else:  # a file target is one file however many results are in it
        gains = [1] * len(query.targets)
    ideal = sum(gain / math.log2(rank + 1) for rank, gain in enumerate(gains[:TOP], start=1))
    # min: one result listing identical copies can hit targets in several files, past the per-file ideal.
    return {"ndcg": min(1.0, dcg / ideal), "mrr": 1 / first if first else 0.0, "recall": len(found) / len(query.targets),
            "files": len({r["path"] for r in top})}


def _channel_results(service: Service, ids: list[int]) -> list[dict]:
    symbols = tables.symbols_by_id(service.store.conn, ids)
    return [symbols[i].public() for i in dict.fromkeys(ids) if i in symbols]


def _key(results: list[dict]) -> list[tuple]:
    return [(r["path"], r["start_line"], r["qualified_name"]) for r in results[:TOP]]


def run_repo(corpus: Corpus, service: Service, queries: list[Query]) -> list[dict]:
    parts = service.search_parts
    parts.embedder = _RememberedQueries(parts.embedder)
    rows = []
    for query in queries:
        started = time.perf_counter()
        shipped = service.search(query.text, limit=TOP)["results"]
        seconds = time.perf_counter() - started
        lists = {
            "fused": shipped,
            "lexical": _channel_results(service, [i for i, _ in lexical.search(service.store.conn, query.text, POOL)]),
            "dense": _channel_results(service, [i for i, _ in service.dense_hits(query.text, POOL)]),
        }
        row = {"repo": corpus.name, "language": corpus.language, "split": corpus.split, "kind": query.kind,
               "query": query.text, "targets": len(query.targets), "ms": seconds * 1000,
               "top": [f"{r['path']}:{r['start_line']} {r['qualified_name']}" for r in shipped[:3]]}
        for ranking, results in lists.items():
            row[ranking] = scores(results, query)
        for limit in (50, 100):
            row[f"same@{limit}"] = _key(service.search(query.text, limit=limit)["results"]) == _key(shipped)
        rows.append(row)
    return rows


def _repo_means(rows: list[dict], value) -> dict[str, float]:
    by_repo: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        by_repo[row["repo"]].append(value(row))
    return {repo: mean(values) for repo, values in by_repo.items()}


def macro(rows: list[dict], value) -> float:
    """The mean of per-repository means."""
    means = _repo_means(rows, value)
    return mean(means.values()) if means else float("nan")


def report(rows: list[dict], title: str) -> None:
    if not rows:
        return
    repos = sorted({r["repo"] for r in rows})
    print(f"\n## {title}: {len(repos)} repositories, {len(rows)} queries ({_load()})\n")
    print("| ranking | nDCG@10 | MRR@10 | recall@10 | distinct files / top 10 |")
    print("|---|---:|---:|---:|---:|")
    for ranking in RANKINGS:
        print(f"| {ranking} | " + " | ".join(f"{macro(rows, lambda r, m=m: r[ranking][m]):.3f}"
                                            for m in ("ndcg", "mrr", "recall")) +
              f" | {macro(rows, lambda r: r[ranking]['files']):.1f} |")
    for group, values in (("language", sorted({r["language"] for r in rows})), ("kind", QUERY_KINDS)):
        print(f"\n| {group} | repos | queries | " + " | ".join(f"nDCG@10 {r}" for r in RANKINGS) + " | MRR@10 fused |")
        print("|---|---:|---:|" + "---:|" * (len(RANKINGS) + 1))
        for value in values:
            chosen = [r for r in rows if r[group] == value]
            if chosen:
                print(f"| {value} | {len({r['repo'] for r in chosen})} | {len(chosen)} | "
                      + " | ".join(f"{macro(chosen, lambda r, k=k: r[k]['ndcg']):.3f}" for k in RANKINGS)
                      + f" | {macro(chosen, lambda r: r['fused']['mrr']):.3f} |")
    same = {limit: sum(r[f"same@{limit}"] for r in rows) for limit in (50, 100)}
    print(f"\ntop 10 identical to limit=10's: limit=50 {same[50]}/{len(rows)}, limit=100 {same[100]}/{len(rows)}")
    print(f"search latency (limit=10, query embedding included): p50 {median(r['ms'] for r in rows):.1f} ms,"
          f" p95 {sorted(r['ms'] for r in rows)[int(0.95 * (len(rows) - 1))]:.1f} ms")
    print("\n| repo | language | queries | nDCG@10 fused | lexical | dense | files / top 10 |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for repo in repos:
        chosen = [r for r in rows if r["repo"] == repo]
        print(f"| {repo} | {chosen[0]['language']} | {len(chosen)} | "
              + " | ".join(f"{mean(r[k]['ndcg'] for r in chosen):.3f}" for k in RANKINGS)
              + f" | {mean(r['fused']['files'] for r in chosen):.1f} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/kenning-bench-repos"))
    parser.add_argument("--split", choices=("tune", "holdout", "all"), default="all")
    parser.add_argument("--repos", nargs="*", help="only these repositories (names as in repo_corpora.CORPORA)")
    parser.add_argument("--languages", nargs="*", help="only repositories in these languages")
    parser.add_argument("--max-queries-per-repo", type=int, default=100, help="shared evenly among the query kinds")
    parser.add_argument("--json", type=Path, help="write every query's scores here")
    args = parser.parse_args()
    chosen = [c for c in CORPORA if (args.split == "all" or c.split == args.split)
              and (not args.repos or c.name in args.repos) and (not args.languages or c.language in args.languages)]
    unknown = set(args.repos or ()) - {c.name for c in CORPORA}
    if unknown or not chosen:
        print(f"no such repositories: {', '.join(sorted(unknown)) or 'none chosen'}; choose among"
              f" {', '.join(c.name for c in CORPORA)}", file=sys.stderr)
        return 2
    print(f"kenning derived-index version {code_version()}; cache {args.cache}")
    rows: list[dict] = []
    for corpus in chosen:
        try:
            stripped, queries = prepare(corpus, args.cache)
        except MissingCorpus as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        service = indexed(corpus, stripped, args.cache)
        try:
            rows += run_repo(corpus, service, sample(queries, args.max_queries_per_repo))
        finally:
            service.close()
    for split in ("tune", "holdout"):
        report([r for r in rows if r["split"] == split], f"{split} half")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
