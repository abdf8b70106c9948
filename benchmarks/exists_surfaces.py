"""The three ways bench_exists.py asks exists: in process, over HTTP, over MCP.

`service` passes the probe's language, as a caller that knows it would. `http` (a real `kenning serve`
process) and `mcp` (`kenning mcp` through the SDK's stdio client) send the code alone: the language is
what the server infers. Each surface is a context manager yielding `ask(code, language) -> answer`.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import anyio
from bench_scale import free_port, request, wait_for_health
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

SURFACES = ("service", "http", "mcp")
LIMIT = 5
Ask = Callable[[str, str], dict]


def server_env() -> dict[str, str]:
    """Offline, and no embedding by a catch-up index run while probes are timed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KENNING_")}
    return env | {"HF_HUB_OFFLINE": "1", "KENNING_EMBED_ON_INDEX": "false"}


@contextlib.contextmanager
def surface(name: str, service, root: Path) -> Iterator[Ask]:
    if name == "service":
        yield lambda code, language: service.exists(code=code, language=language, limit=LIMIT)
    elif name == "http":
        with _http(root) as ask:
            yield ask
    elif name == "mcp":
        with _mcp(root) as ask:
            yield ask
    else:
        raise SystemExit(f"unknown surface {name!r}; use {', '.join(SURFACES)}")


@contextlib.contextmanager
def _http(root: Path) -> Iterator[Ask]:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "kenning", "serve", "--root", str(root), "--port", str(port),
                               "--no-watch"], env=server_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(server, base)
        yield lambda code, _language: request(f"{base}/exists", {"code": code, "limit": LIMIT})
    finally:
        server.terminate()
        server.wait(timeout=30)


@contextlib.contextmanager
def _mcp(root: Path) -> Iterator[Ask]:
    """One stdio session, run on a blocking portal's event loop; each ask is one tool call through it."""
    with anyio.from_thread.start_blocking_portal() as portal, portal.wrap_async_context_manager(_session(root)) as session:
        def ask(code: str, _language: str) -> dict:
            result = portal.call(session.call_tool, "find_existing", {"code": code, "limit": LIMIT})
            if result.is_error:
                raise SystemExit(f"find_existing failed: {result.content[0].text}")
            return result.structured_content

        yield ask


@contextlib.asynccontextmanager
async def _session(root: Path) -> AsyncIterator[ClientSession]:
    params = StdioServerParameters(command=sys.executable, args=["-m", "kenning", "mcp", "--root", str(root)],
                                   env=server_env())
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        yield session
