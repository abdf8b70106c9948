"""Incremental indexing: only what changed is parsed; deletions vanish; a killed run loses nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import copy_stdlib
from kenning.service import Service
from kenning.service import indexing
from kenning.settings import Settings


def _service(root: Path) -> Service:
    return Service.from_settings(Settings.load(root))


@pytest.fixture
def project(tmp_path):
    root = copy_stdlib(tmp_path / "proj", "json", "textwrap.py")
    svc = _service(root)
    svc.index()
    return svc


def test_noop_reindex_parses_nothing(project):
    report = project.index()
    assert report.files_indexed == 0
    assert report.files_unchanged == 6
    assert report.symbols == project.store.counts()["symbols"]


def test_only_changed_files_are_reparsed(project):
    target = project.root / "json" / "scanner.py"
    target.write_text(target.read_text() + "\n\ndef brand_new_helper(x):\n    return py_make_scanner(x)\n")
    before = {s.path: s for s in project.store.all_symbols() if s.path == "json/decoder.py"}
    report = project.index()
    assert report.files_indexed == 1
    assert report.files_unchanged == 5
    (added,) = project.find_symbols("brand_new_helper")
    assert added.path == "json/scanner.py"
    callees = project.callees("brand_new_helper")["json.scanner.brand_new_helper"]
    assert [u.symbol for u in callees] == ["json.scanner.py_make_scanner"]
    after = {s.path: s for s in project.store.all_symbols() if s.path == "json/decoder.py"}
    assert before == after


def test_touched_but_identical_file_is_not_reparsed(project):
    target = project.root / "textwrap.py"
    os.utime(target, ns=(time.time_ns(), time.time_ns() + 5_000_000_000))
    report = project.index()
    assert report.files_indexed == 0
    assert report.files_unchanged == 6
    assert project.index().files_unchanged == 6  # the new mtime was recorded


def test_an_index_from_another_extractor_version_is_parsed_again_in_full(project):
    symbols = sorted(s.qualified_name for s in project.store.all_symbols())
    with project.store.transaction() as writes:
        writes.set_meta("extractor_version", "1")  # as an older kenning left it
    report = project.index()
    assert (report.files_indexed, report.files_unchanged) == (6, 0)
    assert sorted(s.qualified_name for s in project.store.all_symbols()) == symbols
    assert project.index().files_indexed == 0


def test_deleted_file_symbols_and_references_vanish(project):
    (project.root / "textwrap.py").unlink()
    report = project.index()
    assert report.files_deleted == 1
    assert not [s for s in project.store.all_symbols() if s.path == "textwrap.py"]
    assert not [r for _, r in project.store.all_references() if r.path == "textwrap.py"]


def test_references_into_a_removed_definition_become_unresolved(project):
    target = "json.decoder.JSONDecodeError"
    assert any(u.path == "json/__init__.py" for u in project.callers(target)[target])
    decoder = project.root / "json" / "decoder.py"
    decoder.write_text(decoder.read_text().replace("class JSONDecodeError(", "class RenamedDecodeError("))
    report = project.index()
    assert report.files_indexed == 1
    assert not [r for _, r in project.store.all_references() if r.target == target]
    # The other file's uses are kept, unresolved, with their text.
    kept = [r for _, r in project.store.all_references() if r.path == "json/__init__.py" and r.name == "JSONDecodeError"]
    assert kept


def test_a_file_that_turns_binary_is_dropped_and_counted(project):
    (project.root / "textwrap.py").write_bytes(b"\x00\x01binary now")
    report = project.index()
    assert report.skipped_by_reason.get("binary") == 1
    assert not [s for s in project.store.all_symbols() if s.path == "textwrap.py"]


# An index run that stops for good once `after` files are handled (its progress callback says where it
# is), having said so in the `paused` file: a kill then lands at a known point, on any machine's speed.
_PAUSING_INDEX = """
import sys, time
from pathlib import Path
from kenning.service import Service
from kenning.service import indexing
from kenning.settings import Settings
root, after, paused = Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
def progress(done, total):
    if done >= after and total > 0:
        paused.write_text(f"{done} {total}")
        while True:
            time.sleep(60)
