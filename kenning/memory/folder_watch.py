"""Which names in a folder changed since the last look, from the kernel (Linux inotify).

The memory cache checks the files before every read so hand edits show up at once; with
thousands of decisions and tasks, stat'ing each file is most of a brief. inotify queues an
event before the write that causes it returns, so a look that drains the queue sees every
change made before it, with no polling thread and no delay.

One inotify instance serves the whole process (the kernel allows few per user); its events
are handed to every ``FolderWatch`` on the folder. Where inotify is missing (not Linux), its
limits are reached, the queue overflowed or the folder was replaced, ``changes`` answers
None and the caller looks at every file, as it would without a watch.
"""

from __future__ import annotations

import ctypes
import errno
import os
import struct
import threading
import weakref
from pathlib import Path

_IN_MODIFY, _IN_ATTRIB, _IN_CLOSE_WRITE = 0x2, 0x4, 0x8
_IN_MOVED_FROM, _IN_MOVED_TO, _IN_CREATE, _IN_DELETE = 0x40, 0x80, 0x100, 0x200
_IN_DELETE_SELF, _IN_MOVE_SELF = 0x400, 0x800
_IN_Q_OVERFLOW, _IN_IGNORED, _IN_ONLYDIR = 0x4000, 0x8000, 0x01000000
_IN_NONBLOCK, _IN_CLOEXEC = os.O_NONBLOCK, os.O_CLOEXEC
_MASK = (_IN_MODIFY | _IN_ATTRIB | _IN_CLOSE_WRITE | _IN_MOVED_FROM | _IN_MOVED_TO | _IN_CREATE | _IN_DELETE
         | _IN_DELETE_SELF | _IN_MOVE_SELF | _IN_ONLYDIR)
_FOLDER_GONE = _IN_DELETE_SELF | _IN_MOVE_SELF | _IN_IGNORED
_EVENT = struct.Struct("iIII")  # wd, mask, cookie, length of the name that follows
_READ_SIZE = 64 * 1024


class FolderWatch:
    """Changes to the entries of one folder, collected between calls to ``changes``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._names: set[str] = set()
        self._known = False  # False until a watch is in place and reported once as "unknown"

    def changes(self) -> set[str] | None:
        """Names created, written, moved or deleted in the folder since the last call.

        None means "not known": the first call, and whenever events may have been lost. The
        caller must then look at every file; later calls report changes from this one on.
        """
        hub = _hub()
        if hub is None:
            return None
        return hub.collect(self)

    # called by the hub, under its lock
    def _note(self, name: str) -> None:
        self._names.add(name)

    def _lose_track(self) -> None:
        self._known = False
        self._names.clear()


class _Hub:
    """The process's inotify instance and the watches that share it."""

    def __init__(self, libc: ctypes.CDLL, fd: int) -> None:
        self._libc, self._fd, self._pid = libc, fd, os.getpid()
        self._lock = threading.Lock()
        self._by_wd: dict[int, weakref.WeakSet[FolderWatch]] = {}
        self._wd_of: weakref.WeakKeyDictionary[FolderWatch, int] = weakref.WeakKeyDictionary()

    def collect(self, watch: FolderWatch) -> set[str] | None:
        with self._lock:
            self._drain()
            if watch not in self._wd_of and not self._add(watch):
                return None
            if not watch._known:
                watch._known = True
                watch._names.clear()
                return None
            names, watch._names = watch._names, set()
            return names

    def _add(self, watch: FolderWatch) -> bool:
        wd = self._libc.inotify_add_watch(self._fd, os.fsencode(watch.folder), _MASK)
        if wd < 0:  # missing folder, not a folder, or the user's watch limit: look at the files instead
            return False
        self._by_wd.setdefault(wd, weakref.WeakSet()).add(watch)
        self._wd_of[watch] = wd
        watch._lose_track()
        return True

    def _drain(self) -> None:
        while True:
            try:
                data = os.read(self._fd, _READ_SIZE)
            except BlockingIOError:
                break
            except OSError as e:
                if e.errno == errno.EINTR:
                    continue
                raise
            self._dispatch(data)
        for wd in [wd for wd, watches in self._by_wd.items() if not watches]:
            self._libc.inotify_rm_watch(self._fd, wd)  # nobody looks at this folder any more
            del self._by_wd[wd]

    def _dispatch(self, data: bytes) -> None:
        offset = 0
        while offset < len(data):
            wd, mask, _cookie, length = _EVENT.unpack_from(data, offset)
            name = data[offset + _EVENT.size: offset + _EVENT.size + length].rstrip(b"\0")
            offset += _EVENT.size + length
            if mask & _IN_Q_OVERFLOW:
                for watches in self._by_wd.values():
                    for watch in watches:
                        watch._lose_track()
                continue
            watches = self._by_wd.get(wd)
            if watches is None:
                continue
            if mask & _FOLDER_GONE and not name:
                # The folder itself went away: the next look re-adds a watch on whatever is there then.
                for watch in list(watches):
                    watch._lose_track()
                    self._wd_of.pop(watch, None)
                del self._by_wd[wd]
                continue
            for watch in watches:
                watch._note(os.fsdecode(name))


_state_lock = threading.Lock()
_hub_of_process: _Hub | None = None
_hub_pid = -1


def _hub() -> _Hub | None:
    """This process's hub, created on first use; None where inotify is not available."""
    global _hub_of_process, _hub_pid
    with _state_lock:
        if _hub_pid != os.getpid():  # first use, or a forked child: never share the parent's queue
            _hub_pid, _hub_of_process = os.getpid(), _open_hub()
        return _hub_of_process


def _open_hub() -> _Hub | None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        init = libc.inotify_init1
    except (OSError, AttributeError):
        return None
    init.argtypes, init.restype = [ctypes.c_int], ctypes.c_int
    libc.inotify_add_watch.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
    libc.inotify_add_watch.restype = ctypes.c_int
    libc.inotify_rm_watch.argtypes = [ctypes.c_int, ctypes.c_int]
    libc.inotify_rm_watch.restype = ctypes.c_int
    fd = init(_IN_NONBLOCK | _IN_CLOEXEC)
    if fd < 0:  # the user's instance limit: fall back to looking at the files
        return None
    return _Hub(libc, fd)
