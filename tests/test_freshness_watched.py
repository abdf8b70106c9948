"""Freshness while a watcher runs: the walk is reused until a change arrives, so an answer's freshness
never hides a change the watcher saw, and without a watcher a walk is reused only briefly."""

from __future__ import annotations

from conftest import copy_stdlib, wait_for
from kenning.store.index_store import writer_lock
from kenning.service import Service
from kenning.service.watcher import Watcher
from kenning.settings import Settings


def test_freshness_follows_the_watcher_and_walks_again_after_it_stops(tmp_path):
    root = copy_stdlib(tmp_path / "proj", "json")
    service = Service.from_settings(Settings.load(root))
    service.index()
    watcher = Watcher(service, debounce_ms=50).start()
    try:
        assert wait_for(lambda: watcher.runs >= 1)  # the catch-up run
        before = service.freshness()
        assert before["stale_files"] == 0
        with writer_lock(service.store.index_dir, 5):  # another writer is busy: the watcher cannot re-index
            (root / "json" / "extra.py").write_text("def brand_new_helper(x):\n    return x\n")
            # The change is reported as soon as the watcher sees it, although the walk was reused before.
            assert wait_for(lambda: service.freshness()["stale_files"] == 1, seconds=15)
        # Then the watcher re-indexes the new file, and freshness counts it.
        assert wait_for(lambda: service.freshness()["indexed_files"] == before["indexed_files"] + 1)
        assert service.freshness()["stale_files"] == 0
    finally:
        watcher.stop()
    # Nobody watches now: a change is seen by the next walk (after the short reuse window).
    (root / "json" / "later.py").write_text("def added_unwatched(y):\n    return y\n")
    assert wait_for(lambda: service.freshness()["stale_files"] == 1, seconds=10)
