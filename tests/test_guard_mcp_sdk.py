"""`import mcp` must be the official SDK, also after kenning's own `kenning.mcp` package is imported."""

from __future__ import annotations

from pathlib import Path

import kenning


def test_import_mcp_is_the_sdk():
    import kenning.mcp.server  # noqa: F401  (imported first on purpose: it must not shadow the SDK)
    import mcp
    from mcp.server.mcpserver import MCPServer

    origin = Path(mcp.__file__).resolve()
    assert "site-packages" in origin.parts
    assert Path(kenning.__file__).resolve().parent not in origin.parents
    assert kenning.mcp.server.MCPServer is MCPServer
