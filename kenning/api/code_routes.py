"""Routes over the code index: health, stats, index, symbols and their uses, the repo map, files."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from kenning import __version__
from kenning.api.errors import ERROR_RESPONSES
from kenning.api.schemas import (
    CalleesOut, CallersOut, FileOut, Health, ImpactOut, IndexReportOut, MapOut, Stats, SymbolsOut,
)
from kenning.models import Symbol
from kenning.service import Service

router = APIRouter(responses=ERROR_RESPONSES)
MAX_LIMIT = 1_000


def get_service(request: Request) -> Service:
    return request.app.state.service


ServiceDep = Annotated[Service, Depends(get_service)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Most uses listed per symbol.")]
# The schema states what the service enforces, so a client (or a fuzzer) can tell valid input.
SymbolName = Annotated[str, Path(min_length=1, max_length=1_000, pattern=r"\w",
                                 description="Short name, qualified name or dotted suffix of one.")]
# A path component other than '..' (no look-ahead: pydantic's regex engine has none).
_PART = r"(?:[^/\x00.][^/\x00]*|\.[^/\x00.][^/\x00]*|\.\.[^/\x00]+|\.)"
FilePath = Annotated[str, Path(max_length=4_096, pattern=rf"^{_PART}(?:/{_PART})*$",
                               description="Relative to the served root; '..' and absolute paths are refused.")]


@router.get("/health", response_model=Health, tags=["server"])
def health() -> dict:
    """Liveness: answers without touching the index."""
    return {"status": "ok", "version": __version__}


@router.get("/stats", response_model=Stats, tags=["index"])
def stats(service: ServiceDep) -> dict:
    """Index counts, when it last ran, and how many files changed since."""
    return {**service.status(), "index": service.freshness()}


@router.post("/index", response_model=IndexReportOut, tags=["index"])
def index(service: ServiceDep) -> dict:
    """Re-index the served root incrementally (only changed files are parsed) and report."""
    return service.index().as_dict()


@router.get("/symbols/{qualified_name}", response_model=SymbolsOut, tags=["symbols"])
def symbols(qualified_name: SymbolName, service: ServiceDep) -> dict:
    """Definitions matching a short name, a qualified name or a dotted suffix of one."""
    return {"symbols": [_symbol(s) for s in service.find_symbols(qualified_name)], "index": service.freshness()}


@router.get("/symbols/{qualified_name}/callers", response_model=CallersOut, tags=["symbols"])
def callers(qualified_name: SymbolName, service: ServiceDep, limit: Limit = 100) -> dict:
    """Who calls, imports, subclasses or names each matching symbol."""
    return {"callers": _uses(service.callers(qualified_name), limit), "index": service.freshness()}


@router.get("/symbols/{qualified_name}/callees", response_model=CalleesOut, tags=["symbols"])
def callees(qualified_name: SymbolName, service: ServiceDep, limit: Limit = 100) -> dict:
    """What each matching symbol uses; unresolved uses keep their text and a null symbol."""
    return {"callees": _uses(service.callees(qualified_name), limit), "index": service.freshness()}


@router.get("/symbols/{qualified_name}/impact", response_model=ImpactOut, tags=["symbols"])
def impact(
    qualified_name: SymbolName,
    service: ServiceDep,
    depth: Annotated[int | None, Query(ge=1, le=100, description="Stop after this many hops.")] = None,
    limit: Limit = 100,
) -> dict:
    """Everything that depends on each matching symbol, transitively, nearest first."""
    found = service.impact(qualified_name, depth)
    return {"impact": [
        {"symbol": target, "total": len(dependents), "dependents": [
            {"qualified_name": q, "distance": d} for q, d in sorted(dependents.items(), key=lambda kv: (kv[1], kv[0]))
        ][:limit]}
        for target, dependents in found.items()
    ], "index": service.freshness()}


@router.get("/map", response_model=MapOut, tags=["index"])
def repo_map(
    service: ServiceDep,
    budget: Annotated[int, Query(ge=16, le=100_000, description="Token budget for the map.")] = 1_024,
) -> dict:
    """The most central symbols with their signatures, fitted to a token budget."""
    text, entries = service.repo_map(budget)
    files = [{"path": e.path, "symbols": [_symbol(s) for s in e.symbols]} for e in entries]
    return {"budget": budget, "text": text, "files": files, "index": service.freshness()}


@router.get("/files/{path:path}", response_model=FileOut, tags=["symbols"])
def file_outline(path: FilePath, service: ServiceDep) -> dict:
    """The symbols one indexed file defines; the path is relative to the served root."""
    return {"path": path, "symbols": [_symbol(s) for s in service.file_outline(path)], "index": service.freshness()}


def _symbol(s: Symbol) -> dict:
    return s.public() | {"docstring": s.docstring, "parent": s.parent}


def _uses(result: dict, limit: int) -> list[dict]:
    return [{"symbol": target, "total": len(uses), "uses": [asdict(u) for u in uses[:limit]]}
            for target, uses in result.items()]

