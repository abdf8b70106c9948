"""Brief and decision-search latency with 2,000 decisions and 5,000 tasks (issue 4: p50 < 50 ms each).

Generates a tmp project: a small indexed Python package, 2,000 decision files (a quarter
link a symbol, some of which then drift) and 5,000 task files in the kenning formats, plus
one handoff. Then times, through the Service:

- cold: the first call, which builds the memory cache from the files;
- warm: later calls, which stat every file and re-read none;
- edit: a call right after one decision and one task file were edited by hand;
- with --semantic, decision search with meaning (embed_on_index on): the first call, which
  loads the model and embeds every decision (minutes on a small CPU), warm calls, and a call
  after a hand edit (one decision re-embedded).

Run: .venv/bin/python benchmarks/bench_memory.py [--decisions N] [--tasks N] [--runs N] [--semantic]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from kenning.memory.filestore import slugify
from kenning.memory.frontmatter import render
from kenning.service import Service
from kenning.settings import Settings

WORDS = ("cache index parser storage session token budget search graph symbol decision task queue retry "
         "timeout schema migration vector embedding module config logging metrics auth client server").split()
QUERIES = ("cache invalidation", "schema migration", "retry timeout", "embedding vector search", "auth token")


def build(root: Path, decisions: int, tasks: int, rng: random.Random) -> None:
    package = root / "app"
    package.mkdir()
    for m in range(20):
        body = "\n\n".join(f"def f{m}_{k}(x):\n    return x + {k}\n" for k in range(25))
        (package / f"mod{m}.py").write_text(body)
    (root / "kenning.toml").write_text("embed_on_index = false\n")
    service = Service.from_settings(Settings.load(root))
    service.index()
    hashes = {s.qualified_name: s.body_hash for s in service.store.all_symbols()}
    names = sorted(hashes)
    folder = root / ".kenning/memory/decisions"
    folder.mkdir(parents=True)
    for n in range(1, decisions + 1):
        title = " ".join(rng.sample(WORDS, 4)).capitalize()
        links = []
        if n % 4 == 0:
            name = rng.choice(names)
            links.append({"symbol": name, "body_hash": hashes[name] if n % 40 else "changed-since"})
        meta = {"id": f"{n:04d}", "title": title, "status": rng.choice(("accepted", "accepted", "proposed", "deprecated")),
                "date": "2024-01-01", "tags": rng.sample(WORDS, 2), "links": links}
        body = (f"## Context\n\n{' '.join(rng.choices(WORDS, k=60))}\n\n"
                f"## Decision\n\n{' '.join(rng.choices(WORDS, k=30))}\n")
        (folder / f"{n:04d}-{slugify(title)}.md").write_text(render(meta, body))
    folder = root / ".kenning/memory/tasks"
    folder.mkdir(parents=True)
    statuses = ("done",) * 12 + ("open",) * 5 + ("in_progress", "blocked", "dropped")
    for n in range(1, tasks + 1):
        title = " ".join(rng.sample(WORDS, 5)).capitalize()
        deps = [f"{rng.randint(1, n - 1):04d}"] if n > 1 and n % 3 == 0 else []
        meta = {"id": f"{n:04d}", "title": title, "status": rng.choice(statuses),
                "priority": rng.choice(("high", "medium", "low")), "created": "2024-01-01T00:00:00+00:00",
                "updated": "2024-01-01T00:00:00+00:00", "links": [], "depends_on": deps}
        body = f"## Description\n\n{' '.join(rng.choices(WORDS, k=25))}\n\n## Acceptance\n\n- [ ] works\n- [x] tested\n"
        (folder / f"{n:04d}-{slugify(title)}.md").write_text(render(meta, body))
    service.handoff("Benchmark session", ["next step"], ["open question"])
    service.close()


def timed(call, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        out.append((time.perf_counter() - start) * 1000)
    return out


def summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered):7.1f} ms   p95 {p95:7.1f} ms   (n={len(ordered)})"


def time_semantic(root: Path, queries, runs: int) -> dict[str, list[float]]:
    service = Service.from_settings(Settings.load(root, embed_on_index=True))
    results = {
        "decision search + meaning, first (embeds every decision)": timed(lambda: service.search_decisions("cache"), 1),
        "decision search + meaning, warm": timed(lambda: service.search_decisions(next(queries)), runs),
    }
    edits = []
    for n in range(runs):
        path = next((root / ".kenning/memory/decisions").glob(f"{n + 1:04d}-*.md"))
        path.write_text(path.read_text() + f"\nEdited again by hand {n}.\n")
        edits += timed(lambda: service.search_decisions(next(queries)), 1)
    results["decision search + meaning after a hand edit (1 re-embedded)"] = edits
    service.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=2_000)
    parser.add_argument("--tasks", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--semantic", action="store_true", help="also time decision search with meaning (slow first call)")
    args = parser.parse_args()
    rng = random.Random(4)
    with tempfile.TemporaryDirectory(prefix="kenning-bench-memory-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        build(root, args.decisions, args.tasks, rng)
        print(f"generated {args.decisions} decisions, {args.tasks} tasks in {time.perf_counter() - started:.1f}s")
        time.sleep(1.1)  # past the cache's racy-timestamp window, as files are in a real project
        service = Service.from_settings(Settings.load(root))
        queries = iter(QUERIES * args.runs)
        results = {
            "brief, cold (builds the cache)": timed(lambda: service.brief(1_500), 1),
            "brief, warm": timed(lambda: service.brief(1_500), args.runs),
            "decision search, warm": timed(lambda: service.search_decisions(next(queries)), args.runs),
        }
        (service.store.index_dir / "memory-cache.sqlite3").unlink()
        results["decision search, cold (builds the cache)"] = timed(lambda: service.search_decisions("cache"), 1)
        edits = []
        for n in range(args.runs):
            for path in (next((root / ".kenning/memory/decisions").glob(f"{n + 1:04d}-*.md")),
                         next((root / ".kenning/memory/tasks").glob(f"{n + 1:04d}-*.md"))):
                path.write_text(path.read_text() + f"\nEdited by hand {n}.\n")
            edits += timed(lambda: service.brief(1_500), 1)
        results["brief after a hand edit (1 decision + 1 task re-read)"] = edits
        if args.semantic:
            results.update(time_semantic(root, queries, args.runs))
        brief = service.brief(1_500)
        print(f"brief: {brief.tokens} tokens; sections shown/total: "
              + ", ".join(f"{k} {v['shown']}/{v['total']}" for k, v in brief.sections.items()))
        for label, samples in results.items():
            print(f"{label:55s} {summary(samples)}")
        service.close()


if __name__ == "__main__":
    main()
