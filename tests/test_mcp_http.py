"""`kenning serve` as a real process: MCP over streamable HTTP, Origin checks, bind refusal, the watcher."""

from __future__ import annotations

import subprocess
import sys
import time

import anyio
import httpx
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from serving_project import free_port, make_project, server_env, start_serve, stop

INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
    "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "probe", "version": "0"}}}
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = make_project(tmp_path_factory.mktemp("serve"))
    port = free_port()
    process = start_serve(root, port)  # the watcher indexes the fresh project on start
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while httpx.get(f"{base}/stats").json()["symbols"] == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    yield root, base
    stop(process)


def test_streamable_http_client_lists_and_calls_tools(served):
    _, base = served

    async def main():
        async with streamable_http_client(f"{base}/mcp") as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            tools = (await session.list_tools()).tools
            answer = await session.call_tool("get_symbol", {"name": "Shelf.put"})
            return tools, answer

    tools, answer = anyio.run(main)
    assert 0 < len(tools) <= 16  # what binds is the tool list's size: tests/test_mcp_schemas.py
    assert answer.structured_content["matches"][0]["location"] == "inventory.py:12-13"


def test_foreign_origin_is_rejected_and_local_origin_accepted(served):
    _, base = served
    foreign = httpx.post(f"{base}/mcp", json=INIT, headers=MCP_HEADERS | {"Origin": "http://evil.example"})
    assert foreign.status_code == 403
    local = httpx.post(f"{base}/mcp", json=INIT, headers=MCP_HEADERS | {"Origin": base})
    assert local.status_code == 200
    rebound = httpx.post(f"{base}/mcp", json=INIT, headers=MCP_HEADERS | {"Host": "evil.example"})
    assert rebound.status_code == 421


def test_saved_file_is_indexed_within_seconds(served):
    root, base = served
    (root / "billing.py").write_text("def invoice_total(lines):\n    return sum(lines)\n", encoding="utf-8")
    started = time.monotonic()
    while time.monotonic() - started < 10:
        if httpx.get(f"{base}/symbols/invoice_total").status_code == 200:
            break
        time.sleep(0.05)
    elapsed = time.monotonic() - started
    assert httpx.get(f"{base}/symbols/invoice_total").json()["symbols"][0]["path"] == "billing.py"
    assert elapsed < 5, f"took {elapsed:.2f}s"


def test_serve_refuses_a_public_address_without_a_token(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "kenning", "serve", "--root", str(tmp_path), "--host", "0.0.0.0", "--no-watch"],
        env=server_env(), capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 2
    assert "refusing to serve on 0.0.0.0 without a token" in result.stderr


def test_public_address_with_token_requires_it(tmp_path):
    port = free_port()
    process = start_serve(make_project(tmp_path), port, "--host", "0.0.0.0", "--no-watch",
                          env=server_env(KENNING_TOKEN="t0ken"))
    try:
        assert httpx.get(f"http://127.0.0.1:{port}/health").status_code == 401
        ok = httpx.get(f"http://127.0.0.1:{port}/health", headers={"Authorization": "Bearer t0ken"})
        assert ok.status_code == 200
        assert httpx.post(f"http://127.0.0.1:{port}/mcp", json=INIT, headers=MCP_HEADERS).status_code == 401
    finally:
        stop(process)
