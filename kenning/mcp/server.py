"""kenning's MCP server: `build_server(service)` registers tools, resources and a prompt.

Imports of the SDK are absolute (`mcp.*`); this package is `kenning.mcp` and never shadows it.
"""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import Tool as MCPTool
from pydantic import ValidationError

from kenning import __version__
from kenning.mcp import code_tools, memory_tools, resources, rules_tools
from kenning.mcp.errors import invalid_arguments, unknown_arguments
from kenning.mcp.registration import compacted
from kenning.service import Service

INSTRUCTIONS = (
    "kenning knows this project's code (an index kept fresh as files change) and, where available, its decisions "
    "and open tasks.\nAt the start of a session call brief if it exists (else repo_map); before writing a new "
    "function, look for an existing one (find_existing or get_symbol); before changing a symbol, call impact."
)

# Modules with a `register(server, service)` that adds their tools.
TOOL_MODULES = (code_tools, memory_tools, rules_tools)


class KenningServer(MCPServer):
    """The SDK's server, listing compact tool schemas (`compacted`), with argument errors that name the
    tool's own arguments: an unknown argument is refused (the SDK ignores it, so a misspelt one would be
    lost silently) and a rejected value is one line per argument instead of pydantic's report and links."""

    async def list_tools(self) -> list[MCPTool]:
        return [tool.model_copy(update={"input_schema": compacted(tool.input_schema, arguments=True),
                                        "output_schema": _output_schema(tool.output_schema)})
                for tool in await super().list_tools()]

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        listed = next((t for t in await super().list_tools() if t.name == name), None)  # uncompacted: cheaper
        known = listed.input_schema.get("properties", {}) if listed is not None else None
        if known is not None and (error := unknown_arguments(name, arguments, known)):
            raise error
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as e:
            if isinstance(e.__cause__, ValidationError):
                raise invalid_arguments(name, e.__cause__) from e.__cause__
            raise


def _output_schema(schema: dict[str, Any] | None) -> dict[str, Any] | None:
    """The answer's compacted schema; none for an answer that is only "some object" (a dict the service
    shapes), which tells a model nothing and costs every session's context its bytes."""
    shown = compacted(schema, arguments=False)
    return None if shown == {"additionalProperties": True, "type": "object"} else shown


def build_server(service: Service) -> MCPServer:
    server = KenningServer("kenning", instructions=INSTRUCTIONS, version=__version__, log_level="WARNING")
    for module in TOOL_MODULES:
        module.register(server, service)
    resources.register(server, service)
    return server
