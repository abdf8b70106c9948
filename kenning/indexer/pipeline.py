"""Read and parse many files, on all cores when there are enough of them to pay for it."""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from kenning.indexer.extract import content_hash, parse_source
from kenning.indexer.header_language import header_language, is_header
from kenning.indexer.walker import Candidate, Refused, content_skip_reason, read_regular
from kenning.models import ParsedFile, SearchRow

log = logging.getLogger(__name__)

# Below this many files, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 150
_CHUNK = 16
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


@dataclass(frozen=True, slots=True)
class Skipped:
    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class Unchanged:
    """Content identical to what the index holds; only the mtime moved."""

    path: str
    mtime_ns: int


Outcome = ParsedFile | Skipped | Unchanged
# Called in the worker with each parsed file and its bytes; what it returns travels back as the
# file's `search_rows`. A module-level function, so it pickles to spawned workers.
Enrich = Callable[[ParsedFile, bytes], tuple[SearchRow, ...]]


@dataclass(frozen=True, slots=True)
class ParseJob:
    root: str
    candidate: Candidate
    known_hash: str | None
    max_line_length: int
    max_file_bytes: int
    header_lean: str | None = None  # the project's hint for its `.h` files (WalkResult.header_lean)


def parse_many(jobs: list[ParseJob], workers: int, enrich: Enrich | None = None) -> Iterator[Outcome]:
    """Outcomes in job order; uses a process pool for large batches."""
    workers = workers or os.cpu_count() or 1
    work = partial(parse_job, enrich=enrich) if enrich is not None else parse_job
    if workers == 1 or len(jobs) < PARALLEL_THRESHOLD:
        yield from map(work, jobs)
        return
    # spawn, not fork: the caller may be a threaded server, and forking threads is unsafe.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context,
                             initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
        yield from pool.map(work, jobs, chunksize=_CHUNK)


def parse_job(job: ParseJob, enrich: Enrich | None = None) -> Outcome:
    candidate = job.candidate
    try:
        data = read_regular(job.root, candidate.path, job.max_file_bytes)
    except Refused as refused:
        return Skipped(candidate.path, refused.reason)
    reason = content_skip_reason(data, job.max_line_length)
    if reason is not None:
        return Skipped(candidate.path, reason)
    if job.known_hash is not None and content_hash(data) == job.known_hash:
        return Unchanged(candidate.path, candidate.mtime_ns)
    language = header_language(data, job.header_lean) if is_header(candidate.path) else candidate.language
    try:
        parsed = parse_source(candidate.path, data, language, mtime_ns=candidate.mtime_ns)
        return parsed if enrich is None else replace(parsed, search_rows=enrich(parsed, data))
    except Exception:  # an extractor bug on one file must not end the run: that file is counted instead
        log.exception("extracting %s failed", candidate.path)
        return Skipped(candidate.path, "extraction_failed")


def jobs_for(
    root: Path, candidates: Iterable[Candidate], known: dict[str, str], max_line_length: int, max_file_bytes: int,
    header_lean: str | None = None,
) -> list[ParseJob]:
    return [ParseJob(str(root), c, known.get(c.path), max_line_length, max_file_bytes, header_lean)
            for c in candidates]


def die_with_parent(parent_pid: int) -> None:
    """Pool initializer: end this worker when the process that started it ends, kill -9 included.

    A killed parent never shuts its pool down, and a spawned worker waiting for work (and the
    resource tracker, held open by the workers) would otherwise live on. On Linux the kernel sends
    SIGKILL when the parent thread that spawned the worker ends (the pool spawns from the thread
    that submits, which parse_many keeps until the pool closes); elsewhere a thread polls the parent.
    """
    libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None
    if libc is None or libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        threading.Thread(target=_exit_when_orphaned, args=(parent_pid,), name="kenning-parent-watch",
                         daemon=True).start()
    if os.getppid() != parent_pid:  # the parent died before the death signal was armed
        os._exit(1)


def _exit_when_orphaned(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(1.0)
    os._exit(1)
