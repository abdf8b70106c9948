"""Cross-site request forgery: every form post carries a token bound to the browser's cookie.

The page that shows a form gives the browser a random `kenning_csrf` cookie (HttpOnly,
SameSite=Strict) and puts HMAC(server secret, cookie) in the form. A post is accepted only when
the two agree. Another site can neither read the form (same-origin policy; a rebound host name
is refused by HostGuard) nor compute the HMAC, and headers it sets prove nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from fastapi import Request, Response

CSRF_COOKIE = "kenning_csrf"
FIELD = "csrf"
_COOKIE_SHAPE = re.compile(r"^[0-9a-f]{64}$")


def new_secret() -> bytes:
    """One per server process: a restart asks open forms to be reloaded, nothing worse."""
    return secrets.token_bytes(32)


def issue(request: Request) -> tuple[str, str | None]:
    """The token for forms on this page, and a new cookie value to set when the browser has none."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    fresh = None
    if not _COOKIE_SHAPE.match(cookie):
        cookie = fresh = secrets.token_hex(32)
    return _sign(request.app.state.csrf_secret, cookie), fresh


def set_cookie(request: Request, response: Response, value: str) -> None:
    response.set_cookie(CSRF_COOKIE, value, httponly=True, samesite="strict", path="/",
                        secure=request.url.scheme == "https")


def is_valid(request: Request, token: str) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not token or not _COOKIE_SHAPE.match(cookie):
        return False
    return hmac.compare_digest(token, _sign(request.app.state.csrf_secret, cookie))


def _sign(secret: bytes, cookie: str) -> str:
    return hmac.new(secret, cookie.encode(), hashlib.sha256).hexdigest()
