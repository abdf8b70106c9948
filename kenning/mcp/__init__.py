"""kenning's MCP server (`build_server`); the SDK itself is the top-level `mcp` package."""
