"""A hostile tree: what a real repository can hold that once aborted a run (or hung it, or indexed a
file outside the root) is skipped or indexed as far as possible, counted by reason, and a running
watcher keeps indexing after it.

Real files in tmp dirs: .gitignore lines git accepts but pathspec cannot compile, names that are
not UTF-8 (written as bytes), definitions nested 3,000 deep in every language, and a file swapped
for a FIFO, a file and a folder swapped for symlinks after the walk and before parsing (in the
progress callback, which a run calls once it knows its jobs and before it reads any file).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

from conftest import wait_for
from kenning.indexer.languages import language_names
from kenning.service import Service
from kenning.service.watcher import Watcher
from kenning.settings import Settings

DEPTH = 3_000
BAD_IGNORE_LINES = ["\\", "!", "a\\", "[z-a]"]  # all accepted by git (they match nothing)


def _nested(language: str) -> tuple[str, str, int]:
    """(file name, source nested DEPTH deep, symbols expected): definitions inside definitions where
    the language nests them; Python's indent scanner stops near 1,000 levels and Go's function
    literals are no definitions, so those two nest expressions inside one function instead."""
    def braces(opening: str, closing: str = "}\n") -> str:
        return opening * DEPTH + closing * DEPTH

    return {
        "python": ("deep.py", "def f():\n    return " + "g(\n" * DEPTH + ")\n" * DEPTH, 1),
        "ruby": ("deep.rb", braces("def f\n", "end\n"), DEPTH),
        "javascript": ("deep.js", braces("function f() {\n"), DEPTH),
        "typescript": ("deep.ts", braces("function f() {\n"), DEPTH),
        "tsx": ("deep.tsx", braces("function f() {\n"), DEPTH),
        "php": ("deep.php", "<?php\n" + braces("function f() {\n"), DEPTH),
        "rust": ("deep.rs", braces("fn f() {\n"), DEPTH),
        "go": ("deep.go", "package p\nfunc f() {\n" + braces("g := func() {\n") + "}\n", 1),
        "java": ("Deep.java", braces("class A {\n"), DEPTH),
        "csharp": ("Deep.cs", braces("class A {\n"), DEPTH),
        "c": ("deep.c", "struct s {\n" * DEPTH + "int x;\n" + "} m;\n" * (DEPTH - 1) + "};\n", DEPTH),
        "cpp": ("deep.cpp", braces("namespace n {\n"), DEPTH),
    }[language]


def _write(path: Path | bytes, text: str) -> None:
    with open(path, "wb") as file:
        file.write(text.encode())


def _not_utf8(folder: Path, name: bytes) -> bytes:
    return os.fsencode(folder) + b"/" + name


def _index_within(service: Service, seconds: float, progress=None):
    """The run's report; fails (instead of hanging the suite) if the run does not end in time."""
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["report"] = service.index(progress=progress)
        except BaseException as e:  # handed to the test below
            outcome["error"] = e

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"the index run did not end within {seconds}s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["report"]


def test_hostile_tree_is_indexed_as_far_as_possible_and_counted(tmp_path):
    root = tmp_path / "proj"
    outside = tmp_path / "outside"
    (root / "sub").mkdir(parents=True)
    (root / "ignored").mkdir()
    (root / "swapdir").mkdir()
    outside.mkdir()
    _write(outside / "secret.py", "def outside_secret():\n    return 1\n")
    _write(outside / "inner.py", "def outside_inner():\n    return 1\n")

    _write(root / ".gitignore", "\n".join([*BAD_IGNORE_LINES, "ignored/"]) + "\n")
    _write(root / "ignored" / "skip.py", "def ignored_by_the_good_line():\n    pass\n")
    _write(root / "sub" / ".gitignore", "[z-a]\n*.gen.py\n")
    _write(root / "sub" / "keep.py", "def kept():\n    pass\n")
    _write(root / "sub" / "made.gen.py", "def generated():\n    pass\n")
    _write(_not_utf8(root, b"bad\xff.py"), "def in_a_latin1_name():\n    pass\n")
    os.mkdir(_not_utf8(root, b"dir\xfe"))
    _write(_not_utf8(root, b"dir\xfe") + b"/inner.py", "def under_a_latin1_folder():\n    pass\n")
    # Odd names that are UTF-8 are indexed like any other.
    odd_names = ["new\nline.py", "tab\there.py", "back\\slash.py", " spaced .py", "é" * 125 + ".py"]
    for name in odd_names:
        _write(root / name, "def odd_name():\n    pass\n")
    # A .gitignore that is a FIFO (or a link out of the root) is not read: once, the walk waited on it.
    (root / "fifo_ignore").mkdir()
    os.mkfifo(root / "fifo_ignore" / ".gitignore")
    _write(root / "fifo_ignore" / "kept.py", "def beside_a_fifo_gitignore():\n    pass\n")
    (root / "sub" / "linked").mkdir()
    (root / "sub" / "linked" / ".gitignore").symlink_to(outside / "ignore_all")
    _write(outside / "ignore_all", "*\n")
    _write(root / "sub" / "linked" / "kept.py", "def beside_a_linked_gitignore():\n    pass\n")
    expected_symbols = {name: 1 for name in odd_names} | {"fifo_ignore/kept.py": 1, "sub/linked/kept.py": 1}
    for language in language_names():
        name, source, symbols = _nested(language)
        _write(root / name, source)
        expected_symbols[name] = symbols
    for name in ("swap_fifo.py", "swap_link.py", "swapdir/inner.py"):
        _write(root / name, "def listed_by_the_walk():\n    pass\n")

    def swap_after_the_walk(done: int, total: int) -> None:
        if done == 0 and not (root / "swapdir").is_symlink():
            (root / "swap_fifo.py").unlink()
            os.mkfifo(root / "swap_fifo.py")
            (root / "swap_link.py").unlink()
            (root / "swap_link.py").symlink_to(outside / "secret.py")
            (root / "swapdir" / "inner.py").unlink()
            (root / "swapdir").rmdir()
            (root / "swapdir").symlink_to(outside, target_is_directory=True)

    service = Service.from_settings(Settings.load(root, embed_on_index=False))
    try:
        started = time.perf_counter()
        report = _index_within(service, 600, progress=swap_after_the_walk)
        seconds = time.perf_counter() - started
        assert (root / "swapdir").is_symlink()  # the swap happened, between the walk and the reads
        assert report.skipped_by_reason == {
            "bad_ignore_line": 5,  # 4 in the root's .gitignore, 1 in sub/'s
            "undecodable_name": 2,  # the file and the folder
            "not_a_regular_file": 1,  # the FIFO: skipped at once, not waited on
            "symlink": 2,  # the file and the folder swapped for links: neither followed
            "unsupported_language": 4,  # the four .gitignore files
        }
        assert report.files_skipped == 9
        assert report.files_indexed == len(expected_symbols) + 1  # the deep files, the odd names and sub/keep.py
        assert report.decode_errors == 0

        per_file = dict(service.store.conn.execute(
            "SELECT f.path, count(s.id) FROM files f LEFT JOIN symbols s ON s.file_id = f.id GROUP BY f.path"))
        assert per_file == {**expected_symbols, "sub/keep.py": 1}, f"indexed in {seconds:.1f}s"
        names = {s.name for s in service.store.all_symbols()}
        assert not names & {"outside_secret", "outside_inner", "ignored_by_the_good_line", "generated",
                            "in_a_latin1_name", "under_a_latin1_folder", "listed_by_the_walk"}
        # What answers carry (and what /stats, /files and /search once answered 500 on) still works.
        assert service.freshness()["stale_files"] == 0

        again = _index_within(service, 120)
        assert (again.files_indexed, again.files_unchanged) == (0, len(expected_symbols) + 1)
        assert again.skipped_by_reason == report.skipped_by_reason
    finally:
        service.close()


