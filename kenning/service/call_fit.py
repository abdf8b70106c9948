"""Calls that no longer fit: a Python call's arguments against its target's indexed signature.

Two findings of kind "broken-call":
- a call in the change that its project function, method or class cannot take (too many positional
  arguments, a required parameter missing, an unknown keyword), said with Python's own words, since
  the check is `inspect.Signature.bind` over a signature rebuilt from the indexed `def` line;
- a change to a function's signature that breaks call sites elsewhere: every caller the index knows
  (the refs table, by target) is re-read from disk at its line and bound to the old and the new
  signature; those that fit the old and not the new are listed as `file:line`.
Skipped, never guessed: calls with `*args` / `**kwargs`, definitions whose decorators may change the
signature (anything beyond staticmethod, classmethod, abstractmethod, caches, override), signatures the
index holds truncated, and callers whose receiver's class is not firmly known.
"""

from __future__ import annotations

import ast
import inspect
import time
from dataclasses import dataclass

from kenning.indexer.extract import parse_source
from kenning.indexer.python_facts import CallShape, python_facts
from kenning.models import Reference, Symbol
from kenning.service.project_view import NAMED, ProjectView
from kenning.service.references_check import PythonReferences, decorators_above

_KEEPS_SIGNATURE = frozenset({
    "staticmethod", "classmethod", "abstractmethod", "abc.abstractmethod", "cache", "functools.cache",
    "lru_cache", "functools.lru_cache", "override", "typing.override", "typing_extensions.override", "final",
    "typing.final",
})
_FUNCTION_KINDS = frozenset({"function", "method"})
MAX_CALLERS = 200  # callers re-read for one changed signature; past this, a notice says how many were left


@dataclass(frozen=True, slots=True)
class Callable_:
    signature: inspect.Signature
    method: bool  # defined in a class: a bound call takes the first parameter
    static: bool
    classmethod: bool


def callable_of(symbol: Symbol, lines: list[str]) -> Callable_ | None:
    """The parameters of a Python function or method as `def` declares them, or None when unsure."""
    if symbol.language != "python" or symbol.kind not in _FUNCTION_KINDS:
        return None
    decorators = decorators_above(lines, symbol.start_line)
    if any(d not in _KEEPS_SIGNATURE for d in decorators):
        return None
    node = _def_node(symbol.signature)
    if node is None:
        return None
    return Callable_(_signature(node.args), symbol.kind == "method", "staticmethod" in decorators,
                     "classmethod" in decorators)


def misfit(target: Callable_, positional: int, keywords: tuple[str, ...], bound: bool) -> str | None:
    """Why a call with these arguments cannot bind to `target`, in Python's words; None when it fits."""
    signature = target.signature
    parameters = list(signature.parameters.values())
    if target.method and not target.static and (bound or target.classmethod):
        if not parameters or parameters[0].kind not in (inspect.Parameter.POSITIONAL_ONLY,
                                                         inspect.Parameter.POSITIONAL_OR_KEYWORD):
            return None  # `def m(*args)`: the receiver goes into *args
        parameters = parameters[1:]
    try:
        signature.replace(parameters=parameters).bind(*range(positional), **dict.fromkeys(keywords))
    except TypeError as e:
        return str(e)
    return None


