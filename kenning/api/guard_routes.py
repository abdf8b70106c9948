"""The guard over HTTP: a running `kenning serve` judges proposed changes with its model already loaded."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import Field

from kenning.api.code_routes import ServiceDep
from kenning.api.errors import ERROR_RESPONSES
from kenning.api.schemas import PROJECT_FILE_PATTERN, StrictModel
from kenning.models import GUARD_KINDS, GuardOrigin

router = APIRouter(responses=ERROR_RESPONSES)
Text = Annotated[str, Field(max_length=1_000_000)]


class GuardIn(StrictModel):
    # Exactly one of content and diff: the schema says it too (the service enforces it).
    model_config = {"json_schema_extra": {"oneOf": [
        {"required": [given], "properties": {given: {"type": "string"}, other: {"type": "null"}}}
        for given, other in (("content", "diff"), ("diff", "content"))
    ]}}
    path: Annotated[str, Field(max_length=4_096, pattern=PROJECT_FILE_PATTERN,
                               description="Relative to the served root; '..' and absolute paths are refused.")]
    content: Text | None = Field(None, description="The file's proposed text.")
    diff: Text | None = Field(None, description="A unified diff, applied to `base` (default: the file on disk).")
    base: Text | None = Field(None, description="The file's text before the change.")
    origin: GuardOrigin = "api"
    block_on: list[Literal[GUARD_KINDS]] | None = Field(  # type: ignore[valid-type]
        None, description="Finding kinds that make the decision 'block' (default: the server's guard_block_on).")
    time_budget: float | None = Field(None, gt=0, le=3_600, description=(
        "Seconds to spend before leaving the remaining definitions unchecked (default: the server's"
        " guard_time_budget)."))


@router.post("/guard", response_model=dict[str, Any], tags=["search"])
def guard(service: ServiceDep, body: GuardIn) -> dict[str, Any]:
    """Findings on a proposed change: duplicated definitions and rule-breaking imports, and allow or block."""
    return service.guard(body.path, content=body.content, diff=body.diff, base=body.base, origin=body.origin,
                         block_on=body.block_on, time_budget=body.time_budget)


class ChangedFile(StrictModel):
    path: Annotated[str, Field(max_length=4_096, pattern=PROJECT_FILE_PATTERN, description="Relative to the root.")]
    content: Text | None = Field(None, description="The file's text after the change; null when it is deleted.")
    base: Text = Field("", description="Its text before the change; '' for a new file.")


class ReviewIn(StrictModel):
    # Exactly one of diff and changes: the schema says it too (the service enforces it).
    model_config = {"json_schema_extra": {"oneOf": [
        {"required": ["diff"], "properties": {"diff": {"type": "string"}, "changes": {"type": "null"}}},
        {"required": ["changes"], "properties": {"changes": {"type": "array"}, "diff": {"type": "null"}}},
    ]}}
    diff: Text | None = Field(None, description="A unified diff, applied to the files on disk.")
    changes: list[ChangedFile] | None = Field(None, max_length=200, description="Or the changed files themselves.")
    block_on: list[Literal[GUARD_KINDS]] | None = Field(  # type: ignore[valid-type]
        None, description="Finding kinds that make the decision 'block' (default: the server's guard_block_on).")
    depth: int | None = Field(None, ge=1, le=50, description="Follow dependents this many hops at most.")


@router.post("/review", response_model=dict[str, Any], tags=["search"])
def review(service: ServiceDep, body: ReviewIn) -> dict[str, Any]:
    """The impact of a change: touched symbols, their callers and dependents, the tests to run, guard findings."""
    changes = None if body.changes is None else [c.model_dump() for c in body.changes]
    return service.review_change(body.diff, changes, origin="api", block_on=body.block_on, depth=body.depth)
