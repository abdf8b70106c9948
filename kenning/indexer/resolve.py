"""Best-effort resolution of references to definitions.

Order of evidence, strongest first: an import that names the target (0.9), the same file
(1.0 for a unique name, 0.8 for a method reached through self/this), a module the file
imports (0.8), a name defined exactly once in the whole project (0.5 called bare, 0.3 called
on an object of unknown type). Anything else stays
unresolved (confidence 0) but is kept: "who calls `frobnicate`?" still finds it by name.
"""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from kenning.models import IMPORT_KINDS, Reference, Symbol

_SEPARATORS = re.compile(r"::|/|\\|->")
_SOURCE_SUFFIX = re.compile(r"\.(py|pyi|js|jsx|mjs|cjs|ts|tsx|mts|cts|go|rs|java|c|h|cc|cpp|cxx|hpp|hh|cs|rb|php)$")
_RECEIVERS = ("self.", "this.", "cls.", "@", "$this->", "this->")

Resolution = tuple[str | None, str | None, float]
UNRESOLVED: Resolution = (None, None, 0.0)


@dataclass(frozen=True)
class Lookups:
    """The answers of the only lookups that read beyond a reference's own file: a qualified name's
    first path, a short name's one definition (or None when it has several), and module names and
    their dotted suffixes. Everything else comes from the file itself (its definitions, its imports)."""

    firsts: dict[str, str]
    single: dict[str, tuple[str, str] | None]
    modules: dict[tuple[str, str], object]


def moved_words(before: Lookups, after: Lookups) -> set[str]:
    """After a change, an unchanged file resolves differently only if a lookup it makes answers
    differently now. The keys whose answers moved name the words such a lookup contains: the last
    part of a qualified name, a short name, the parts of a module name. Only files with a reference
    mentioning one of them need resolving again (with the changed files themselves)."""
    def moved(old: dict, new: dict) -> set:
        return {key for key in old.keys() | new.keys() if old.get(key) != new.get(key)}

    words = {key.rsplit(".", 1)[-1] for key in moved(before.firsts, after.firsts)}
    words |= moved(before.single, after.single)
    words.update(part for _, key in moved(before.modules, after.modules) for part in key.split("."))
    words.discard("")
    return words


