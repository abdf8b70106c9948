"""Links from decisions and tasks to code: resolving what a user typed, and checking the code now.

A link names a symbol (qualified name or a unique short name / dotted suffix), a file or
folder inside the project root, or, for tasks, a decision (``decision:7``). Symbols come
from the code index; file contents are read from disk.
"""

from __future__ import annotations

import ast
import difflib
import textwrap
from pathlib import Path
from typing import Any

from kenning.errors import Ambiguous, InvalidInput
from kenning.indexer.extract import content_hash
from kenning.indexer.stubs import is_stub
from kenning.memory.filestore import normalize_id
from kenning.store.index_store import IndexStore
from kenning.models import Symbol, Task

DECISION_PREFIX = "decision:"
_JUDGED_KINDS = ("function", "method")  # is_stub judges definitions with a body
_MAX_FOLDER_FILES = 200  # a folder link's baseline covers at most this many indexed files
_DECORATOR_LOOKBACK = 30


def resolve_link(store: IndexStore, root: Path, text: str, *, for_task: bool = False) -> dict[str, Any]:
    """The stored form of a link: {"symbol"} ({"symbol", "body_hash"} for decisions), {"path"}, or {"decision"}.

    Decisions record the symbol's body hash so drift can be seen later; tasks may link decisions.
    """
    text = (text or "").strip()
    if not text:
        raise InvalidInput("a link needs a symbol name or a path")
    if for_task and text.lower().startswith(DECISION_PREFIX):
        return {"decision": normalize_id(text[len(DECISION_PREFIX):])}
    if _looks_like_path(text) or path_exists(root, text):
        return {"path": _inside_root(root, text)}
    symbol = _one_symbol(store, text)
    if for_task:
        return {"symbol": symbol.qualified_name}
    return {"symbol": symbol.qualified_name, "body_hash": symbol.body_hash}


def symbols_of(store: IndexStore, qualified_name: str) -> list[Symbol]:
    """Every indexed definition with exactly this qualified name."""
    return [s for s in store.symbols_named(qualified_name) if s.qualified_name == qualified_name]


def files_of(store: IndexStore, links: tuple[dict[str, Any], ...] | list[dict[str, Any]]) -> list[str]:
    """The files a set of links covers: linked files, files under linked folders, linked symbols' files."""
    indexed = sorted(store.file_states())
    files: list[str] = []
    for link in links:
        if "symbol" in link:
            files += [s.path for s in symbols_of(store, str(link["symbol"]))]
        elif "path" in link:
            path = str(link["path"])
            if path.endswith("/"):
                files += [p for p in indexed if p.startswith(path)][:_MAX_FOLDER_FILES]
            else:
                files.append(path)
    return list(dict.fromkeys(files))


def file_hashes(root: Path, paths: list[str]) -> dict[str, str]:
    """path -> content hash (the indexer's hash) of each file as it is on disk now; missing files are left out."""
    hashes = {}
    for path in paths:
        try:
            hashes[path] = content_hash((root / path).read_bytes())
        except OSError:
            continue
    return hashes


def code_failures(store: IndexStore, root: Path, task: Task) -> list[str]:
    """Why a task's linked code is not finished: missing or stub symbols, or an index too stale to tell."""
    reasons: list[str] = []
    states = store.file_states()
    for link in task.links:
        if "symbol" not in link:
            continue
        name = str(link["symbol"])
        found = symbols_of(store, name)
        if not found:
            reasons.append(f"linked symbol {name} does not exist")
            continue
        for symbol in found:
            if _stale(root, symbol.path, states):
                reasons.append(f"{symbol.path} changed since it was indexed; re-index it and retry")
            elif symbol.kind in _JUDGED_KINDS and (why := is_stub(definition_source(root, symbol), symbol.language)):
                reasons.append(f"linked symbol {name} is a stub: {why}")
                break
    return list(dict.fromkeys(reasons))


