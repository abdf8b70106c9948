"""The one place HTTP errors are shaped: every failure is {"error": {"type", "message"}}."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from kenning.api.schemas import ErrorOut
from kenning.errors import Ambiguous, Conflict, ConfigError, InvalidInput, KenningError, NotFound, StorageError

log = logging.getLogger(__name__)

# Most specific first. StorageError is 503: the index is busy or unreadable, not the caller's fault.
STATUS = ((NotFound, 404), (Ambiguous, 409), (Conflict, 409), (InvalidInput, 400), (StorageError, 503),
          (ConfigError, 500), (KenningError, 400))
ERROR_RESPONSES: dict[int | str, dict] = {
    status: {"model": ErrorOut, "description": description}
    for status, description in ((400, "Bad input"), (404, "Not found"), (409, "Ambiguous or conflicting"),
                                (422, "Malformed request"))
}


def error_response(status: int, kind: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"type": kind, "message": message}}, status_code=status)


def describe_problem(err: dict) -> str:
    """One validation problem as `where: what`, without pydantic's help URLs."""
    where = ".".join(str(p) for p in err["loc"])
    if err["type"] == "extra_forbidden":
        what = "query parameter" if err["loc"][:1] == ("query",) else "field"
        return f"{where}: unknown {what} {str(err['loc'][-1])!r}; remove it (/docs lists what this route takes)"
    return f"{where}: {err['msg']}"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(KenningError)
    async def kenning_error(_: Request, e: KenningError) -> JSONResponse:
        status = next(code for kind, code in STATUS if isinstance(e, kind))
        return error_response(status, type(e).__name__, str(e))

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, e: RequestValidationError) -> JSONResponse:
        problems = "; ".join(describe_problem(err) for err in e.errors())
        # A malformed path (a '..' escape, a blank name) is bad input like any the service refuses: 400.
        # Malformed query parameters or bodies are 422, as FastAPI clients expect.
        in_path = all(err["loc"][:1] == ("path",) for err in e.errors())
        return error_response(400 if in_path else 422, "InvalidInput", problems or "the request is malformed")

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, e: HTTPException) -> JSONResponse:
        kind = {404: "NotFound", 405: "MethodNotAllowed"}.get(e.status_code, "HTTPError")
        return error_response(e.status_code, kind, str(e.detail))

    @app.exception_handler(Exception)
    async def crash(_: Request, e: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return error_response(500, "InternalError", "kenning failed unexpectedly; the server log has the details")
