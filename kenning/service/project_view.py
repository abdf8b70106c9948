"""The project as the guard's reference checks see it around one proposed file, read by indexed lookups.

Resolution is the indexer's (indexer/resolve.py), run over a Resolver that holds only the symbols
the file's references can reach: those named like something the file uses, plus the file's own
definitions as proposed. That gives the same answers as a Resolver over every symbol, because a
use resolves only through a qualified name ending in its own last name, a short name, or a module
(see the lookups listed in service/indexing.py), and costs a few queries instead of a 50k-row read.
Files other than the proposed one are read from disk at most once per check.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path

from kenning.indexer.resolve import Resolver
from kenning.store.index_store import IndexStore
from kenning.models import IMPORT_KINDS, ParsedFile, Reference, Symbol

# A reference resolved this strongly names its definition (resolve.py): an import, the same file, a
# module the file imports. A lone definition elsewhere with the same name (0.5, 0.3) is only a guess.
NAMED = 0.8
_CLASS_KINDS = frozenset({"class", "struct", "interface"})


class ProjectView:
    def __init__(self, store: IndexStore, root: Path, parsed: ParsedFile, text: str) -> None:
        self.store = store
        self.root = root
        self.parsed = parsed
        self.path = parsed.path
        self._texts: dict[str, str] = {parsed.path: text}
        self._symbols: dict[str, list[Symbol]] = {}  # by short name, the proposed file's own in place of its indexed ones
        self.others: dict[str, object] = {}  # call_fit's views of other files, by path
        self._contexts: dict[str, tuple[dict[str, str], list[str]]] = {}

    @cached_property
    def modules(self) -> dict[str, str]:
        known = self.store.file_modules()
        known[self.path] = self.parsed.module
        return known

    @cached_property
    def resolver(self) -> Resolver:
        """One Resolver for the whole check, holding the module tables once and symbols as names are loaded."""
        return Resolver((), self.modules)

    def load_names(self, names: Iterable[str]) -> None:
        missing = [n for n in set(names) if n not in self._symbols]
        if not missing:
            return
        for name in missing:
            self._symbols[name] = []
        for symbol in self.store.symbols_with("name", missing):
            if symbol.path != self.path:
                self._symbols[symbol.name].append(symbol)
        missing_set = set(missing)
        for symbol in self.parsed.symbols:
            if symbol.name in missing_set:
                self._symbols[symbol.name].append(symbol)
        self.resolver.add_symbols(s for n in missing for s in self._symbols[n])

    def _names_used(self, references: Iterable[Reference]) -> set[str]:
        names = set()
        for r in references:
            names.add(r.name)
            if r.kind in IMPORT_KINDS:
                names.add(r.text.replace("/", ".").rsplit(".", 1)[-1])
        return names

    def context(self, path: str) -> tuple[dict[str, str], list[str]]:
        """A file's import bindings and imported modules, as the resolver reads them (once per file)."""
        if path not in self._contexts:
            references = self.references_of(path)
            self.load_names(self._names_used(references))
            self._contexts[path] = self.resolver.file_context(path, references)
        return self._contexts[path]

    def resolve_one(self, ref: Reference) -> Reference:
        """`ref`, a use written in the file `ref.path`, resolved as the indexer would resolve it there."""
        bindings, imported = self.context(ref.path)
        self.load_names(self._names_used([ref]))
        target, target_path, confidence = self.resolver.resolve(ref, bindings, imported)
        return Reference(ref.path, ref.kind, ref.name, ref.text, ref.line, ref.source, target, target_path, confidence)

    def named(self, name: str) -> list[Symbol]:
        self.load_names([name])
        return self._symbols[name]

    def symbol(self, qualified: str) -> Symbol | None:
        found = [s for s in self.named(qualified.rsplit(".", 1)[-1]) if s.qualified_name == qualified]
        return found[0] if found else None

    def class_symbol(self, qualified: str) -> Symbol | None:
        found = self.symbol(qualified)
        return found if found is not None and found.kind in _CLASS_KINDS else None

    def members(self, owner: Symbol) -> list[Symbol]:
        if owner.path == self.path:
            return [s for s in self.parsed.symbols if s.parent == owner.qualified_name]
        return [s for s in self.store.symbols_with("parent", [owner.qualified_name]) if s.path == owner.path]

    def references_of(self, path: str) -> list[Reference]:
        """A file's references: the proposed file's as parsed, any other's as indexed."""
        if path == self.path:
            return list(self.parsed.references)
        return [ref for _, ref in self.store.references_in([path])]

    @cached_property
    def resolved_here(self) -> list[Reference]:
        references = list(self.parsed.references)
        self.load_names(self._names_used(references))
        return self.resolver.resolve_all(references)

    def import_target(self, text: str) -> str:
        return self.resolver.import_target(self.path, text)

    def module_path(self, dotted: str) -> str | None:
        """The file of the project module `dotted` names (src layouts too, tails for languages other
        than Python, as the resolver matches them), or None."""
        module = self.resolver.module_for(dotted, self.path)
        return self.resolver.module_paths.get(module) if module else None

    def text(self, path: str) -> str:
        if path not in self._texts:
            try:
                self._texts[path] = (self.root / path).read_bytes().decode("utf-8", errors="replace")
            except OSError:
                self._texts[path] = ""
        return self._texts[path]

    def lines(self, path: str, first: int, last: int) -> str:
        return "\n".join(self.text(path).splitlines()[first - 1:last])

    def mentions(self, path: str, name: str) -> bool:
        """Whether `name` occurs as a word anywhere in the file: defined, re-exported, assigned or listed."""
        return re.search(rf"(?<![\w$]){re.escape(name)}(?![\w$])", self.text(path)) is not None

    def similar_names(self, name: str, extra: Iterable[tuple[str, str]] = ()) -> list[tuple[str, str]]:
        """(name, where) candidates for "did you mean": names in the project sharing the first letters, plus `extra`."""
        found = [(row[0], f"{row[2]}:{row[3]}") for row in self.store.names_starting(name[:2])] if name[:2] else []
        found += [(s.name, f"{s.path}:{s.start_line}") for s in self.parsed.symbols]
        return [*extra, *found]