class Resolver:
    def __init__(self, symbols: Iterable[Symbol], modules: dict[str, str]) -> None:
        self.modules = modules  # path -> module
        self.module_paths: dict[str, str] = {}
        for path, module in sorted(modules.items()):
            self.module_paths.setdefault(module, path)
        self.qualified: dict[str, str] = {}
        self.by_name: dict[str, list[Symbol]] = defaultdict(list)
        self.by_file: dict[tuple[str, str], list[Symbol]] = defaultdict(list)
        self.add_symbols(symbols)
        # Every dotted suffix of every module name -> the modules ending with it.
        self._suffixes: dict[str, list[str]] = defaultdict(list)
        for module in self.module_paths:
            parts = module.split(".")
            for start in range(len(parts)):
                self._suffixes[".".join(parts[start:])].append(module)

    def lookups_for(self, qualified_names: Iterable[str], names: Iterable[str]) -> Lookups:
        """What this resolver's project-wide tables answer for these keys (see `moved_words`)."""
        firsts = {q: self.qualified[q] for q in qualified_names if q in self.qualified}
        single = {n: _only(self.by_name[n]) for n in names if n in self.by_name}
        return Lookups(firsts, single, self.module_lookups())

    def add_symbols(self, symbols: Iterable[Symbol]) -> None:
        """More definitions to resolve to (the guard loads them by the names a file uses, service/project_view.py)."""
        for symbol in symbols:
            self.qualified.setdefault(symbol.qualified_name, symbol.path)
            self.by_name[symbol.name].append(symbol)
            self.by_file[(symbol.path, symbol.name)].append(symbol)

    def file_context(self, path: str, refs: list[Reference]) -> tuple[dict[str, str], list[str]]:
        """(local name -> dotted target, the modules the file imports): what `resolve` needs besides a reference."""
        bindings = self._bindings(path, refs)
        return bindings, self._imported_modules(bindings, path)

    def module_lookups(self) -> dict[tuple[str, str], object]:
        """Every answer module lookups can give: ('module', name) -> path, ('suffix', dotted) -> modules."""
        answers: dict[tuple[str, str], object] = {("module", m): p for m, p in self.module_paths.items()}
        answers.update({("suffix", s): tuple(ms) for s, ms in self._suffixes.items()})
        return answers

    def resolve_all(self, references: list[Reference]) -> list[Reference]:
        """Resolved copies of `references`, in the same order; each file's imports bind its names."""
        by_path: dict[str, list[int]] = defaultdict(list)
        for position, reference in enumerate(references):
            by_path[reference.path].append(position)
        resolved: list[Reference] = list(references)
        for path, positions in by_path.items():
            refs = [references[p] for p in positions]
            bindings, imported = self.file_context(path, refs)
            for position, ref in zip(positions, refs):
                target, target_path, confidence = self.resolve(ref, bindings, imported)
                resolved[position] = Reference(ref.path, ref.kind, ref.name, ref.text, ref.line, ref.source,
                                               target, target_path, confidence)
        return resolved

    def _imported_modules(self, bindings: dict[str, str], path: str) -> list[str]:
        modules = (self.module_for(target, path) for target in bindings.values())
        return list(dict.fromkeys(m for m in modules if m is not None))

    def _bindings(self, path: str, refs: list[Reference]) -> dict[str, str]:
        """Local name -> dotted target, from the file's imports."""
        bindings: dict[str, str] = {}
        for ref in refs:
            if ref.kind not in IMPORT_KINDS:
                continue
            target = self.import_target(path, ref.text)
            name = ref.name
            if name == ref.text and "." in name and not name.startswith("."):
                # `import os.path` binds `os`
                name = target = name.split(".", 1)[0]
            elif _SEPARATORS.search(name) or name.startswith("."):
                name = _SOURCE_SUFFIX.sub("", _SEPARATORS.split(name)[-1]).lstrip(".")
            if name:
                bindings[name] = target
        return bindings

    def resolve(self, ref: Reference, bindings: dict[str, str], imported: list[str]) -> Resolution:
        if ref.kind in IMPORT_KINDS:
            return self._resolve_import(ref)
        return self._resolve_use(ref, bindings, imported)

    # -- imports -----------------------------------------------------------------------------

    def import_target(self, path: str, text: str) -> str:
        """The dotted name an import refers to, made absolute where it is relative."""
        text = _SOURCE_SUFFIX.sub("", text.strip())
        if text.startswith("."):
            module = self.modules.get(path, "")
            if text.startswith("./") or text.startswith("../"):
                # A path relative to the importing file (JS, C, Ruby).
                joined = posixpath.normpath(posixpath.join(posixpath.dirname(path), text))
                return joined.replace("/", ".").removesuffix(".index")
            # Python relative import: one dot is the current package, each more goes up one.
            dots = len(text) - len(text.lstrip("."))
            package = module.split(".")
            if not path.endswith("__init__.py"):
                package = package[:-1]
            package = package[: max(len(package) - (dots - 1), 0)]
            rest = text[dots:]
            return ".".join([*package, rest] if rest else package)
        return dotted_name(text)

    def _resolve_import(self, ref: Reference) -> Resolution:
        target = self.import_target(ref.path, ref.text)
        if target in self.module_paths:
            return target, self.module_paths[target], 0.9
        if target in self.qualified:
            return target, self.qualified[target], 0.9
        whole_only = _names_whole_modules(ref.path)
        module = self._module_by_suffix(target, whole_only)
        if module is not None:
            return module, self.module_paths[module], 0.7
        # `from pkg.mod import name` where the module is known under a shorter prefix
        head, _, _ = target.rpartition(".")
        module = self._module_by_suffix(head, whole_only) if head else None
        if module is not None:
            name = target.rsplit(".", 1)[-1]
            qualified = f"{module}.{name}"
            if qualified in self.qualified:
                return qualified, self.qualified[qualified], 0.7
            return module, self.module_paths[module], 0.6
        return UNRESOLVED

    def _module_by_suffix(self, dotted: str, whole_only: bool = False) -> str | None:
        """The one module whose name ends with `dotted` (src layouts), or, unless `whole_only`,
        with a tail of it (Go module paths, Rust `crate::`, PHP namespace roots)."""
        parts = dotted.split(".")
        # Try the longest suffix first: 'github.com.acme.util' -> 'acme.util' -> 'util'.
        for start in range(1 if whole_only else len(parts)):
            matches = self._suffixes.get(".".join(parts[start:]))
            if matches:
                return matches[0] if len(matches) == 1 else None
        return None

    # -- calls, bases, types -----------------------------------------------------------------

    def _resolve_use(self, ref: Reference, bindings: dict[str, str], imported: list[str]) -> Resolution:
        text = ref.text
        name = ref.name
        dotted = _SEPARATORS.sub(".", text)
        head, _, rest = dotted.partition(".")
        if head in bindings:
            candidate = f"{bindings[head]}.{rest}" if rest else bindings[head]
            if candidate in self.qualified:
                return candidate, self.qualified[candidate], 0.9
            module = self.module_for(bindings[head], ref.path)
            if module is not None:
                candidate = f"{module}.{rest}" if rest else module
                if candidate in self.qualified:
                    return candidate, self.qualified[candidate], 0.9
        local = self.by_file.get((ref.path, name), ())
        if local:
            chosen = _closest(local, ref.source)
            through_receiver = text.startswith(_RECEIVERS)
            if chosen is not None and (dotted == name or through_receiver):
                return chosen.qualified_name, chosen.path, 1.0 if len(local) == 1 else 0.8
        for module in imported:
            candidate = f"{module}.{name}"
            if candidate in self.qualified:
                return candidate, self.qualified[candidate], 0.8
        everywhere = self.by_name.get(name, ())
        if len(everywhere) == 1:
            only = everywhere[0]
            # `x.decode()` on an object of unknown type is a weaker guess than a bare `decode()`.
            guessed_receiver = dotted != name and not text.startswith(_RECEIVERS)
            return only.qualified_name, only.path, 0.3 if guessed_receiver else 0.5
        return UNRESOLVED

    def module_for(self, target: str, path: str) -> str | None:
        if target in self.module_paths:
            return target
        return self._module_by_suffix(target, _names_whole_modules(path))


def dotted_name(import_text: str) -> str:
    """An absolute import as a dotted name: 'net/http', 'std::fmt', 'App\\Clock' -> 'net.http', ..."""
    return _SEPARATORS.sub(".", import_text.strip()).strip(".")


def _names_whole_modules(path: str) -> bool:
    """Python imports name a module from its top package (or a src/ layout above it), never a tail:
    `importlib.resources` must not resolve to a project's `app/resources.py`."""
    return path.endswith((".py", ".pyi"))


def _only(definitions: list[Symbol]) -> tuple[str, str] | None:
    """A short name's definition when the whole project has exactly one (what `_resolve_use` falls back on)."""
    return (definitions[0].qualified_name, definitions[0].path) if len(definitions) == 1 else None


def _closest(candidates: list[Symbol] | tuple[Symbol, ...], source: str | None) -> Symbol | None:
    """Among same-file definitions, prefer one that shares the caller's owner."""
    if len(candidates) == 1:
        return candidates[0]
    if source:
        owner = source.rsplit(".", 1)[0]
        for candidate in candidates:
            if candidate.parent == owner or candidate.parent == source:
                return candidate
    top_level = [c for c in candidates if c.parent is None]
    return top_level[0] if len(top_level) == 1 else None
