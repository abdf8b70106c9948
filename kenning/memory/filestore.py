"""Safe file writes for memory folders: atomic replace, a cross-process lock, sequential ids.

Memory files are committed to git and may be written by several kenning processes (CLI,
HTTP server, MCP server) at once, so every write that allocates an id or rewrites a file
happens under ``locked(folder)``, and every write is all-or-nothing.

People edit the same files by hand, without the lock. So a rewrite names the version (content
hash) it was computed from, and ``write_atomic`` refuses with ``ChangedOnDisk`` when the file on
disk is no longer that version; ``retried`` then redoes the read-change-write, so the hand edit
and kenning's change both land. The check runs once the new text is on disk, just before it is
swapped in; on Linux the swap is an exchange of names (``exchange``), and the file it displaced is
checked again, so a save landing between check and swap is put back rather than lost. A new file is
linked into place, which fails where a file already is.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from kenning.errors import Ambiguous, ChangedOnDisk, ConfigError, InvalidInput, NotFound, StorageError
from kenning.memory.exchange import exchange

T = TypeVar("T")

ID_WIDTH = 4
# A memory or ADR file: a number, a separator, a name, '.md' (e.g. 0007-use-sqlite.md).
_NUMBERED = re.compile(r"^(\d+)[-_ ].*\.md$|^(\d+)\.md$", re.IGNORECASE)
_SLUG_MAX = 60
# An id: an optional prefix naming the folder (letters first), then the file's number.
_ID = re.compile(r"^(?:([a-z][a-z0-9-]*?)[-_ ]?)?(\d+)$", re.IGNORECASE)
# The version of a file that does not exist: a new file is written only where there is none.
NO_FILE = ""
_TRIES = 3  # read-change-write attempts before a file that keeps changing is reported


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


def version_of(data: bytes) -> str:
    """The version of a file's content, as ``write_atomic`` compares it."""
    return hashlib.sha256(data).hexdigest()


def current_version(path: Path) -> str:
    """The version of the file on disk now; NO_FILE when there is none."""
    try:
        return version_of(path.read_bytes())
    except FileNotFoundError:
        return NO_FILE
    except OSError as e:
        raise StorageError(f"cannot read {path}: {e.strerror or e}") from e


def retried(attempt: Callable[[], T]) -> T:
    """attempt() again when a hand edit landed between its read and its write; each try re-reads."""
    for _ in range(_TRIES - 1):
        try:
            return attempt()
        except ChangedOnDisk:
            continue
    return attempt()  # the last try's ChangedOnDisk reaches the caller


def write_atomic(path: Path, text: str, expected: str | None = None) -> None:
    """Replace path's content with text so readers see the old file or the new, never half.

    With ``expected`` (a ``version_of`` the content the text was computed from, or NO_FILE for
    a new file), nothing is written if the file on disk is no longer that version: a
    ChangedOnDisk error says so, and the hand edit stays as it is.
    """
    tmp_name = None
    try:
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", newline="", dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False
        ) as fh:
            tmp_name = fh.name
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if expected is None:
            os.replace(tmp_name, path)
        else:
            _replace_if(Path(tmp_name), path, expected, version_of(text.encode("utf-8")))
        tmp_name = None
        _fsync_dir(path.parent)  # make the rename itself durable
    except OSError as e:
        raise StorageError(f"cannot write {path}: {e.strerror or e}") from e
    finally:
        if tmp_name is not None:
            Path(tmp_name).unlink(missing_ok=True)


def _replace_if(tmp: Path, path: Path, expected: str, written: str) -> None:
    """Move tmp (version ``written``) to path if the file there is the expected version, else ChangedOnDisk
    (with tmp left for the caller to remove)."""
    if expected == NO_FILE:
        try:
            os.link(tmp, path)  # atomic: only where no file is
        except FileExistsError:
            raise ChangedOnDisk(_changed_message(path, expected)) from None
        except OSError as e:
            if e.errno not in (errno.EPERM, errno.EOPNOTSUPP):  # else no hard links here: check, then replace
                raise
        else:
            tmp.unlink()
            return
    if current_version(path) != expected:
        raise ChangedOnDisk(_changed_message(path, expected))
    try:
        swapped = exchange(tmp, path)
    except FileNotFoundError:  # deleted or renamed by hand just now
        raise ChangedOnDisk(_changed_message(path, expected)) from None
    if not swapped:
        os.replace(tmp, path)  # no atomic swap on this system: a save since the check above is lost
    elif current_version(tmp) == expected:  # tmp's name holds what our file displaced: the checked version
        tmp.unlink()
    else:  # a save landed between the check and the swap: it goes back, kenning's text is not written
        _put_back(tmp, path, written)
        raise ChangedOnDisk(_changed_message(path, expected))


