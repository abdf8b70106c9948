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
from kenning.memory.index_store import IndexStore
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

    @cached_property
    def modules(self) -> dict[str, str]:
        known = self.store.file_modules()
        known[self.path] = self.parsed.module
        return known

    def resolver_for(self, references: Iterable[Reference]) -> Resolver:
        references = list(references)
        names = {r.name for r in references}
        names.update(r.text.replace("/", ".").rsplit(".", 1)[-1] for r in references if r.kind in IMPORT_KINDS)
        self.load_names(names)
        chosen = [s for n in names for s in self._symbols.get(n, ())]
        return Resolver(chosen, self.modules)

    def load_names(self, names: Iterable[str]) -> None:
        missing = [n for n in set(names) if n not in self._symbols]
        if not missing:
            return
        for name in missing:
            self._symbols[name] = []
        for symbol in self.store.symbols_with("name", missing):
            if symbol.path != self.path:
                self._symbols[symbol.name].append(symbol)
        for symbol in self.parsed.symbols:
            if symbol.name in self._symbols and symbol not in self._symbols[symbol.name]:
                self._symbols[symbol.name].append(symbol)

    def resolve(self, references: list[Reference]) -> list[Reference]:
        """`references` (all of one file: its imports bind its names) resolved as the indexer would."""
        return self.resolver_for(references).resolve_all(references)

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
        """A file's references as resolved: the proposed file's now, any other's as indexed."""
        if path == self.path:
            return self.resolved_here
        return [ref for _, ref in self.store.references_in([path])]

    @cached_property
    def resolved_here(self) -> list[Reference]:
        return self.resolve(list(self.parsed.references))

    def bases(self, owner: Symbol) -> list[Reference]:
        return [r for r in self.references_of(owner.path)
                if r.kind.startswith("inherit") and r.source == owner.qualified_name]

    @cached_property
    def module_resolver(self) -> Resolver:
        """A Resolver that knows the modules only: import targets and module lookups."""
        return Resolver((), self.modules)

    def import_target(self, text: str) -> str:
        return self.module_resolver.import_target(self.path, text)

    def module_path(self, dotted: str) -> str | None:
        """The file of the project module `dotted` names (src layouts too, tails for languages other
        than Python, as the resolver matches them), or None."""
        module = self.module_resolver.module_for(dotted, self.path)
        return self.module_resolver.module_paths.get(module) if module else None

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
