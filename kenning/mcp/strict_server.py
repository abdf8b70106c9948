"""An MCPServer whose tools refuse arguments they do not take.

The SDK validates tool arguments against the function's signature but drops any it does not know:
`find_existing(code=..., lang="go")` would run as if `lang` had never been sent. Here an unknown argument
is an error result naming it and the arguments the tool takes, each tool's input schema says
`additionalProperties: false`, and a rejected value is reported as `argument: problem` without
pydantic's help URLs.
"""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import ValidationError


class StrictServer(MCPServer):
    async def list_tools(self):
        return [tool.model_copy(update={"input_schema": {**tool.input_schema, "additionalProperties": False}})
                for tool in await super().list_tools()]

    async def call_tool(self, name: str, arguments: dict[str, Any], context=None):
        tool = next((t for t in await super().list_tools() if t.name == name), None)
        if tool is not None:
            taken = tool.input_schema.get("properties", {})
            unknown = sorted(set(arguments) - set(taken))
            if unknown:
                raise ToolError(f"{name} takes no argument {', '.join(map(repr, unknown))}; "
                                f"its arguments are {', '.join(taken) or 'none'}")
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as e:
            if not isinstance(e.__cause__, ValidationError):
                raise
            problems = "; ".join(f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.__cause__.errors())
            raise ToolError(f"{name}: {problems}") from e.__cause__
