"""MCP tools over the code index: get_symbol, impact, repo_map, index_status."""

from __future__ import annotations

from typing import Annotated, Literal

from mcp.server.mcpserver import MCPServer
from mcp.types import CallToolResult
from pydantic import Field

from kenning.mcp.errors import tool_errors
from kenning.mcp.registration import tool
from kenning.mcp.outputs import (
    Dependent, ImpactAnswer, ImpactTarget, IndexFreshness, IndexStatus, RepoMapAnswer, SymbolAnswer, SymbolDetail, Use,
    compact,
)
from kenning.service import Service

# The service checks a name's length and blankness, and says so better than a schema error would.
Name = Annotated[str, Field(description="Short name (decode), qualified name or dotted suffix (JSONDecoder.decode).")]
Limit = Annotated[int, Field(ge=1, le=200, description="Most items per list; totals are always given.")]
Detail = Annotated[Literal["brief", "full"], Field(description="full adds the source (up to 40 lines).")]
Depth = Annotated[int | None, Field(ge=1, le=50, description="Stop after this many hops (default: no limit).")]
Budget = Annotated[int, Field(ge=16, le=20_000, description="Token budget.")]


def freshness(service: Service) -> IndexFreshness:
    data = service.freshness()
    return IndexFreshness(stale_files=data["stale_files"], stale_paths=data["stale_paths"],
                          last_indexed_at=data["last_indexed_at"], indexing=data["indexing"],
                          not_searchable=data.get("not_searchable"))


def register(server: MCPServer, service: Service) -> None:
    @tool(server, read_only=True)
    def get_symbol(name: Name, detail: Detail = "brief", limit: Limit = 5) -> Annotated[CallToolResult, SymbolAnswer]:
        """Look up a function, class or method by name: where it is defined, its signature and doc, who
        calls it and what it calls. Use before changing or calling code you have not read."""
        with tool_errors():
            found = service.find_symbols(name)
            callers, callees = service.callers(name), service.callees(name)
            matches = []
            for s in found[:limit]:
                ins, outs = callers.get(s.qualified_name, []), callees.get(s.qualified_name, [])
                matches.append(SymbolDetail(
                    qualified_name=s.qualified_name, kind=s.kind, location=f"{s.path}:{s.start_line}-{s.end_line}",
                    signature=s.signature, doc=(s.docstring.strip().splitlines() or [""])[0],
                    excerpt=service.source_excerpt(s, 40) if detail == "full" else None,
                    callers_total=len(ins), callers=[_use(u) for u in ins[:limit]],
                    callees_total=len(outs), callees=[_use(u) for u in outs[:limit]],
                ))
            hint = (f"{len(found)} symbols match; pass a qualified name to pick one" if len(found) > 1
                    else "impact(name) lists transitive dependents; detail='full' shows the source")
            return compact(SymbolAnswer(matches_total=len(found), matches=matches, hint=hint, index=freshness(service)))

    @tool(server, read_only=True)
    def impact(name: Name, depth: Depth = None, limit: Limit = 20) -> Annotated[CallToolResult, ImpactAnswer]:
        """What depends on a symbol (function, class or module), directly (distance 1) or transitively,
        nearest first. Use before renaming, changing a signature or deleting code."""
        with tool_errors():
            found = service.impact(name, depth)
            targets = [
                ImpactTarget(symbol=target, dependents_total=len(deps), dependents=[
                    Dependent(qualified_name=q, distance=d)
                    for q, d in sorted(deps.items(), key=lambda kv: (kv[1], kv[0]))[:limit]
                ])
                for target, deps in found.items()
            ]
            return compact(ImpactAnswer(targets=targets, index=freshness(service)))

    @tool(server, read_only=True)
    def repo_map(budget: Budget = 1_024) -> Annotated[CallToolResult, RepoMapAnswer]:
        """An overview of the codebase: its most central symbols (PageRank over calls and imports) with
        signatures, by file, fitted to a token budget: to orient yourself."""
        with tool_errors():
            text, entries = service.repo_map(budget)
            return compact(RepoMapAnswer(map=text, files=len(entries), symbols=sum(len(e.symbols) for e in entries),
                                         index=freshness(service)))

    @tool(server, read_only=True)
    def index_status() -> Annotated[CallToolResult, IndexStatus]:
        """How much of the project is indexed and how fresh it is; call it when an answer looks out of date."""
        with tool_errors():
            data = service.status()
            return compact(IndexStatus(root=data["root"], files=data["files"], symbols=data["symbols"],
                                       embedded=data["embedded"], edges=data["edges"], index=freshness(service)))


def _use(use) -> Use:
    return Use(symbol=use.symbol or use.text, at=f"{use.path}:{use.line}", kind=use.kind, confidence=use.confidence)
