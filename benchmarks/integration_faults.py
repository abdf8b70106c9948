"""Fault families for bench_integration.py: automated transforms that plant one integration fault in a
copy of a real project, each with the finding the guard should give for it.

A transform is a function `(project, rng, limit) -> list[Planted]`, listed in FAULTS under its kind's name;
a new family (simulated implementations, disconnected modules) is a module with its own list, added to
FAULTS. Transforms choose from what the index firmly knows (references resolved by an import or in
their own file, confidence >= 0.8), so each fault is one the index can see: a call through an object of
unknown type is not a planted fault, because nothing says it is project code.

Ground truth is computed here, independently of the guard: which callers a changed signature breaks is
decided by Python's own `inspect.Signature.bind` over the call as `ast` reads it from the caller's file.
"""

from __future__ import annotations

import ast
import inspect
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kenning.service import Service


@dataclass(frozen=True)
class Planted:
    kind: str
    path: str  # the file the change rewrites
    content: str  # its new text
    line: int  # where the fault is
    expect: str  # the finding kind that reports it
    callers: tuple[str, ...] = ()  # for signature faults: the `path:line` call sites it breaks
    note: str = ""


@dataclass
class Project:
    name: str
    language: str
    root: Path
    service: Service
    split: str
    files: list[str] = field(default_factory=list)  # source files the faults may touch (not tests)

    def text(self, path: str) -> str:
        return (self.root / path).read_text(encoding="utf-8", errors="replace")

    def refs(self, kinds=("call",)):
        rows = self.service.store.conn.execute(
            "SELECT f.path, r.kind, r.name, r.text, r.line, r.target, r.target_path, r.confidence, s.kind"
            " FROM refs r JOIN files f ON f.id = r.file_id LEFT JOIN symbols s ON s.qualified_name = r.target"
            f" WHERE r.kind IN ({','.join('?' * len(kinds))})", kinds)
        return [row for row in rows if row[0] in self.file_set]

    @property
    def file_set(self) -> set[str]:
        return set(self.files)

    def name_taken(self, name: str) -> bool:
        return bool(self.service.store.conn.execute("SELECT 1 FROM symbols WHERE name = ? LIMIT 1", (name,)).fetchone())


def mutated(project: Project, name: str, rng: random.Random) -> str | None:
    """A plausible wrong name: a letter dropped, doubled or swapped, or a suffix; defined nowhere."""
    options = []
    if len(name) > 4:
        i = rng.randrange(1, len(name) - 1)
        options += [name[:i] + name[i + 1:], name[:i] + name[i] + name[i:]]
    options += [name + "s", name + "_all", "get_" + name if not name.startswith("get") else name + "_v2"]
    rng.shuffle(options)
    for option in options:
        if option.isidentifier() and option != name and not project.name_taken(option):
            return option
    return None


# -- unresolved: a call renamed at its call site ----------------------------------------------------

def rename_call(project: Project, rng: random.Random, limit: int) -> list[Planted]:
    # Bare, through self/this, or through one name (a module): what the indexer resolves by import or in
    # the file. `self.a.b()` is resolved by its last name alone, a guess, so it is not planted.
    calls = [r for r in project.refs() if r[7] >= 0.8 and r[8] in ("function", "method", "class")
             and (r[3].count(".") == 0 or (r[3].count(".") == 1 and "(" not in r[3]))]
    rng.shuffle(calls)
    out = []
    for path, _, name, text, line, *_ in calls:
        if len(out) >= limit:
            break
        new = mutated(project, name, rng)
        source = project.text(path)
        lines = source.splitlines(keepends=True)
        if new is None or re.search(rf"\b{re.escape(new)}\b", source) or not 0 < line <= len(lines):
            continue
        at = lines[line - 1].find(text + "(")
        if at < 0:
            continue
        start = at + len(text) - len(name)
        lines[line - 1] = lines[line - 1][:start] + new + lines[line - 1][start + len(name):]
        out.append(Planted("rename-call", path, "".join(lines), line, "unresolved", note=f"{text} -> {new}"))
    return out


# -- unresolved: an import of a project module renamed ----------------------------------------------

