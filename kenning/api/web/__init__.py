"""The web UI: server-rendered pages for reviewing decisions, tasks, search and the code graph."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from kenning.api.web import csrf, forms, pages
from kenning.api.web.login_throttle import LoginThrottle

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI, token: str | None) -> None:
    """Add the pages (overview at /, the rest under /ui/) and their stylesheet and script."""
    app.state.web_token = token
    app.state.csrf_secret = csrf.new_secret()
    app.state.login_throttle = LoginThrottle()
    app.include_router(pages.router)
    app.include_router(forms.router)
    app.mount("/ui/static", StaticFiles(directory=STATIC), name="ui-static")