def _put_back(displaced: Path, path: Path, written: str) -> None:
    """Swap the hand-saved file back to path, unless an even newer save has replaced ours there."""
    exchange(displaced, path)  # path: the hand-saved file; displaced: what was at path a moment ago
    if current_version(displaced) != written:
        exchange(displaced, path)  # that was a newer save than the one we displaced: it stays at path


def _changed_message(path: Path, expected: str) -> str:
    if expected == NO_FILE:
        return f"{path} appeared on disk while kenning was creating it; kenning wrote nothing: retry"
    return (f"{path} changed on disk after kenning read it (edited by hand?); kenning wrote nothing, "
            "so that edit is kept: retry to apply the change to the file as it is now")


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


def format_id(number: int, prefix: str = "") -> str:
    """'0007', or 'adr-0007' for a file of a folder whose ids carry a prefix."""
    padded = str(number).zfill(ID_WIDTH)
    return f"{prefix}-{padded}" if prefix else padded


def parse_id(value: str | int) -> tuple[str, int]:
    """(prefix, number) of an id: '7' and '0007' are ('', 7); 'ADR-0007' and 'adr7' are ('adr', 7)."""
    match = _ID.match(str(value).strip())
    if match is None:
        raise InvalidInput(f"{value!r} is not an id; ids are numbers such as 0007, or adr-0007 for an ADR folder's")
    return (match.group(1) or "").rstrip("-").lower(), int(match.group(2))


def normalize_id(value: str | int) -> str:
    """The canonical spelling of an id: '7', 7 and '0007' are '0007'; 'ADR-7' is 'adr-0007'."""
    prefix, number = parse_id(value)
    return format_id(number, prefix)


def find_file(folders: Sequence[Path], item_id: str, what: str, prefixes: Sequence[str] = ()) -> Path:
    """The one file item_id names in the folders; ``prefixes[i]`` is the id prefix of folders[i] ('' if none).

    A prefixed id looks in the folder with that prefix. A bare number looks in the folders without a
    prefix, then in the others if exactly one holds it, so a number typed before its folder had a
    prefix still finds it. 'adr-' where no folder has that prefix is a bare number (an old spelling).
    """
    prefix, number = parse_id(item_id)
    prefix_of = dict(zip(folders, prefixes))
    if prefix and prefix not in prefix_of.values():
        if prefix != "adr":
            known = ", ".join(f"{p}-" for p in prefix_of.values() if p) or "none"
            raise NotFound(f"no {what} {normalize_id(item_id)}: no folder has ids starting {prefix}- "
                           f"(prefixes in use: {known})")
        prefix = ""
    tiers = [[f for f in folders if prefix_of.get(f, "") == prefix]]
    if not prefix:
        tiers.append([f for f in folders if prefix_of.get(f, "")])
    for tier in tiers:
        matches = [p for folder in tier for p in numbered_files(folder) if number_of(p.name) == number]
        if len(matches) > 1:
            ids = sorted({format_id(number, prefix_of.get(p.parent, "")) for p in matches})
            names = [str(p) for p in matches]
            hint = f"use one of the ids {', '.join(ids)}" if len(ids) > 1 else "renumber one"
            raise Ambiguous(f"several files claim {what} {format_id(number, prefix)}: {', '.join(names)}; {hint}",
                            names)
        if matches:
            return matches[0]
    raise NotFound(f"no {what} {format_id(number, prefix)}; list them to see the ids that exist")


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
    write_atomic(path, render(item_id), NO_FILE)
    return path



def inside_root(root: Path, folder: Path) -> Path:
    """folder, if it resolves inside root: a committed symlink must not lead kenning's writes out of the project."""
    resolved_root, resolved = root.resolve(), folder.resolve()
    if not resolved.is_relative_to(resolved_root):
        shown = folder.relative_to(root).as_posix() if folder.is_relative_to(root) else folder
        raise ConfigError(f"memory folder {shown} resolves to {resolved}, outside the project root {resolved_root}; "
                          "replace the link (or setting) with a folder inside the root")
    return folder


def display_path(path: Path, root: Path | None) -> str:
    """path relative to the project root ('/'-separated) when inside it, else absolute."""
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.resolve().as_posix()
