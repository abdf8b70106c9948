"""Where storage errors change name: a SQLite failure leaves the store as a StorageError.

The adapters map StorageError to "the index is busy or unreadable" (HTTP 503, an MCP tool error, CLI
exit 1); a bare sqlite3.Error would reach them as an internal error (500) with SQLite's words only.
"""

from __future__ import annotations

import functools
import inspect
import sqlite3
from typing import TypeVar

from kenning.errors import StorageError

T = TypeVar("T", bound=type)


def storage_boundary(cls: T) -> T:
    """Class decorator: each public method's sqlite3.Error becomes a StorageError naming the database."""
    for name, member in list(vars(cls).items()):
        if not name.startswith("_") and inspect.isfunction(member):
            setattr(cls, name, _translated(member))
    return cls


def _translated(method):
    @functools.wraps(method)
    def call(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as e:
            where = getattr(self, "path", None) or "the index"
            raise StorageError(f"cannot use the index at {where}: {e}") from e
    return call
