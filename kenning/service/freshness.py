"""How fresh the index is, and re-indexing that yields to another writer.

Every answer that depends on the index carries `freshness()`, so an assistant never takes a
confident answer from a stale index without knowing it: `indexing` says an index run (or embedding)
is writing right now, in this process or another, and `not_searchable` what it has not made searchable
yet (during a first index: every file).
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from kenning.errors import IndexBusy
from kenning.indexer.walker import walk
from kenning.store.index_store import index_running
from kenning.models import IndexReport

if TYPE_CHECKING:
    from kenning.store.index_store import IndexStore
    from kenning.settings import Settings

log = logging.getLogger(__name__)

# A walk costs a stat per file (seconds on a large tree): reuse it briefly, never across a re-index.
# While a watcher reports every change, the walk is reused until the next change, and repeated now and
# then in case the watcher missed one.
_FRESHNESS_TTL = 1.0
_WATCHED_TTL = 60.0
_STALE_PATHS_SHOWN = 5


class FreshnessOps:
    settings: "Settings"
    store: "IndexStore"

    def freshness(self) -> dict:
        """Files changed, added or deleted on disk since they were last indexed, and whether an index
        run is under way."""
        walked = self._walked_freshness()
        # Asked every time (an instant): a run starts and ends within the walk's reuse.
        if not index_running(self.store.index_dir):
            return walked | {"indexing": False}
        pending = not_searchable(walked["stale_files"], walked["stale_paths"])
        return walked | {"indexing": True, "not_searchable": pending}

    def _walked_freshness(self) -> dict:
        last = self.store.get_meta("last_indexed_at")
        watched = getattr(self, "_change_generation", None)
        key = (last, watched)
        cached = getattr(self, "_freshness_cache", None)
        now = time.monotonic()
        ttl = _FRESHNESS_TTL if watched is None else _WATCHED_TTL
        if cached and cached[0] == key and now - cached[1] < ttl:
            return cached[2]
        walked = walk(self.settings.root, exclude=self.settings.exclude, max_file_bytes=self.settings.max_file_bytes)
        states = self.store.file_states()
        on_disk = {c.path: (c.size, c.mtime_ns) for c in walked.candidates}
        # Same test as the indexer: size and mtime. Files it skipped (binary, minified) are never
        # in the index, so an unindexed file counts only when it appeared after the last run.
        since_ns = int(float(last) * 1e9) if last else 0
        stale = sorted(p for p, stamp in on_disk.items() if p in states and states[p][1:] != stamp)
        added = sorted(p for p, (_, mtime) in on_disk.items() if p not in states and mtime > since_ns)
        deleted = sorted(p for p in states if p not in on_disk)
        result = {
            "indexed_files": len(states),
            "stale_files": len(stale) + len(added) + len(deleted),
            "stale_paths": (stale + added + deleted)[:_STALE_PATHS_SHOWN],
            "last_indexed_at": float(last) if last else None,
        }
        self._freshness_cache = (key, now, result)
        return result

    def files_changed(self) -> None:
        """A watcher saw files change (or started watching): the next `freshness()` walks again."""
        self._change_generation = getattr(self, "_change_generation", None) or 0
        self._change_generation += 1

    def stopped_watching(self) -> None:
        self._change_generation = None

    def index_unless_busy(self) -> IndexReport | None:
        """Re-index now, or return None at once when another process or thread is indexing."""
        try:
            return self.index(lock_timeout=0)  # type: ignore[attr-defined]
        except IndexBusy:
            return None


def not_searchable(files: int, paths: list[str], unembedded: int = 0) -> str:
    """What an index run under way has not made searchable yet, in words."""
    shown = f" ({', '.join(paths)}{', ...' if files > len(paths) else ''})" if paths else ""
    parts = [f"{files} changed or new files{shown} are not searchable until it finishes"] if files else []
    if unembedded:
        parts.append(f"{unembedded} symbols are not yet searchable by meaning")
    return "an index run is under way" + (": " + "; ".join(parts) if parts else ", with no file changed since the last")
