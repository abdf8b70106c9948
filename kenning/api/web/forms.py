"""The web UI's forms (POST): decision and task status, and logging in with the server's token.

Each form makes the same service call the CLI makes, so the same Markdown files are written,
then redirects (POST/redirect/GET) to the page that shows the result.

Cross-site request forgery: every form post must come from a page of this server (its Origin,
or Referer, names this host, which HostGuard has checked against the server's own names) and carry
the form token bound to the browser's cookie (`csrf.py`); a loopback server without a token needs
both as much as one with a token. Wrong login tokens are rate-limited per client address.
"""

from __future__ import annotations

import hmac
from typing import Annotated
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from kenning.api.code_routes import ServiceDep
from kenning.api.security import LOGIN_PATH, SESSION_COOKIE, session_value
from kenning.api.web import csrf
from kenning.api.web.render import PageRoute, page
from kenning.errors import InvalidInput

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Id = Annotated[str, Path(pattern=r"^[0-9]{1,9}$")]
MAX_FORM_BYTES = 20_000


async def form_fields(request: Request) -> dict[str, str]:
    """The posted fields (first value of each), once the post is known to come from this server's pages."""
    claimed = request.headers.get("origin") or _origin(request.headers.get("referer", ""))
    if claimed != f"{request.url.scheme}://{request.headers.get('host', '')}":
        raise HTTPException(403, "this form must be sent from kenning's own pages (cross-site request refused)")
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raise InvalidInput("send the form as application/x-www-form-urlencoded")
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise InvalidInput(f"a form is at most {MAX_FORM_BYTES} bytes")
    fields = {key: values[0] for key, values in
              parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True).items()}
    if not csrf.is_valid(request, fields.pop(csrf.FIELD, "")):
        raise HTTPException(403, "this form is out of date or was not sent from kenning's own pages"
                                 " (cross-site request refused): reload the page and send it again")
    return fields


Form = Annotated[dict[str, str], Depends(form_fields)]


@router.post("/ui/decisions/{decision_id}/status")
def decision_status(service: ServiceDep, decision_id: Id, form: Form) -> Response:
    changed = service.set_decision_status(decision_id, _required(form, "status"))
    return _back(f"/ui/decisions/{changed.id}", "status")


@router.post("/ui/decisions/{decision_id}/supersede")
def supersede(service: ServiceDep, decision_id: Id, form: Form) -> Response:
    service.supersede_decision(decision_id, _required(form, "successor"))
    return _back(f"/ui/decisions/{service.decision(decision_id).id}", "superseded")


@router.post("/ui/tasks/{task_id}/status")
def task_status(service: ServiceDep, task_id: Id, form: Form) -> Response:
    status, note = _required(form, "status"), form.get("note", "").strip() or None
    if status == "done":
        # Closing runs the completion checks; a refusal is a 409 page listing every failed check.
        if note:
            service.update_task(task_id, note=note)
        task = service.complete_task(task_id)
        return _back(f"/ui/tasks/{task.id}", "done")
    task = service.update_task(task_id, status=status, note=note)
    return _back(f"/ui/tasks/{task.id}", "status")


@router.get(LOGIN_PATH)
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    return page(request, "login.html", next=_local(next), failed=False, wait=0)


@router.post(LOGIN_PATH)
def login(request: Request, form: Form) -> Response:
    token = request.app.state.web_token
    if not token:
        return RedirectResponse(_local(form.get("next", "/")), status_code=303)
    throttle, client = request.app.state.login_throttle, request.client.host if request.client else "?"
    wait = throttle.wait_seconds(client)
    if wait:
        response = page(request, "login.html", 429, next=_local(form.get("next", "/")), failed=False, wait=wait)
        response.headers["Retry-After"] = str(wait)
        return response
    if not hmac.compare_digest(form.get("token", "").encode(), token.encode()):
        throttle.failed(client)
        return page(request, "login.html", 401, next=_local(form.get("next", "/")), failed=True, wait=0)
    response = RedirectResponse(_local(form.get("next", "/")), status_code=303)
    response.set_cookie(SESSION_COOKIE, session_value(token), httponly=True, samesite="strict", path="/",
                        secure=request.url.scheme == "https")
    return response


@router.post("/ui/logout")
def logout(form: Form) -> Response:
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response


def _required(form: dict[str, str], key: str) -> str:
    value = form.get(key, "").strip()
    if not value:
        raise InvalidInput(f"the form needs a {key}")
    return value


def _back(location: str, saved: str) -> Response:
    return RedirectResponse(f"{location}?saved={saved}", status_code=303)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _local(target: str) -> str:
    """Only paths on this server: an open redirect after login would hand the session to phishing."""
    return target if target.startswith("/") and not target.startswith(("//", "/\\")) else "/"
