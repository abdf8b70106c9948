"""An index run: walk, parse what changed, store it, re-resolve references."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from kenning.indexer.pipeline import Skipped, Unchanged, jobs_for, parse_many
from kenning.indexer.resolve import Resolver
from kenning.indexer.walker import walk
from kenning.memory.index_store import IndexStore, writer_lock
from kenning.models import IndexReport, ParsedFile
from kenning.settings import Settings

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
# Files written per transaction: a killed run keeps what it committed and redoes the rest.
_BATCH = 200
# Set in the same transaction as the files it describes, cleared once references are resolved,
# so a run killed in between resolves on the next run even if no file changed.
_DIRTY = "resolution_dirty"


def run_index(
    settings: Settings, store: IndexStore, progress: Progress | None = None, lock_timeout: float = 300
) -> IndexReport:
    started = time.perf_counter()
    report = IndexReport()
    with writer_lock(store.index_dir, lock_timeout):
        walked = walk(settings.root, exclude=settings.exclude, max_file_bytes=settings.max_file_bytes)
        report.skipped_by_reason.update(walked.skipped)
        states = store.file_states()
        present = {c.path for c in walked.candidates}
        deleted = sorted(set(states) - present)
        # Same size and mtime: unchanged without reading it. Otherwise the hash decides.
        changed = [c for c in walked.candidates if states.get(c.path, ("", -1, -1))[1:] != (c.size, c.mtime_ns)]
        report.files_unchanged = len(walked.candidates) - len(changed)
        report.files_deleted = len(deleted)
        known = {path: state[0] for path, state in states.items()}
        jobs = jobs_for(settings.root, changed, known, settings.max_line_length)

        parsed: list[ParsedFile] = []
        touched: list[tuple[str, int]] = []
        dropped: list[str] = list(deleted)
        # A first index resolves in memory before writing; later runs write as they go.
        cold = not states
        if progress:
            progress(0, len(jobs))
        for done, outcome in enumerate(parse_many(jobs, settings.workers), start=1):
            if isinstance(outcome, ParsedFile):
                parsed.append(outcome)
                report.files_indexed += 1
                report.parse_errors += outcome.parse_errors > 0
                report.decode_errors += outcome.decode_errors
            elif isinstance(outcome, Unchanged):
                touched.append((outcome.path, outcome.mtime_ns))
                report.files_unchanged += 1
            elif isinstance(outcome, Skipped):
                report.skipped_by_reason[outcome.reason] = report.skipped_by_reason.get(outcome.reason, 0) + 1
                if outcome.path in states:
                    # Indexed before, binary or minified now: its old entry must go.
                    dropped.append(outcome.path)
            if not cold and len(parsed) >= _BATCH:
                _write_batch(store, parsed, touched, dropped, dirty=True)
                parsed, touched, dropped = [], [], []
            if progress:
                progress(done, len(jobs))

        if cold:
            _write_resolved(store, parsed)
        elif parsed or touched or dropped:
            _write_batch(store, parsed, touched, dropped, dirty=bool(parsed or dropped))
        if report.files_indexed or report.files_deleted or store.get_meta(_DIRTY) == "1":
            if not cold:
                _resolve_stored(store)
        with store.transaction() as conn:
            store.set_meta(conn, "last_indexed_at", str(time.time()))
        counts = store.counts()
    report.files_skipped = sum(report.skipped_by_reason.values())
    report.symbols = counts["symbols"]
    report.edges = counts["edges"]
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _write_batch(
    store: IndexStore, parsed: list[ParsedFile], touched: list[tuple[str, int]], dropped: list[str], dirty: bool
) -> None:
    with store.transaction() as conn:
        store.delete_files(conn, dropped)
        store.write_files(conn, parsed)
        store.touch_files(conn, touched)
        if dirty:
            store.set_meta(conn, _DIRTY, "1")


def _write_resolved(store: IndexStore, parsed: list[ParsedFile]) -> None:
    """First index: resolve everything in memory, then write it in batches."""
    resolver = Resolver((s for f in parsed for s in f.symbols), {f.path: f.module for f in parsed})
    resolved = []
    for file in parsed:
        refs = resolver.resolve_all(list(file.references))
        resolved.append(_with_references(file, refs))
    for start in range(0, len(resolved), _BATCH):
        _write_batch(store, resolved[start:start + _BATCH], [], [], dirty=False)


def _with_references(file: ParsedFile, references: list) -> ParsedFile:
    return ParsedFile(file.path, file.language, file.module, file.content_hash, file.size, file.mtime_ns,
                      file.symbols, tuple(references), file.parse_errors, file.decode_errors)


def _resolve_stored(store: IndexStore) -> None:
    """Re-resolve every stored reference: a change in one file can redirect uses in any other."""
    resolver = Resolver(store.all_symbols(), store.file_modules())
    numbered = store.all_references()
    resolved = resolver.resolve_all([ref for _, ref in numbered])
    updates = [
        (after.target, after.target_path, after.confidence, ref_id)
        for (ref_id, before), after in zip(numbered, resolved)
        if (before.target, before.target_path, before.confidence) != (after.target, after.target_path, after.confidence)
    ]
    with store.transaction() as conn:
        store.write_resolutions(conn, updates)
        store.set_meta(conn, _DIRTY, "0")
    log.debug("resolution changed %d of %d references", len(updates), len(numbered))
