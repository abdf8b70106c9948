"""Disconnected code: public functions, classes and modules that nothing in the project refers to.

Judged from the index's references by name, so a use resolved by nothing still counts as a use: only code
no reference of any kind names (a call, an import, a base class, a type) is reported. Never reported:
entry points (`__main__.py`, modules with `if __name__ == "__main__":`, decorated definitions: a CLI
command, a route or a fixture is wired by its decorator), tests, examples and docs, `__init__.py` (the
package's API), names in a module's `__all__`, the `[project.scripts]` / entry points of pyproject.toml,
and the names of the entry_points setting. Python definitions and Python, JavaScript and TypeScript modules
are judged.

Wiring the index holds no reference for counts too (wiring.py): a name read as a bare identifier in its own
file or, as `module.name`, in a file importing its module (a dict value, a callback, a quoted type); a
star import of a module without `__all__`; a module a computed import loads whose name is written as a
string somewhere; a file no import can name. Existing code of a published library (a `py.typed` package)
is its API when no part of its path is private; new code is judged as new code everywhere: what a change
adds that nothing in the project uses is reported, in a library too.
"""

from __future__ import annotations

import ast
import re
import tomllib
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

from kenning.indexer.stubs import last_name
from kenning.models import ParsedFile, Symbol
from kenning.service.simulated import judged
from kenning.service.wiring import Published, bare_names, dynamically_loaded, importable, loaded_prefixes

SEVERITY = "low"
_MODULE_LANGUAGES = {"python", "javascript", "typescript", "tsx"}
_ENTRY_FILES = {"__init__.py", "__main__.py", "setup.py", "conftest.py", "manage.py", "wsgi.py", "asgi.py",
                "noxfile.py", "fabfile.py", "hatch_build.py"}
_ENTRY_STEMS = {"index", "main", "app", "server", "cli", "setup"}  # JavaScript entries, by convention
_NOT_WIRED = re.compile(r"(^|/)(scripts?|bin|tools|migrations|alembic|typings|stubs)(/|$)")
# Decorators that wrap a definition without registering it anywhere.
_PLAIN_DECORATORS = {"property", "staticmethod", "classmethod", "wraps", "cache", "lru_cache", "cached_property",
                     "dataclass", "total_ordering", "overload", "abstractmethod", "final", "override",
                     "contextmanager", "asynccontextmanager", "singledispatch", "deprecated", "runtime_checkable"}
_MAIN_GUARD = re.compile(r"^if\s+__name__\s*==\s*['\"]__main__['\"]", re.MULTILINE)
_IMPORT_PARTS = re.compile(r"[./\\:@]+")
_JS_EXTENSION = re.compile(r"\.[cm]?[jt]sx?$")
_STRING = re.compile(r"(['\"`])([\w.-]{1,100})\1")


def project_disconnected(store, root: Path, entry_points: list[str], paths: set[str] | None = None
                         ) -> list[dict[str, Any]]:
    """Every disconnected module and top-level definition (in `paths` only, when given), modules first."""
    entries = _entry_names(root, entry_points)
    used = store.used_names()
    imported_parts, imported_paths = _imports(store.import_texts())
    symbols = [s for s in store.all_symbols() if paths is None or s.path in paths]
    by_file: dict[str, list[Symbol]] = {}
    for symbol in symbols:
        if symbol.parent is None:
            by_file.setdefault(symbol.path, []).append(symbol)
    modules = store.file_modules()
    found: list[dict[str, Any]] = []
    quiet_files: set[str] = set()
    texts = _Texts(root)
    published = Published(root)
    loaded = _Loaded(store, texts, modules, used)
    for path, module in sorted(modules.items()):
        if paths is not None and path not in paths:
            continue
        names = [s.name for s in by_file.get(path, [])]
        if not _module_candidate(path, module, entries) or path in imported_paths \
                or imported_parts.get(PurePosixPath(path).stem, set()) - {path} \
                or any(_used_elsewhere(used.get(n, ()), path) for n in names) or _MAIN_GUARD.search(texts.get(path)) \
                or published.api(path) or loaded.covers(path, module):
            continue
        quiet_files.add(path)
        found.append(_module_finding(path, module))
    importers = _Importers(store.importers(), texts)
    for symbol in symbols:
        if symbol.path in quiet_files or not _symbol_candidate(symbol, entries) or published.api(symbol.path):
            continue
        text = texts.get(symbol.path)
        if _used(used.get(symbol.name, ()), symbol) or _wired(text, symbol) or _named(text, symbol) \
                or importers.use(symbol, text):
            continue
        found.append(_symbol_finding(symbol, new=False))
    return found