Service.from_settings(Settings.load(root)).index(progress=progress)
"""


def _index_paused_after(root: Path, files: int, paused: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", _PAUSING_INDEX, str(root), str(files), str(paused)],
                            env={**os.environ, "KENNING_WORKERS": "1"}, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    while not paused.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if not paused.exists():
        proc.kill()
        pytest.fail(f"the index run never reached file {files} (exit {proc.poll()})")
    return proc


def test_a_killed_index_run_is_completed_by_the_next_run(tmp_path):
    root = copy_stdlib(tmp_path / "big", "email", "json", "asyncio", "xml")
    database = root / ".kenning" / "index" / "index.sqlite3"
    # Killed in the middle of its one first-index transaction: it holds the writer lock, has
    # parsed and written 40 files, and has committed nothing yet.
    proc = _index_paused_after(root, 40, tmp_path / "paused")
    assert _writer_lock_held(database.parent) and _files_in(database) == 0
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert _files_in(database) == 0  # nothing half-written is visible

    resumed = _service(root)
    resumed.index()
    fresh_root = copy_stdlib(tmp_path / "fresh", "email", "json", "asyncio", "xml")
    fresh = _service(fresh_root)
    fresh.index()

    def dump(svc):
        return (
            sorted((s.qualified_name, s.path, s.start_line) for s in svc.store.all_symbols()),
            sorted((r.path, r.line, r.text, r.target, r.confidence) for _, r in svc.store.all_references()),
        )

    assert dump(resumed) == dump(fresh)


def test_a_run_killed_between_batches_of_an_update_is_completed_by_the_next_run(tmp_path):
    # A first index of a few files, then many more: the second run commits batch by batch.
    root = copy_stdlib(tmp_path / "big", "json")
    _service(root).index()
    more = ("email", "asyncio", "xml", "idlelib", "logging", "concurrent", "multiprocessing", "importlib", "http")
    copy_stdlib(root, *more)
    database = root / ".kenning" / "index" / "index.sqlite3"
    first = _files_in(database)
    # Paused after its first batch (indexing._BATCH files per transaction) is committed and before the rest.
    proc = _index_paused_after(root, indexing._BATCH + 1, tmp_path / "paused")
    done, total = map(int, (tmp_path / "paused").read_text().split())
    assert done < total, "a run with more than one batch to write"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert first < _files_in(database)

    resumed = _service(root)
    resumed.index()
    fresh_root = copy_stdlib(tmp_path / "fresh", "json", *more)
    fresh = _service(fresh_root)
    fresh.index()

    def dump(svc):
        return (
            sorted((s.qualified_name, s.path, s.start_line, s.fingerprint) for s in svc.store.all_symbols()),
            sorted((r.path, r.line, r.text, r.target, r.confidence) for _, r in svc.store.all_references()),
            svc.store.conn.execute("SELECT COUNT(*), COUNT(DISTINCT symbol_id) FROM symbol_bands").fetchone(),
            svc.store.conn.execute("SELECT COUNT(*) FROM symbol_texts").fetchone(),
        )

    assert dump(resumed) == dump(fresh)


def _writer_lock_held(index_dir: Path) -> bool:
    import fcntl

    try:
        with open(index_dir / "write.lock", "a+") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            return False
    except FileNotFoundError:
        return False
    except BlockingIOError:
        return True


def _files_in(database: Path) -> int:
    import sqlite3

    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=0.1) as conn:
            return conn.execute("SELECT COUNT(*) FROM files").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_a_second_writer_waits_or_steps_aside(project):
    from kenning.errors import IndexBusy
    from kenning.store.index_store import writer_lock

    with writer_lock(project.store.index_dir, timeout=1):
        assert project.index_unless_busy() is None  # the watcher's way: skip, try again later
        with pytest.raises(IndexBusy, match="another kenning process is indexing"):
            project.index(lock_timeout=0.2)
    assert project.index_unless_busy().files_unchanged == 6