class CallFit:
    def __init__(self, view: ProjectView, references: PythonReferences) -> None:
        self.view = view
        self.refs = references

    def findings(self, calls: list[CallShape]) -> list[dict]:
        out = []
        for call in calls:
            if call.unpacked:
                continue
            target = self.target_of(call)
            if target is None:
                continue
            symbol, bound = target
            fitted = callable_of(symbol, self.view.text(symbol.path).splitlines())
            if fitted is None:
                continue
            why = misfit(fitted, call.positional, call.keywords, bound)
            if why is not None:
                where = f"{symbol.path}:{symbol.start_line}"
                out.append({"kind": "broken-call", "severity": "high", "line": call.line, "reference": call.callee,
                            "target": symbol.qualified_name, "target_at": where,
                            "message": f"line {call.line}: `{call.callee}(...)` does not fit `{symbol.signature}`"
                                       f" ({where}): {why}"})
        return out

    def target_of(self, call: CallShape) -> tuple[Symbol, bool] | None:
        """The project function a call reaches firmly, and whether it is called on an instance."""
        name = call.callee.rsplit(".", 1)[-1]
        if call.own_class is not None or call.receiver is not None:
            owner = (self.view.class_symbol(f"{self.refs.module}.{call.own_class}") if call.own_class
                     else self.refs.class_of(call.receiver, call.line))
            if owner is None:
                return None
            chain = self.refs.chain(owner)
            if not chain.known:
                return None
            for cls in chain.classes:
                found = [s for s in self.view.members(cls) if s.name == name]
                if found:
                    return (found[0], True) if len(found) == 1 else None
            return None
        resolved = self.refs.resolved.get((call.line, call.callee))
        if resolved is None or resolved.target is None or resolved.confidence < NAMED:
            return None
        symbol = self.view.symbol(resolved.target)
        if symbol is None:
            return None
        if symbol.kind == "class":
            return self._constructor(symbol)
        return (symbol, False) if symbol.kind == "function" else None

    def _constructor(self, cls: Symbol) -> tuple[Symbol, bool] | None:
        chain = self.refs.chain(cls)
        if not chain.known:
            return None
        for owner in chain.classes:
            members = {s.name: s for s in self.view.members(owner)}
            if "__new__" in members:
                return None
            if "__init__" in members:
                return members["__init__"], True
        return None


def broken_callers(view: ProjectView, before: list[Symbol], after: list[Symbol], before_text: str,
                   deadline: float, notices: list[str]) -> list[dict]:
    """For each function whose signature the change alters: the call sites elsewhere it breaks."""
    old = {s.qualified_name: s for s in before if s.kind in _FUNCTION_KINDS}
    old_lines, new_lines = before_text.splitlines(), view.text(view.path).splitlines()
    out = []
    for symbol in after:
        previous = old.get(symbol.qualified_name)
        if previous is None or previous.signature == symbol.signature:
            continue
        was, now = callable_of(previous, old_lines), callable_of(symbol, new_lines)
        if was is None or now is None:
            continue
        callers = [r for r in view.store.references_to([symbol.qualified_name])
                   if r.path != view.path and r.kind.startswith("call")]
        broken = []
        for number, ref in enumerate(callers):
            if number >= MAX_CALLERS or time.monotonic() >= deadline:
                notices.append(f"{len(callers) - number} callers of `{symbol.name}` not checked against its new"
                               " signature (time or count limit)")
                break
            shape = _call_at(view, ref)
            if shape is None or shape.unpacked or not (_firm(ref, symbol) or _through_known_class(view, ref, symbol)):
                continue
            bound = symbol.kind == "method"
            if misfit(was, shape.positional, shape.keywords, bound) is None:
                why = misfit(now, shape.positional, shape.keywords, bound)
                if why is not None:
                    broken.append((ref, why))
        if broken:
            places = [f"{r.path}:{r.line}" for r, _ in broken]
            out.append({"kind": "broken-call", "severity": "high", "line": symbol.start_line,
                        "symbol": symbol.qualified_name, "callers": places,
                        "message": f"line {symbol.start_line}: the new signature `{symbol.signature}` breaks"
                                   f" {len(broken)} call site{'s' if len(broken) > 1 else ''} of"
                                   f" `{symbol.name}`: " + "; ".join(f"{p} ({why})" for p, (_, why)
                                                                        in zip(places, broken))})
    return out


def _through_known_class(view: ProjectView, ref: Reference, symbol: Symbol) -> bool:
    """A method's caller whose receiver's class, read from the caller's own file, is the method's class
    (or a subclass): `inv = Invoice(); inv.settle()`, `def f(inv: Invoice)`, `self.settle()` in a subclass."""
    if symbol.kind != "method":
        return False
    caller = _other_file(view, ref.path)
    if caller is None:
        return False
    references, shapes = caller
    for shape in shapes:
        if shape.line == ref.line and shape.callee.rsplit(".", 1)[-1] == symbol.name:
            target = CallFit(references.view, references).target_of(shape)
            return target is not None and target[0].qualified_name == symbol.qualified_name
    return False


