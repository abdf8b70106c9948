"""MCP tools over architecture rules and the record of reuse choices."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import MCPServer
from mcp.types import CallToolResult
from pydantic import Field

from kenning.mcp.errors import tool_errors
from kenning.mcp.outputs import compact_data
from kenning.service import Service

Answer = Annotated[CallToolResult, dict[str, Any]]


def register(server: MCPServer, service: Service) -> None:
    @server.tool()
    def check_architecture(
        path: Annotated[str, Field(min_length=1, max_length=1_000)],
        imports: Annotated[list[str], Field(min_length=1, max_length=200)],
    ) -> Answer:
        """Before adding imports to a file (new or existing), ask whether the project's architecture rules
        allow them: pass the file path relative to the root and the modules it would import. Violations name
        the rule and the decision that justifies it; an empty list means go ahead."""
        with tool_errors():
            return compact_data(service.check_architecture(path, imports).public())

    @server.tool()
    def record_choice(query_id: Annotated[str, Field(min_length=1, max_length=100)],
                      choice: Literal["reused", "extended", "wrote_new"],
                      reason: Annotated[str | None, Field(max_length=2_000)] = None) -> Answer:
        """After a find_existing answer, record what you did with its query_id: reused or extended an existing
        symbol, or wrote_new (say why: a reason is required). This keeps the project's duplicate statistics."""
        with tool_errors():
            return compact_data(service.record_choice(query_id, choice, reason))