def rename_import(project: Project, rng: random.Random, limit: int) -> list[Planted]:
    imports = [r for r in project.refs(("import",)) if r[6] is not None and r[7] >= 0.7]
    rng.shuffle(imports)
    out, seen = [], set()
    for path, _, name, text, line, target, target_path, *_ in imports:
        if len(out) >= limit or (path, line) in seen:
            continue
        source = project.text(path)
        lines = source.splitlines(keepends=True)
        module_text = _module_part(text, project.language)
        last = re.split(r"[./]", module_text)[-1]
        if not 0 < line <= len(lines) or len(last) < 3 or module_text not in lines[line - 1]:
            continue
        if project.language == "go" and not module_text.startswith(_go_module(project) + "/"):
            continue  # the standard library or another module: not the project's to judge
        if project.language == "python" and "." not in module_text:
            continue  # a renamed top-level package is a third-party name: judged only with the project's venv
        new_last = last[:-1] + ("x" if last[-1] != "x" else "y")
        replaced = module_text[: len(module_text) - len(last)] + new_last
        lines[line - 1] = lines[line - 1].replace(module_text, replaced, 1)
        seen.add((path, line))
        out.append(Planted("rename-import", path, "".join(lines), line, "unresolved", note=f"{module_text} -> {replaced}"))
    return out


def _go_module(project: Project) -> str:
    found = re.search(r"^module\s+(\S+)", (project.root / "go.mod").read_text() if (project.root / "go.mod").exists()
                      else "", re.M)
    return found.group(1) if found else "\0"


def _module_part(text: str, language: str) -> str:
    if language == "python":
        return text.rsplit(".", 1)[0] if text.count(".") and not text.startswith(".") else text
    return text


# -- unresolved: a method invented on a project class (Python) ------------------------------------

def invent_method(project: Project, rng: random.Random, limit: int) -> list[Planted]:
    if project.language != "python":
        return []
    methods = project.service.store.conn.execute(
        "SELECT f.path, s.name, s.parent, s.start_line, s.end_line, s.signature FROM symbols s JOIN files f"
        " ON f.id = s.file_id WHERE s.kind = 'method' AND s.signature LIKE 'def %(self%'").fetchall()
    methods = [m for m in methods if m[0] in project.file_set]
    rng.shuffle(methods)
    out = []
    for path, name, parent, start, end, signature in methods:
        if len(out) >= limit:
            break
        lines = project.text(path).splitlines(keepends=True)
        body = _first_body_line(lines, start, end)
        if body is None:
            continue
        invented = mutated(project, name, rng)
        if invented is None or invented.startswith("__"):
            continue
        indent = re.match(r"\s*", lines[body - 1]).group(0)
        lines.insert(body - 1, f"{indent}self.{invented}()\n")
        out.append(Planted("invent-method", path, "".join(lines), body, "unresolved", note=f"{parent}.{invented}"))
    return out


def _first_body_line(lines: list[str], start: int, end: int) -> int | None:
    """The first statement line of a def's body, after its signature and docstring (1-based)."""
    text = "".join(lines[start - 1:end])
    try:
        node = ast.parse(_dedented(text)).body[0]
    except (SyntaxError, IndexError):
        return None
    statements = node.body
    if statements and isinstance(statements[0], ast.Expr) and isinstance(statements[0].value, ast.Constant):
        statements = statements[1:]
    if not statements or statements[0].lineno == node.lineno:
        return None
    return start - 1 + statements[0].lineno


def _dedented(text: str) -> str:
    import textwrap
    return textwrap.dedent(text)


# -- broken-call: a required parameter dropped or added at the definition only (Python) ------------

def drop_parameter(project: Project, rng: random.Random, limit: int) -> list[Planted]:
    return _signature_faults(project, rng, limit, "drop-parameter")


def add_parameter(project: Project, rng: random.Random, limit: int) -> list[Planted]:
    return _signature_faults(project, rng, limit, "add-parameter")


def _signature_faults(project: Project, rng: random.Random, limit: int, kind: str) -> list[Planted]:
    if project.language != "python":
        return []
    callers: dict[str, list[tuple[str, int, str]]] = {}
    for path, ref_kind, name, text, line, target, target_path, confidence, target_kind in project.refs():
        if confidence >= 0.8 and target_kind in ("function", "method") and path != target_path:
            callers.setdefault(target, []).append((path, line, text))
    targets = sorted(callers)
    rng.shuffle(targets)
    out = []
    for target in targets:
        if len(out) >= limit:
            break
        row = project.service.store.conn.execute(
            "SELECT f.path, s.start_line, s.signature, s.kind FROM symbols s JOIN files f ON f.id = s.file_id"
            " WHERE s.qualified_name = ?", (target,)).fetchall()
        if len(row) != 1:
            continue
        path, start, signature, symbol_kind = row[0]
        planted = _resign(project, path, start, signature, kind, symbol_kind == "method")
        if planted is None:
            continue
        content, old_sig, new_sig = planted
        broken = tuple(sorted(f"{p}:{line}" for p, line, text in set(callers[target])
                              if _breaks(project, p, line, text, old_sig, new_sig, symbol_kind == "method")))
        if broken:
            out.append(Planted(kind, path, content, start, "broken-call", callers=broken, note=target))
    return out


