"""Streamable HTTP transport settings: the SDK's own DNS-rebinding check for /mcp.

The HTTP app's HostGuard already checks every route, /mcp included; the SDK's check stays on as a
second line, fed the same host names so the two can never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable

from mcp.server.transport_security import TransportSecuritySettings


def transport_security(names: Iterable[str]) -> TransportSecuritySettings:
    """Only the given host names (any port), and no foreign browser Origin."""
    hosts = [f"[{name}]" if ":" in name else name for name in names]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=[f"{host}:*" for host in hosts],
        allowed_origins=[f"{scheme}://{host}:*" for host in hosts for scheme in ("http", "https")],
    )
