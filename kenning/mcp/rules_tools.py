"""MCP tools over architecture rules, the impact of a change, and the record of reuse choices."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp.types import CallToolResult
from pydantic import Field

from kenning.errors import InvalidInput
from kenning.mcp.errors import tool_errors
from kenning.mcp.registration import tool
from kenning.mcp.outputs import compact_data
from kenning.models import ExistsChoice
from kenning.service import Service

Answer = Annotated[CallToolResult, dict[str, Any]]


def register(server: MCPServer, service: Service) -> None:
    @tool(server, read_only=True)
    def check_architecture(
        path: Annotated[str, Field(min_length=1, max_length=1_000, description="The file, relative to the root.")],
        imports: Annotated[list[str] | None, Field(min_length=1, max_length=200, description="Modules it would import.")]
        = None,
        content: Annotated[str | None, Field(max_length=1_000_000, description="Or its proposed text.")]
        = None,
    ) -> Answer:
        """Before adding imports to a file, ask whether the architecture rules allow them (violations name
        the rule and its decision). With its proposed content instead: the full guard report."""
        with tool_errors():
            if content is not None and imports:
                raise InvalidInput("give the imports to check or the file's proposed content, not both")
            if content is not None:
                return compact_data(service.guard(path, content=content, origin="mcp"))
            if not imports:
                raise InvalidInput("give the imports to check, or the file's proposed content")
            return compact_data(service.check_architecture(path, imports).public())

    @tool(server, read_only=True)
    def review_change(diff: Annotated[str, Field(max_length=1_000_000, description="A unified diff.")],
                      depth: Annotated[int | None, Field(ge=1, le=50, description="Dependent hops.")] = None) -> Answer:
        """Before a commit: what a diff touches, its callers, the tests to run, the guard's findings."""
        with tool_errors():
            return compact_data(service.review_change(diff, origin="mcp", depth=depth))

    @tool(server, read_only=False)
    def record_choice(query_id: Annotated[str, Field(min_length=1, max_length=100,
                                                     description="From the find_existing answer.")],
                      choice: Annotated[ExistsChoice, Field(description="What you did.")],
                      reason: Annotated[str | None, Field(max_length=2_000, description="Why; required for wrote_new.")]
                      = None) -> Answer:
        """After a find_existing answer, record what you did: reused or extended an existing symbol, or
        wrote_new. This keeps the duplicate statistics."""
        with tool_errors():
            return compact_data(service.record_choice(query_id, choice, reason))
