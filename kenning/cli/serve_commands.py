"""Serving commands: `kenning serve` (HTTP API + MCP over streamable HTTP) and `kenning mcp` (stdio)."""

from __future__ import annotations

import logging
import signal
from contextlib import ExitStack
from typing import Annotated

import typer

from kenning.cli import running_server
from kenning.cli.app import RootOption, app, stderr
from kenning.errors import InvalidInput
from kenning.service import Service, Watcher
from kenning.settings import Settings

log = logging.getLogger(__name__)

WatchOption = Annotated[bool, typer.Option("--watch/--no-watch", help="Re-index changed files as they are saved.")]


@app.command()
def serve(
    root: RootOption = None,
    host: Annotated[str, typer.Option(help="Address to bind; a non-loopback one needs a token.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8765,
    token: Annotated[str | None, typer.Option(help="Bearer token required on every request (or KENNING_TOKEN).",
                                              show_default=False)] = None,
    watch: WatchOption = True,
) -> None:
    """Serve the HTTP API, with MCP over streamable HTTP at /mcp."""
    import uvicorn

    from kenning.api import create_app
    from kenning.api.host_check import allowed_names, is_loopback
    from kenning.mcp.server import build_server
    from kenning.mcp.transport import transport_security

    settings = Settings.load(root, token=token)
    if not is_loopback(host) and not settings.token:
        raise InvalidInput(
            f"refusing to serve on {host} without a token: anyone who can reach it could read the project;"
            " set --token or KENNING_TOKEN, or bind 127.0.0.1"
        )
    with ExitStack() as held:  # given back in reverse: serve.json, watcher, service, port, claim
        # Claim the root, then the port, before anything slow: a second server, or a port in use, is one
        # line at once, and leaves the running server's serve.json alone.
        held.callback(running_server.claim(settings.root).release)
        sock = held.enter_context(running_server.bind(host, port))
        names = allowed_names(host, settings.allowed_hosts)
        service = Service.from_settings(settings)
        held.callback(service.close)
        mcp_app = build_server(service).streamable_http_app(
            streamable_http_path="/mcp", transport_security=transport_security(names), host=host
        )
        api = create_app(service, settings.token, mcp_app=mcp_app, host_names=names)
        if watch:
            held.callback(Watcher(service).start().stop)
        # Tells short-lived commands on this root (the guard) where to ask instead of loading the model.
        announced = running_server.announce(settings.root, host, sock.getsockname()[1])
        held.callback(running_server.withdraw, settings.root)
        stderr.print(f"kenning serve (pid {announced.pid}) serves {settings.root} at {announced.url}", markup=False)
        # uvicorn re-raises SIGTERM after its graceful shutdown; exiting through Python lets the stack unwind.
        signal.signal(signal.SIGTERM, _exit_quietly)
        uvicorn.Server(uvicorn.Config(api, host=host, port=port, log_level="warning")).run(sockets=[sock])


@app.command(name="mcp")
def mcp_stdio(root: RootOption = None, watch: WatchOption = True) -> None:
    """Serve MCP over stdio, for an assistant that starts kenning itself (stdout is protocol only)."""
    from kenning.mcp.server import build_server

    service = Service.from_settings(Settings.load(root))
    watcher = Watcher(service).start() if watch else None
    try:
        build_server(service).run()
    finally:
        if watcher:
            watcher.stop()


def _exit_quietly(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)
