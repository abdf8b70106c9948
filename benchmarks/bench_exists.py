"""exists() quality and speed on real code nobody here wrote (standard-library packages).

The index holds a copy of the corpus with docstrings and comments stripped. Probes come from
sampled functions of the original files:
  T1 reformatted copy (re-spaced by tokenize), T2 T1 with the function, parameter and local names
  consistently renamed, T3 T2 with one statement added or removed, T4 the docstring's first
  sentence as a description; negatives are functions from other stdlib modules, including ones
  that share a name with an indexed function (probed with code and name).
Reports top-1/top-5 per probe kind, precision and recall of the "exists" verdict, the false
"exists" rate on negatives, and exists latency.

Top-1 is scored two ways. "strict": the top candidate is the sampled function itself. "clone-aware":
it is the sampled function or another indexed definition with exactly its fingerprint (the same
token structure, e.g. `message_from_string` / `message_from_bytes`): a probe made from one of two
structurally identical definitions is an equally faithful copy of the other, and either answer
tells the user the code exists. Both are printed; docs/benchmarks.md reports both.

`--split tune` / `--split holdout` sample from two fixed, disjoint halves of the functions (by a
hash of the qualified name), so parameters tuned on one half can be checked on the other.

    .venv/bin/python benchmarks/bench_exists.py [--sample 100] [--seed 11] [--split all|tune|holdout]

`--corpora js-ts-go` runs T1-T3 instead on JavaScript, TypeScript and Go repositories (exists_corpora.py
lists them and their tune / held-out halves, which are by repository), indexed together as one project,
through each of `--surfaces service,http,mcp` (exists_surfaces.py): in process with the language given,
and over HTTP and MCP with no language, so the server infers it. Per surface, language and probe kind it
reports top-1 (strict: the sampled definition itself; clone-aware as above), the "exists" rate, how often
the answer's language was the file's, and latency:

    .venv/bin/python benchmarks/bench_exists.py --corpora js-ts-go --sample 60 --surfaces service,http,mcp
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import io
import random
import shutil
import tempfile
import textwrap
import time
import tokenize
from collections import Counter
from pathlib import Path

import numpy as np
from bench_search import DEFAULT_PACKAGES, STDLIB, strip_tree
from exists_corpora import copy_corpora, fetch_npm, functions as corpus_functions, probes as corpus_probes
from exists_surfaces import SURFACES, surface

from kenning.service import Service
from kenning.settings import Settings

NEGATIVE_MODULES = ("difflib.py", "calendar.py", "ipaddress.py", "statistics.py", "fractions.py", "pydoc.py",
                    "configparser.py", "imaplib.py", "smtplib.py", "tarfile.py", "zipfile.py", "pprint.py")


def functions(root: Path, names: tuple[str, ...]) -> list[dict]:
    out = []
    for name in names:
        src = root / name
        for path in sorted(src.rglob("*.py")) if src.is_dir() else [src]:
            rel = path.relative_to(root)
            if any(part.startswith("test") for part in rel.parts):
                continue
            text = path.read_text(encoding="utf-8")
            lines = text.splitlines()
            module = ".".join(rel.with_suffix("").parts).removesuffix(".__init__")
            _walk(ast.parse(text), module, "", lines, out)
    return out


def _walk(node, module: str, prefix: str, lines: list[str], out: list[dict]) -> None:
    for child in node.body:
        if isinstance(child, ast.ClassDef):
            _walk(child, module, f"{prefix}{child.name}.", lines, out)
        elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) and child.end_lineno - child.lineno >= 4:
            source = textwrap.dedent("\n".join(lines[child.lineno - 1:child.end_lineno])) + "\n"
            out.append({"qualified_name": f"{module}.{prefix}{child.name}", "name": child.name, "node": child,
                        "source": source, "doc": ast.get_docstring(child) or ""})


def respaced(source: str, names: dict[str, str] | None = None) -> str:
    names = names or {}
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return tokenize.untokenize(
        (t.type, names.get(t.string, t.string) if t.type == tokenize.NAME else t.string) for t in tokens)


def renaming(fn: dict) -> dict[str, str]:
    node = fn["node"]
    local = {a.arg for a in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]} - {"self", "cls"}
    local |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    mapping = {name: f"v_{i}_{name[::-1]}" for i, name in enumerate(sorted(local))}
    mapping[fn["name"]] = f"renamed_{fn['name']}"
    return mapping


def edited(source: str, rng: random.Random) -> str:
    """Add or remove one statement in the function body (at its first indentation level).

    Statements come from the syntax tree, so a removal takes a whole statement (all its lines) and never
    a line of the docstring, and an insertion goes after the docstring: every probe is valid Python."""
    try:
        function = ast.parse(source).body[0]
    except SyntaxError:
        return source
    lines = source.splitlines()
    body = function.body
    if ast.get_docstring(function, clean=False) is not None:
        body = body[1:]
    if not body:
        return source
    simple = [s for s in body[1:] if not isinstance(s, _COMPOUND + (ast.Return,)) and s.lineno > body[0].end_lineno]
    if simple and rng.random() < 0.5:
        removed = rng.choice(simple)
        del lines[removed.lineno - 1:removed.end_lineno]
    else:
        first = lines[body[0].lineno - 1]
        lines.insert(body[0].lineno - 1, " " * (len(first) - len(first.lstrip())) + "trace_calls = trace_calls + 1 if False else 0")
    return "\n".join(lines) + "\n"


_COMPOUND = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try, ast.FunctionDef,
             ast.AsyncFunctionDef, ast.ClassDef, ast.Match) + ((ast.TryStar,) if hasattr(ast, "TryStar") else ())


def in_split(qualified_name: str, split: str) -> bool:
    """A fixed half of the functions for tuning, the other half held out."""
    if split == "all":
        return True
    half = hashlib.blake2b(qualified_name.encode(), digest_size=2).digest()[0] % 2
    return half == (0 if split == "tune" else 1)


def main(sample: int, keep: Path | None, seed: int = 11, split: str = "all", show_misses: bool = False) -> None:
    rng = random.Random(seed)
    work = keep or Path(tempfile.mkdtemp(prefix="kenning-bench-exists-"))
    try:
        if not (work / ".kenning").exists():
            strip_tree(STDLIB, DEFAULT_PACKAGES, work)
        service = Service.from_settings(Settings.load(work))
        started = time.perf_counter()
        report = service.index()
        print(f"index: {report.symbols} symbols, embeddings included, in {time.perf_counter() - started:.1f}s")
        indexed = {s.qualified_name for s in service.store.all_symbols()}
        positives = [f for f in functions(STDLIB, DEFAULT_PACKAGES)
                     if f["qualified_name"] in indexed and in_split(f["qualified_name"], split)]
        chosen = rng.sample(positives, min(sample, len(positives)))
        with_doc = rng.sample([f for f in positives if len(f["doc"].split()) >= 4], min(sample, len(positives)))
        names = {s.name for s in service.store.all_symbols()}
        others = [f for f in functions(STDLIB, NEGATIVE_MODULES) if in_split(f["qualified_name"], split)]
        same_name = [f for f in others if f["name"] in names and not f["name"].startswith("__")]
        negatives = rng.sample(same_name, min(sample // 2, len(same_name)))
        negatives += rng.sample([f for f in others if f not in negatives], sample - len(negatives))
        probes = []
        for fn in chosen:
            t1 = respaced(fn["source"])
            t2 = respaced(fn["source"], renaming(fn))
            probes += [("T1", fn["qualified_name"], {"code": t1}), ("T2", fn["qualified_name"], {"code": t2}),
                       ("T3", fn["qualified_name"], {"code": edited(t2, rng)})]
        for fn in with_doc:
            sentence = fn["doc"].strip().split("\n\n")[0].split(". ")[0]
            probes.append(("T4", fn["qualified_name"], {"description": " ".join(sentence.split())}))
        for fn in negatives:
            probes.append(("negative", None, {"code": respaced(fn["source"]), "name": fn["name"]}))
        run_probes(service, probes, show_misses)
    finally:
        if keep is None:
            shutil.rmtree(work, ignore_errors=True)


def run_probes(service: Service, probes: list, show_misses: bool = False) -> None:
    fingerprints = dict(service.store.conn.execute("SELECT qualified_name, fingerprint FROM symbols"))
    stats: dict[str, dict[str, list]] = {}
    times = []
    verdicts: dict[str, list[tuple[bool, bool]]] = {"strict": [], "clone-aware": []}
    for kind, target, probe in probes:
        started = time.perf_counter()
        answer = service.exists(**probe, limit=5)
        times.append(time.perf_counter() - started)
        names = [c["qualified_name"] for c in answer["candidates"]]
        row = stats.setdefault(kind, {"top1": [], "clone_top1": [], "top5": [], "exists": []})
        said_exists = answer["verdict"] == "exists"
        row["exists"].append(said_exists)
        if target is None:
            if show_misses and said_exists:
                print(f"  MISS negative {probe.get('name')}: exists, top {names[:3]}")
            for scoring in verdicts.values():
                scoring.append((said_exists, False))
            continue
        strict = names[:1] == [target]
        clone = strict or bool(names) and fingerprints.get(names[0]) == fingerprints.get(target)
        row["top1"].append(strict)
        row["clone_top1"].append(clone)
        row["top5"].append(target in names[:5])
        verdicts["strict"].append((said_exists, strict))
        verdicts["clone-aware"].append((said_exists, clone))
        if show_misses and (not strict if kind != "T4" else target not in names[:5]):
            print(f"  MISS {kind} {target}: {'clone ' if clone else ''}got {names[:3]} ({answer['verdict']})")
    for kind, row in stats.items():
        line = f"{kind:>8}: n={len(row['exists'])}"
        if row["top1"]:
            line += (f"  top-1 {np.mean(row['top1']):.3f} (clone-aware {np.mean(row['clone_top1']):.3f})"
                     f"  top-5 {np.mean(row['top5']):.3f}")
        print(line + f"  verdict exists {np.mean(row['exists']):.3f}")
    positives = sum(len(row["top1"]) for row in stats.values())
    for scoring, rows in verdicts.items():
        right = sum(said and ok for said, ok in rows)
        answered = sum(said for said, _ in rows)
        print(f"'exists' precision ({scoring}) {right / max(answered, 1):.3f} (exists with the right top-1 / all"
              f" exists), recall {right / max(positives, 1):.3f} over {positives} positive probes")
    print(f"false 'exists' on negatives: {np.mean(stats['negative']['exists']):.3f}")
    print(f"exists latency: p50 {np.percentile(times, 50) * 1000:.1f} ms, p95 {np.percentile(times, 95) * 1000:.1f} ms")


def main_languages(sample: int, keep: Path | None, seed: int, split: str, surfaces: list[str], npm: Path,
                   show_misses: bool = False) -> None:
    """T1-T3 on the JavaScript, TypeScript and Go corpora, through each surface."""
    rng = random.Random(seed)
    work = keep or Path(tempfile.mkdtemp(prefix="kenning-bench-exists-languages-"))
    try:
        repos = copy_corpora(fetch_npm(npm), work, split)
        service = Service.from_settings(Settings.load(work))
        started = time.perf_counter()
        report = service.index()
        print(f"index: {report.files_indexed + report.files_unchanged} files, {report.symbols} symbols "
              f"({dict(Counter(f.language for f in service.store.files()))}), embeddings included, in "
              f"{time.perf_counter() - started:.1f}s")
        by_end = {(s.path, s.end_line): s.qualified_name for s in service.store.all_symbols()}
        fingerprints = dict(service.store.conn.execute("SELECT qualified_name, fingerprint FROM symbols"))
        indexed = [f for f in corpus_functions(work, repos) if (f.path, f.node.end_point[0] + 1) in by_end]
        probes = []
        for language in sorted({f.language for f in indexed}):
            pool = [f for f in indexed if f.language == language]
            for fn in rng.sample(pool, min(sample, len(pool))):
                target = by_end[(fn.path, fn.node.end_point[0] + 1)]
                probes += [(language, kind, target, code) for kind, code in corpus_probes(fn).items()]
        service.close()  # the servers below open the index themselves
        for name in surfaces:
            service = Service.from_settings(Settings.load(work))
            with surface(name, service, work) as ask:
                ask(probes[0][3], probes[0][0])  # loads the model before the clock starts
                _report_surface(name, ask, probes, fingerprints, show_misses)
            service.close()
    finally:
        if keep is None:
            shutil.rmtree(work, ignore_errors=True)


def _report_surface(name: str, ask, probes: list, fingerprints: dict[str, str], show_misses: bool) -> None:
    rows: dict[tuple[str, str], dict[str, list]] = {}
    times = []
    for language, kind, target, code in probes:
        started = time.perf_counter()
        answer = ask(code, language)
        times.append(time.perf_counter() - started)
        top = [c["qualified_name"] for c in answer["candidates"][:1]]
        row = rows.setdefault((language, kind), {"top1": [], "clone": [], "exists": [], "language": []})
        row["top1"].append(top == [target])
        row["clone"].append(top == [target] or bool(top) and fingerprints.get(top[0]) == fingerprints.get(target))
        row["exists"].append(answer["verdict"] == "exists")
        row["language"].append(answer.get("language") == language)  # an answer without one (older servers): wrong
        if show_misses and (top != [target] or answer["verdict"] != "exists"):
            print(f"  MISS {name} {kind} {target}: got {top} ({answer['verdict']}, read as {answer.get('language')})")
    print(f"surface {name}" + (" (language given)" if name == "service" else " (no language: inferred)"))
    for (language, kind), row in sorted(rows.items()):
        print(f"  {language:>10} {kind}: n={len(row['top1'])}  top-1 {np.mean(row['top1']):.3f} (clone-aware "
              f"{np.mean(row['clone']):.3f})  exists {np.mean(row['exists']):.3f}  language right "
              f"{np.mean(row['language']):.3f}")
    print(f"  exists latency: p50 {np.percentile(times, 50) * 1000:.1f} ms, p95 {np.percentile(times, 95) * 1000:.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=int, default=100)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the stripped, indexed corpus here")
    parser.add_argument("--seed", type=int, default=11, help="sampling seed")
    parser.add_argument("--split", choices=("all", "tune", "holdout"), default="all",
                        help="sample from one fixed half (tune) or the other (holdout): of the functions (stdlib), "
                             "of the repositories (js-ts-go)")
    parser.add_argument("--misses", action="store_true", help="print every miss and false 'exists'")
    parser.add_argument("--corpora", choices=("stdlib", "js-ts-go"), default="stdlib",
                        help="the standard library's Python (T1-T4 and negatives) or JavaScript, TypeScript and Go")
    parser.add_argument("--surfaces", default="service",
                        help=f"with --corpora js-ts-go: comma-separated, of {', '.join(SURFACES)}")
    parser.add_argument("--npm", type=Path, default=Path(tempfile.gettempdir()) / "kenning-bench-npm",
                        help="where npm installs the JavaScript and TypeScript corpora")
    args = parser.parse_args()
    if args.corpora == "stdlib":
        main(args.sample, args.keep, args.seed, args.split, args.misses)
    else:
        main_languages(args.sample, args.keep, args.seed, args.split, args.surfaces.split(","), args.npm,
                       args.misses)
