"""kenning's MCP server: `build_server(service)` registers tools, resources and a prompt.

Imports of the SDK are absolute (`mcp.*`); this package is `kenning.mcp` and never shadows it.
"""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

from kenning import __version__
from kenning.mcp import code_tools, memory_tools, resources, rules_tools
from kenning.mcp.strict_server import StrictServer
from kenning.service import Service

INSTRUCTIONS = (
    "kenning knows this project's code (an index kept fresh as files change) and, where available, its decisions "
    "and open tasks.\nAt the start of a session call brief if it exists (else repo_map); before writing a new "
    "function, look for an existing one (find_existing or get_symbol); before changing a symbol, call impact."
)

# Modules with a `register(server, service)` that adds their tools.
TOOL_MODULES = (code_tools, memory_tools, rules_tools)


def build_server(service: Service) -> MCPServer:
    server = StrictServer("kenning", instructions=INSTRUCTIONS, version=__version__, log_level="WARNING")
    for module in TOOL_MODULES:
        module.register(server, service)
    resources.register(server, service)
    return server
