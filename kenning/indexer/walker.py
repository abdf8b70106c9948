"""Find the files to index under a root: .gitignore-aware, with every skip counted by reason.

Nothing a repository can hold stops a walk: a .gitignore line pathspec cannot compile is dropped
(git matches nothing with it either), and a name that is not UTF-8 cannot be stored, so it is
skipped. Files are read with `read_regular`, which follows no link and waits on no FIFO, so what
is swapped in after the walk is skipped too.
"""

from __future__ import annotations

import errno
import logging
import os
import stat
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pathspec

from kenning.indexer.header_language import project_lean
from kenning.indexer.languages import language_for_path

log = logging.getLogger(__name__)

# Always skipped: VCS data, kenning's own state, and environments that are never project code.
DEFAULT_EXCLUDES = (".git/", ".hg/", ".svn/", ".kenning/", ".venv/", "venv/", "node_modules/", "__pycache__/")
# Counted with the skipped files' reasons, but a line of a .gitignore (or `exclude`), not a file.
BAD_IGNORE_LINE = "bad_ignore_line"
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_GITIGNORE_BYTES = 1 << 20


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
    base_spec = _compile_ignore(exclude, "the exclude setting", result, always=DEFAULT_EXCLUDES)
    # Each folder's .gitignore applies below it: keep (folder, spec) pairs along the descent.
    ignores: dict[str, list[tuple[str, pathspec.PathSpec]]] = {"": [("", base_spec)]}

    def unreadable_folder(error: OSError) -> None:
        result.skipped["unreadable"] += 1

    for folder, dirnames, filenames in os.walk(root, onerror=unreadable_folder, followlinks=False):
        rel_folder = os.path.relpath(folder, root).replace(os.sep, "/")
        rel_folder = "" if rel_folder == "." else rel_folder
        specs = ignores.pop(rel_folder, None) or [("", base_spec)]
        local = _read_gitignore(root, rel_folder, result)
        if local is not None:
            specs = [*specs, (rel_folder, local)]
        kept = []
        for name in sorted(dirnames):
            rel = f"{rel_folder}/{name}" if rel_folder else name
            if _ignored(specs, rel + "/"):
                continue
            if os.path.islink(os.path.join(folder, name)):
                result.skipped["symlink"] += 1  # a link may point outside the root, or back up it
                continue
            if not _storable(name):
                result.skipped["undecodable_name"] += 1  # the folder, once: none of its paths could be stored
                continue
            kept.append(name)
            ignores[rel] = specs
        dirnames[:] = kept
        for name in sorted(filenames):
            rel = f"{rel_folder}/{name}" if rel_folder else name
            if _ignored(specs, rel):
                continue
            if not _storable(name):
                result.skipped["undecodable_name"] += 1
                continue
            _consider(root, rel, result, max_file_bytes)
    return result


def _storable(name: str) -> bool:
    """False for a name whose bytes are not UTF-8 (os.walk hands them over as lone surrogates):
    such a path cannot be written to the index, nor shown or sent as JSON."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


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


def _read_gitignore(root: Path, rel_folder: str, result: WalkResult) -> pathspec.PathSpec | None:
    # Like git (2.32+), a .gitignore that is a symlink is not followed.
    rel = f"{rel_folder}/.gitignore" if rel_folder else ".gitignore"
    try:
        data = read_regular(root, rel, _GITIGNORE_BYTES)
    except Refused:
        return None
    return _compile_ignore(data.decode("utf-8", errors="replace").splitlines(), rel, result)


def _compile_ignore(
    lines: list[str], source: str, result: WalkResult, always: tuple[str, ...] = ()
) -> pathspec.PathSpec:
    """`always` and the lines as one spec; lines pathspec cannot compile (`\\`, `!`, `[z-a]`) are
    left out and counted."""
    try:
        return pathspec.GitIgnoreSpec.from_lines([*always, *lines])
    except Exception:  # pathspec raises its own errors and re.error alike
        pass
    kept = list(always)
    for number, line in enumerate(lines, start=1):
        try:
            pathspec.GitIgnoreSpec.from_lines([line])
        except Exception:
            result.skipped[BAD_IGNORE_LINE] += 1
            _warn_bad_line(source, number, line)
            continue
        kept.append(line)
    return pathspec.GitIgnoreSpec.from_lines(kept)


@lru_cache(maxsize=1024)
def _warn_bad_line(source: str, number: int, line: str) -> None:
    # Every walk (and freshness walks often) meets the line again; the report counts it each time.
    log.warning("%s line %d: %r is not a pattern kenning can use; it matches nothing", source, number, line)


class Refused(Exception):
    """A path that is not (or no longer) a regular file inside the root; `reason` counts it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def read_regular(root: Path | str, rel: str, limit: int) -> bytes:
    """The bytes of the regular file `rel` under `root`, refusing anything else.

    Every component is opened without following a symlink (ELOOP) and the file without waiting on
    a FIFO, then checked on the open descriptor: a file or folder swapped for a link or FIFO since
    the walk listed it is refused, never followed outside the root or waited on.
    """
    parts = rel.split("/")
    try:
        fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | _CLOEXEC)
        try:
            for part in parts[:-1]:
                below = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | _CLOEXEC, dir_fd=fd)
                os.close(fd)
                fd = below
            folder, fd = fd, -1
            try:
                fd = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | _CLOEXEC, dir_fd=folder)
            finally:
                os.close(folder)
        except BaseException:
            if fd >= 0:
                os.close(fd)
            raise
    except OSError as e:
        # ELOOP: a symlink (EMLINK on BSD); ENOTDIR: a folder swapped for a link or a file; ENXIO: a socket.
        if e.errno in (errno.ELOOP, errno.EMLINK) or (e.errno == errno.ENOTDIR and _links_on_the_way(root, parts)):
            raise Refused("symlink") from e
        if e.errno in (errno.ENOTDIR, errno.ENXIO):
            raise Refused("not_a_regular_file") from e
        raise Refused("unreadable") from e
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Refused("not_a_regular_file")
        if info.st_size > limit:
            raise Refused("oversized")
        return file.read(limit)


def _links_on_the_way(root: Path | str, parts: list[str]) -> bool:
    """Whether a folder on the way to a file is a symlink (only to name why it was refused)."""
    folder = Path(root)
    for part in parts[:-1]:
        folder = folder / part
        if folder.is_symlink():
            return True
    return False


def content_skip_reason(data: bytes, max_line_length: int) -> str | None:
    """Why a file's bytes should not be parsed: binary, or minified/generated."""
    if b"\x00" in data[:8192]:
        return "binary"
    if len(data) > max_line_length and any(len(line) > max_line_length for line in data.split(b"\n")):
        return "minified"
    return None
