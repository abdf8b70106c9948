"""Routes over architecture rules and the record of reuse choices."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import Field

from kenning.api.code_routes import ServiceDep
from kenning.api.errors import ERROR_RESPONSES
from kenning.api.schemas import PROJECT_FILE_PATTERN, StrictModel
from kenning.models import ExistsChoice

router = APIRouter(responses=ERROR_RESPONSES)
Json = dict[str, Any]


class CheckIn(StrictModel):
    path: Annotated[str, Field(min_length=1, max_length=4_096, pattern=PROJECT_FILE_PATTERN,
                               description="The file, relative to the root; '..' and absolute paths are refused.")]
    imports: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=500, pattern=r"\w")]],
        Field(min_length=1, max_length=200, description="Modules or paths the file would import."),
    ]


class ChoiceIn(StrictModel):
    # Writing new code despite a match needs a reason; the schema says so too (the service enforces it).
    model_config = {"json_schema_extra": {
        "if": {"required": ["choice"], "properties": {"choice": {"const": "wrote_new"}}},
        "then": {"required": ["reason"], "properties": {"reason": {"type": "string", "pattern": r"\w"}}},
    }}
    query_id: Annotated[str, Field(min_length=1, max_length=100)]
    choice: ExistsChoice
    reason: Annotated[str, Field(max_length=2_000)] | None = None


@router.get("/check", response_model=Json, tags=["rules"])
def check(service: ServiceDep) -> Json:
    """Current architecture-rule violations not accepted into the baseline."""
    return service.check_rules().public()


@router.post("/check", response_model=Json, tags=["rules"])
def check_imports(service: ServiceDep, body: CheckIn) -> Json:
    """Before writing: may this file import these modules? Violations name their governing decisions."""
    return service.check_architecture(body.path, body.imports).public()


@router.post("/choices", response_model=Json, tags=["search"])
def record_choice(service: ServiceDep, body: ChoiceIn) -> Json:
    """Record what was done after an exists answer: reused, extended, or wrote_new (reason required)."""
    return service.record_choice(body.query_id, body.choice, body.reason)
