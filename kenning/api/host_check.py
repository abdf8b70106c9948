"""DNS-rebinding and cross-site defence in front of every route (API, web UI, /docs and /mcp).

A web page the user opens can make the browser send requests to 127.0.0.1, either directly
(cross-site: the browser adds a foreign `Origin`) or after pointing its own host name at
127.0.0.1 (rebinding: the browser sends `Host: attacker.example`). So:

- `Host` must name this server (loopback names, the bound address, `allowed_hosts`): 421 otherwise;
- an `Origin`, when a browser sends one, must be this server's own (same host and port as `Host`,
  which itself passed the list): 403 otherwise. Both are checked against what the server knows,
  never against each other, so setting both headers to the attacker's name does not pass;
- a state-changing request a browser marks `Sec-Fetch-Site: cross-site` or `same-site` is refused
  even without an `Origin` (another local site, e.g. a dev server on another port, is not us).

Clients that are not browsers (curl, the MCP SDK, the guard) send no `Origin` and pass.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from kenning.api.security import send_error

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def allowed_names(bind_host: str, extra: Iterable[str] = ()) -> tuple[str, ...]:
    """The host names (no ports) this server answers to when bound to `bind_host`."""
    names = list(LOOPBACK_NAMES)
    if bind_host in ("0.0.0.0", "::"):
        # Every interface: clients reach us by the machine's names (a token is required here).
        names += [socket.gethostname(), socket.getfqdn()]
    elif not is_loopback(bind_host):
        names.append(bind_host)
    names += extra
    return tuple(dict.fromkeys(_bare(name) for name in names if name.strip()))


def host_name(authority: str) -> str:
    """`example.org:8765` -> `example.org`, `[::1]:8765` -> `::1`; lower case."""
    if authority.startswith("["):
        return authority[1:].split("]", 1)[0].lower()
    return authority.rsplit(":", 1)[0].lower() if authority.count(":") == 1 else authority.lower()


class HostGuard:
    def __init__(self, app: ASGIApp, names: Iterable[str] = LOOPBACK_NAMES) -> None:
        self.app = app
        self.names = frozenset(_bare(name) for name in names)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        authority = headers.get(b"host", b"").decode("latin-1")
        if host_name(authority) not in self.names:
            await send_error(send, 421, "MisdirectedRequest",
                             f"this server does not answer to the host name {authority!r}; reach it by one of "
                             f"{', '.join(sorted(self.names))} or add the name to the allowed_hosts setting")
            return
        origin = headers.get(b"origin")
        if origin is not None and not _same_origin(origin.decode("latin-1"), authority):
            await send_error(send, 403, "Forbidden",
                             "cross-site request refused: the Origin header names another web site")
            return
        site = headers.get(b"sec-fetch-site", b"").decode("latin-1").lower()
        if scope.get("method", "GET") not in SAFE_METHODS and site in ("cross-site", "same-site"):
            await send_error(send, 403, "Forbidden", f"cross-site request refused: a {site} request may not change anything here")
            return
        await self.app(scope, receive, send)


def _same_origin(origin: str, authority: str) -> bool:
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False  # includes "null" (sandboxed frames, file: pages)
    return _with_port(parts.netloc, parts.scheme) == _with_port(authority, parts.scheme)


def _with_port(authority: str, scheme: str) -> str:
    """The authority with its port made explicit, so `localhost` and `localhost:80` compare equal."""
    authority = authority.lower()
    has_port = authority.rsplit("]", 1)[-1].count(":") == 1 if authority.startswith("[") else ":" in authority
    return authority if has_port else f"{authority}:{443 if scheme == 'https' else 80}"


def _bare(name: str) -> str:
    return name.strip().strip("[]").lower()
