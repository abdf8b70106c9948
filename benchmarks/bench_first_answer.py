"""Time to the first `search_code` answer from `kenning mcp` on a repository never indexed, against the
structural index time of the same repository in the same run.

Each corpus is an installed package nobody here wrote (its tests left out), copied twice to a temporary
folder. First `kenning index` with embeddings off on one copy: the structural index time (a fresh process,
as a user runs it). Then, on the other copy, the SDK's stdio client starts `kenning mcp` (embeddings on, the
defaults otherwise) and asks `search_code` every 0.1 s from spawn: the first answer with results is the
time to first answer; with --wait-embedded, asking on every second after that, the time until every
symbol is embedded.

    .venv/bin/python benchmarks/bench_first_answer.py [--python PYTHON] [--corpus NAME ...] [--wait-embedded]

`--python` runs another installation's kenning (e.g. main's .venv, for a before/after in one sitting).
Split by repository: sympy's polys package tunes, networkx is held out.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

import anyio
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

SITE = Path(sysconfig.get_paths()["purelib"])
CORPORA = {"sympy-polys": ("sympy/polys", "tune"), "networkx": ("networkx", "holdout")}
QUERY = "shortest path between two nodes"  # any query: what matters is when an answer comes, and what it says


def copy_corpus(name: str, destination: Path) -> Path:
    source = SITE / CORPORA[name][0]
    shutil.copytree(source, destination / source.name,
                    ignore=shutil.ignore_patterns("__pycache__", "tests", "test_*.py"))
    return destination


def structural_index(python: str, root: Path, env: dict[str, str]) -> tuple[float, dict]:
    started = time.perf_counter()
    subprocess.run([python, "-m", "kenning", "index", str(root)], env=env | {"KENNING_EMBED_ON_INDEX": "false"},
                   check=True, capture_output=True)
    elapsed = time.perf_counter() - started
    status = subprocess.run([python, "-m", "kenning", "status", "--root", str(root), "--json"], env=env,
                            check=True, capture_output=True, text=True)
    return elapsed, json.loads(status.stdout)


def first_answers(python: str, root: Path, env: dict[str, str], limit_s: float, wait_embedded: bool) -> dict:
    params = StdioServerParameters(command=python, args=["-m", "kenning", "mcp", "--root", str(root)], env=env)

    async def main() -> dict:
        started = time.perf_counter()
        seen: dict = {}
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            seen["initialized_s"] = time.perf_counter() - started
            while time.perf_counter() - started < limit_s:
                answer = (await session.call_tool("search_code", {"query": QUERY, "limit": 3})).structured_content
                now = time.perf_counter() - started
                index = answer["index"]
                if answer["results"] and "first_s" not in seen:
                    seen |= {"first_s": now, "first_index": index}
                    if not wait_embedded:
                        return seen
                if "first_s" in seen and index["embedded"] == index["symbols"] and not index["indexing"]:
                    seen |= {"embedded_s": now, "last_index": index}
                    return seen
                await anyio.sleep(0.1 if "first_s" not in seen else 1.0)
        return seen

    return anyio.run(main)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--corpus", nargs="*", default=list(CORPORA))
    parser.add_argument("--limit", type=float, default=900.0, help="Seconds to wait for an answer.")
    parser.add_argument("--wait-embedded", action="store_true", help="Ask on until every symbol is embedded.")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KENNING_")} | {"HF_HUB_OFFLINE": "1"}
    print(f"kenning from {args.python}; load average {os.getloadavg()[0]:.2f}")
    for name in args.corpus:
        with tempfile.TemporaryDirectory() as tmp:
            structural_s, status = structural_index(args.python, copy_corpus(name, Path(tmp) / "a"), env)
            seen = first_answers(args.python, copy_corpus(name, Path(tmp) / "b"), env, args.limit,
                                 args.wait_embedded)
        first = seen.get("first_s")
        print(f"{name} ({CORPORA[name][1]}): {status['files']} files, {status['symbols']} symbols;"
              f" structural index {structural_s:.2f} s")
        if first is None:
            print(f"  no search answer with results within {args.limit:.0f} s")
            continue
        index = seen["first_index"]
        print(f"  first search_code answer {first:.2f} s after spawn = {first / structural_s:.2f}x the structural"
              f" index; it said indexing={index['indexing']}, embedded {index['embedded']} of {index['symbols']}")
        if "embedded_s" in seen:
            print(f"  every symbol embedded {seen['embedded_s']:.1f} s after spawn")
        print(f"  load average now {os.getloadavg()[0]:.2f}", flush=True)


if __name__ == "__main__":
    main()
