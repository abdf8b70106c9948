"""`kenning check` on an already-indexed repository of about 5,000 files.

Run by hand: .venv/bin/python benchmarks/bench_check.py [--copies 3] [--tree DIR]. Builds a tree of `--copies` copies of
the running interpreter's stdlib (without site-packages; 1,790 .py files each on Python 3.11), indexes it
without embeddings, writes layering, forbid, must-go-through and no-cycle rules into kenning.toml, then times
`kenning check --json` as a user runs it (a fresh process each time).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

RULES = """
[[rules]]
layers = [["copy0/email/**", "copy0/http/**"], ["copy0/json/**", "copy0/urllib/**"]]
[[rules]]
forbid = { from = "copy1/json/**", to = "copy1/email/**" }
[[rules]]
must_go_through = { to = "sqlite3", through = ["copy*/sqlite3/**", "copy*/dbm/**"] }
[[rules]]
no_cycles = "copy2/email/**"
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--copies", type=int, default=3)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--tree", type=Path, help="build the tree here and keep it, or reuse it if it is there"
                                                   " (re-indexing it is then a no-op)")
    args = parser.parse_args()
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "KENNING_EMBED_ON_INDEX": "false"}
    kenning = [sys.executable, "-m", "kenning"]
    with tempfile.TemporaryDirectory() as tmp:
        root = args.tree or Path(tmp) / "repo"
        for n in range(args.copies):
            if not (root / f"copy{n}").exists():
                shutil.copytree(stdlib, root / f"copy{n}",
                                ignore=shutil.ignore_patterns("site-packages", "__pycache__"))
        (root / "kenning.toml").write_text(RULES)
        started = time.perf_counter()
        report = json.loads(subprocess.run([*kenning, "index", str(root), "--json"], env=env, check=True,
                                           capture_output=True, text=True).stdout)
        print(f"indexed {report['files_indexed']} files, {report['symbols']} symbols in "
              f"{time.perf_counter() - started:.1f} s (not part of the measurement)")
        times, result = [], {}
        for _ in range(args.runs):
            started = time.perf_counter()
            done = subprocess.run([*kenning, "check", "--root", str(root), "--json"], env=env,
                                  capture_output=True, text=True)
            times.append(time.perf_counter() - started)
            result = json.loads(done.stdout)
    print(f"kenning check: {len(result['violations'])} violations of {result['rules']} rules; "
          f"{args.runs} runs, load average {os.getloadavg()[0]:.1f}")
    print(f"  p50 {statistics.median(times):.2f} s, min {min(times):.2f} s, max {max(times):.2f} s "
          "(whole process: interpreter start, imports, rule loading, graph read, check)")


if __name__ == "__main__":
    main()
