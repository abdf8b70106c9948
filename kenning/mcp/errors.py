"""The one place MCP errors are mapped: a KenningError becomes an error result the model reads."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError
from pydantic import ValidationError

from kenning.errors import KenningError, NotFound

_SHOWN_VALUE = 80  # characters of a rejected value quoted back


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


def unknown_arguments(tool: str, given: Iterable[str], known: Iterable[str]) -> ToolError | None:
    """An error naming arguments the tool does not take (the SDK would drop them without a word)."""
    unknown = sorted(set(given) - set(known))
    if not unknown:
        return None
    takes = ", ".join(sorted(known)) or "no arguments"
    return ToolError(f"Error executing tool {tool}: InvalidInput: unknown argument(s) {', '.join(map(repr, unknown))}; "
                     f"{tool} takes {takes}")


def invalid_arguments(tool: str, error: ValidationError) -> ToolError:
    """Each rejected argument by name, what is wrong and the value given; none of pydantic's help links."""
    problems = []
    for err in error.errors(include_url=False):
        where = ".".join(str(part) for part in err["loc"]) or "arguments"
        value = repr(err.get("input"))
        shown = value if len(value) <= _SHOWN_VALUE else value[:_SHOWN_VALUE] + "..."
        problems.append(f"{where}: {err['msg']} (got {shown})" if err["type"] != "missing" else f"{where}: required")
    return ToolError(f"Error executing tool {tool}: InvalidInput: {'; '.join(problems)}")
