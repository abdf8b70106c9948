"""Killing `kenning index` mid-parse (a first index or an incremental one) leaves no process behind
(its parser workers and the multiprocessing resource tracker die with it), and the next run completes
the index: the same files, symbols and edges as a clean run on a fresh copy."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import copy_stdlib, wait_for
from kenning.indexer.pipeline import PARALLEL_THRESHOLD
from serving_project import server_env

# ~210 files: past the threshold at which a run parses in worker processes.
PACKAGES = ("asyncio", "email", "xml", "importlib", "multiprocessing", "unittest", "idlelib")
WORKERS = 2


def _corpus(root: Path) -> Path:
    copy_stdlib(root, *PACKAGES)
    assert sum(1 for _ in root.rglob("*.py")) > PARALLEL_THRESHOLD
    return root


def _index_command(root: Path) -> list[str]:
    return [sys.executable, "-m", "kenning", "index", str(root), "--json"]


def _env() -> dict[str, str]:
    return server_env(KENNING_WORKERS=str(WORKERS))


def _counts(root: Path) -> tuple[int, int, int]:
    done = subprocess.run(_index_command(root), env=_env(), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    return report["files_indexed"] + report["files_unchanged"], report["symbols"], report["edges"]


def _stat(pid: int) -> tuple[str, int, int, int, int] | None:
    """(state, ppid, process group, session, start time) of a live process; None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2:].split()  # after "pid (comm) ": the name may hold spaces
    return fields[0], int(fields[1]), int(fields[2]), int(fields[3]), int(fields[19])


def _command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError):
        return b""


def _processes() -> dict[int, tuple[str, int, int, int, int]]:
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (info := _stat(int(entry))) is not None:
            found[int(entry)] = info
    return found


def _descendants(pid: int) -> dict[int, int]:
    """Live descendants of `pid` (by parent links), each with its start time."""
    table = _processes()
    found: dict[int, int] = {}
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for child, (state, ppid, _, _, started) in table.items():
            if ppid == parent and child not in found and state != "Z":
                found[child] = started
                frontier.append(child)
    return found


def _survivors(pid: int, seen: dict[int, int]) -> list[int]:
    """Processes still running that were the killed one's descendants, or share its session or group
    (orphans are re-parented, so parent links alone would miss them)."""
    alive = []
    for other, (state, _, group, session, started) in _processes().items():
        if state == "Z" or other == pid:
            continue
        if seen.get(other) == started or pid in (group, session):
            alive.append(other)
    return alive


def _edit_every_file(root: Path) -> None:
    """A change to every file, so that a warm run re-parses them all (in workers)."""
    for number, path in enumerate(sorted(root.rglob("*.py"))):
        with path.open("a", encoding="utf-8") as file:
            file.write(f"\n\ndef added_by_the_kill_test_{number}(value):\n    return value\n")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize(("signal_number", "warm"), [(signal.SIGKILL, False), (signal.SIGTERM, False),
                                                     (signal.SIGKILL, True)],
                         ids=["SIGKILL-cold", "SIGTERM-cold", "SIGKILL-warm"])
def test_a_killed_index_leaves_no_process_and_the_next_run_completes(tmp_path, signal_number, warm):
    killed_root = _corpus(tmp_path / "killed")
    clean_root = _corpus(tmp_path / "clean")
    if warm:  # indexed once, then every file changed: the killed run is an incremental one
        _counts(killed_root)
        _edit_every_file(killed_root)
        _edit_every_file(clean_root)
    clean = _counts(clean_root)

    # Its own session, so that whatever it starts can be found after it dies whoever adopts it.
    run = subprocess.Popen(_index_command(killed_root), env=_env(), stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        # Workers are spawned processes whose command line says so; wait until all of them exist.
        def workers_running() -> dict[int, int] | None:
            found = _descendants(run.pid)
            workers = [p for p in found if b"--multiprocessing-fork" in _command_line(p)]
            return found if len(workers) >= WORKERS else None

        seen = wait_for(workers_running, seconds=120, step=0.01)
        assert seen, f"no {WORKERS} parser workers appeared (exit code {run.poll()})"
        assert run.poll() is None, "the run ended before it could be killed; use a bigger corpus"
        run.send_signal(signal_number)
        run.wait(30)
        assert run.returncode == -signal_number
        left = wait_for(lambda: not _survivors(run.pid, seen), seconds=15, step=0.1)
        assert left, f"processes left behind: {_survivors(run.pid, seen)}"
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()

    assert _counts(killed_root) == clean
