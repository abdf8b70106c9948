"""JavaScript, TypeScript and Go corpora for bench_exists.py, and their probes, made with tree-sitter.

Corpora (real code nobody here wrote, from the package registries):
  javascript  commander, yargs (build/lib), date-fns (its ES module .js files, not fp/ or locale/): npm
  typescript  rxjs (src/, the TypeScript it is built from): npm. None of commander, yargs or date-fns ships
              TypeScript with bodies (their .d.ts files are declarations only), so rxjs stands in.
  go          logrus, gorilla/mux, testify: Debian's golang-github-{sirupsen-logrus,gorilla-mux,
              stretchr-testify}-dev, under /usr/share/gocode/src (tests excluded)
Tune / held-out halves are by repository: commander and logrus tune, yargs, date-fns, mux and testify are
held out; rxjs, the only TypeScript repository, is split by folder (src/internal/operators tune, the rest
held out).

Probes, from sampled functions and methods of at least five lines:
  T1 the function re-spaced: runs of blanks made one space, indentation doubled, blank lines dropped
     (tokens written together stay together: `a<b<c>>` split to `a<b<c> >` would be another program's text);
  T2 T1 with the function's own name, its parameters and its locals renamed (properties, fields, types
     and package names stay, as a rename refactoring leaves them);
  T3 T2 with one statement added at the top of the body.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from kenning.indexer.languages import language_for_path, new_parser

NPM_PACKAGES = ("commander@14.0.3", "yargs@18.2.0", "date-fns@4.4.0", "rxjs@7.8.2")
GOCODE = Path("/usr/share/gocode/src/github.com")
GO_PACKAGES = ("golang-github-sirupsen-logrus-dev", "golang-github-gorilla-mux-dev", "golang-github-stretchr-testify-dev")


@dataclass(frozen=True)
class Repository:
    name: str
    language: str
    source: str  # "npm" (under node_modules) or "go" (under /usr/share/gocode/src/github.com)
    folder: str  # inside its source
    suffixes: tuple[str, ...]
    split: str  # "tune" or "holdout"
    skip: tuple[str, ...] = ()  # path parts left out


REPOSITORIES = (
    Repository("commander", "javascript", "npm", "commander/lib", (".js",), "tune"),
    Repository("yargs", "javascript", "npm", "yargs/build/lib", (".js",), "holdout"),
    Repository("date-fns", "javascript", "npm", "date-fns", (".js",), "holdout", ("fp", "locale", "docs")),
    Repository("rxjs-operators", "typescript", "npm", "rxjs/src/internal/operators", (".ts",), "tune"),
    Repository("rxjs", "typescript", "npm", "rxjs/src", (".ts",), "holdout", ("operators",)),
    Repository("logrus", "go", "go", "sirupsen/logrus", (".go",), "tune"),
    Repository("mux", "go", "go", "gorilla/mux", (".go",), "holdout"),
    Repository("testify", "go", "go", "stretchr/testify", (".go",), "holdout"),
)

_FUNCTIONS = {
    "javascript": {"function_declaration", "generator_function_declaration", "method_definition"},
    "typescript": {"function_declaration", "generator_function_declaration", "method_definition"},
    "go": {"function_declaration", "method_declaration"},
}
# Nodes printed whole: their inside is text, where spacing is meaning.
_ATOMIC = {"string", "template_string", "regex", "comment", "interpreted_string_literal", "raw_string_literal",
           "rune_literal", "number", "string_fragment"}
_ADDED = {"javascript": "let traceCalls = 0;", "typescript": "let traceCalls = 0;", "go": "traceCalls := 0"}


def fetch_npm(folder: Path) -> Path:
    """node_modules with the npm corpora (installed by npm the first time)."""
    modules = folder / "node_modules"
    if not all((modules / spec.rsplit("@", 1)[0]).is_dir() for spec in NPM_PACKAGES):
        subprocess.run(["npm", "install", "--prefix", str(folder), "--no-audit", "--no-fund", *NPM_PACKAGES],
                       check=True, capture_output=True)
    return modules


def copy_corpora(npm_modules: Path, out: Path, split: str) -> list[Repository]:
    """Copy every repository of `split` ("all", "tune", "holdout") to out/<name>/; tests are left out."""
    if not GOCODE.is_dir():
        raise SystemExit(f"the Go corpora are missing: apt-get update && apt-get install -y {' '.join(GO_PACKAGES)}")
    chosen = [r for r in REPOSITORIES if split in ("all", r.split)]
    for repo in chosen:
        base = (npm_modules if repo.source == "npm" else GOCODE) / repo.folder
        for path in sorted(base.rglob("*")):
            rel = path.relative_to(base)
            if (not path.is_file() or path.suffix not in repo.suffixes or path.name.endswith((".d.ts", "_test.go"))
                    or any(part in repo.skip or part.startswith(("test", "_test")) for part in rel.parts[:-1])):
                continue
            target = out / repo.name / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    return chosen


@dataclass(frozen=True)
class Function:
    path: str  # relative to the corpus root
    language: str
    line: int  # 1-based first line, as the index keeps it
    source: bytes
    node: object  # the tree-sitter node, inside a tree parsed from `source`


def functions(root: Path, repos: list[Repository]) -> list[Function]:
    found = []
    for repo in repos:
        for path in sorted((root / repo.name).rglob("*")):
            spec = language_for_path(path.name)
            if spec is None or spec.name != repo.language:
                continue
            data = path.read_bytes()
            tree = new_parser(spec.name).parse(data)
            pending = [tree.root_node]
            while pending:
                node = pending.pop()
                if node.type in _FUNCTIONS[spec.name] and node.end_point[0] - node.start_point[0] >= 4 \
                        and node.child_by_field_name("body") is not None:
                    found.append(Function(str(path.relative_to(root)), spec.name, node.start_point[0] + 1, data, node))
                pending.extend(node.children)
    return found


def probes(fn: Function) -> dict[str, str]:
    """The T1, T2 and T3 probes of one function."""
    names = _renaming(fn)
    return {"T1": _respaced(fn), "T2": _respaced(fn, names), "T3": _respaced(fn, names, _ADDED[fn.language])}


def _respaced(fn: Function, names: dict[str, str] | None = None, added: str | None = None) -> str:
    names = names or {}
    body = fn.node.child_by_field_name("body")
    out, previous_end = [], fn.node.start_byte
    for leaf in _leaves(fn.node):
        gap = fn.source[previous_end:leaf.start_byte]
        if b"\n" in gap:
            indent = gap.rsplit(b"\n", 1)[1].expandtabs(4)
            out.append("\n" + " " * (2 * len(indent)))
        elif gap:
            out.append(" ")
        text = fn.source[leaf.start_byte:leaf.end_byte].decode("utf-8", "replace")
        out.append(names.get(text, text) if leaf.type in ("identifier", "property_identifier", "field_identifier")
                   and (leaf.type == "identifier" or leaf.parent == fn.node) else text)
        if added and leaf.parent == body and leaf.type == "{":
            out.append(f"\n    {added}")
            added = None
        previous_end = leaf.end_byte
    return "".join(out) + "\n"


def _leaves(node):
    pending = [node]
    while pending:
        current = pending.pop()
        if current.type in _ATOMIC or not current.children:
            if current.end_byte > current.start_byte:
                yield current
            continue
        pending.extend(reversed(current.children))


def _renaming(fn: Function) -> dict[str, str]:
    """The function's own name, its parameters and locals -> new names."""
    declared = set()
    own = fn.node.child_by_field_name("name")
    if own is not None:
        declared.add(fn.source[own.start_byte:own.end_byte].decode())
    pending = [fn.node]
    while pending:
        node = pending.pop()
        pending.extend(node.children)
        if node.type == "identifier" and _declares(node):
            declared.add(fn.source[node.start_byte:node.end_byte].decode())
    declared -= {"_", "this", "self"}
    return {name: f"v{i}{name[::-1]}" for i, name in enumerate(sorted(declared))}


def _declares(node) -> bool:
    """Whether this identifier is a name being declared (a parameter, a local, a loop variable)."""
    parent = node.parent
    kind = parent.type
    if kind in ("formal_parameters", "rest_pattern", "catch_clause", "array_pattern", "parameter_declaration",
                "variadic_parameter_declaration", "var_spec", "const_spec"):
        return True
    if kind in ("variable_declarator", "required_parameter", "optional_parameter"):
        return node in (parent.child_by_field_name("name"), parent.child_by_field_name("pattern"))
    if kind in ("assignment_pattern", "for_in_statement"):
        return node == parent.child_by_field_name("left")
    if kind == "arrow_function":
        return node == parent.child_by_field_name("parameter")
    if kind == "expression_list" and parent.parent is not None and parent.parent.type in (
            "short_var_declaration", "range_clause"):
        return parent == parent.parent.child_by_field_name("left")
    return False
