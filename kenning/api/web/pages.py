"""The web UI's pages (GET): overview, decision log, tasks, search and the code graph.

Each page gathers what it shows from service operations and renders one template.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse

from kenning.api.code_routes import ServiceDep
from kenning.api.web import svg
from kenning.api.web.render import PageRoute, page
from kenning.models import DECISION_ID_PATTERN, DECISION_STATUSES, TASK_STATUSES, Symbol
from kenning.service import graph_views, review

router = APIRouter(route_class=PageRoute, include_in_schema=False, default_response_class=HTMLResponse)

Id = Annotated[str, Path(pattern=r"^[0-9]{1,9}$")]
DecisionId = Annotated[str, Path(pattern=DECISION_ID_PATTERN)]
Text = Annotated[str, Query(max_length=2_000)]
DecisionStatus = Literal[DECISION_STATUSES]  # type: ignore[valid-type]
SEARCH_LIMIT = 10
EXCERPT_LINES = 6
# What a form did, shown after its redirect; only these fixed messages, never text from the URL.
SAVED = {"status": "Status saved.", "superseded": "Superseded; the successor now records it.",
         "note": "Note saved.", "done": "Task closed: every check passed."}


def symbol_href(name: str) -> str | None:
    return None if name.startswith("file:") else f"/ui/symbol?name={quote(name)}"


@router.get("/")
def overview(request: Request, service: ServiceDep) -> HTMLResponse:
    return page(request, "overview.html", view=review.overview(service))


@router.get("/ui/decisions")
def decisions(request: Request, service: ServiceDep, status: DecisionStatus | Literal[""] = "",
              tag: Text = "", q: Text = "") -> HTMLResponse:
    every = service.list_decisions()
    if q.strip():
        found = [d for d, _ in service.search_decisions(q, limit=100, status=status or None)]
        found = [d for d in found if not tag or tag in d.tags]
    else:
        found = sorted(service.list_decisions(status or None, tag or None), key=lambda d: (d.date, d.id), reverse=True)
    tags = sorted({t for d in every for t in d.tags})
    return page(request, "decisions.html", decisions=found, statuses=DECISION_STATUSES, tags=tags,
                status=status, tag=tag, q=q, problems=every.problems)


@router.get("/ui/decisions/{decision_id}")
def decision(request: Request, service: ServiceDep, decision_id: DecisionId, saved: str = "") -> HTMLResponse:
    return page(request, "decision.html", view=review.review_decision(service, decision_id),
                saved=SAVED.get(saved, ""), statuses=[s for s in DECISION_STATUSES if s != "superseded"],
                href=symbol_href)


@router.get("/ui/tasks")
def tasks(request: Request, service: ServiceDep) -> HTMLResponse:
    board = {status: [] for status in TASK_STATUSES}
    listed = service.list_tasks()
    for task in listed:
        board[task.status].append(task)
    return page(request, "tasks.html", board=board, problems=listed.problems)


@router.get("/ui/tasks/{task_id}")
def task(request: Request, service: ServiceDep, task_id: Id, saved: str = "") -> HTMLResponse:
    return page(request, "task.html", view=review.review_task(service, task_id), statuses=TASK_STATUSES,
                saved=SAVED.get(saved, ""), href=symbol_href)


@router.get("/ui/search")
def search(request: Request, service: ServiceDep, q: Text = "") -> HTMLResponse:
    if not q.strip():
        return page(request, "search.html", q=q, exists=None, hits=[])
    name = q.strip() if q.strip().isidentifier() else None
    exists = service.exists(description=q, name=name, limit=5)
    hits = service.search(q, limit=SEARCH_LIMIT)["results"]
    excerpts = {h["qualified_name"]: service.source_excerpt(_symbol(h), EXCERPT_LINES)
                for h in [*exists["candidates"], *hits]}
    return page(request, "search.html", q=q, exists=exists, hits=hits, excerpts=excerpts, href=symbol_href)


@router.get("/ui/graph")
def module_graph(request: Request, service: ServiceDep,
                 depth: Annotated[int | None, Query(ge=1, le=graph_views.MAX_GROUP_DEPTH)] = None) -> HTMLResponse:
    graph, violations, problem = graph_views.module_graph(service, depth)
    picture = svg.draw(graph, "Imports between modules; red edges break an architecture rule")
    return page(request, "graph.html", graph=graph, picture=picture, violations=violations, problem=problem,
                depth=graph.graph["depth"], max_depth=graph_views.MAX_GROUP_DEPTH)


@router.get("/ui/symbol")
def symbol(request: Request, service: ServiceDep, name: Annotated[str, Query(min_length=1, max_length=1_000)],
           depth: Annotated[int, Query(ge=1, le=graph_views.MAX_DEPTH)] = 2) -> HTMLResponse:
    found = service.symbol(name)
    graph = graph_views.neighbourhood(service, found.qualified_name, depth)
    picture = svg.draw(graph, f"Callers, callees and dependents of {found.qualified_name}", symbol_href)
    return page(request, "symbol.html", symbol=found, source=service.source_excerpt(found, 30), graph=graph,
                picture=picture, depth=depth, max_depth=graph_views.MAX_DEPTH,
                callers=service.callers(found.qualified_name).get(found.qualified_name, []),
                callees=service.callees(found.qualified_name).get(found.qualified_name, []))


def _symbol(hit: dict) -> Symbol:
    """A search hit carries every required field of a Symbol (its public shape)."""
    return Symbol(**{key: hit[key] for key in ("qualified_name", "name", "kind", "language", "path",
                                                "start_line", "end_line", "signature")})