def _other_file(view: ProjectView, path: str) -> tuple[PythonReferences, tuple[CallShape, ...]] | None:
    """(PythonReferences, calls) over another Python file of the project as it is on disk, or None; cached
    on the proposed file's view."""
    if path not in view.others:
        text = view.text(path)
        facts = python_facts(text) if path.endswith((".py", ".pyi")) else None
        if facts is None:
            view.others[path] = None
        else:
            parsed = parse_source(path, text.encode("utf-8"), "python")
            other = ProjectView(view.store, view.root, parsed, text)
            other.modules = view.modules  # it sees the proposed file as indexed: the class it calls is there
            view.others[path] = (PythonReferences(other, facts, set()), facts.calls)
    return view.others[path]  # type: ignore[return-value]


def _firm(ref: Reference, symbol: Symbol) -> bool:
    """A caller names the function firmly: by import or in its file; a method through a receiver only
    when that receiver is `self` in the class or in a subclass (resolution said so, 0.8 and up)."""
    return ref.confidence >= NAMED and (symbol.kind == "function" or ref.text.startswith(("self.", "cls.")))


def _call_at(view: ProjectView, ref: Reference) -> CallShape | None:
    """The call `ref` records, re-read from its file: the callee at its line and the arguments after it."""
    lines = view.text(ref.path).splitlines()
    if not 0 < ref.line <= len(lines):
        return None
    line = lines[ref.line - 1]
    start = _callee_start(line, ref.text)
    if start is None:
        return None
    snippet = "\n".join([line[start:], *lines[ref.line:ref.line + 40]])
    node = _first_call(snippet)
    if node is None:
        return None
    return CallShape(ref.line, ref.text, len(node.args), tuple(k.arg for k in node.keywords if k.arg),
                     any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords))


def _callee_start(line: str, text: str) -> int | None:
    at = line.find(text + "(")
    if at < 0:
        at = line.find(text)
    return at if at >= 0 else None


def _first_call(snippet: str) -> ast.Call | None:
    """The call at the start of `snippet`, cut at the point its parentheses balance."""
    depth, end = 0, None
    quote = None
    i = 0
    while i < len(snippet):
        ch = snippet[i]
        if quote:
            if ch == "\\":
                i += 1
            elif snippet.startswith(quote, i):
                i += len(quote) - 1
                quote = None
        elif ch in "\"'":
            quote = snippet[i:i + 3] if snippet[i:i + 3] in ('"""', "'''") else ch
            i += len(quote) - 1
        elif ch == "#":
            newline = snippet.find("\n", i)
            i = len(snippet) if newline < 0 else newline
            continue
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                end = i + 1
                break
        i += 1
    if end is None:
        return None
    try:
        node = ast.parse(snippet[:end].replace("\n", " "), mode="eval").body
    except SyntaxError:
        try:
            node = ast.parse("(" + snippet[:end] + ")", mode="eval").body
        except SyntaxError:
            return None
    return node if isinstance(node, ast.Call) else None


def _def_node(signature: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    text = signature.strip()
    if not text.endswith(":"):
        return None  # truncated by the index, or not a def
    try:
        node = ast.parse(text + " pass").body[0]
    except (SyntaxError, ValueError, IndexError):
        return None
    return node if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else None


def _signature(arguments: ast.arguments) -> inspect.Signature:
    kinds = inspect.Parameter
    parameters = []
    positional = [*arguments.posonlyargs, *arguments.args]
    defaults = [None] * (len(positional) - len(arguments.defaults)) + list(arguments.defaults)
    for number, (arg, default) in enumerate(zip(positional, defaults)):
        kind = kinds.POSITIONAL_ONLY if number < len(arguments.posonlyargs) else kinds.POSITIONAL_OR_KEYWORD
        parameters.append(kinds(arg.arg, kind, default=kinds.empty if default is None else 0))
    if arguments.vararg is not None:
        parameters.append(kinds(arguments.vararg.arg, kinds.VAR_POSITIONAL))
    for arg, default in zip(arguments.kwonlyargs, arguments.kw_defaults):
        parameters.append(kinds(arg.arg, kinds.KEYWORD_ONLY, default=kinds.empty if default is None else 0))
    if arguments.kwarg is not None:
        parameters.append(kinds(arguments.kwarg.arg, kinds.VAR_KEYWORD))
    return inspect.Signature(parameters)
