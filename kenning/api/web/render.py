"""Rendering web pages: the Jinja2 environment, safe Markdown, security headers, HTML error pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markdown_it import MarkdownIt
from markupsafe import Markup
from starlette.exceptions import HTTPException

from kenning.api.errors import STATUS
from kenning.api.web import csrf
from kenning.errors import KenningError

TEMPLATES = Path(__file__).parent / "templates"
# Pages load only their own stylesheet and script; SVG is inline markup styled by classes.
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:;"
                               " form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

# html=False: raw HTML in a decision is shown as text, never run; markdown-it also refuses javascript: links.
_markdown = MarkdownIt("commonmark", {"html": False})


def markdown(text: str | None) -> Markup:
    return Markup(_markdown.render(text or ""))


def when(timestamp: float | str | None) -> str:
    """Unix time or an ISO timestamp as a short UTC time a person reads."""
    if timestamp in (None, ""):
        return "never"
    if isinstance(timestamp, str):
        try:
            moment = dt.datetime.fromisoformat(timestamp)
        except ValueError:
            return timestamp
    else:
        moment = dt.datetime.fromtimestamp(timestamp, dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                          undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
environment.filters["markdown"] = markdown
environment.filters["when"] = when


def page(request: Request, template: str, status_code: int = 200, /, **context: Any) -> HTMLResponse:
    """A full page; every page shows how fresh the index is in its footer. (Positional-only
    parameters leave names like ``status`` free for templates.)"""
    service = request.app.state.service
    try:
        freshness = service.freshness()
    except KenningError:
        freshness = None
    form_token, new_cookie = csrf.issue(request)
    html = environment.get_template(template).render(
        request=request, freshness=freshness, logged_in=bool(request.app.state.web_token), path=request.url.path,
        csrf=form_token, **context,
    )
    response = HTMLResponse(html, status_code=status_code, headers=HEADERS)
    if new_cookie:
        csrf.set_cookie(request, response, new_cookie)
    return response


class PageRoute(APIRoute):
    """Routes whose failures are pages a person reads, with the API's status codes, not JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except KenningError as e:
                status = next(code for kind, code in STATUS if isinstance(e, kind))
                return page(request, "error.html", status, message=str(e), reasons=getattr(e, "reasons", []),
                            candidates=getattr(e, "candidates", []))
            except RequestValidationError as e:
                problems = "; ".join(f"{err['loc'][-1]}: {err['msg']}" for err in e.errors())
                return page(request, "error.html", 400, message=problems, reasons=[], candidates=[])
            except HTTPException as e:
                return page(request, "error.html", e.status_code, message=str(e.detail), reasons=[], candidates=[])

        return guarded
