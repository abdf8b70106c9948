"""What the indexer makes of a tree's `.h` files: the language each is parsed as, the symbols and
ERROR nodes that gives, and what choosing the language costs per header.

Each root is walked and parsed as `kenning index` does (walker, then `pipeline.parse_job`, which
picks C or C++ per header from its content and the walk's `header_lean`), one process. The
detection's cost is `header_language` alone, best of `--rounds`, per header, beside the cost of
extracting the header (`parse_source`) with the language chosen. Roots used in
docs/benchmarks.md: Debian's `libglm-dev`, `libcli11-dev`, `libspdlog-dev` (C++ header libraries,
`dpkg -L NAME`) and the zstd C sources in PyPI's `zstandard` sdist
(`pip download --no-binary :all: --no-deps zstandard`).

    .venv/bin/python benchmarks/bench_parse_headers.py ROOT [ROOT ...] [--rounds 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

from bench_index import REPO

sys.path.insert(0, str(REPO))
from kenning.indexer.extract import parse_source  # noqa: E402
from kenning.indexer.header_language import header_language, is_header  # noqa: E402
from kenning.indexer.pipeline import jobs_for, parse_job  # noqa: E402
from kenning.indexer.walker import walk  # noqa: E402
from kenning.models import ParsedFile  # noqa: E402


def measure(root: Path, rounds: int) -> dict:
    walked = walk(root, exclude=[], max_file_bytes=10_000_000)
    jobs = jobs_for(root, walked.candidates, {}, max_line_length=1_000_000, header_lean=walked.header_lean)
    headers = Counter()
    totals = {"header": Counter(), "all": Counter()}
    for job in jobs:
        parsed = parse_job(job)
        if not isinstance(parsed, ParsedFile):
            continue
        groups = ("all", "header") if is_header(parsed.path) else ("all",)
        if "header" in groups:
            headers[parsed.language] += 1
        for group in groups:
            count = totals[group]
            count["files"] += 1
            count["symbols"] += len(parsed.symbols)
            count["error_nodes"] += parsed.parse_errors
            count["files_with_errors"] += parsed.parse_errors > 0
            count["declarations"] += sum(s.kind == "declaration" for s in parsed.symbols)
    contents = [(root / job.candidate.path).read_bytes() for job in jobs if is_header(job.candidate.path)]
    chosen = [header_language(data, walked.header_lean) for data in contents]
    detect = _best(rounds, lambda: [header_language(data, walked.header_lean) for data in contents])
    extract = _best(rounds, lambda: [parse_source("h.h", data, language) for data, language in zip(contents, chosen)])
    return {"root": str(root), "lean": walked.header_lean, "headers_as": dict(headers),
            "headers": dict(totals["header"]), "all_files": dict(totals["all"]),
            "detect_us_per_header": round(detect / max(len(contents), 1) * 1e6, 1),
            "extract_us_per_header": round(extract / max(len(contents), 1) * 1e6, 1),
            "header_kb": round(sum(map(len, contents)) / max(len(contents), 1) / 1024, 1)}


def _best(rounds: int, work) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("roots", nargs="+", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    for root in args.roots:
        print(measure(root, args.rounds), flush=True)


if __name__ == "__main__":
    main()
