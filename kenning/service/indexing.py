"""An index run: walk, parse what changed, store it, re-resolve references."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, replace

from kenning.indexer.extract import EXTRACTOR_VERSION
from kenning.indexer.header_language import is_header
from kenning.indexer.pipeline import Skipped, Unchanged, jobs_for, parse_many
from kenning.indexer.resolve import Lookups, Resolver, moved_words
from kenning.indexer.walker import BAD_IGNORE_LINE, walk
from kenning.store import search_rows
from kenning.store.index_store import IndexStore, writer_lock
from kenning.models import IndexReport, ParsedFile, Reference
from kenning.service.search_preparation import LazyParts, SearchParts, prepare_search
from kenning.settings import Settings

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
# Files written per transaction: a killed run keeps what it committed and redoes the rest.
_BATCH = 200
# Set in the same transaction as the files it describes, cleared once references are resolved,
# so a run killed in between resolves on the next run even if no file changed.
_DIRTY = "resolution_dirty"
_EXTRACTOR = "extractor_version"
_HEADER_LEAN = "header_lean"  # the project's lean when its `.h` files were parsed (header_language)
# What every file's derived rows depend on besides its bytes: the extractor and the search-row recipe.
_DERIVED_VERSION = f"{EXTRACTOR_VERSION}+{search_rows.ROWS_VERSION}"


def made_by_another_extractor(store: IndexStore) -> bool:
    """Whether the stored rows came from another kenning's extractor (the next index run redoes them)."""
    stored = store.get_meta(_EXTRACTOR)
    return stored is not None and stored != _DERIVED_VERSION


def run_index(
    settings: Settings, store: IndexStore, progress: Progress | None = None, lock_timeout: float = 300,
    parts: Callable[[], SearchParts] | None = None,
) -> IndexReport:
    """`parts`: the model and vector store to embed with (default: the settings', loaded if needed)."""
    started = time.perf_counter()
    report = IndexReport()
    with writer_lock(store.index_dir, lock_timeout), store.large_cache():
        plan = _plan(settings, store, report)
        if plan.states:
            _index_warm(settings, store, plan, report, progress)
        else:
            _index_cold(settings, store, plan, report, progress)
        with store.transaction() as writes:
            writes.set_meta("last_indexed_at", str(time.time()))
            writes.set_meta(_EXTRACTOR, _DERIVED_VERSION)  # only now: a killed run re-parses again
            writes.set_meta(_HEADER_LEAN, plan.lean)
        # Rows written without search rows get them here; embedding (unless deferred) reports on `progress`.
        prepare_search(settings, store, parts or LazyParts(settings), progress)
        counts = store.counts()
    report.files_skipped = sum(n for reason, n in report.skipped_by_reason.items() if reason != BAD_IGNORE_LINE)
    report.symbols = counts["symbols"]
    report.edges = counts["edges"]
    report.seconds = round(time.perf_counter() - started, 3)
    return report


@dataclass
class _Plan:
    states: dict[str, tuple[str, int, int]]  # what the index holds: path -> (hash, size, mtime_ns)
    jobs: list  # the files to read (parse, or find unchanged by their hash)
    deleted: list[str]
    lean: str  # the project's header lean, recorded with the run


def _plan(settings: Settings, store: IndexStore, report: IndexReport) -> _Plan:
    walked = walk(settings.root, exclude=settings.exclude, max_file_bytes=settings.max_file_bytes)
    report.skipped_by_reason.update(walked.skipped)
    states = store.file_states()
    present = {c.path for c in walked.candidates}
    deleted = sorted(set(states) - present)
    # Same size and mtime: unchanged without reading it. Otherwise the hash decides. An index
    # made by another extractor version trusts neither: every file is parsed again.
    current = store.get_meta(_EXTRACTOR) == _DERIVED_VERSION
    # A `.h` file's language can follow the project's other files: when their lean moved (a first
    # .c or C++ source), every header is parsed again too.
    header_lean = walked.header_lean
    lean = str(header_lean)
    headers_stale = store.get_meta(_HEADER_LEAN) not in (None, lean)
    changed = [c for c in walked.candidates
               if not current or (headers_stale and is_header(c.path))
               or states.get(c.path, ("", -1, -1))[1:] != (c.size, c.mtime_ns)]
    report.files_unchanged = len(walked.candidates) - len(changed)
    report.files_deleted = len(deleted)
    known = {path: state[0] for path, state in states.items()
             if not (headers_stale and is_header(path))} if current else {}
    jobs = jobs_for(settings.root, changed, known, settings.max_line_length, settings.max_file_bytes, header_lean)
    return _Plan(states, jobs, deleted, lean)


