"""Indexing benchmark on a copy of the CPython standard library (run by hand or `make bench`).

One run measures, each in its own subprocess so wall time and peak memory are the whole
program's (interpreter start, imports and worker processes included):

- kenning: cold index (no index folder), no-op re-index, one-file-changed re-index
  (`kenning index ROOT --json`);
- a parse-only floor: tree-sitter parsing of the same files with the same grammar wheels and
  the same number of worker processes, and nothing else;
- universal-ctags on the same files, if `ctags` is on the PATH;
- aider's repo map (cold and with its tag cache warm), if aider-chat is installed in its own
  venv (`--aider-python`, default /tmp/aider-venv/bin/python).

Peak RSS is sampled from /proc every 20 ms over the process and all its descendants: "tree"
is the sum of each process's own high-water mark (VmHWM), an upper bound of what the run held
at once; "largest" is the biggest single process. (getrusage's ru_maxrss is not used: after a
vfork it counts the parent's memory too, and for children it reports only the largest one.) The result is a Markdown table on stdout.

    .venv/bin/python benchmarks/bench_index.py [--workdir DIR] [--keep] [--json OUT]
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
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
KENNING = Path(sys.executable).parent / "kenning"
DEFAULT_AIDER_PYTHON = "/tmp/aider-venv/bin/python"
CHANGED_FILE = "json/decoder.py"
MB = 1_000_000


@dataclass
class Measured:
    tool: str
    run: str
    seconds: float
    files: int
    megabytes: float
    symbols: int | None = None
    tree_rss: int = 0  # bytes: sum of per-process high-water marks
    largest_rss: int = 0  # bytes: the biggest single process
    note: str = ""
    extra: dict = field(default_factory=dict)


# -- measuring a process tree ---------------------------------------------------------------


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: fields start after the last ')'.
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def _descendants(pid: int) -> list[tuple[int, int]]:
    """(pid, parent pid) of `pid` and everything below it."""
    children = _children_map()
    found, stack = [], [(pid, 0)]
    while stack:
        current, parent = stack.pop()
        found.append((current, parent))
        stack.extend((child, current) for child in children.get(current, ()))
    return found


def _cmdline(pid: int) -> bytes | None:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read()
    except OSError:
        return None


def _high_water_mark(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def run_measured(command: list[str], env: dict[str, str] | None = None, cwd: str | None = None) -> tuple[float, int, int, str]:
    """(wall seconds, tree peak RSS, largest process peak RSS, stdout) of one command."""
    marks: dict[int, int] = {0: 0}
    own_cmdline = _cmdline(os.getpid())
    done = threading.Event()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env, cwd=cwd)

        def sample() -> None:
            while not done.is_set():
                for pid, parent in _descendants(process.pid):
                    # Between fork and exec a child still shows its parent's memory: skip it then.
                    if _cmdline(pid) == (_cmdline(parent) if parent else own_cmdline):
                        continue
                    mark = _high_water_mark(pid)
                    if mark is not None:
                        marks[pid] = max(marks.get(pid, 0), mark)
                done.wait(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status = os.waitpid(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        done.set()
        sampler.join()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if process.returncode != 0:
        raise RuntimeError(f"{command[0]} failed ({process.returncode}):\n{stderr[-2000:]}")
    return seconds, sum(marks.values()), max(marks.values()), stdout


# -- the corpus ------------------------------------------------------------------------------


def copy_stdlib(workdir: Path) -> Path:
    source = Path(sysconfig.get_paths()["stdlib"])
    target = workdir / "stdlib"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, symlinks=True,
                    ignore=shutil.ignore_patterns("site-packages", "__pycache__"))
    return target


def corpus_files(root: Path) -> list[tuple[str, str, int]]:
    """(relative path, language, size) of what kenning's walker would hand to the parser."""
    sys.path.insert(0, str(REPO))
    from kenning.indexer.walker import walk
    from kenning.settings import Settings

    limit = Settings.model_fields["max_file_bytes"].default
    walked = walk(root, exclude=[], max_file_bytes=limit)
    return [(c.path, c.language, c.size) for c in walked.candidates]


# -- the runs --------------------------------------------------------------------------------


