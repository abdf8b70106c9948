"""Unresolved references in a proposed Python file: imports, calls and methods of project code that do not exist.

Reported (kind "unresolved"), each with the closest existing names:
- an import of a project module that does not exist, or of a name its module neither defines nor mentions;
- an import of a top-level module the project's environment does not have (python_environment.py);
- a call of a bare name nothing binds: no definition, import, assignment or parameter in the file, no builtin;
- `m.f()` where `m` is a project module that neither defines nor mentions `f`;
- `x.m()` where `x`'s class is known (`self`/`cls`, a constructor call, an annotation) and neither that
  project class nor its bases define or mention `m`.
Never reported: what may be bound at run time (star imports, exec, writes to globals(), a module or class
`__getattr__`, a metaclass, class decorators beyond dataclass), imports under try/except ImportError or
`if TYPE_CHECKING`, classes with a base outside the project, and dunder methods. "Mentions" is on purpose:
a name that occurs as a word in its module or class (assigned, re-exported, listed in `__all__`) is
taken as defined, since a false "does not exist" costs more than a missed one.
"""

from __future__ import annotations

import ast
import builtins
import difflib
import re
import sys
import typing
from dataclasses import dataclass
from functools import cached_property

from kenning.indexer.python_facts import BUILTIN_NAMES, CallShape, PythonFacts, dotted
from kenning.models import Reference, Symbol
from kenning.service import python_environment
from kenning.service.project_view import NAMED, ProjectView

SUGGESTIONS = 3
_CUTOFF = 0.6
# Bases that give a class no methods worth calling on it: the check still knows every member.
_INERT_BASES = frozenset({"object", "ABC", "Generic", "Protocol"})  # by last name: `t.Generic[T]`, `abc.ABC`
_INERT_DECORATORS = frozenset({"dataclass", "dataclasses.dataclass", "total_ordering", "functools.total_ordering",
                               "final", "typing.final"})
_DYNAMIC_CLASS = re.compile(r"__getattr__|__getattribute__|\bsetattr\(|__dict__|metaclass\s*=")
_MAX_BASE_DEPTH = 12
_BUILTIN_TYPES = {name: value for name, value in vars(builtins).items() if isinstance(value, type)}


@dataclass(frozen=True, slots=True)
class ClassChain:
    """A project class and its bases, or `known=False` when some base lies outside what can be read."""

    classes: tuple[Symbol, ...]
    known: bool
    inherited: frozenset[str] = frozenset()  # members from builtin bases (Exception, dict, ...)


def finding(line: int, reference: str, message: str, suggestions: list[tuple[str, str]]) -> dict:
    said = "; did you mean " + " or ".join(f"`{n}` in `{w}`" for n, w in suggestions) + "?" if suggestions else ""
    return {"kind": "unresolved", "severity": "high", "line": line, "reference": reference,
            "message": f"line {line}: {message}{said}",
            "suggestions": [{"name": n, "at": w} for n, w in suggestions]}


