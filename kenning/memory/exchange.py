"""Swap two file names in one step (Linux renameat2 RENAME_EXCHANGE), so a write can check what it displaced.

``os.replace`` cannot say which file it replaced, so "replace if unchanged" must check first and replace
after, and a save landing in between is lost. Swapping instead leaves the displaced file under the other
name, where it can be checked and, if it was not the one expected, swapped back.
"""

from __future__ import annotations

import ctypes
import errno
import os
from pathlib import Path

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_UNSUPPORTED = {errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EXDEV}

try:
    _renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    _renameat2.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint)
except (AttributeError, OSError):  # no glibc 2.28+ here (macOS, older musl): callers fall back
    _renameat2 = None


def exchange(a: Path, b: Path) -> bool:
    """Swap the files named a and b atomically; False, with nothing moved, where the system cannot."""
    if _renameat2 is None:
        return False
    if _renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in _UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), str(b))