def definition_source(root: Path, symbol: Symbol) -> str:
    """The text of a definition from the file on disk; for Python, with the decorators above it."""
    try:
        lines = (root / symbol.path).read_text(encoding="utf-8", errors="replace").split("\n")
    except OSError:
        return ""
    start, end = symbol.start_line - 1, symbol.end_line
    if symbol.language == "python":
        start = _decorated_start(lines, start, end)
    return "\n".join(lines[start:end])


def _decorated_start(lines: list[str], start: int, end: int) -> int:
    """The index of the first decorator line above a Python def (the index does not include them)."""
    best = start
    for top in range(start - 1, max(start - _DECORATOR_LOOKBACK, 0) - 1, -1):
        if not lines[top].strip():
            break
        if lines[top].lstrip().startswith("@"):
            try:
                tree = ast.parse(textwrap.dedent("\n".join(lines[top:end])))
            except SyntaxError:
                continue  # a line inside a multi-line decorator: keep looking up
            if len(tree.body) == 1 and getattr(tree.body[0], "decorator_list", None):
                best = top
    return best


def _stale(root: Path, path: str, states: dict[str, tuple[str, int, int]]) -> bool:
    try:
        stat = (root / path).stat()
    except OSError:
        return True
    return path not in states or states[path][1:] != (stat.st_size, stat.st_mtime_ns)


def _looks_like_path(text: str) -> bool:
    return "/" in text or "\\" in text or text.startswith(("~", "."))


def path_exists(root: Path, text: str) -> bool:
    """Whether root/text is a file or folder; a name no file can have is simply not one."""
    try:
        return (root / text).exists()
    except OSError:  # e.g. a name longer than any file's (ENAMETOOLONG): not a file, so maybe a symbol
        return False


def _inside_root(root: Path, text: str) -> str:
    """A '/'-separated path relative to root; folders end with '/'. Anything outside root is refused."""
    if "\x00" in text or len(text) > 4_096:
        raise InvalidInput("a link path must be a file or folder path inside the project root")
    root = root.resolve()
    try:
        target = (root / Path(text).expanduser()).resolve()  # an absolute text replaces root here
    except RuntimeError:  # '~someone' for a user with no home folder
        raise InvalidInput(f"link {text!r} names a home folder that does not exist; link files inside "
                           f"the project root {root}") from None
    try:
        relative = target.relative_to(root)
    except ValueError:
        raise InvalidInput(f"link {text!r} points outside the project root {root}; link files inside it") from None
    if relative == Path("."):
        raise InvalidInput("link a file or folder inside the project, not the project root itself")
    try:
        found = target.exists()
    except OSError as e:  # ENAMETOOLONG above all: a part over 255 bytes, which no file system allows
        raise InvalidInput(f"link {text!r} is not a file or folder that can exist ({e.strerror}); "
                           "link an existing file, folder or symbol") from None
    if not found:
        raise InvalidInput(f"no file or folder {relative.as_posix()!r} under {root}")
    return relative.as_posix() + ("/" if target.is_dir() else "")


def _one_symbol(store: IndexStore, name: str) -> Symbol:
    found = store.symbols_named(name)
    exact = [s for s in found if s.qualified_name == name]
    found = exact or found
    names = sorted({s.qualified_name for s in found})
    if len(names) > 1:
        raise Ambiguous(f"link {name!r} matches {len(names)} symbols; use one of: {', '.join(names[:20])}", names)
    if not names:
        raise InvalidInput(_unknown(store, name))
    return found[0]


def _unknown(store: IndexStore, name: str) -> str:
    if not store.file_states():
        return f"no symbol or file named {name!r}: the code index is empty; index the project first"
    qualified = sorted({s.qualified_name for s in store.all_symbols()})
    by_short: dict[str, list[str]] = {}
    for q in qualified:
        by_short.setdefault(q.rsplit(".", 1)[-1], []).append(q)
    close = difflib.get_close_matches(name, qualified, n=5, cutoff=0.6)
    for short in difflib.get_close_matches(name.rsplit(".", 1)[-1], list(by_short), n=5, cutoff=0.6):
        close += by_short[short]
    hint = f"; did you mean: {', '.join(dict.fromkeys(close))}" if close else "; re-index if you just wrote it"
    return f"no symbol or file named {name!r}{hint}"
