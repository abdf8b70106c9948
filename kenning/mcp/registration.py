"""How kenning registers an MCP tool: the docstring, dedented, as its description, and hints clients act on.

Clients show a model the description and auto-approve tools hinted read-only. No kenning tool is
destructive: writes add memory files or change a task's or decision's status, which the files
record and a later call can change back; nothing is deleted. No tool reaches beyond the project.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.types import ToolAnnotations

F = TypeVar("F", bound=Callable)


def tool(server: MCPServer, *, read_only: bool) -> Callable[[F], F]:
    """Register the decorated function as a tool, hinted read-only or as a write."""
    # The destructive and idempotent hints mean something only for a tool that writes. No kenning write tool
    # is idempotent in every use: called twice, each opens or records a second item, adds a second note or
    # record, or refuses the repeat (a task already done, a title already taken).
    hints = (ToolAnnotations(read_only_hint=True, open_world_hint=False) if read_only else
             ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False,
                             open_world_hint=False))

    def register(fn: F) -> F:
        server.add_tool(fn, description=reflowed(fn.__doc__ or ""), annotations=hints)
        return fn

    return register


def reflowed(doc: str) -> str:
    """A docstring as a model should read it: dedented, each paragraph on one line."""
    return "\n\n".join(" ".join(paragraph.split()) for paragraph in inspect.cleandoc(doc).split("\n\n"))


def compacted(schema: Any, *, arguments: bool, names: bool = False) -> Any:
    """A JSON schema as short as it can be and mean the same to a model; every tool's schema goes into the
    assistant's context. Drops the titles pydantic derives from names ("title": "Task Id" beside task_id).
    For ``arguments``, an optional ``anyOf [X, null]`` with a null default becomes X: an argument left out
    of ``required`` may be left out (answers keep their nulls, written as ``"type": [X, "null"]``: clients
    check answers against the schema).
    With ``names``, ``schema`` maps property names to schemas (so a property called "title" is kept)."""
    if isinstance(schema, list):
        return [compacted(item, arguments=arguments) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if names:
        return {name: compacted(sub, arguments=arguments) for name, sub in schema.items()}
    out = {key: compacted(value, arguments=arguments, names=key in ("properties", "$defs"))
           for key, value in schema.items() if key != "title"}
    choices = out.get("anyOf")
    nullable = isinstance(choices, list) and len(choices) == 2 and {"type": "null"} in choices
    if arguments and nullable and out.get("default", 0) is None:
        (kept,) = [c for c in choices if c != {"type": "null"}]
        del out["anyOf"], out["default"]
        out = {**kept, **out}
    elif not arguments and nullable:
        # The same schema, shorter: {"anyOf": [{"type": "number"}, {"type": "null"}]} is {"type": ["number",
        # "null"]}; and an answer's default means nothing (every answer carries the field).
        (kept,) = [c for c in choices if c != {"type": "null"}]
        if set(kept) == {"type"} and isinstance(kept["type"], str):
            del out["anyOf"]
            out.pop("default", None)
            out = {"type": [kept["type"], "null"], **out}
    return out
