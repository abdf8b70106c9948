"""Integration guard, part B: recall on planted simulations and disconnected code, false findings on real code.

    .venv/bin/python benchmarks/integration_simulation.py [--per-kind N] [--seed S] [--json OUT]

Projects nobody here wrote: Python packages installed in this virtual environment, and npm's own
lib/ (the JavaScript of the system's npm). Each is copied to a tmp root and indexed (no embeddings:
the checks measured here read the tree and the references, not vectors). Then:

- unmodified: the simulated check over every function (as the guard runs it on a new file) and the
  project-wide disconnected check (as `kenning brief` runs it); every finding on unmodified code
  counts as false, reported per 1,000 definitions (functions, methods, classes) checked;
- planted, one change at a time, each judged by `Service.guard` as a diff of the file on disk would be:
  a function body replaced by a plausible simulation (a literal list of records, a constant-seconds
  sleep then a literal, a random value), a new module nothing imports, a public function nothing calls.
  Recall is the share of plants the guard reports with the right kind on the right definition.

The split is by project, fixed below: tune (patterns were narrowed looking at these) and held out.
Go is not measured: the simulated and disconnected checks judge Python (modules: also JS/TS) only.
"""

from __future__ import annotations

import argparse
import ast
import json
import random
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from kenning.indexer.extract import parse_source
from kenning.service import Service
from kenning.service.disconnected import project_disconnected
from kenning.service.simulated import judged, simulated_findings
from kenning.settings import Settings

SITE = Path(sys.prefix) / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
NPM_LIB = Path("/usr/lib/node_modules/npm/lib")


@dataclass(frozen=True)
class Project:
    name: str
    language: str
    source: Path
    split: str


PROJECTS = (
    Project("httpx", "python", SITE / "httpx", "tune"),
    Project("click", "python", SITE / "click", "tune"),
    Project("starlette", "python", SITE / "starlette", "tune"),
    Project("jinja2", "python", SITE / "jinja2", "holdout"),
    Project("requests", "python", SITE / "requests", "holdout"),
    Project("rich", "python", SITE / "rich", "holdout"),
    Project("npm-lib", "javascript", NPM_LIB, "holdout"),
)
PLANTS = ("simulated-literal", "simulated-sleep", "simulated-random", "disconnected-module", "disconnected-function")
_RECORDS = '[{"id": 1, "name": "example", "status": "active"}, {"id": 2, "name": "sample", "status": "active"}]'
_BODIES = {
    "simulated-literal": ([], [f"return {_RECORDS}"]),
    "simulated-sleep": (["import time"], ["time.sleep(1.5)", 'return {"status": "ok"}']),
    "simulated-random": (["import random"], ["return random.randint(1, 100)"]),
}
_MODULE_NAMES = ("legacy_exporter", "batch_reconciler", "metrics_bridge", "quota_tracker", "archive_sync",
                 "webhook_relay", "session_auditor", "payload_normalizer", "cache_warmer", "ledger_sync",
                 "report_builder", "retry_scheduler")
