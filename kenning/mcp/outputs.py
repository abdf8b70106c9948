"""Structured outputs of kenning's MCP tools: compact by default, each naming its follow-ups."""

from __future__ import annotations

import json
from typing import Any

from mcp.types import CallToolResult, TextContent
from pydantic import BaseModel, Field


def compact(answer: BaseModel) -> CallToolResult:
    """The answer as structured content plus one-line JSON text: the SDK's default text is
    indented, which costs an assistant's context a third more tokens for nothing."""
    return CallToolResult(
        content=[TextContent(type="text", text=answer.model_dump_json(exclude_none=True))],
        structured_content=answer.model_dump(mode="json"),
    )


def compact_data(data: dict[str, Any]) -> CallToolResult:
    """Like `compact`, for answers the service already shapes as JSON-ready dicts."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=json.loads(text))


class IndexFreshness(BaseModel):
    stale_files: int = Field(description="Files changed since the last index.")
    stale_paths: list[str] = Field(description="A few of them.")
    last_indexed_at: float | None = Field(description="Unix time.")
    indexing: bool = Field(description="An index run is under way.")
    not_searchable: str | None = Field(None, description="What is not searchable yet.")


class Use(BaseModel):
    symbol: str = Field(description="Caller or callee (as written if unresolved).")
    at: str = Field(description="path:line.")
    kind: str
    confidence: float = Field(description="1 certain, <=0.5 a guess by name, 0 unresolved.")


class SymbolDetail(BaseModel):
    qualified_name: str
    kind: str
    location: str = Field(description="path:start-end from the project root.")
    signature: str
    doc: str = Field(description="First line of its docstring or comment.")
    excerpt: str | None = Field(default=None, description="Source lines, only with detail='full'.")
    callers_total: int
    callers: list[Use]
    callees_total: int
    callees: list[Use]


class SymbolAnswer(BaseModel):
    matches_total: int
    matches: list[SymbolDetail]
    hint: str
    index: IndexFreshness


class Dependent(BaseModel):
    qualified_name: str
    distance: int = Field(description="Hops from the target: 1 uses it directly.")


class ImpactTarget(BaseModel):
    symbol: str
    dependents_total: int
    dependents: list[Dependent]


class ImpactAnswer(BaseModel):
    targets: list[ImpactTarget]
    index: IndexFreshness


class RepoMapAnswer(BaseModel):
    map: str = Field(description="path: then 'line: signature' for the most central symbols.")
    files: int
    symbols: int
    index: IndexFreshness


class IndexStatus(BaseModel):
    root: str
    files: int
    symbols: int
    embedded: int
    edges: int
    index: IndexFreshness
