"""The one place MCP errors are mapped: a KenningError becomes an error result the model reads."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError

from kenning.errors import KenningError, NotFound


@contextmanager
def tool_errors() -> Iterator[None]:
    try:
        yield
    except KenningError as e:
        # ToolError: the caller sees our message (an anticipated failure), not a generic crash.
        raise ToolError(f"{type(e).__name__}: {e}") from e


@contextmanager
def resource_errors() -> Iterator[None]:
    try:
        yield
    except NotFound as e:
        raise ResourceNotFoundError(str(e)) from e
    except KenningError as e:
        raise ResourceError(str(e)) from e
