"""`kenning status` and the read commands on a root never indexed, and `kenning --version`."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kenning import __version__
from serving_project import make_project, server_env


def kenning(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kenning", *args], capture_output=True, text=True, timeout=120,
                          env=server_env())


@pytest.mark.parametrize("command", [["status"], ["search", "parse json"], ["symbol", "restock"],
                                     ["callers", "restock"], ["map"]])
def test_a_root_never_indexed_says_so_and_no_read_command_writes_a_file(tmp_path, command):
    root = make_project(tmp_path)
    before = sorted(p for p in root.rglob("*"))
    done = kenning(*command, "--root", str(root))
    assert done.returncode == 1
    assert done.stderr == f"error: {root} has no index yet: run `kenning index` there first\n"
    assert sorted(p for p in root.rglob("*")) == before  # no .kenning/ appeared


def test_status_shows_counts_embedded_freshness_and_local_time(tmp_path):
    root = make_project(tmp_path)
    assert kenning("index", str(root), "--no-embed").returncode == 0
    (root / "inventory.py").write_text((root / "inventory.py").read_text() + "\n\ndef later():\n    return 1\n")
    text = kenning("status", "--root", str(root))
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0] == f"root: {root}"
    assert lines[1].startswith("files: ") and "(0 embedded)" in lines[1]
    assert lines[2] == "stale files: 1 (run `kenning index`)"
    assert lines[3].startswith("last indexed: 20") and "never" not in lines[3]
    data = json.loads(kenning("status", "--root", str(root), "--json").stdout)
    assert data["stale_files"] == 1 and data["embedded"] == 0 and data["indexing"] is False
    assert data["symbols"] > 50 and isinstance(data["last_indexed_at"], float)


def test_search_with_no_match_says_so(tmp_path):
    root = make_project(tmp_path)
    assert kenning("index", str(root), "--no-embed").returncode == 0
    done = kenning("search", "zzqqxxyy", "--root", str(root))
    assert done.returncode == 0 and done.stdout == ""
    assert "nothing in the index matches 'zzqqxxyy'" in done.stderr


def test_version():
    done = kenning("--version")
    assert done.returncode == 0 and done.stdout == f"kenning {__version__}\n"