def closest(name: str, candidates: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The nearest names first, each with where it is defined; one place per name."""
    places: dict[str, str] = {}
    for candidate, where in candidates:
        if candidate != name or where:
            places.setdefault(candidate, where)
    return [(n, places[n]) for n in difflib.get_close_matches(name, list(places), SUGGESTIONS, _CUTOFF)]


class PythonReferences:
    """The unresolved-reference check over one proposed Python file; `calls` for the call-fit check."""

    def __init__(self, view: ProjectView, facts: PythonFacts, changed: set[int]) -> None:
        self.view = view
        self.facts = facts
        self.changed = changed
        self.module = view.parsed.module
        self.bindings = self._import_bindings()
        self.resolved = {(r.line, r.text): r for r in view.resolved_here}
        self._classes: dict[tuple[int, str], Symbol | None] = {}
        self._chains: dict[str, ClassChain] = {}

    def findings(self) -> list[dict]:
        out = []
        for fact in self.facts.imports:
            if fact.line in self.changed and not fact.guarded:  # a star import's module must exist too
                out += self._import_findings(fact)
        for call in self.facts.calls:
            if call.line in self.changed:
                found = self._call_finding(call)
                if found is not None:
                    out.append(found)
        return out

    # -- imports -------------------------------------------------------------------------------

    def _absolute(self, module: str) -> str:
        return self.view.import_target(module)

    def _import_bindings(self) -> dict[str, str]:
        """Local name -> the dotted name an import binds it to."""
        bound: dict[str, str] = {}
        for fact in self.facts.imports:
            if fact.star:
                continue
            if not fact.names:
                bound[fact.module.split(".")[0]] = fact.module.split(".")[0]
                continue
            base = self._absolute(fact.module)
            for name in fact.names:
                bound[name] = f"{base}.{name}" if base else name
        return bound

    def _project_module(self, dotted_name: str) -> str | None:
        """The file of a project module named exactly (or under a src-style prefix) that no installed
        module of the same top-level name shadows; None otherwise."""
        path = self.view.module_path(dotted_name)
        if path is None:
            return None
        top = dotted_name.split(".")[0]
        exact = self.view.modules.get(path) == dotted_name
        if not exact and python_environment.installed(self.view.root, top):
            return None  # `json` is the standard library's, whatever `tests/json.py` is called
        return path

    def _import_findings(self, fact) -> list[dict]:
        target = self._absolute(fact.module)
        if not target:
            return []
        path = self._project_module(target)
        if path is not None:
            return [self._missing_name(fact.line, target, path, name) for name in fact.names
                    if not self._defines(target, path, name)]
        parts = target.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            parent = ".".join(parts[:cut])
            parent_path = self._project_module(parent)
            if parent_path is None:
                continue
            if parent_path != self.view.path and self.view.mentions(parent_path, parts[cut]):
                return []
            siblings = [(m.rsplit(".", 1)[-1], p) for p, m in self.view.modules.items()
                        if m.startswith(parent + ".") and m.count(".") == parent.count(".") + 1]
            return [finding(fact.line, target, f"the project has no module `{target}` (`{parent}` is"
                            f" {parent_path})", closest(parts[cut], siblings))]
        if fact.module.startswith(".") or not fact.top:
            return []
        top = parts[0]
        if python_environment.installed(self.view.root, top) is False and self.view.module_path(top) is None:
            return [finding(fact.line, top, f"`import {top}`: no module `{top}` is installed in the project's"
                            " environment or defined in the project", [])]
        return []

    def _defines(self, module: str, path: str, name: str) -> bool:
        if self.view.module_path(f"{module}.{name}") is not None:
            return True
        text = self.view.text(path)
        if re.search(r"^def __getattr__|^from \S+ import \*", text, re.M):
            return True
        return self.view.mentions(path, name) or path == self.view.path

    def _missing_name(self, line: int, module: str, path: str, name: str) -> dict:
        own = [(s.name, f"{s.path}:{s.start_line}") for s in self._top_level(path)]
        return finding(line, f"{module}.{name}", f"`{name}` is not defined in `{module}` ({path})",
                       closest(name, own))

    def _top_level(self, path: str) -> list[Symbol]:
        if path == self.view.path:
            return [s for s in self.view.parsed.symbols if s.parent is None]
        return [s for s in self.view.store.symbols_in_file(path) if s.parent is None]

    # -- calls ---------------------------------------------------------------------------------

    def _call_finding(self, call: CallShape) -> dict | None:
        if call.own_class is not None:
            owner = self.view.class_symbol(f"{self.module}.{call.own_class}")
            return self._member_finding(call, owner) if owner is not None else None
        if call.receiver is not None:
            owner = self.class_of(call.receiver, call.line)
            return self._member_finding(call, owner) if owner is not None else None
        if "." not in call.callee:
            return self._bare_finding(call)
        head, _, rest = call.callee.partition(".")
        if "." not in rest and head not in self.bindings_to_modules:
            owner = self.class_of(head, call.line)  # `Segment.simplify()`: a class's own attribute
            if owner is not None:
                return self._member_finding(call, owner)
        return self._module_attribute_finding(call)

    @cached_property
    def bindings_to_modules(self) -> set[str]:
        return {name for name, target in self.bindings.items() if self.view.module_path(target) is not None}

    def _bare_finding(self, call: CallShape) -> dict | None:
        name = call.callee
        if name in self.facts.bound or name in BUILTIN_NAMES or self.facts.dynamic or call.name_guarded:
            return None
        here = [(n, "this file") for n in self.facts.bound]
        elsewhere = [(s.name, f"{s.path}:{s.start_line}") for s in self.view.named(name)]
        suggestions = closest(name, [*here, *elsewhere, *self.view.similar_names(name)])
        return finding(call.line, name, f"`{name}()` is called but nothing in the file defines or imports it",
                       suggestions)

    def _module_attribute_finding(self, call: CallShape) -> dict | None:
        head, _, rest = call.callee.partition(".")
        if head not in self.bindings or head in self._locally_rebound:
            return None
        resolved = self.resolved.get((call.line, call.callee))
        if resolved is not None and resolved.confidence >= NAMED:
            return None
        base = self.bindings[head]
        parts = [*base.split("."), *rest.split(".")]
        floor = len(base.split("."))
        for cut in range(len(parts) - 1, floor - 1, -1):
            module = ".".join(parts[:cut])
            path = self._project_module(module)
            if path is None:
                continue
            name = parts[cut]
            if self._defines(module, path, name):
                return None
            return finding(call.line, call.callee, f"`{name}` is not defined in `{module}` ({path})",
                           closest(name, [(s.name, f"{s.path}:{s.start_line}") for s in self._top_level(path)]))
        return None

    @cached_property
    def _locally_rebound(self) -> set[str]:
        """Imported names the file binds some other way too (an assignment, a parameter): not a module there."""
        return set(self.bindings) & self.facts.rebound

    # -- classes -------------------------------------------------------------------------------

    def class_of(self, written: str, line: int) -> Symbol | None:
        """The project class a constructor or annotation names as written at `line`, if it resolves firmly."""
        key = (line, written)
        if key not in self._classes:
            found = self.resolved.get(key)
            if found is None or found.confidence < NAMED:
                found = self.view.resolve_one(_use(self.view.path, written, line))
            firm = found.target is not None and found.confidence >= NAMED
            self._classes[key] = self.view.class_symbol(found.target) if firm else None
        return self._classes[key]

    def chain(self, owner: Symbol) -> ClassChain:
        """`owner` and its project bases, nearest first; unknown when a base is outside or dynamic."""
        if owner.qualified_name not in self._chains:
            self._chains[owner.qualified_name] = self._chain(owner)
        return self._chains[owner.qualified_name]

    def _chain(self, owner: Symbol) -> ClassChain:
        builtin_members: set[str] = set()
        seen: list[Symbol] = []
        todo = [owner]
        while todo and len(seen) < _MAX_BASE_DEPTH:
            current = todo.pop(0)
            if current in seen:
                continue
            seen.append(current)
            bases = _class_bases(current.signature)
            if bases is None or self._is_dynamic(current):
                return ClassChain(tuple(seen), False)
            for base in bases:
                if base.rsplit(".", 1)[-1] in _INERT_BASES:
                    continue
                target = self._resolve_in(current, base)
                known = self._standard_members(current, base) if target is None else None
                if known is not None:
                    builtin_members.update(known)  # `Exception`, `t.NamedTuple`: the members are known
                    continue
                if target is None:
                    return ClassChain(tuple(seen), False)
                todo.append(target)
        return ClassChain(tuple(seen), not todo, frozenset(builtin_members))

    def _standard_members(self, owner: Symbol, written: str) -> set[str] | None:
        """The members of a builtin or standard-library base class, read from the class itself where this
        process has its module loaded already (nothing is imported); None when it is not one of those."""
        head, _, rest = written.partition(".")
        if not rest and written in _BUILTIN_TYPES and not self.view.named(written):
            return set(dir(_BUILTIN_TYPES[written]))
        bindings, _ = self.view.context(owner.path)
        if head not in bindings:
            return None
        dotted_name = f"{bindings[head]}.{rest}" if rest else bindings[head]
        module_name, _, attribute = dotted_name.rpartition(".")
        if module_name.split(".")[0] not in python_environment.STDLIB or module_name not in sys.modules:
            return None
        value = getattr(sys.modules[module_name], attribute, None)
        if value is getattr(typing, "NamedTuple", None):
            return set(dir(tuple)) | {"_asdict", "_replace", "_fields", "_field_defaults", "_make"}
        return set(dir(value)) if isinstance(value, type) else None

    def _resolve_in(self, owner: Symbol, written: str) -> Symbol | None:
        use = Reference(owner.path, "inherit", written.rsplit(".", 1)[-1], written, owner.start_line, owner.qualified_name)
        resolved = self.view.resolve_one(use)
        if resolved.target is None or resolved.confidence < NAMED:
            return None
        return self.view.class_symbol(resolved.target)

    def _is_dynamic(self, owner: Symbol) -> bool:
        text = self.view.text(owner.path).splitlines()
        body = "\n".join(text[owner.start_line - 1:owner.end_line])
        if _DYNAMIC_CLASS.search(body):
            return True
        return any(d not in _INERT_DECORATORS for d in _decorators_above(text, owner.start_line))

    def _member_finding(self, call: CallShape, owner: Symbol) -> dict | None:
        name = call.callee.rsplit(".", 1)[-1]
        if name.startswith("__") and name.endswith("__"):
            return None
        chain = self.chain(owner)
        if not chain.known or name in chain.inherited or any(self._class_defines(c, name) for c in chain.classes):
            return None
        members = [(s.name, f"{s.path}:{s.start_line}") for c in chain.classes for s in self.view.members(c)]
        return finding(call.line, call.callee, f"`{owner.name}` ({owner.path}:{owner.start_line}) and its bases"
                       f" define no `{name}`", closest(name, members))

    def _class_defines(self, owner: Symbol, name: str) -> bool:
        if any(s.name == name for s in self.view.members(owner)):
            return True
        body = self.view.lines(owner.path, owner.start_line, owner.end_line)
        # Any use of the word but a call through an attribute (`self.name(`) may define it: an
        # assignment, an annotation, a string given to setattr or __slots__.
        for match in re.finditer(rf"(?<![\w$]){re.escape(name)}(?![\w$])", body):
            before, after = body[:match.start()], body[match.end():]
            if not (before.endswith(".") and after.lstrip(" ").startswith("(")):
                return True
        return False


def _use(path: str, written: str, line: int) -> Reference:
    return Reference(path, "call", written.rsplit(".", 1)[-1], written, line)


def _class_bases(signature: str) -> list[str] | None:
    """The bases a class signature names, as written; None when it cannot be read (truncated, odd)."""
    try:
        node = ast.parse(signature.rstrip(":") + ":\n    pass").body[0]
    except (SyntaxError, ValueError, IndexError):
        return None
    if not isinstance(node, ast.ClassDef):
        return None
    names = []
    for base in node.bases:
        written = dotted(base.value if isinstance(base, ast.Subscript) else base)
        if written is None:
            return None
        names.append(written)
    return names


def _decorators_above(lines: list[str], def_line: int) -> list[str]:
    """The dotted names of the decorators over the definition starting at `def_line` (1-based)."""
    if def_line < 2 or def_line > len(lines):
        return []
    indent = len(lines[def_line - 1]) - len(lines[def_line - 1].lstrip())
    found = []
    for number in range(def_line - 2, max(def_line - 60, 0) - 1, -1):
        line = lines[number]
        stripped = line.strip()
        depth = len(line) - len(line.lstrip())
        if not stripped or stripped.startswith("#") or depth > indent or stripped[:1] in ")]}":
            continue
        if depth < indent or not stripped.startswith("@"):
            break
        found.append(re.match(r"@\s*([\w.]*)", stripped).group(1))
    return found


def decorators_above(lines: list[str], def_line: int) -> list[str]:
    return _decorators_above(lines, def_line)