# `kenning index` with the search rows (body words, clone bands, texts to embed; computed in the
# parser workers) and the search-preparation step skipped: the code index alone, comparable to the
# parse floor and to runs from before search existed.
_CODE_ONLY = """
import sys
import types
import kenning.service.indexing as indexing
indexing.prepare_search = lambda *args, **kwargs: 0
indexing.search_rows = types.SimpleNamespace(for_file=None)
from kenning.cli import main
sys.argv = ["kenning", "index", sys.argv[1], "--json"]
main()
"""


def bench_kenning(root: Path, files: int, megabytes: float) -> list[Measured]:
    results = []
    # Embedding is measured in the search benchmark; here it would dominate everything.
    env = os.environ | {"KENNING_EMBED_ON_INDEX": "false"}

    def index(run: str, command: list[str]) -> Measured:
        seconds, tree, largest, stdout = run_measured(command, env=env)
        report = json.loads(stdout)
        return Measured("kenning", run, seconds, files, megabytes, report["symbols"], tree, largest,
                        note=f"{report['files_indexed']} parsed, {report['edges']} edges, in-process {report['seconds']} s",
                        extra=report)

    cli = [str(KENNING), "index", str(root), "--json"]
    shutil.rmtree(root / ".kenning", ignore_errors=True)
    results.append(index("cold index, code index only", [sys.executable, "-c", _CODE_ONLY, str(root)]))
    shutil.rmtree(root / ".kenning", ignore_errors=True)
    results.append(index("cold index", cli))
    results.append(index("no-op re-index", cli))
    changed = root / CHANGED_FILE
    with changed.open("a", encoding="utf-8") as fh:
        fh.write("\n\ndef _bench_added(text):\n    return JSONDecoder().decode(text)\n")
    results.append(index("one file changed", cli))
    return results


def bench_floor(root: Path, listing: Path, files: int, megabytes: float, workers: int) -> Measured:
    command = [sys.executable, __file__, "--parse-floor", str(listing), "--root", str(root), "--workers", str(workers)]
    seconds, tree, largest, stdout = run_measured(command)
    return Measured("tree-sitter parse only", f"floor, {workers} workers", seconds, files, megabytes,
                    None, tree, largest, note=stdout.strip())


