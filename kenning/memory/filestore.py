"""Safe file writes for memory folders: atomic replace, a cross-process lock, sequential ids.

Memory files are committed to git and may be written by several kenning processes (CLI,
HTTP server, MCP server) at once, so every write that allocates an id or rewrites a file
happens under ``locked(folder)``, and every write is all-or-nothing.
"""

from __future__ import annotations

import fcntl
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from kenning.errors import Ambiguous, InvalidInput, NotFound, StorageError

ID_WIDTH = 4
# A memory or ADR file: a number, a separator, a name, '.md' (e.g. 0007-use-sqlite.md).
_NUMBERED = re.compile(r"^(\d+)[-_ ].*\.md$|^(\d+)\.md$", re.IGNORECASE)
_SLUG_MAX = 60


@contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on a memory folder, across processes and threads.

    The lock is taken on the folder itself (flock on a directory descriptor), so no lock
    file appears next to the committed Markdown. It is not re-entrant: take it once per
    operation.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder, os.O_RDONLY)
    except OSError as e:
        raise StorageError(f"cannot open memory folder {folder}: {e.strerror or e}") from e
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def write_atomic(path: Path, text: str) -> None:
    """Replace path's content with text so readers see the old file or the new, never half."""
    tmp_name = None
    try:
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", newline="", dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False
        ) as fh:
            tmp_name = fh.name
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_name, path)
        tmp_name = None
        _fsync_dir(path.parent)  # make the rename itself durable
    except OSError as e:
        raise StorageError(f"cannot write {path}: {e.strerror or e}") from e
    finally:
        if tmp_name is not None:
            Path(tmp_name).unlink(missing_ok=True)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def number_of(name: str) -> int | None:
    """The leading number of a memory/ADR file name, or None if it is not one."""
    match = _NUMBERED.match(name)
    if match is None:
        return None
    return int(match.group(1) or match.group(2))


def numbered_files(folder: Path) -> list[Path]:
    """Numbered Markdown files in a folder, by number then name; a missing folder is empty."""
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir() if p.is_file() and number_of(p.name) is not None]
    return sorted(found, key=lambda p: (number_of(p.name), p.name))


def next_id(folders: Iterable[Path]) -> str:
    """One more than the highest file number in any of the folders. Call under ``locked``."""
    numbers = [number_of(p.name) or 0 for folder in folders for p in numbered_files(folder)]
    return format_id(max(numbers, default=0) + 1)


def format_id(number: int) -> str:
    return str(number).zfill(ID_WIDTH)


def normalize_id(value: str | int) -> str:
    """'7', 7, '0007' and 'ADR-0007' all name id '0007'."""
    digits = re.sub(r"^(?:adr)?[-_ ]?", "", str(value).strip(), flags=re.IGNORECASE)
    if not digits.isdigit():
        raise InvalidInput(f"{value!r} is not an id; ids are numbers such as 0007")
    return format_id(int(digits))


def find_file(folders: Iterable[Path], item_id: str, what: str) -> Path:
    """The one file whose number is item_id across the folders."""
    number = int(normalize_id(item_id))
    matches = [p for folder in folders for p in numbered_files(folder) if number_of(p.name) == number]
    if not matches:
        raise NotFound(f"no {what} {format_id(number)}; list them to see the ids that exist")
    if len(matches) > 1:
        names = [str(p) for p in matches]
        raise Ambiguous(f"several files claim {what} {format_id(number)}: {', '.join(names)}; renumber one", names)
    return matches[0]


def slugify(title: str) -> str:
    """A file-name-safe slug: 'Use SQLite for the index!' -> 'use-sqlite-for-the-index'."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:_SLUG_MAX].rstrip("-") or "untitled"


def create_numbered(folders: list[Path], title: str, render: Callable[[str], str]) -> Path:
    """Allocate the next id in folders[0] and write render(id) there. Call under ``locked``.

    ``folders`` lists every folder whose numbers the id must not repeat.
    """
    item_id = next_id(folders)
    path = folders[0] / f"{item_id}-{slugify(title)}.md"
    write_atomic(path, render(item_id))
    return path



def display_path(path: Path, root: Path | None) -> str:
    """path relative to the project root ('/'-separated) when inside it, else absolute."""
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.resolve().as_posix()
