"""Several assistants at once: two `kenning mcp` processes and one `kenning serve` on one root.

All three watch the root and re-index while memory writes arrive from every side; afterwards no
write is lost, ids are distinct, and the index equals a fresh index of the same tree.
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
from concurrent.futures import ThreadPoolExecutor

import anyio
import httpx
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from kenning.service import Service
from kenning.settings import Settings
from serving_project import free_port, make_project, server_env, start_serve, stop

WRITES_PER_CLIENT = 12


def _mcp_client(root, label: str) -> list[str]:
    """One `kenning mcp` process: records decisions and adds files while the others do too."""
    params = StdioServerParameters(command=sys.executable, args=["-m", "kenning", "mcp", "--root", str(root)],
                                   env=server_env())

    async def main():
        made = []
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            for n in range(WRITES_PER_CLIENT):
                (root / f"{label}_{n}.py").write_text(f"def {label}_helper_{n}(x):\n    return x + {n}\n")
                answer = await session.call_tool("record_decision", {
                    "title": f"{label} decision {n}", "context": "concurrency test", "decision": f"pick {n}"})
                assert not answer.is_error, answer.content
                made.append(answer.structured_content["id"])
                await session.call_tool("get_symbol", {"name": "restock"})  # reads while others write
        return made

    return anyio.run(main)


def _http_client(base: str) -> list[str]:
    made = []
    with httpx.Client(base_url=base, timeout=30) as client:
        for n in range(WRITES_PER_CLIENT):
            response = client.post("/decisions", json={
                "title": f"http decision {n}", "context": "concurrency test", "decision": f"pick {n}"})
            assert response.status_code in (200, 201), response.text
            made.append(response.json()["id"])
            assert client.post("/index").status_code == 200
    return made


def test_two_mcp_processes_and_a_server_lose_nothing(tmp_path):
    root = make_project(tmp_path / "shared")
    port = free_port()
    server = start_serve(root, port)
    try:
        with ThreadPoolExecutor(3) as pool:
            futures = [pool.submit(_mcp_client, root, "alpha"), pool.submit(_mcp_client, root, "beta"),
                       pool.submit(_http_client, f"http://127.0.0.1:{port}")]
            ids = [i for f in futures for i in f.result(timeout=240)]
        # Ask the server to catch up for certain: a re-index waits out a watcher run under way, then
        # parses whatever that run had not seen.
        assert httpx.post(f"http://127.0.0.1:{port}/index", timeout=60).status_code == 200
    finally:
        stop(server)

    assert len(ids) == 3 * WRITES_PER_CLIENT
    assert len(set(ids)) == len(ids), "two writers were given the same decision id"
    files = sorted((root / ".kenning" / "memory" / "decisions").glob("*.md"))
    assert len(files) == len(ids)

    database = root / ".kenning" / "index" / "index.sqlite3"
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    served = Service.from_settings(Settings.load(root))
    fresh_root = tmp_path / "fresh"
    shutil.copytree(root, fresh_root, ignore=shutil.ignore_patterns(".kenning"))
    fresh = Service.from_settings(Settings.load(fresh_root))
    fresh.index()

    def dump(service):
        return sorted((s.qualified_name, s.path, s.start_line) for s in service.store.all_symbols())

    assert dump(served) == dump(fresh)
    assert len([s for s in dump(served) if "_helper_" in s[0]]) == 2 * WRITES_PER_CLIENT