def _outcomes(settings: Settings, plan: _Plan, report: IndexReport, progress: Progress | None) -> Iterator:
    """Each job's outcome (ParsedFile, Unchanged or Skipped), counted in `report` and on `progress`."""
    if progress:
        progress(0, len(plan.jobs))
    # Search rows (lexical words, clone bands, texts to embed) are computed in the parser workers.
    for done, outcome in enumerate(parse_many(plan.jobs, settings.workers, search_rows.for_file), start=1):
        if isinstance(outcome, ParsedFile):
            report.files_indexed += 1
            report.parse_errors += outcome.parse_errors > 0
            report.decode_errors += outcome.decode_errors
        elif isinstance(outcome, Unchanged):
            report.files_unchanged += 1
        elif isinstance(outcome, Skipped):
            report.skipped_by_reason[outcome.reason] = report.skipped_by_reason.get(outcome.reason, 0) + 1
        yield outcome
        if progress:
            progress(done, len(plan.jobs))


def _index_cold(settings: Settings, store: IndexStore, plan: _Plan, report: IndexReport,
                progress: Progress | None) -> None:
    """A first index: files, symbols and search rows written as they arrive, in one transaction, and
    references once every symbol is known to resolve them against."""
    with _ColdLoad(store) as load:
        parsed = [load.add(outcome) for outcome in _outcomes(settings, plan, report, progress)
                  if isinstance(outcome, ParsedFile)]
        load.finish(parsed)


def _index_warm(settings: Settings, store: IndexStore, plan: _Plan, report: IndexReport,
                progress: Progress | None) -> None:
    """A later run: written as it goes, a batch per transaction (a killed run keeps what it committed).
    A small change (one batch, nothing left over from a killed run) re-resolves only what it can
    affect; anything bigger re-resolves everything."""
    parsed: list[ParsedFile] = []
    touched: list[tuple[str, int]] = []
    dropped: list[str] = list(plan.deleted)
    flushed = store.get_meta(_DIRTY) == "1"
    for outcome in _outcomes(settings, plan, report, progress):
        if isinstance(outcome, ParsedFile):
            parsed.append(outcome)
        elif isinstance(outcome, Unchanged):
            touched.append((outcome.path, outcome.mtime_ns))
        elif isinstance(outcome, Skipped) and outcome.path in plan.states:
            dropped.append(outcome.path)  # indexed before, binary or minified now: its old entry must go
        if len(parsed) >= _BATCH:
            _write_batch(store, parsed, touched, dropped, dirty=True)
            parsed, touched, dropped = [], [], []
            flushed = True
    before = None
    if parsed or touched or dropped:
        if (parsed or dropped) and not flushed:
            before = _Before.take(store, parsed, dropped)
        _write_batch(store, parsed, touched, dropped, dirty=bool(parsed or dropped))
    if store.get_meta(_DIRTY) == "1":
        if before is not None:
            _resolve_changed(store, before)
        else:
            _resolve_stored(store)


def _write_batch(
    store: IndexStore, parsed: list[ParsedFile], touched: list[tuple[str, int]], dropped: list[str], dirty: bool
) -> None:
    with store.transaction() as writes:
        writes.delete_files(dropped)
        writes.write_files(parsed)
        writes.touch_files(touched)
        if dirty:
            writes.set_meta(_DIRTY, "1")