def test_watcher_keeps_indexing_after_hostile_events(tmp_path, caplog):
    root = tmp_path / "proj"
    root.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    _write(outside / "secret.py", "def outside_secret():\n    return 1\n")
    _write(root / "first.py", "def first():\n    pass\n")
    service = Service.from_settings(Settings.load(root, embed_on_index=False))
    service.index()
    caplog.set_level(logging.INFO, logger="kenning.service.watcher")
    watcher = Watcher(service, debounce_ms=50, retry_seconds=0.2).start()
    try:
        assert wait_for(lambda: watcher.runs >= 1)  # the catch-up run

        # watchfiles gives up on a name that is not UTF-8; the watcher says so and starts it again.
        _write(_not_utf8(root, b"bad\xff.py"), "def in_a_latin1_name():\n    pass\n")
        assert wait_for(lambda: watcher.restarts >= 1, seconds=30)
        assert any("restarting" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
        os.unlink(_not_utf8(root, b"bad\xff.py"))
        _write(root / ".gitignore", "\n".join(BAD_IGNORE_LINES) + "\n")
        os.mkfifo(root / "pipe.py")
        (root / "link.py").symlink_to(outside / "secret.py")
        os.mkdir(_not_utf8(root, b"dir\xfe"))
        _write(_not_utf8(root, b"dir\xfe") + b"/inner.py", "def under_a_latin1_folder():\n    pass\n")
        hostile_done = time.monotonic()

        _write(root / "added_later.py", "def added_after_the_hostile_events():\n    pass\n")
        assert wait_for(lambda: "added_later.py" in service.store.file_states(), seconds=60)
        # The folder with the undecodable name stays, and the watcher on file events fails at start
        # while it exists; once a polling watch started after the last hostile event (restarts settle
        # there), a new file is indexed by a watch that keeps running, with no further restart.
        assert wait_for(lambda: watcher.polling and (watcher.watching_since or 0) > hostile_done, seconds=60)
        restarts = watcher.restarts
        _write(root / "added_last.py", "def added_while_the_bad_folder_stays():\n    pass\n")
        assert wait_for(lambda: "added_last.py" in service.store.file_states(), seconds=30)
        assert watcher.restarts == restarts
        assert watcher._thread is not None and watcher._thread.is_alive()
        names = {s.name for s in service.store.all_symbols()}
        assert {"added_after_the_hostile_events", "added_while_the_bad_folder_stays"} <= names
        assert not names & {"outside_secret", "in_a_latin1_name", "under_a_latin1_folder"}
    finally:
        watcher.stop()
        service.close()


def test_bad_exclude_entries_are_dropped_and_counted_and_the_rest_apply(tmp_path):
    _write(tmp_path / "kept.py", "def kept():\n    pass\n")
    _write(tmp_path / "excluded.py", "def excluded():\n    pass\n")
    service = Service.from_settings(Settings.load(tmp_path, exclude=["[z-a]", "excluded.py", "!"]))
    try:
        report = service.index()
        assert report.skipped_by_reason == {"bad_ignore_line": 2}
        assert report.files_skipped == 0
        assert [s.name for s in service.store.all_symbols()] == ["kept"]
    finally:
        service.close()