def change_disconnected(store, root: Path, entry_points: list[str], parsed: ParsedFile, text: str,
                        new_file: bool, added: set[str], modules_only: bool = False) -> list[dict[str, Any]]:
    """Findings for the code a change adds that nothing refers to: a new module nobody imports, new public
    top-level definitions nobody names (in the project as indexed, or elsewhere in the file itself)."""
    entries = _entry_names(root, entry_points)
    tops = [s for s in parsed.symbols if s.parent is None and s.qualified_name in added]
    if new_file and _module_candidate(parsed.path, parsed.module, entries) and not _MAIN_GUARD.search(text):
        imported_parts, imported_paths = _imports(store.import_texts())
        others = imported_parts.get(PurePosixPath(parsed.path).stem, set()) - {parsed.path}
        uses = store.name_uses([s.name for s in parsed.symbols if s.parent is None])
        if parsed.path not in imported_paths and not others and not any(p != parsed.path for _, p, _ in uses) \
                and not _Loaded(store, _Texts(root), store.file_modules()).covers(parsed.path, parsed.module):
            return [_module_finding(parsed.path, parsed.module, new=True)]
    candidates = [s for s in tops if _symbol_candidate(s, entries) and not _wired(text, s) and not _named(text, s)]
    if modules_only or not candidates:
        return []
    indexed: dict[str, list[tuple[str, int]]] = {}
    for name, path, line in store.name_uses([s.name for s in candidates]):
        if path != parsed.path:  # the index holds the file's old text; its uses come from the proposal
            indexed.setdefault(name, []).append((path, line))
    for ref in parsed.references:
        indexed.setdefault(ref.name, []).append((parsed.path, ref.line))
    importers = _Importers(store.importers([parsed.path]), _Texts(root))
    return [_symbol_finding(s, new=True) for s in candidates
            if not _used(indexed.get(s.name, ()), s) and not importers.use(s, text)]


# -- what counts ------------------------------------------------------------------------------

def _module_candidate(path: str, module: str, entries: set[str]) -> bool:
    name = PurePosixPath(path)
    language_ok = name.suffix in (".py", ".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs")
    if not language_ok or not judged(path) or _NOT_WIRED.search(path) or name.name in _ENTRY_FILES:
        return False
    if name.suffix != ".py" and (name.stem.split(".")[0] in _ENTRY_STEMS or ".config" in name.name
                                 or name.name.endswith(".d.ts")):
        return False
    if "/" not in path:
        return False  # a file at the root is a script or a config, run rather than imported
    return not ({module, path, name.stem} & entries)


def _symbol_candidate(symbol: Symbol, entries: set[str]) -> bool:
    name = symbol.name
    if symbol.language != "python" or symbol.kind not in ("function", "class") or symbol.parent is not None:
        return False
    if name.startswith("_") or name.startswith("test") or name == "main" or not judged(symbol.path):
        return False
    path = PurePosixPath(symbol.path)
    if path.name in _ENTRY_FILES or _NOT_WIRED.search(symbol.path) or "/" not in symbol.path:
        return False
    return not ({name, symbol.qualified_name} & entries)


def _used(uses, symbol: Symbol) -> bool:
    """Some reference names it outside its own definition (recursion is no use)."""
    return any(path != symbol.path or not symbol.start_line <= line <= symbol.end_line for path, line in uses)


def _used_elsewhere(uses, path: str) -> bool:
    return any(p != path for p, _ in uses)


def _named(text: str, symbol: Symbol) -> bool:
    """Its own file reads its name as an identifier outside its definition: a dict value, a callback, a type."""
    return _used([(symbol.path, line) for line in bare_names(text).get(symbol.name, ())], symbol)


def _wired(text: str, symbol: Symbol) -> bool:
    """Decorated by something that registers it, or listed in the module's __all__."""
    decorators = _top_decorators(text).get(symbol.start_line, [])
    return any(d not in _PLAIN_DECORATORS for d in decorators) or symbol.name in _dunder_all(text)


@lru_cache(maxsize=256)
def _top_decorators(text: str) -> dict[int, list[str]]:
    """`def` line -> the last names of its decorators, for the top-level definitions of a Python file."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return {}
    return {node.lineno: [last_name(d) for d in node.decorator_list] for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


def _dunder_all(text: str) -> set[str]:
    if "__all__" not in text:
        return set()
    names: set[str] = set()
    for match in re.finditer(r"__all__\s*(?:\+?=|\.extend\(|\.append\()\s*([\[(][^\])]*[\])]|['\"][^'\"]+['\"])", text):
        try:
            value = ast.literal_eval(match.group(1))
        except (ValueError, SyntaxError):
            continue
        names.update([value] if isinstance(value, str) else [v for v in value if isinstance(v, str)])
    return names


def _imports(rows) -> tuple[dict[str, set[str]], set[str]]:
    """(each part of an import as written -> the files importing it, the paths imports resolved to)."""
    parts: dict[str, set[str]] = {}
    paths: set[str] = set()
    for path, text, target_path in rows:
        if target_path and target_path != path:
            paths.add(target_path)
        for part in _IMPORT_PARTS.split(text or ""):
            if part:
                parts.setdefault(re.sub(r"\.(py|[cm]?[jt]sx?)$", "", part), set()).add(path)
    return parts, paths


def _entry_names(root: Path, configured: list[str]) -> set[str]:
    """The entry_points setting and pyproject's scripts and entry points: `pkg.cli:main` names main and pkg.cli."""
    names = set()
    specs = list(configured)
    try:
        project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8")).get("project", {})
    except (OSError, ValueError):
        project = {}
    groups = [project.get("scripts", {}), project.get("gui-scripts", {}), *project.get("entry-points", {}).values()]
    specs += [v for group in groups if isinstance(group, dict) for v in group.values() if isinstance(v, str)]
    for spec in specs:
        module, _, attribute = spec.partition(":")
        names.update({spec, module.strip(), module.strip().replace(".", "/") + ".py"})
        if attribute:
            names.add(attribute.strip().split(".")[0])
    return names


