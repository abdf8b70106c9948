"""Load: one real `kenning serve` over a large real tree, many concurrent assistants, for a fixed time.

Phase "read": `--clients` threads, each with its own keep-alive HTTP connection, loop for `--seconds`
over a mix of search, exists (code and description), symbol lookup, callers and brief. Phase "write":
the same, plus a writer adding a decision every half second and an editor saving a source file every
two seconds, so the watcher re-indexes while the readers read. Every number is wall time seen by a
client; errors are non-2xx answers and failed connections; memory is the server's VmRSS from /proc at
the start and end of each phase.

The corpus is installed packages copied from this interpreter's site-packages (code nobody here wrote).

    .venv/bin/python benchmarks/bench_load.py --keep /tmp/load      # copies, indexes (--no-embed), serves
    .venv/bin/python benchmarks/bench_load.py --tree /tmp/load/tree  # an existing, indexed tree
    .venv/bin/python benchmarks/bench_load.py --tree DIR --clients 20 --seconds 60 --phases read
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from bench_scale import (  # noqa: E402
    KENNING, _load as _loadavg, _percentiles, copy_packages, free_port, memory, probes,
)

DEFAULT_PACKAGES = ("sympy", "scipy", "sklearn", "networkx", "hypothesis", "pydantic", "transformers")
MIX = (("search", 30), ("exists_code", 10), ("exists_description", 10), ("symbol", 20), ("callers", 20),
       ("brief", 10))
TARGETS_MS = {"search": (1000, 2000), "exists_code": (1000, 2000), "exists_description": (1000, 2000),
              "symbol": (1000, 2000), "callers": (1000, 2000), "brief": (2000, None)}  # (p95, p99) limits


def index_tree(root: Path, env: dict[str, str], embed: bool) -> dict:
    args = [*KENNING, "index", str(root), "--json"] + ([] if embed else ["--no-embed"])
    started = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"kenning index failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout) | {"wall_s": round(time.perf_counter() - started, 1)}


def symbol_names(root: Path, count: int, seed: int = 7) -> list[str]:
    """Qualified names of functions and methods that something calls, read from the index file."""
    db = sqlite3.connect(f"file:{root / '.kenning/index/index.sqlite3'}?mode=ro", uri=True)
    try:
        names = [row[0] for row in db.execute(
            "SELECT DISTINCT r.target FROM refs r WHERE r.kind = 'call' AND r.target IS NOT NULL LIMIT 20000")]
    finally:
        db.close()
    random.Random(seed).shuffle(names)
    return names[:count]


class Load:
    """The client threads of one phase and what they saw."""

    def __init__(self, base: str, queries: list[str], codes: list[str], names: list[str], seed: int) -> None:
        self.base, self.queries, self.codes, self.names = base, queries, codes, names
        self.seed = seed
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.lock = threading.Lock()

    def request(self, client: httpx.Client, rng: random.Random, op: str) -> httpx.Response:
        if op == "search":
            return client.get("/search", params={"q": rng.choice(self.queries), "limit": 10})
        if op == "exists_code":
            return client.post("/exists", json={"code": rng.choice(self.codes), "language": "python"})
        if op == "exists_description":
            return client.post("/exists", json={"description": rng.choice(self.queries)})
        if op == "symbol":
            return client.get(f"/symbols/{rng.choice(self.names)}")
        if op == "callers":
            return client.get(f"/symbols/{rng.choice(self.names)}/callers", params={"limit": 20})
        return client.get("/brief", params={"budget": 1500})

    def client_loop(self, number: int, deadline: float) -> None:
        rng = random.Random(self.seed * 1000 + number)
        ops, weights = zip(*MIX)
        with httpx.Client(base_url=self.base, timeout=120) as client:
            while time.monotonic() < deadline:
                op = rng.choices(ops, weights)[0]
                started = time.perf_counter()
                try:
                    answer = self.request(client, rng, op)
                    # 404 (a name that moved) and 409 (ambiguous) are answers, not server failures.
                    failed = None if answer.status_code < 500 and answer.status_code not in (400, 422, 429) \
                        else f"{answer.status_code} {answer.text[:200]}"
                except httpx.HTTPError as e:
                    failed = f"{type(e).__name__}: {e}"
                elapsed = time.perf_counter() - started
                with self.lock:
                    self.times[op].append(elapsed)
                    if failed:
                        self.errors[op].append(failed)


def writer_loop(base: str, deadline: float, errors: list[str]) -> int:
    written = 0
    with httpx.Client(base_url=base, timeout=120) as client:
        while time.monotonic() < deadline:
            answer = client.post("/decisions", json={
                "title": f"Load decision {written} at {time.time():.3f}", "context": "load benchmark",
                "decision": "nothing; this measures concurrent writes", "status": "proposed"})
            if answer.status_code != 201:
                errors.append(f"decision {answer.status_code} {answer.text[:200]}")
            written += 1
            time.sleep(0.5)
    return written


def editor_loop(root: Path, deadline: float, rng: random.Random) -> tuple[int, list[tuple[Path, bytes]]]:
    """Save edits to real files (appending a small function); returns the originals to restore."""
    files = sorted(root.rglob("*.py"))
    rng.shuffle(files)
    originals: list[tuple[Path, bytes]] = []
    edits = 0
    while time.monotonic() < deadline and files:
        path = files.pop()
        original = path.read_bytes()
        originals.append((path, original))
        path.write_bytes(original + f"\n\ndef load_edit_{edits}(value):\n    return value + {edits}\n".encode())
        edits += 1
        time.sleep(2.0)
    return edits, originals


def run_phase(name: str, base: str, pid: int, root: Path, args: argparse.Namespace, queries: list[str],
              codes: list[str], names: list[str]) -> dict:
    load = Load(base, queries, codes, names, seed=len(name))
    rss_start = memory(pid)["VmRSS"]
    deadline = time.monotonic() + args.seconds
    threads = [threading.Thread(target=load.client_loop, args=(n, deadline)) for n in range(args.clients)]
    write_errors: list[str] = []
    extra: dict = {}
    if name == "write":
        counts: dict[str, object] = {}
        threads.append(threading.Thread(
            target=lambda: counts.__setitem__("decisions", writer_loop(base, deadline, write_errors))))
        threads.append(threading.Thread(
            target=lambda: counts.__setitem__("edits", editor_loop(root, deadline, random.Random(3)))))
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if name == "write":
        edits, originals = counts["edits"]  # type: ignore[misc]
        for path, original in originals:
            path.write_bytes(original)
        extra = {"decisions_written": counts["decisions"], "files_edited": edits, "write_errors": write_errors[:5],
                 "write_error_count": len(write_errors)}
    rss_end = memory(pid)["VmRSS"]
    total = sum(len(t) for t in load.times.values())
    return {
        "phase": name, "clients": args.clients, "seconds": round(wall, 1), "requests": total,
        "requests_per_s": round(total / wall, 1),
        "ops": {op: _percentiles(times) | {"errors": len(load.errors[op])} for op, times in sorted(load.times.items())},
        "error_samples": {op: errs[:3] for op, errs in load.errors.items() if errs},
        "rss_start_mb": round(rss_start), "rss_end_mb": round(rss_end),
        "rss_growth_pct": round(100 * (rss_end - rss_start) / rss_start, 1), "load_avg": _loadavg(),
    } | extra


def verdict(phase: dict) -> list[str]:
    """The issue's targets this phase misses (empty when all are met)."""
    missed = []
    for op, (p95, p99) in TARGETS_MS.items():
        seen = phase["ops"].get(op)
        if seen and seen["p95"] > p95:
            missed.append(f"{op} p95 {seen['p95']} ms > {p95}")
        if seen and p99 and seen["p99"] > p99:
            missed.append(f"{op} p99 {seen['p99']} ms > {p99}")
    errors = sum(o["errors"] for o in phase["ops"].values()) + phase.get("write_error_count", 0)
    if errors:
        missed.append(f"{errors} errors")
    if phase["rss_growth_pct"] >= 10:
        missed.append(f"memory grew {phase['rss_growth_pct']}%")
    return missed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--packages", nargs="*", default=list(DEFAULT_PACKAGES), help="site-packages folders to copy")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (a second run reuses the index)")
    parser.add_argument("--tree", type=Path, help="an already copied tree, indexed or not")
    parser.add_argument("--embed", action="store_true", help="embed during the first index (slow on 2 cores)")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--phases", nargs="*", default=["read", "write"], choices=["read", "write"])
    parser.add_argument("--probes", type=int, default=200, help="distinct queries, code probes and names")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="kenning-bench-load-"))
    root = args.tree or work / "tree"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    server = None
    try:
        if not root.is_dir():
            copy_packages(tuple(args.packages), root)
        if not (root / ".kenning/index/index.sqlite3").is_file():
            print("index:", json.dumps(index_tree(root, env, args.embed)), flush=True)
        queries, codes = probes(root, args.probes)
        queries = [q for q in queries if len(q.strip()) >= 3]  # a docstring whose first sentence is empty
        names = symbol_names(root, args.probes)
        port = free_port()
        # The watcher's runs must not embed while we measure (an unembedded tree stays lexical).
        server = subprocess.Popen([*KENNING, "serve", "--root", str(root), "--port", str(port)],
                                  env={**env, "KENNING_EMBED_ON_INDEX": "false"}, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)
        base = f"http://127.0.0.1:{port}"
        started = time.perf_counter()
        while True:
            try:
                stats = httpx.get(f"{base}/stats", timeout=60).json()
                break
            except httpx.HTTPError:
                if server.poll() is not None:
                    sys.exit(f"kenning serve exited: {server.stderr.read()[-2000:]}")
                time.sleep(0.2)
        print(f"serving {stats['symbols']} symbols ({stats.get('embedded', 0)} embedded) after "
              f"{time.perf_counter() - started:.1f}s; load {_loadavg()}", flush=True)
        httpx.get(f"{base}/search", params={"q": "warm up", "limit": 10}, timeout=120)
        results = []
        for phase in args.phases:
            result = run_phase(phase, base, server.pid, root, args, queries, codes, names)
            result["symbols"] = stats["symbols"]
            result["missed_targets"] = verdict(result)
            results.append(result)
            print(json.dumps(result, indent=2), flush=True)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        if not args.keep and not args.tree:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
