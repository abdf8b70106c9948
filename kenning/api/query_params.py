"""Query parameters a route does not take are refused (422 naming them), as unknown body fields are."""

from __future__ import annotations

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute


def no_unknown_query_parameters(request: Request) -> None:
    """A router dependency: `?limt=5` is a typo the caller should hear about, not a silent default."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.query_params:
        return
    unknown = sorted(set(request.query_params) - _declared(route))
    if unknown:
        raise RequestValidationError([
            {"type": "extra_forbidden", "loc": ("query", name), "msg": "Extra inputs are not permitted",
             "input": request.query_params[name]}
            for name in unknown
        ])


def _declared(route: APIRoute) -> set[str]:
    """The query parameters the route and its dependencies declare."""
    names, pending = set(), [route.dependant]
    while pending:
        dependant = pending.pop()
        names |= {param.alias for param in dependant.query_params}
        pending += dependant.dependencies
    return names
