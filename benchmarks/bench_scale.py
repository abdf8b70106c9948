"""Scale: a first `kenning index` of a large real code base (embeddings included), then `search` and
`exists` over HTTP against a real `kenning serve` process on it, and that process's memory.

The corpus is installed packages copied from this interpreter's site-packages (tests left out), so it
is code nobody here wrote. Every number is wall time seen by a client: the index is one `kenning
index --json` process from start to exit (imports and model load included), each query one HTTP
request (query embedding included). RSS is the server's VmRSS after the queries (steady) and its
VmHWM (peak), from /proc.

    .venv/bin/python benchmarks/bench_scale.py                      # ~50k symbols; 15-40 min on 2 cores
    .venv/bin/python benchmarks/bench_scale.py --index-only --packages networkx pydantic ...  # a 10k first index
    .venv/bin/python benchmarks/bench_scale.py --keep /tmp/scale     # keep the tree; a second run reuses its index
    .venv/bin/python benchmarks/bench_scale.py --tree DIR            # an existing tree (indexed with --no-embed, say)
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import sysconfig
import tempfile
import textwrap
import time
import urllib.parse
import urllib.request
from pathlib import Path

import numpy as np

SITE = Path(sysconfig.get_paths()["purelib"])
DEFAULT_PACKAGES = ("sympy", "scipy", "sklearn", "networkx", "hypothesis", "pydantic")
KENNING = [sys.executable, "-m", "kenning"]


def copy_packages(names: tuple[str, ...], out: Path) -> None:
    skip = shutil.ignore_patterns("__pycache__", "tests", "test", "testing", "*.so", "*.pyd", "*.dll")
    for name in names:
        shutil.copytree(SITE / name, out / name, ignore=skip, dirs_exist_ok=True)


def first_index(root: Path, env: dict[str, str], run: bool = True) -> dict:
    """Wall time of `kenning index` (when `run`), and what the index holds after it."""
    report = {"files_indexed": None, "seconds": None}
    started = time.perf_counter()
    if run:
        done = subprocess.run([*KENNING, "index", str(root), "--json"], env=env, capture_output=True, text=True)
        if done.returncode:
            sys.exit(f"kenning index failed: {done.stderr[-2000:]}")
        report = json.loads(done.stdout)
    seconds = time.perf_counter() - started
    from kenning.service import Service
    from kenning.settings import Settings

    service = Service.from_settings(Settings.load(root))
    state = service.index_state()
    texts = service.store.conn.execute("SELECT COUNT(DISTINCT text_hash) FROM symbol_texts").fetchone()[0]
    return {"seconds": seconds, "files": report["files_indexed"], "symbols": state["symbols"],
            "embedded": state["embedded"], "distinct_texts": texts, "in_process_s": report["seconds"]}


def probes(root: Path, count: int, seed: int = 5) -> tuple[list[str], list[str]]:
    """(search queries: first docstring sentences, exists probes: function sources), at most one of each
    per file, from files in a seeded random order (parsing the whole tree would take minutes)."""
    files = sorted(root.rglob("*.py"))
    random.Random(seed).shuffle(files)
    queries, codes = [], []
    for path in files:
        if len(queries) >= count and len(codes) >= count:
            break
        try:
            text = path.read_text(encoding="utf-8")
            tree = ast.parse(text)
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
        lines = text.splitlines()
        functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        documented = [n for n in functions if len((ast.get_docstring(n) or "").split()) >= 4]
        sized = [n for n in functions if 5 <= n.end_lineno - n.lineno <= 60 and not n.decorator_list]
        if documented and len(queries) < count:
            doc = ast.get_docstring(documented[len(documented) // 2])
            queries.append(" ".join(doc.split(".")[0].split())[:200])
        if sized and len(codes) < count:
            node = sized[len(sized) // 2]
            codes.append(textwrap.dedent("\n".join(lines[node.lineno - 1:node.end_lineno])))
    return queries, codes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(url: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=300) as answer:
        return json.loads(answer.read())


def wait_for_health(server: subprocess.Popen, base: str) -> None:
    """Until the `kenning serve` process answers /health; exit with its stderr if it dies first."""
    while True:
        try:
            request(f"{base}/health")
            return
        except OSError:
            if server.poll() is not None:
                sys.exit(f"kenning serve exited: {server.stderr.read()[-2000:]}")
            time.sleep(0.1)


def memory(pid: int) -> dict[str, float]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields


def serve_and_measure(root: Path, env: dict[str, str], queries: list[str], codes: list[str], watch: bool) -> dict:
    port = free_port()
    watching = "--watch" if watch else "--no-watch"
    # The watcher's catch-up run must not embed a partly embedded tree (--serve-only) while we measure.
    env = {**env, "KENNING_EMBED_ON_INDEX": "false"}
    server = subprocess.Popen([*KENNING, "serve", "--root", str(root), "--port", str(port), watching], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        started = time.perf_counter()
        wait_for_health(server, base)
        result = {"ready_s": time.perf_counter() - started, "rss_idle_mb": memory(server.pid)["VmRSS"]}
        started = time.perf_counter()
        request(f"{base}/search?" + urllib.parse.urlencode({"q": "warm up the model", "limit": 10}))
        result["first_search_s"] = time.perf_counter() - started
        search_times, exists_times = [], []
        for query in queries:
            started = time.perf_counter()
            request(f"{base}/search?" + urllib.parse.urlencode({"q": query, "limit": 10}))
            search_times.append(time.perf_counter() - started)
        verdicts: dict[str, int] = {}
        for code in codes:
            started = time.perf_counter()
            answer = request(f"{base}/exists", {"code": code, "language": "python"})
            exists_times.append(time.perf_counter() - started)
            verdicts[answer["verdict"]] = verdicts.get(answer["verdict"], 0) + 1
        mem = memory(server.pid)
        result |= {"search_ms": _percentiles(search_times), "exists_ms": _percentiles(exists_times),
                   "exists_verdicts": verdicts, "rss_steady_mb": mem["VmRSS"], "rss_peak_mb": mem["VmHWM"]}
        return result
    finally:
        server.terminate()
        server.wait(timeout=30)


def _percentiles(times: list[float]) -> dict[str, float]:
    """n, and p50/p95/p99 in milliseconds of `times` in seconds."""
    return {"n": len(times), **{f"p{q}": round(float(np.percentile(times, q)) * 1000, 1) for q in (50, 95, 99)}}


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--packages", nargs="*", default=list(DEFAULT_PACKAGES), help="site-packages folders to copy")
    parser.add_argument("--queries", type=int, default=200, help="search queries and exists probes, each")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (a second run reuses the index)")
    parser.add_argument("--tree", type=Path, help="use this already copied (perhaps indexed) tree in place")
    parser.add_argument("--no-watch", action="store_true",
                        help="serve without the watcher (every freshness check then walks the tree)")
    parser.add_argument("--serve-only", action="store_true", help="measure serving on the tree's index as it is")
    parser.add_argument("--index-only", action="store_true", help="measure the first index, serve nothing")
    parser.add_argument("--cold-model-cache", action="store_true",
                        help="an empty model cache, so the index pays the one-time ONNX export too")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="kenning-bench-scale-"))
    root = args.tree or work / "tree"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "KENNING_EMBED_ON_INDEX": "true"}
    if args.cold_model_cache:
        env["XDG_CACHE_HOME"] = str(work / "cache")
    try:
        if not root.is_dir():
            copy_packages(tuple(args.packages), root)
        print(f"corpus: {', '.join(args.packages)} from {SITE}; load {_load()}", flush=True)
        indexed = first_index(root, env, run=not args.serve_only)
        print(f"kenning index (wall, one process): {indexed['seconds']:.1f}s; load {_load()}; "
              + json.dumps(indexed), flush=True)
        if args.index_only:
            return
        queries, codes = probes(root, args.queries)
        measured = serve_and_measure(root, env, queries, codes, not args.no_watch)
        print(f"serve on {indexed['symbols']} symbols; load {_load()}:")
        print(json.dumps(measured, indent=2))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
