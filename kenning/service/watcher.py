"""Keep the index fresh: watch the root and re-index incrementally shortly after files change.

Another process (or a POST /index in this one) may be indexing: then this round is skipped and
retried shortly, because that run's walk may have happened before our change landed. If watching
itself fails, it is logged and started again, with a catch-up re-index.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

from watchfiles import DefaultFilter, watch

from kenning.errors import KenningError

if TYPE_CHECKING:
    from kenning.service.core import Service

log = logging.getLogger(__name__)

# kenning's own index lives under the root: its writes must never trigger a re-index.
_IGNORED_DIRS = (*DefaultFilter.ignore_dirs, ".kenning", "venv")
_MAX_RESTART_DELAY = 30.0


class Watcher:
    def __init__(self, service: "Service", debounce_ms: int = 150, retry_seconds: float = 0.5) -> None:
        self.service = service
        self.debounce_ms = debounce_ms
        self.retry_seconds = retry_seconds
        self.runs = 0  # completed re-index runs, for status and tests
        self.restarts = 0  # times watching failed and started again
        self.polling = False  # how the current watch follows changes: polling the tree, or file events
        self.watching_since: float | None = None  # time.monotonic() when the current watch started
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> "Watcher":
        self._thread = threading.Thread(target=self._run, name="kenning-watcher", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self.service.stopped_watching()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        # watchfiles fails on a path that is not UTF-8: the native watcher as soon as such a folder
        # exists (at start), the polling one only when such a path changes. So after a failure the
        # other kind is tried, each start catching up on what was missed, until stopped.
        delay, polling = self.retry_seconds, False
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                self._follow(polling)
            except Exception as e:
                if self._stop.is_set():
                    return
                if time.monotonic() - started > _MAX_RESTART_DELAY:
                    delay = self.retry_seconds  # it had been watching fine: a new fault, not a repeat
                polling = not polling
                log.warning("watching %s failed (%s: %s); restarting in %.1fs, %s", self.service.root,
                            type(e).__name__, e, delay, "polling every second" if polling else "on file events")
                self.restarts += 1  # after the warning: whoever sees the count can find the reason logged
                self._stop.wait(delay)
                delay = min(delay * 2, _MAX_RESTART_DELAY)  # a fault that repeats must not spin
            else:
                return

    def _follow(self, polling: bool) -> None:
        # Catch up with whatever changed while nothing was watching, then follow changes; freshness
        # answers reuse their walk until a change arrives.
        self.service.files_changed()
        self._reindex()
        self.polling, self.watching_since = polling, time.monotonic()
        changes = watch(
            self.service.root, watch_filter=DefaultFilter(ignore_dirs=_IGNORED_DIRS), debounce=self.debounce_ms,
            step=50, stop_event=self._stop, raise_interrupt=False, force_polling=polling, poll_delay_ms=1000,
        )
        for batch in changes:
            log.debug("%d changes under %s", len(batch), self.service.root)
            self.service.files_changed()
            self._reindex()

    def _reindex(self) -> None:
        while not self._stop.is_set():
            try:
                report = self.service.index_unless_busy()
            except KenningError as e:
                log.warning("re-index after a change failed: %s", e)
                return
            except Exception:  # a background thread must outlive one bad run; the next change retries
                log.exception("re-index after a change failed unexpectedly")
                return
            if report is not None:
                self.runs += 1
                log.info("re-indexed: %d changed, %d deleted in %.2fs", report.files_indexed,
                         report.files_deleted, report.seconds)
                return
            self._stop.wait(self.retry_seconds)
