"""ASGI middleware in front of every route: bearer token, then a request body size limit.

Pure ASGI rather than FastAPI dependencies so they also guard /docs, /openapi.json and the
mounted MCP endpoint, and so an oversized body is refused before anything reads it.

API clients send the token as a Bearer header; a browser using the web UI logs in once and
then sends a session cookie (HttpOnly, SameSite=Strict) derived from the token.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from http.cookies import CookieError, SimpleCookie
from urllib.parse import quote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_MAX_BODY_BYTES = 1_048_576
SESSION_COOKIE = "kenning_session"
LOGIN_PATH = "/ui/login"
# The login form and its stylesheet must load before anyone has logged in; they reveal nothing.
PUBLIC_PREFIXES = (LOGIN_PATH, "/ui/static/")


def session_value(token: str) -> str:
    """The cookie a logged-in browser holds: derived from the token, so the token itself never sits in a cookie."""
    return hmac.new(token.encode(), b"kenning web session", hashlib.sha256).hexdigest()


async def send_error(send: Send, status: int, kind: str, message: str, headers: dict[str, str] | None = None) -> None:
    """The API's one error shape, for answers given before FastAPI's handlers run."""
    body = json.dumps({"error": {"type": kind, "message": message}}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class BearerToken:
    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()
        self.session = session_value(token).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        given = headers.get(b"authorization", b"")
        # Constant-time: the comparison must not leak how much of the token matched.
        if (hmac.compare_digest(given, self.expected) or hmac.compare_digest(_session(headers), self.session)
                or scope["path"].startswith(PUBLIC_PREFIXES)):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "GET" and b"text/html" in headers.get(b"accept", b""):
            # A person in a browser: send them to the login form, then back here.
            target = f"{LOGIN_PATH}?next={quote(scope['path'], safe='/')}"
            await send({"type": "http.response.start", "status": 303,
                        "headers": [(b"location", target.encode()), (b"content-length", b"0")]})
            await send({"type": "http.response.body", "body": b""})
            return
        await send_error(send, 401, "Unauthorized", "send the server's token as 'Authorization: Bearer <token>'",
                         {"WWW-Authenticate": "Bearer"})


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        # Without a trustworthy length (chunked), read the body up to the limit first, then
        # replay it: refusing half-way through a handler would be too late to answer cleanly.
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before sending its body: nobody to answer
            chunks.append(message.get("body", b""))
            received += len(chunks[-1])
            if received > self.max_bytes:
                await self._refuse(send)
                return
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(b"".join(chunks), receive), send)

    async def _refuse(self, send: Send) -> None:
        await send_error(send, 413, "PayloadTooLarge", f"request bodies are limited to {self.max_bytes} bytes")


def _session(headers: dict[bytes, bytes]) -> bytes:
    try:
        morsel = SimpleCookie(headers.get(b"cookie", b"").decode("latin-1")).get(SESSION_COOKIE)
    except CookieError:
        return b""
    return morsel.value.encode() if morsel else b""


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that gives the buffered body once, then defers to the real one (disconnects)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed
