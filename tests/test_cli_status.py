"""`kenning status` and the read commands on a root never indexed, and `kenning --version`."""

from __future__ import annotations

import json

import pytest

from kenning import __version__
from serving_project import make_project, run_kenning


kenning = run_kenning


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
    symbols = lines[1].split("symbols: ", 1)[1].split(" ", 1)[0]
    assert lines[2] == (f"embedding: 0 of {symbols} symbols (0%), run `kenning embed`; until then search finds"
                        " the rest by name and words, not by meaning")
    assert lines[3] == "stale files: 1 (run `kenning index`)"
    assert lines[4].startswith("last indexed: 20") and "never" not in lines[4]
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


def test_status_says_the_same_on_every_surface(tmp_path):
    import anyio
    from fastapi.testclient import TestClient
    from mcp.client import Client

    from kenning.api import create_app
    from kenning.mcp.server import build_server
    from kenning.service import Service
    from kenning.settings import Settings

    root = make_project(tmp_path)
    assert kenning("index", str(root), "--no-embed").returncode == 0
    cli = json.loads(kenning("status", "--root", str(root), "--json").stdout)
    service = Service.from_settings(Settings.load(root))
    http = TestClient(create_app(service), base_url="http://127.0.0.1").get("/stats").json()

    async def over_mcp():
        async with Client(build_server(service)) as client:
            return (await client.call_tool("index_status", {})).structured_content

    mcp = anyio.run(over_mcp)
    service.close()
    for key in ("files", "symbols", "embedded", "edges"):
        assert cli[key] == http[key] == mcp[key], key
    assert cli["stale_files"] == http["index"]["stale_files"] == mcp["index"]["stale_files"] == 0