def bench_ctags(root: Path, listing: Path, files: int, megabytes: float, workdir: Path) -> Measured | None:
    ctags = shutil.which("ctags")
    if ctags is None:
        print("universal-ctags not found: install it with `apt-get install -y universal-ctags`", file=sys.stderr)
        return None
    tags = workdir / "tags"
    seconds, tree, largest, _ = run_measured([ctags, "-L", str(listing), "-f", str(tags)], cwd=str(root))
    count = sum(1 for line in tags.open(encoding="utf-8", errors="replace") if not line.startswith("!_"))
    version = subprocess.run([ctags, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    return Measured("universal-ctags", "definitions, 1 process", seconds, files, megabytes, count, tree, largest,
                    note=version.split(",")[0])


# Runs inside aider's own venv; aider is never imported into kenning's.
_AIDER_SCRIPT = """
import os, sys, time
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
from aider.io import InputOutput
from aider.models import Model
from aider.repomap import RepoMap
root, listing = sys.argv[1], sys.argv[2]
files = [os.path.join(root, line.strip()) for line in open(listing) if line.strip()]
io = InputOutput(pretty=False, yes=True, fancy_input=False)
repo_map = RepoMap(map_tokens=1024, root=root, main_model=Model("gpt-4o-mini"), io=io)
started = time.perf_counter()
text = repo_map.get_repo_map([], files) or ""
print(f"map {len(text)} chars in {time.perf_counter() - started:.1f} s after imports")
"""


def bench_aider(root: Path, listing: Path, files: int, megabytes: float, python: str) -> list[Measured]:
    if not Path(python).exists():
        print(f"aider not found at {python}: `python3 -m venv /tmp/aider-venv && /tmp/aider-venv/bin/pip install"
              " aider-chat`, or pass --aider-python", file=sys.stderr)
        return []
    version = subprocess.run([python, "-c", "import aider; print(aider.__version__)"],
                             capture_output=True, text=True).stdout.strip()
    for cache in root.glob(".aider.tags.cache.*"):
        shutil.rmtree(cache)
    env = os.environ | {"HF_HUB_OFFLINE": "1", "AIDER_ANALYTICS": "false"}
    results = []
    for run in ("repo map, cold", "repo map, tag cache warm"):
        seconds, tree, largest, stdout = run_measured([python, "-c", _AIDER_SCRIPT, str(root), str(listing)], env=env)
        results.append(Measured(f"aider-chat {version}", run, seconds, files, megabytes, None, tree, largest,
                                note=stdout.strip().splitlines()[-1] if stdout.strip() else ""))
    return results


# -- the parse-only floor (runs as its own process) ------------------------------------------


def _parse_one(job: tuple[str, str, str]) -> int:
    root, path, language = job
    parser = _parser(language)
    data = (Path(root) / path).read_bytes()
    return parser.parse(data).root_node.child_count


_PARSERS: dict = {}


def _parser(language: str):
    parser = _PARSERS.get(language)
    if parser is None:
        import importlib

        from tree_sitter import Language, Parser

        sys.path.insert(0, str(REPO))
        from kenning.indexer.languages import language_named

        module, function = language_named(language).grammar
        parser = _PARSERS[language] = Parser(Language(getattr(importlib.import_module(module), function)()))
    return parser


def parse_floor(listing: Path, root: str, workers: int) -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    jobs = []
    for line in listing.read_text().splitlines():
        path, language = line.split("\t")
        jobs.append((root, path, language))
    context = multiprocessing.get_context("spawn")
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        nodes = sum(pool.map(_parse_one, jobs, chunksize=16))
    print(f"{len(jobs)} files parsed in {time.perf_counter() - started:.2f} s in the pool ({nodes} top-level nodes)")


# -- report ------------------------------------------------------------------------------------


def table(results: list[Measured], floor: float | None) -> str:
    lines = [
        "| tool | run | files | wall s | files/s | MB/s | symbols | x floor | peak RSS, tree (MB) | largest process (MB) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        ratio = f"{r.seconds / floor:.2f}" if floor and r.run not in ("no-op re-index", "one file changed") else ""
        lines.append(
            f"| {r.tool} | {r.run} | {r.files:,} | {r.seconds:.2f} | {r.files / r.seconds:,.0f} | {r.megabytes / r.seconds:.1f}"
            f" | {'' if r.symbols is None else f'{r.symbols:,}'} | {ratio} | {r.tree_rss / MB:,.0f} | {r.largest_rss / MB:,.0f} |"
        )
    notes = [f"- {r.tool}, {r.run}: {r.note}" for r in results if r.note]
    return "\n".join([*lines, "", *notes])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--workdir", type=Path, help="where to copy the stdlib (default: a new tmp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the copy and its index afterwards")
    parser.add_argument("--workers", type=int, default=0, help="parse-floor workers (default: one per core, like kenning)")
    parser.add_argument("--aider-python", default=DEFAULT_AIDER_PYTHON)
    parser.add_argument("--skip-aider", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the raw measurements here")
    parser.add_argument("--parse-floor", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.parse_floor:
        parse_floor(args.parse_floor, args.root, args.workers)
        return

    workers = args.workers or os.cpu_count() or 1
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="kenning-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        root = copy_stdlib(workdir)
        files = corpus_files(root)
        megabytes = sum(size for _, _, size in files) / MB
        listing = workdir / "files.tsv"
        listing.write_text("".join(f"{path}\t{language}\n" for path, language, _ in files))
        paths = workdir / "files.txt"
        paths.write_text("".join(f"{path}\n" for path, _, _ in files))
        print(f"corpus: {len(files):,} files, {megabytes:.1f} MB, copied from {sysconfig.get_paths()['stdlib']}",
              file=sys.stderr, flush=True)

        results = [bench_floor(root, listing, len(files), megabytes, workers)]
        results += bench_kenning(root, len(files), megabytes)
        ctags = bench_ctags(root, paths, len(files), megabytes, workdir)
        if ctags is not None:
            results.append(ctags)
        if not args.skip_aider:
            results += bench_aider(root, paths, len(files), megabytes, args.aider_python)

        print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores; corpus {len(files):,} files,"
              f" {megabytes:.1f} MB\n")
        print(table(results, results[0].seconds))
        if args.json:
            args.json.write_text(json.dumps([r.__dict__ for r in results], indent=2))
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