class _Importers:
    """The files importing each file, read for the names they use from it (`module.name`, or bare after
    `from module import *`, which re-exports all of them)."""

    def __init__(self, rows, texts: _Texts) -> None:
        self.texts = texts
        self.by_target: dict[str, list[tuple[str, int]]] = {}
        for target, path, line in rows:
            if target != path:
                self.by_target.setdefault(target, []).append((path, line))

    def use(self, symbol: Symbol, own_text: str) -> bool:
        """Another file names it, or star-imports its module and that module has no `__all__` to limit it."""
        for path, line in self.by_target.get(symbol.path, ()):
            text = self.texts.get(path)
            lines = text.splitlines()
            if 0 < line <= len(lines) and re.search(r"\bimport\s+\*", lines[line - 1]) \
                    and "__all__" not in own_text:
                return True
            if symbol.name in bare_names(text, attributes=True):
                return True
        return False


class _Loaded:
    """What the project's computed imports load (wiring.py), read from the Python files that call a loader
    and, when a JavaScript module is asked about, from every JavaScript file. A computed import says that
    some module of its folder is loaded, not which: one is wired in when its name is also written as a
    string somewhere (the table of names the import is computed from: a command list, a registry)."""

    def __init__(self, store, texts: _Texts, modules: dict[str, str], used=None) -> None:
        self.store, self.texts, self.modules, self.used = store, texts, modules, used
        self.prefixes: dict[str, set[str]] = {}
        self.strings: dict[str, set[str]] = {}

    def covers(self, path: str, module: str) -> bool:
        if not importable(path):
            return True
        family = "python" if path.endswith(".py") else "script"
        if family not in self.prefixes:
            self.prefixes[family] = set()
            for source in self._sources(family):
                self.prefixes[family] |= loaded_prefixes(source, self.modules.get(source, ""), self.texts.get(source))
        if not dynamically_loaded(path, module, self.prefixes[family]):
            return False
        if family not in self.strings:
            self.strings[family] = set()
            for source in self._files(family):
                self.strings[family].update(m.group(2) for m in _STRING.finditer(self.texts.get(source)))
        return _JS_EXTENSION.sub("", PurePosixPath(path).name).removesuffix(".py") in self.strings[family]

    def _sources(self, family: str) -> list[str]:
        if family == "python":
            names = ("import_module", "__import__")
            if self.used is not None:
                return sorted({p for n in names for p, _ in self.used.get(n, ())})
            return sorted({p for _, p, _ in self.store.name_uses(names)})
        return self._files(family)

    def _files(self, family: str) -> list[str]:
        if family == "python":
            return sorted(p for p in self.modules if p.endswith(".py"))
        return sorted(p for p in self.modules if _JS_EXTENSION.search(p))


class _Texts:
    """File texts read on demand, once."""

    def __init__(self, root: Path) -> None:
        self.root, self.cache = root, {}

    def get(self, path: str) -> str:
        if path not in self.cache:
            try:
                self.cache[path] = (self.root / path).read_text(encoding="utf-8", errors="replace")
            except OSError:
                self.cache[path] = ""
        return self.cache[path]


def _module_finding(path: str, module: str, new: bool = False) -> dict[str, Any]:
    what = "the new module" if new else "the module"
    return {"kind": "disconnected", "severity": SEVERITY, "path": path, "module": module, "line": 1,
            "message": f"{what} {path} is imported nowhere in the project and none of its names are used; wire it"
                       " in where it is needed (or list it in the entry_points setting if something outside runs it)"}


def _symbol_finding(symbol: Symbol, new: bool) -> dict[str, Any]:
    what = f"the new {symbol.kind}" if new else f"the {symbol.kind}"
    return {"kind": "disconnected", "severity": SEVERITY, "symbol": symbol.qualified_name, "path": symbol.path,
            "line": symbol.start_line,
            "message": f"{what} `{symbol.name}` ({symbol.path}:{symbol.start_line}) is called, imported or named"
                       " nowhere in the project; wire it in, or list it in entry_points if something outside calls it"}
