"""Integration guard: recall on planted faults and false findings on unmodified real code.

Projects (real code nobody here wrote), split into a tune and a held-out half by project:
  python      rich, click (tune); jinja2, httpx (held out): installed in this venv's site-packages
  javascript  commander/lib (tune); yargs/build/lib (held out): npm (benchmarks/exists_corpora.py)
  go          gorilla/mux (tune); sirupsen/logrus (held out): Debian golang-github-*-dev
Each is copied into a temp dir and indexed without embeddings. Faults (integration_faults.py) are planted
one at a time in a copy of one file, and the guard's reference checks judge that file as proposed (its
base: the file on disk, so only the changed lines count); a fault is found when a finding of the expected
kind names its line (for signature faults: each broken caller, `path:line`, counted separately).
False findings: every unmodified source file, judged whole as if new; each finding is false (the code is
a released package), and the rate is per 1,000 definitions (functions, methods, classes) in them.

    .venv/bin/python benchmarks/bench_integration.py [--per-kind 40] [--seed 7] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import sysconfig
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from exists_corpora import GOCODE, fetch_npm  # noqa: E402
from integration_faults import FAULTS, Planted, Project  # noqa: E402

from kenning.indexer.extract import parse_source  # noqa: E402
from kenning.indexer.languages import language_for_path  # noqa: E402
from kenning.service import Service  # noqa: E402
from kenning.service.change_references import reference_findings  # noqa: E402
from kenning.settings import Settings  # noqa: E402

SITE = Path(sysconfig.get_paths()["purelib"])
NPM_CACHE = Path("/tmp/kenning-bench-npm")
# (name, language, where it comes from, folder inside, copied as, split)
PROJECTS = (
    ("rich", "python", "site", "rich", "rich", "tune"),
    ("click", "python", "site", "click", "click", "tune"),
    ("jinja2", "python", "site", "jinja2", "jinja2", "holdout"),
    ("httpx", "python", "site", "httpx", "httpx", "holdout"),
    ("commander", "javascript", "npm", "commander/lib", "lib", "tune"),
    ("yargs", "javascript", "npm", "yargs/build/lib", "lib", "holdout"),
    ("gorilla-mux", "go", "go", "gorilla/mux", ".", "tune"),
    ("logrus", "go", "go", "sirupsen/logrus", ".", "holdout"),
)
_TESTS = ("test", "tests", "testing", "_test.go", ".test.", "examples", "example")


def is_test(path: str) -> bool:
    parts = path.split("/")
    return any(p in _TESTS or p.startswith("test_") or p.endswith("_test.go") for p in parts)


def copy_project(spec, work: Path) -> Path | None:
    name, language, source, folder, copied_as, _ = spec
    base = {"site": SITE, "go": GOCODE}.get(source)
    if source == "npm":
        base = fetch_npm(NPM_CACHE)
    origin = base / folder
    if not origin.is_dir():
        print(f"  {name}: {origin} not found, skipped", file=sys.stderr)
        return None
    root = work / name
    target = root / copied_as
    shutil.copytree(origin, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "vendor", "node_modules"),
                    dirs_exist_ok=True)
    return root


def definitions_in(root: Path, paths: list[str]) -> int:
    count = 0
    for path in paths:
        spec = language_for_path(path)
        parsed = parse_source(path, (root / path).read_bytes(), spec.name)
        count += sum(s.kind in ("function", "method", "class", "struct", "interface") for s in parsed.symbols)
    return count


def judge(project: Project, path: str, content: str, base: str) -> tuple[list[dict], float]:
    service = project.service
    spec = language_for_path(path)
    parsed = parse_source(path, content.encode("utf-8"), spec.name)
    previous = parse_source(path, base.encode("utf-8"), spec.name) if base else None
    started = time.perf_counter()
    findings = reference_findings(service.store, project.root, parsed, previous, base, content,
                                  time.monotonic() + 5.0, [])
    return findings, time.perf_counter() - started


def found(planted: Planted, findings: list[dict]) -> tuple[int, int]:
    """(hits, expected) for one planted fault."""
    if planted.callers:
        listed = {c for f in findings if f["kind"] == planted.expect for c in f.get("callers", ())}
        return sum(c in listed for c in planted.callers), len(planted.callers)
    return int(any(f["kind"] == planted.expect and f["line"] == planted.line for f in findings)), 1


def run(args) -> dict:
    rng = random.Random(args.seed)
    results = {"projects": [], "faults": [], "false": []}
    with tempfile.TemporaryDirectory(prefix="kenning-integration-") as tmp:
        for spec in PROJECTS:
            name, language, _, _, _, split = spec
            root = copy_project(spec, Path(tmp))
            if root is None:
                continue
            service = Service.from_settings(Settings.load(root, embed_on_index=False))
            service.index()
            files = sorted(f.path for f in service.store.files() if not is_test(f.path)
                           and language_for_path(f.path) and language_for_path(f.path).name.startswith(language[:2]))
            project = Project(name, language, root, service, split, files)
            counts = defaultdict(lambda: [0, 0])
            for kind, transform in FAULTS.items():
                for planted in transform(project, rng, args.per_kind):
                    findings, _ = judge(project, planted.path, planted.content, project.text(planted.path))
                    hits, expected = found(planted, findings)
                    counts[kind][0] += hits
                    counts[kind][1] += expected
                    if hits < expected and args.verbose:
                        print(f"  missed {name} {kind} {planted.path}:{planted.line} {planted.note}"
                              f" {[f['message'] for f in findings][:2]}", file=sys.stderr)
            false, seconds = [], []
            for path in files:
                findings, took = judge(project, path, project.text(path), "")
                seconds.append(took)
                false += [{"project": name, "path": path, **{k: f[k] for k in ("kind", "line", "message")}}
                          for f in findings]
            checked = definitions_in(root, files)
            seconds.sort()
            row = {"project": name, "language": language, "split": split, "files": len(files),
                   "definitions": checked, "false": len(false),
                   "false_per_1000": round(1000 * len(false) / max(checked, 1), 2),
                   "p50_ms_per_file": round(1000 * seconds[len(seconds) // 2], 1) if seconds else None,
                   "recall": {k: {"found": h, "planted": n} for k, (h, n) in counts.items() if n}}
            results["projects"].append(row)
            results["false"] += false
            print(json.dumps(row), flush=True)
            service.close()
    results["summary"] = summarize(results["projects"])
    return results


def summarize(rows: list[dict]) -> dict:
    out: dict = {}
    for row in rows:
        key = f"{row['language']}/{row['split']}"
        entry = out.setdefault(key, {"definitions": 0, "false": 0, "recall": defaultdict(lambda: [0, 0])})
        entry["definitions"] += row["definitions"]
        entry["false"] += row["false"]
        for kind, r in row["recall"].items():
            entry["recall"][kind][0] += r["found"]
            entry["recall"][kind][1] += r["planted"]
    for entry in out.values():
        entry["false_per_1000"] = round(1000 * entry["false"] / max(entry["definitions"], 1), 2)
        entry["recall"] = {k: f"{h}/{n} = {h / n:.2f}" for k, (h, n) in entry["recall"].items()}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-kind", type=int, default=40, help="faults planted per kind and project")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", nargs="*", help="project names")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    global PROJECTS
    if args.only:
        PROJECTS = tuple(p for p in PROJECTS if p[0] in args.only)
    results = run(args)
    print(json.dumps(results["summary"], indent=2))
    for f in results["false"]:
        print(f"  false: {f['project']} {f['path']}:{f['line']} [{f['kind']}] {f['message']}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