def _resign(project: Project, path: str, start: int, signature: str, kind: str, method: bool):
    lines = project.text(path).splitlines(keepends=True)
    if start < 2 or lines[start - 2].strip().startswith("@") or not signature.endswith(":"):
        return None  # decorated, or the signature spans lines beyond the index's cap
    line = lines[start - 1]
    if signature.replace(" ", "") not in " ".join(l.strip() for l in lines[start - 1:start + 8]).replace(" ", ""):
        return None
    try:
        node = ast.parse(signature + " pass").body[0]
    except SyntaxError:
        return None
    args = node.args
    required = [a.arg for a in args.args[: len(args.args) - len(args.defaults)]][1 if method else 0:]
    if args.posonlyargs or "\n" in signature or "(" not in line:
        return None
    if kind == "drop-parameter":
        if not required:
            return None
        victim = required[-1]
        pattern = rf"(,\s*{victim}\b(\s*:\s*[^,=)]+)?|\b{victim}\b(\s*:\s*[^,=)]+)?\s*,\s*|\b{victim}\b(\s*:\s*[^,=)]+)?)"
        new_line, count = re.subn(pattern, "", line, count=1)
    else:
        anchor = required[-1] if required else ("self" if method else None)
        if anchor is None:
            new_line, count = re.subn(r"\(", "(extra_arg, ", line, count=1)
            if not (args.args or args.vararg or args.kwonlyargs or args.kwarg):
                new_line = new_line.replace("(extra_arg, )", "(extra_arg)")  # it was the only parameter
        else:
            new_line, count = re.subn(rf"\b{anchor}\b(\s*:\s*[^,=)]+)?", lambda m: m.group(0) + ", extra_arg", line,
                                      count=1)
    if not count:
        return None
    try:
        new_node = ast.parse(new_line.strip() + (" pass" if new_line.strip().endswith(":") else "")).body[0]
    except (SyntaxError, IndexError):
        return None
    if not isinstance(new_node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    lines[start - 1] = new_line
    return "".join(lines), _sig(node.args, method), _sig(new_node.args, method)


def _sig(args: ast.arguments, method: bool) -> inspect.Signature:
    P = inspect.Parameter
    params = []
    positional = [*args.posonlyargs, *args.args]
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    for arg, default in zip(positional, defaults):
        params.append(P(arg.arg, P.POSITIONAL_OR_KEYWORD, default=P.empty if default is None else 0))
    if args.vararg:
        params.append(P(args.vararg.arg, P.VAR_POSITIONAL))
    for arg, default in zip(args.kwonlyargs, args.kw_defaults):
        params.append(P(arg.arg, P.KEYWORD_ONLY, default=P.empty if default is None else 0))
    if args.kwarg:
        params.append(P(args.kwarg.arg, P.VAR_KEYWORD))
    return inspect.Signature(params[1:] if method and params else params)


def _breaks(project: Project, path: str, line: int, text: str, old: inspect.Signature, new: inspect.Signature,
            method: bool) -> bool:
    """Whether the call at path:line fits the old signature and not the new one, as Python binds it."""
    try:
        tree = ast.parse(project.text(path))
    except SyntaxError:
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.lineno == line and ast.unparse(node.func).replace(" ", "") == text:
            if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
                return False
            if method and not text.startswith(("self.", "cls.")):
                return False  # Class.method(obj, ...) or an unknown receiver: not a bound call
            call = ([0] * len(node.args), {k.arg: 0 for k in node.keywords})
            return _fits(old, call) and not _fits(new, call)
    return False


def _fits(signature: inspect.Signature, call) -> bool:
    try:
        signature.bind(*call[0], **call[1])
        return True
    except TypeError:
        return False


FAULTS: dict[str, Callable[[Project, random.Random, int], list[Planted]]] = {
    "rename-call": rename_call,
    "rename-import": rename_import,
    "invent-method": invent_method,
    "drop-parameter": drop_parameter,
    "add-parameter": add_parameter,
}
