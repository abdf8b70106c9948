"""The one place kenning's operations live; the CLI, HTTP API and MCP server call only this."""

from kenning.service.core import Service

__all__ = ["Service"]