class _ColdLoad:
    """A first index, in one transaction (a killed run leaves nothing, and the next run is a first
    index again) with the secondary indexes dropped until the end: the tables start empty.
    Use as a context manager around `add` and `finish`; leaving it commits or rolls back."""

    def __init__(self, store: IndexStore) -> None:
        self.store = store
        self.file_ids: dict[str, int] = {}
        self._load = ExitStack()

    def __enter__(self) -> "_ColdLoad":
        with ExitStack() as load:
            load.enter_context(self.store.foreign_keys_unchecked())  # each file's rows follow the file's
            self.writes = load.enter_context(self.store.transaction())
            self.deferred = load.enter_context(self.writes.indexes_deferred())
            self._load = load.pop_all()
        return self

    def __exit__(self, *exc_info) -> bool | None:
        return self._load.__exit__(*exc_info)

    def add(self, file: ParsedFile) -> ParsedFile:
        """Write the file but its references; returns what resolving them needs."""
        self.file_ids.update(self.writes.write_files([file], fresh=True, references=False))
        return replace(file, search_rows=None)

    def finish(self, parsed: list[ParsedFile]) -> None:
        """Resolve every reference in memory and write them (their indexes are built on leaving)."""
        resolver = Resolver((s for f in parsed for s in f.symbols), {f.path: f.module for f in parsed})
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="kenning-resolve") as pool:
            resolving = pool.map(lambda file: resolver.resolve_all(list(file.references)), parsed)
            # Meanwhile, the other tables' indexes: SQLite builds them without holding the GIL,
            # so this runs on the second core while resolution runs in Python.
            self.deferred.rebuild(("symbols", "symbol_texts", "symbol_bands"))
            self.writes.optimize_lexical()
            for file, references in zip(parsed, resolving):
                self.writes.write_references(self.file_ids[file.path], references)
        self.writes.set_meta(_EXTRACTOR, _DERIVED_VERSION)  # with the rows it describes


def _resolve_stored(store: IndexStore) -> None:
    """Re-resolve every stored reference: a change in one file can redirect uses in any other."""
    resolver = Resolver(store.symbols_for_resolution(), store.file_modules())
    _store_resolutions(store, resolver, store.all_references())


def _store_resolutions(store: IndexStore, resolver: Resolver, numbered: list[tuple[int, Reference]]) -> None:
    resolved = resolver.resolve_all([ref for _, ref in numbered])
    updates = [
        (after.target, after.target_path, after.confidence, ref_id)
        for (ref_id, before), after in zip(numbered, resolved)
        if (before.target, before.target_path, before.confidence) != (after.target, after.target_path, after.confidence)
    ]
    with store.transaction() as writes:
        writes.write_resolutions(updates)
        writes.set_meta(_DIRTY, "0")
    log.debug("resolution changed %d of %d references", len(updates), len(numbered))


# -- incremental resolution ---------------------------------------------------------------------
#
# What a change can redirect follows from the Resolver's own lookups (indexer/resolve.py: Lookups,
# moved_words): `_Before` takes their answers for every key the changed files define, before they
# are written; afterwards the words of the keys whose answers moved pick the files to re-resolve.


@dataclass
class _Before:
    paths: set[str]
    qualified: set[str]  # keys: qualified names defined in the changed files, before or after
    names: set[str]  # keys: short names defined in the changed files, before or after
    answers: Lookups  # for those keys, before the write

    @classmethod
    def take(cls, store: IndexStore, parsed: list[ParsedFile], dropped: list[str]) -> "_Before":
        paths = {f.path for f in parsed} | set(dropped)
        old = store.symbol_keys_in(paths)
        qualified = {q for q, _ in old} | {s.qualified_name for f in parsed for s in f.symbols}
        names = {n for _, n in old} | {s.name for f in parsed for s in f.symbols}
        return cls(paths, qualified, names, _lookups(store, qualified, names))


def _lookups(store: IndexStore, qualified: set[str], names: set[str]) -> Lookups:
    """The Resolver's answers for these keys, from only the symbols that carry them (all of them, in
    the order a full Resolver reads them, so the answers are a full Resolver's)."""
    return Resolver(store.symbols_with_keys(qualified, names), store.file_modules()).lookups_for(qualified, names)


def _resolve_changed(store: IndexStore, before: _Before) -> None:
    """Re-resolve the references a small change can affect; same result as `_resolve_stored`."""
    words = moved_words(before.answers, _lookups(store, before.qualified, before.names))
    resolver = Resolver(store.symbols_for_resolution(), store.file_modules())
    affected = before.paths | store.files_referring(words)
    # A relative import's target depends on its own file's place, which its text does not show.
    for path, text in store.relative_imports():
        if path not in affected and words.intersection(resolver.import_target(path, text).split(".")):
            affected.add(path)
    _store_resolutions(store, resolver, store.references_in(affected))
