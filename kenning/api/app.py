"""The FastAPI app factory: routes, the one error mapping, and the guards in front of them."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Iterable

import anyio.to_thread
from fastapi import Depends, FastAPI
from fastapi.responses import HTMLResponse
from starlette.types import ASGIApp

from kenning import __version__
from kenning.api import code_routes, guard_routes, memory_routes, rules_routes
from kenning.api.docs_page import render_docs
from kenning.api.errors import install_error_handlers
from kenning.api.host_check import LOOPBACK_NAMES, HostGuard
from kenning.api.query_params import no_unknown_query_parameters
from kenning.api.security import DEFAULT_MAX_BODY_BYTES, BearerToken, BodyLimit
from kenning.api.web import install as install_web
from kenning.service import Service

REQUEST_THREADS = max(8, 4 * (os.cpu_count() or 1))  # worker threads for requests (see lifespan)
# Route modules whose `router` the app includes; each covers one area of the service.
ROUTERS = (code_routes, memory_routes, rules_routes, guard_routes)


def create_app(
    service: Service,
    token: str | None = None,
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    mcp_app: ASGIApp | None = None,
    host_names: Iterable[str] = LOOPBACK_NAMES,
) -> FastAPI:
    """The HTTP API over `service`; `mcp_app` (a streamable HTTP MCP app) is served at /mcp.
    Only requests whose `Host` is one of `host_names` are answered (DNS rebinding)."""

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Routes run in anyio's worker threads (40 by default), each holding its own SQLite connection
        # and page cache: past a few per core they only add memory and GIL contention, so more
        # concurrent requests wait their turn in the event loop instead.
        anyio.to_thread.current_default_thread_limiter().total_tokens = REQUEST_THREADS
        # A mounted Starlette app's lifespan never runs on its own: run the MCP one here.
        if mcp_app is None:
            yield
            return
        async with mcp_app.router.lifespan_context(mcp_app):
            yield

    app = FastAPI(
        title="kenning", version=__version__, docs_url=None, redoc_url=None, lifespan=lifespan,
        description="Project memory and code context for AI coding assistants.",
    )
    app.state.service = service
    install_error_handlers(app)
    for module in ROUTERS:
        app.include_router(module.router, dependencies=[Depends(no_unknown_query_parameters)])

    @app.get("/docs", include_in_schema=False, response_class=HTMLResponse)
    def docs() -> str:
        return render_docs(app.openapi())

    install_web(app, token)  # the web UI: overview at /, other pages under /ui/

    if mcp_app is not None:
        # The MCP app routes "/mcp" itself; adding its routes (not mounting it) avoids a
        # redirect from /mcp to /mcp/ that some clients do not follow on POST.
        app.router.routes.extend(mcp_app.routes)
    # Each add wraps the previous ones, so the last added runs first: a foreign Host or Origin is
    # refused before anything else, then an unauthenticated request before its body is read.
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    if token:
        app.add_middleware(BearerToken, token=token)
    app.add_middleware(HostGuard, names=tuple(host_names))
    return app
