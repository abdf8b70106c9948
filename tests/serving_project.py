"""A small real project for the serving tests: the stdlib's json package plus one hand-written module."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from conftest import copy_stdlib

SAMPLE = '''\
"""Inventory helpers."""

from json import dumps


def restock(item: str, count: int) -> str:
    """Record a delivery and return it as JSON."""
    return dumps({"item": item, "count": count})


class Shelf:
    def put(self, item: str) -> str:
        return restock(item, 1)
'''

# A function still to be written, and the same function written: what task completion checks tell apart.
SHELVES_STUB = 'def count_shelves(shelves):\n    """How many shelves there are."""\n    raise NotImplementedError\n'
SHELVES_DONE = 'def count_shelves(shelves):\n    """How many shelves there are."""\n    return len(shelves)\n'
# inventory.py imports json: a rule forbidding that is broken as soon as it applies.
NO_JSON_IN_INVENTORY = {"forbid": {"from": "inventory.py", "to": "json/**"}}


def make_project(root: Path) -> Path:
    copy_stdlib(root, "json")
    (root / "inventory.py").write_text(SAMPLE, encoding="utf-8")
    return root


def server_env(**extra: str) -> dict[str, str]:
    """Environment for a kenning subprocess: offline, and lexical-only indexing to stay fast."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KENNING_")}
    return env | {"HF_HUB_OFFLINE": "1", "KENNING_EMBED_ON_INDEX": "false", "PYTHONUNBUFFERED": "1"} | extra


def run_kenning(*args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess:
    """`python -m kenning ARGS` as a user runs it: a real process, offline, with `env` added."""
    return subprocess.run([sys.executable, "-m", "kenning", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120, env=server_env(**env))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_serve(root: Path, port: int, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "kenning", "serve", "--root", str(root), "--port", str(port), *args],
        env=env or server_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"kenning serve exited early: {process.stderr.read()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise AssertionError("kenning serve did not start listening within 20 s")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
