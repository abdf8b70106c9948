"""Answers from the first second: `kenning mcp` on a root never indexed answers search_code by name and
words once the structure is written, while it embeds in the background, and says so in every answer and in
`kenning status`; later answers have every symbol embedded. The SDK's stdio client, a real `kenning mcp`
process, the real model, stdlib code nobody here wrote. No timings are asserted.
"""

from __future__ import annotations

import subprocess
import sys
import time

import anyio
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from conftest import copy_stdlib
from serving_project import server_env

QUERY = "JSONDecoder raw_decode"  # names in json/decoder.py: found by words before any vector exists


def status_text(root) -> str:
    done = subprocess.run([sys.executable, "-m", "kenning", "status", "--root", str(root)], capture_output=True,
                          text=True, timeout=120, env=server_env())
    return done.stdout + done.stderr


def test_search_answers_while_embedding_then_with_everything_embedded(tmp_path):
    root = copy_stdlib(tmp_path / "never_indexed", "json", "textwrap.py", "difflib.py")
    env = server_env()
    del env["KENNING_EMBED_ON_INDEX"]  # the default: embed, here in the background
    params = StdioServerParameters(command=sys.executable, args=["-m", "kenning", "mcp", "--root", str(root)],
                                   env=env)

    async def session_answers():
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            first = status_during = None
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                answer = (await session.call_tool("search_code", {"query": QUERY, "limit": 3})).structured_content
                index = answer["index"]
                if first is None and answer["results"]:
                    first = answer
                    status_during = await anyio.to_thread.run_sync(status_text, root)
                if first is not None and index["embedded"] == index["symbols"] and not index["indexing"]:
                    return first, status_during, answer
                await anyio.sleep(0.05 if first is None else 0.5)
            raise AssertionError(f"embedding did not finish in 600 s; last index state {index}")

    first, status_during, last = anyio.run(session_answers)
    index = first["index"]
    # The first answer with results came before embedding was done, and said so.
    assert index["embedded"] < index["symbols"] or index["indexing"], index
    if index["indexing"]:
        assert "an index run is under way" in index["not_searchable"]
    assert any(r["qualified_name"].startswith("json.decoder.JSONDecoder") for r in first["results"]), first["results"]
    assert all("dense" not in r["why"] for r in first["results"]) or index["embedded"] > 0
    # `kenning status` at that moment told the same story, with progress.
    assert "symbols:" in status_during, status_during
    counts = status_during.split("symbols: ", 1)[1].split(" ", 1)[0]
    if "embedded)" in status_during and f"({counts} embedded)" not in status_during:
        assert "embedding:" in status_during and "%" in status_during, status_during
    # Later: every symbol embedded, and search by meaning takes part.
    assert last["index"]["embedded"] == last["index"]["symbols"] > 0 and not last["index"]["indexing"]
    assert any("dense" in r["why"] for r in last["results"]), last["results"]
    assert "embedding:" not in status_text(root)
