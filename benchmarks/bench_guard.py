"""Guard latency for a ~300-line file on an indexed repository (real model, real processes).

The index: standard-library code nobody here wrote, embedded with the bundled model. The proposed
file: a new module made of complete functions from modules outside the index, plus one renamed copy
of an indexed function (so every definition in it is new and is looked up; one is a duplicate).
Measured, p50 (and p90) over repeated runs:
  cold CLI      `kenning guard --file ... --json` as a fresh process, no server: imports, model load, guard
  warm CLI      the same command while `kenning serve` runs for the root: process start + POST /guard
  warm HTTP     POST /guard straight to the running server: the guard itself with the model loaded
  warm service  Service.guard() in this process after a first call loaded the model

    .venv/bin/python benchmarks/bench_guard.py [--runs 10]
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kenning.service import Service
from kenning.settings import Settings

# The test suite's stdlib copier, so the benchmark indexes exactly what a test would.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from conftest import copy_stdlib  # noqa: E402

STDLIB = Path(sysconfig.get_paths()["stdlib"])
INDEXED = ("json", "email", "textwrap.py", "difflib.py", "shlex.py", "csv.py")
SOURCES = ("fractions.py", "statistics.py", "calendar.py")  # not indexed: their functions are new
TARGET_LINES = 300


def proposed_file() -> str:
    """Complete top-level functions from SOURCES up to ~300 lines, plus a renamed textwrap.dedent."""
    parts = ['"""A new module for the guard benchmark."""\n\nimport math\nimport re\n']
    lines = 4
    for name in SOURCES:
        text = (STDLIB / name).read_text(encoding="utf-8")
        source = text.splitlines()
        for node in ast.parse(text).body:
            if isinstance(node, ast.FunctionDef) and lines < TARGET_LINES - 40:
                chunk = "\n".join(source[node.lineno - 1 - len(node.decorator_list):node.end_lineno])
                parts.append("\n\n" + chunk + "\n")
                lines += chunk.count("\n") + 3
    dedent = (STDLIB / "textwrap.py").read_text(encoding="utf-8")
    start = dedent.index("def dedent(text):")
    copy = dedent[start:dedent.index("\ndef ", start + 1)].replace("def dedent(text)", "def strip_margin(block)")
    parts.append("\n\n" + re.sub(r"\btext\b", "block", copy))
    return "".join(parts)


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
    return f"p50 {statistics.median(ordered) * 1000:,.0f} ms, p90 {p90 * 1000:,.0f} ms (n={len(ordered)})"


def run_cli(root: Path, content: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "kenning", "guard", "--root", str(root), "--file", "app/newmod.py",
                           "--content-file", str(content), "--json"], capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - started
    report = json.loads(done.stdout)["reports"][0]
    assert any(f["existing"] == "textwrap.dedent" for f in report["findings"]), done.stdout[-2000:]
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KENNING_")} | {"HF_HUB_OFFLINE": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        root = copy_stdlib(Path(tmp) / "repo", *INDEXED)
        (root / "app").mkdir()
        text = proposed_file()
        content = Path(tmp) / "newmod.py"
        content.write_text(text, encoding="utf-8")
        started = time.perf_counter()
        service = Service.from_settings(Settings.load(root, embed_on_index=True))
        report = service.index()
        state = service.index_state()
        print(f"index: {report.files_indexed} files, {state['symbols']} symbols ({state['embedded']} embedded)"
              f" in {time.perf_counter() - started:.1f} s")
        checked = service.guard("app/newmod.py", content=text)
        print(f"proposed file: {text.count(chr(10)) + 1} lines, {len(checked['checked'])} definitions looked up,"
              f" findings: {[(f['kind'], f.get('existing') or f.get('reference')) for f in checked['findings']]}")

        print("cold CLI (fresh process, no server):", percentiles([run_cli(root, content, env) for _ in range(args.runs)]))
        warm = []
        for _ in range(args.runs):
            started = time.perf_counter()
            service.guard("app/newmod.py", content=text)
            warm.append(time.perf_counter() - started)
        print("warm service (in-process, model loaded):", percentiles(warm))

        with served(root, env) as port:
            body = json.dumps({"path": "app/newmod.py", "content": text}).encode()
            http = []
            for index in range(args.runs + 1):
                started = time.perf_counter()
                request = urllib.request.Request(f"http://127.0.0.1:{port}/guard", data=body,
                                                 headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(request, timeout=120) as response:
                    json.loads(response.read())
                if index:  # the first request loads the server's model
                    http.append(time.perf_counter() - started)
            print("warm HTTP (POST /guard, server model loaded):", percentiles(http))
            print("warm CLI (fresh process through the server):",
                  percentiles([run_cli(root, content, env) for _ in range(args.runs)]))


@contextmanager
def served(root: Path, env: dict[str, str], timeout: float = 120) -> Iterator[int]:
    """A `kenning serve --no-watch` for `root` on a free loopback port, listening; stopped on leaving."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "kenning", "serve", "--root", str(root), "--port", str(port),
                               "--no-watch"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + timeout
        while not (root / ".kenning/index/serve.json").exists() or not _listening(port):
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("kenning serve did not start")
            time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


if __name__ == "__main__":
    main()