_FUNCTION_NAMES = ("summarize_entries", "collect_statistics", "normalize_records", "build_index_report",
                   "merge_settings_files", "export_snapshot", "reconcile_totals", "describe_layout",
                   "validate_manifest", "group_by_owner", "render_digest", "count_distinct_keys",
                   "flatten_sections", "archive_old_entries", "compare_revisions")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-kind", type=int, default=12, help="plants per kind per project")
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--json", type=Path, help="write the numbers here too")
    args = parser.parse_args()
    started = time.time()
    results = []
    for project in PROJECTS:
        if not project.source.is_dir():
            print(f"{project.name}: {project.source} is not installed; skipped", file=sys.stderr)
            continue
        with tempfile.TemporaryDirectory(prefix=f"kenning-sim-{project.name}-") as tmp:
            results.append(measure(project, Path(tmp), args.per_kind, random.Random(f"{args.seed}:{project.name}")))
        print(_project_line(results[-1]), file=sys.stderr, flush=True)
    report = {"seconds": round(time.time() - started, 1), "projects": results, "summary": summarize(results)}
    print(render(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


def measure(project: Project, tmp: Path, per_kind: int, rng: random.Random) -> dict:
    root = tmp / "project"
    package = root / (project.source.name if project.language == "python" else "lib")
    shutil.copytree(project.source, package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    service = Service.from_settings(Settings.load(root, embed_on_index=False))
    service.index()
    try:
        false, definitions = unmodified(service, project)
        recall = planted(service, project, per_kind, rng) if project.language == "python" else \
            planted_modules(service, project, per_kind, rng)
    finally:
        service.close()
    return {"project": project.name, "language": project.language, "split": project.split,
            "definitions": definitions, "false": false, "recall": recall}


# -- unmodified code ------------------------------------------------------------------------------

def unmodified(service: Service, project: Project) -> tuple[dict[str, list[str]], int]:
    symbols = [s for s in service.store.all_symbols() if s.kind in ("function", "method", "class")]
    definitions = sum(judged(s.path) for s in symbols)
    false: dict[str, list[str]] = {"simulated": [], "disconnected": []}
    for record in service.store.files():
        if record.language != "python" or not judged(record.path):
            continue
        text = (service.root / record.path).read_text(encoding="utf-8", errors="replace")
        parsed = parse_source(record.path, text.encode("utf-8"), "python")
        false["simulated"] += [f"{record.path}:{f['line']} {f['reason']}" for f in simulated_findings(parsed, text)]
    false["disconnected"] = [f"{f.get('symbol') or f['path']} ({f['path']}:{f['line']})"
                             for f in project_disconnected(service.store, service.root, [])]
    return false, definitions


# -- planted faults -------------------------------------------------------------------------------

def planted(service: Service, project: Project, per_kind: int, rng: random.Random) -> dict[str, list[int]]:
    candidates = _candidate_functions(service)
    rng.shuffle(candidates)
    recall: dict[str, list[int]] = {}
    for kind in _BODIES:
        hits = total = 0
        for path, func, qualified in candidates[:per_kind]:
            text = (service.root / path).read_text(encoding="utf-8")
            changed = _replace_body(text, func, kind)
            report = service.guard(path, content=changed, origin="cli", block_on=[])
            total += 1
            hits += any(f["kind"] == "simulated" and f.get("symbol") == qualified for f in report["findings"])
        recall[kind] = [hits, total]
        rng.shuffle(candidates)
    recall["disconnected-module"] = _plant_modules(service, per_kind, rng, ".py")
    recall["disconnected-function"] = _plant_functions(service, per_kind, rng)
    return recall


def planted_modules(service: Service, project: Project, per_kind: int, rng: random.Random) -> dict[str, list[int]]:
    return {"disconnected-module": _plant_modules(service, per_kind, rng, ".js")}


def _candidate_functions(service: Service) -> list[tuple[str, ast.FunctionDef, str]]:
    """Working functions of shipped code: two or more statements, a call, no yield, plain decorators only."""
    found = []
    for record in service.store.files():
        if record.language != "python" or not judged(record.path) or record.path.endswith("__init__.py"):
            continue
        text = (service.root / record.path).read_text(encoding="utf-8", errors="replace")
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        symbols = {(s.start_line, s.name): s.qualified_name for s in service.store.symbols_in_file(record.path)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef) or node.name.startswith("__") or node.decorator_list:
                continue
            body = node.body[1:] if ast.get_docstring(node) else node.body
            if len(body) < 2 or any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in ast.walk(node)):
                continue
            if not any(isinstance(n, ast.Call) for n in ast.walk(node)) or (node.lineno, node.name) not in symbols:
                continue
            found.append((record.path, node, symbols[(node.lineno, node.name)]))
    found.sort(key=lambda c: (c[0], c[1].lineno))
    return found


def _replace_body(text: str, func: ast.FunctionDef, kind: str) -> str:
    imports, body = _BODIES[kind]
    lines = text.split("\n")
    first = func.body[1] if ast.get_docstring(func) else func.body[0]
    indent = " " * first.col_offset
    start, end = first.lineno - 1, func.end_lineno
    lines[start:end] = [indent + line for line in body]
    return "\n".join(imports + lines)


def _plant_modules(service: Service, count: int, rng: random.Random, suffix: str) -> list[int]:
    folders = sorted({str(Path(r.path).parent) for r in service.store.files() if judged(r.path)
                      and r.path.endswith(suffix) and "/" in r.path})
    hits = total = 0
    for name in rng.sample(_MODULE_NAMES, min(count, len(_MODULE_NAMES))):
        folder = rng.choice(folders)
        sibling = rng.choice([r.path for r in service.store.files() if str(Path(r.path).parent) == folder
                              and r.path.endswith(suffix) and not r.path.endswith("__init__.py")] or [""])
        path = f"{folder}/{name}{suffix}"
        if (service.root / path).exists():
            continue
        content = _python_module(name, sibling) if suffix == ".py" else _js_module(name, sibling)
        report = service.guard(path, content=content, origin="cli", block_on=[])
        total += 1
        hits += any(f["kind"] == "disconnected" and "symbol" not in f for f in report["findings"])
    return [hits, total]


def _python_module(name: str, sibling: str) -> str:
    stem = Path(sibling).stem if sibling else "os"
    return (f'"""{name.replace("_", " ").capitalize()}: glue the package did not have."""\n\n'
            f"from . import {stem}\n\n\n"
            f"def run_{name}(items):\n    \"\"\"Apply {stem} to each item.\"\"\"\n"
            f"    return [{stem}.__name__ + str(item) for item in items]\n")


def _js_module(name: str, sibling: str) -> str:
    stem = Path(sibling).stem if sibling else "util"
    camel = "".join(p.capitalize() for p in name.split("_"))
    return (f"// {name.replace('_', ' ')}: glue the package did not have\n"
            f"const {stem.replace('-', '_')} = require('./{stem}.js')\n\n"
            f"function run{camel} (items) {{\n  return items.map((item) => String(item))\n}}\n\n"
            f"module.exports = {{ run{camel} }}\n")


def _plant_functions(service: Service, count: int, rng: random.Random) -> list[int]:
    modules = sorted(r.path for r in service.store.files() if r.language == "python" and judged(r.path)
                     and not r.path.endswith(("__init__.py", "__main__.py")))
    hits = total = 0
    for name in rng.sample(_FUNCTION_NAMES, min(count, len(_FUNCTION_NAMES))):
        path = rng.choice(modules)
        text = (service.root / path).read_text(encoding="utf-8")
        if name in text:
            continue
        added = text.rstrip("\n") + (f"\n\n\ndef {name}(entries):\n    \"\"\"Each entry's text, in order.\"\"\"\n"
                                     f"    return [str(entry).strip() for entry in entries]\n")
        report = service.guard(path, content=added, origin="cli", block_on=[])
        total += 1
        hits += any(f["kind"] == "disconnected" and f.get("symbol", "").endswith("." + name) for f in report["findings"])
    return [hits, total]


# -- reporting ------------------------------------------------------------------------------------

def summarize(results: list[dict]) -> dict:
    summary: dict = {}
    for split in ("tune", "holdout"):
        for language in sorted({r["language"] for r in results}):
            chosen = [r for r in results if r["split"] == split and r["language"] == language]
            if not chosen:
                continue
            recall = defaultdict(lambda: [0, 0])
            for r in chosen:
                for kind, (hits, total) in r["recall"].items():
                    recall[kind][0] += hits
                    recall[kind][1] += total
            definitions = sum(r["definitions"] for r in chosen)
            false = Counter({kind: sum(len(r["false"][kind]) for r in chosen) for kind in ("simulated", "disconnected")})
            summary[f"{split}/{language}"] = {
                "projects": [r["project"] for r in chosen], "definitions": definitions,
                "recall": {k: {"hits": h, "planted": t, "recall": round(h / t, 3) if t else None}
                           for k, (h, t) in sorted(recall.items())},
                "false_per_1000": {k: round(1000 * n / definitions, 2) if definitions else None for k, n in false.items()},
                "false": dict(false)}
    return summary


def _project_line(result: dict) -> str:
    recall = ", ".join(f"{k} {h}/{t}" for k, (h, t) in result["recall"].items())
    false = ", ".join(f"{k} {len(v)}" for k, v in result["false"].items())
    return f"{result['project']} ({result['split']}, {result['definitions']} definitions): {recall}; false: {false}"


def render(report: dict) -> str:
    lines = [f"integration_simulation: {report['seconds']} s"]
    for key, item in report["summary"].items():
        lines.append(f"\n{key} ({', '.join(item['projects'])}; {item['definitions']} definitions)")
        for kind, r in item["recall"].items():
            lines.append(f"  recall {kind}: {r['hits']}/{r['planted']} = {r['recall']}")
        for kind, n in item["false"].items():
            lines.append(f"  false {kind}: {n} ({item['false_per_1000'][kind]} per 1,000 definitions)")
    lines.append("\nfalse findings on unmodified code:")
    for result in report["projects"]:
        for kind, found in result["false"].items():
            lines += [f"  {result['project']} [{kind}] {f}" for f in found]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
