"""Find the files to index under a root: .gitignore-aware, with every skip counted by reason."""

from __future__ import annotations

import os
import stat
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

from kenning.indexer.header_language import project_lean
from kenning.indexer.languages import language_for_path

# Always skipped: VCS data, kenning's own state, and environments that are never project code.
DEFAULT_EXCLUDES = (".git/", ".hg/", ".svn/", ".kenning/", ".venv/", "venv/", "node_modules/", "__pycache__/")


@dataclass(frozen=True, slots=True)
class Candidate:
    path: str  # relative, '/'-separated
    language: str
    size: int
    mtime_ns: int


@dataclass
class WalkResult:
    candidates: list[Candidate] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)

    @property
    def header_lean(self) -> str | None:
        """"c" or "cpp" when the project's sources say which language its `.h` files are (header_language)."""
        return project_lean((c.path, c.language) for c in self.candidates)


def walk(root: Path, *, exclude: list[str], max_file_bytes: int) -> WalkResult:
    """Source files under `root` worth parsing; content checks (binary, minified) come later."""
    result = WalkResult()
    base_spec = pathspec.GitIgnoreSpec.from_lines([*DEFAULT_EXCLUDES, *exclude])
    # Each folder's .gitignore applies below it: keep (folder, spec) pairs along the descent.
    ignores: dict[str, list[tuple[str, pathspec.PathSpec]]] = {"": [("", base_spec)]}
    for folder, dirnames, filenames in os.walk(root, followlinks=False):
        rel_folder = os.path.relpath(folder, root).replace(os.sep, "/")
        rel_folder = "" if rel_folder == "." else rel_folder
        specs = ignores.pop(rel_folder, None) or [("", base_spec)]
        local = _read_gitignore(Path(folder) / ".gitignore")
        if local is not None:
            specs = [*specs, (rel_folder, local)]
        kept = []
        for name in sorted(dirnames):
            rel = f"{rel_folder}/{name}" if rel_folder else name
            if os.path.islink(os.path.join(folder, name)) or _ignored(specs, rel + "/"):
                continue
            kept.append(name)
            ignores[rel] = specs
        dirnames[:] = kept
        for name in sorted(filenames):
            rel = f"{rel_folder}/{name}" if rel_folder else name
            if _ignored(specs, rel):
                continue
            _consider(root, rel, result, max_file_bytes)
    return result


def _consider(root: Path, rel: str, result: WalkResult, max_file_bytes: int) -> None:
    spec = language_for_path(rel)
    if spec is None:
        result.skipped["unsupported_language"] += 1
        return
    try:
        info = os.lstat(root / rel)
    except OSError:
        result.skipped["unreadable"] += 1
        return
    if stat.S_ISLNK(info.st_mode):
        # A link may point outside the root; indexing its target is not ours to do.
        result.skipped["symlink"] += 1
    elif not stat.S_ISREG(info.st_mode):
        result.skipped["not_a_regular_file"] += 1
    elif info.st_size > max_file_bytes:
        result.skipped["oversized"] += 1
    else:
        result.candidates.append(Candidate(rel, spec.name, info.st_size, info.st_mtime_ns))


def _ignored(specs: list[tuple[str, pathspec.PathSpec]], rel: str) -> bool:
    for base, spec in specs:
        local = rel[len(base) + 1:] if base else rel
        if spec.match_file(local):
            return True
    return False


def _read_gitignore(path: Path) -> pathspec.PathSpec | None:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError:
        return None
    return pathspec.GitIgnoreSpec.from_lines(lines)


def content_skip_reason(data: bytes, max_line_length: int) -> str | None:
    """Why a file's bytes should not be parsed: binary, or minified/generated."""
    if b"\x00" in data[:8192]:
        return "binary"
    if len(data) > max_line_length and any(len(line) > max_line_length for line in data.split(b"\n")):
        return "minified"
    return None
