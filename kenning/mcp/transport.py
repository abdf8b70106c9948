"""Streamable HTTP transport settings: DNS-rebinding protection for /mcp."""

from __future__ import annotations

import ipaddress
import socket

from mcp.server.transport_security import TransportSecuritySettings

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def transport_security(host: str) -> TransportSecuritySettings:
    """Only our own Host names, and no foreign browser Origin."""
    names = list(LOOPBACK_NAMES)
    if not is_loopback(host):
        # Bound beyond loopback (token required): accept the names clients will reach us by.
        unspecified = host in ("0.0.0.0", "::")
        names += [socket.gethostname(), socket.getfqdn()] if unspecified else [host]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=[f"{name}:*" for name in names],
        allowed_origins=[f"{scheme}://{name}:*" for name in names for scheme in ("http", "https")],
    )
