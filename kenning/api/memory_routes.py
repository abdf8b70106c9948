"""Routes over search, "does it exist?", decisions, tasks, the brief and hand-offs.

Response bodies are the service's own JSON shapes (Decision.public(), Task.public(), ...), published as
open objects: those shapes belong to the memory and search layers and are documented there.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from kenning.api.code_routes import ServiceDep
from kenning.api.errors import ERROR_RESPONSES
from kenning.models import SYMBOL_KINDS

router = APIRouter(responses=ERROR_RESPONSES)
Json = dict[str, Any]
Kind = Literal[SYMBOL_KINDS]  # type: ignore[valid-type]  # the tuple spreads into the Literal
Id = Annotated[str, Path(pattern=r"^[0-9]{1,9}$", description="The number of the decision or task, e.g. 0007.")]
Small = Annotated[int, Query(ge=1, le=100)]
Short = Annotated[str, Field(min_length=1, max_length=500, pattern=r"\w")]
Long = Annotated[str, Field(max_length=20_000)]
Required = Annotated[str, Field(min_length=1, max_length=20_000, pattern=r"\w")]
Item = Annotated[str, Field(min_length=1, max_length=2_000, pattern=r"\w")]


class ExistsIn(BaseModel):
    # "At least one of" is part of the contract, so the schema says it too (the service enforces it).
    model_config = {"json_schema_extra": {"anyOf": [
        {"required": [key], "properties": {key: {"type": "string", "pattern": r"\w"}}}
        for key in ("description", "code", "name")
    ]}}
    description: Annotated[str, Field(max_length=2_000)] | None = None
    code: Long | None = None
    name: Annotated[str, Field(max_length=200)] | None = None
    limit: Annotated[int, Field(ge=1, le=50)] = 5


class DecisionIn(BaseModel):
    title: Short
    context: Required
    decision: Required
    consequences: Long = ""
    tags: list[Item] = Field(default_factory=list, max_length=50)
    links: list[Annotated[str, Field(max_length=1_000)]] = Field(default_factory=list, max_length=50)


class DecisionPatch(BaseModel):
    # 'superseded' is not settable: superseding records the successor, which a status change cannot.
    status: Literal["proposed", "accepted", "rejected", "deprecated"]


class TaskIn(BaseModel):
    title: Short
    description: Long = ""
    priority: Literal["high", "medium", "low"] = "medium"
    acceptance: list[Item] = Field(default_factory=list, max_length=50)


class TaskPatch(BaseModel):
    model_config = {"json_schema_extra": {"anyOf": [{"required": [key], "properties": {key: {"not": {"type": "null"}}}}
                                                    for key in ("status", "note", "tick")]}}
    status: Literal["open", "in_progress", "blocked", "dropped"] | None = None
    note: Item | None = None
    tick: Annotated[int, Field(ge=1, le=1_000)] | None = None


class CompleteIn(BaseModel):
    # Forcing past failing checks needs a written reason; the schema says so as well as the service.
    model_config = {"json_schema_extra": {
        "if": {"required": ["force"], "properties": {"force": {"const": True}}},
        "then": {"required": ["reason"], "properties": {"reason": {"type": "string"}}},
    }}
    force: bool = False
    reason: Item | None = None


class HandoffIn(BaseModel):
    summary: Required
    next_steps: list[Item] = Field(default_factory=list, max_length=50)
    open_questions: list[Item] = Field(default_factory=list, max_length=50)


@router.get("/search", response_model=Json, tags=["search"])
def search(service: ServiceDep, q: Annotated[str, Query(min_length=1, max_length=2_000, pattern=r"\w")],
           limit: Small = 10, kind: Kind | None = None) -> Json:
    """Hybrid lexical + semantic search over symbols and files: one result per file, its other matches in `also`."""
    return service.search(q, limit=limit, kind=kind)


@router.post("/exists", response_model=Json, tags=["search"])
def exists(service: ServiceDep, body: ExistsIn) -> Json:
    """Whether code like this already exists: verdict, candidates, query_id."""
    return service.exists(code=body.code, description=body.description, name=body.name, limit=body.limit)


DecisionStatus = Literal["proposed", "accepted", "rejected", "superseded", "deprecated"]


@router.get("/decisions", response_model=Json, tags=["decisions"])
def decisions(service: ServiceDep,
              q: Annotated[str | None, Query(min_length=1, max_length=2_000, pattern=r"\w",
                                            description="Search by words and meaning instead of listing.")] = None,
              status: DecisionStatus | None = None,
              tag: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
              limit: Small = 20) -> Json:
    """Decisions, filtered by status and tag; with `q`, the best matches first, each with a score."""
    if q is None:
        return {"decisions": [d.public() for d in service.list_decisions(status, tag)]}
    found = service.search_decisions(q, limit=limit, status=status)
    return {"decisions": [d.public() | {"score": score} for d, score in found],
            **({"note": found.note} if found.note else {})}


@router.post("/decisions", response_model=Json, status_code=201, tags=["decisions"])
def add_decision(service: ServiceDep, body: DecisionIn) -> Json:
    """Record a decision (a Markdown file under .kenning/memory/decisions)."""
    return service.add_decision(body.title, body.context, body.decision, consequences=body.consequences,
                                tags=body.tags, links=body.links).public()


@router.get("/decisions/{decision_id}", response_model=Json, tags=["decisions"])
def decision(service: ServiceDep, decision_id: Id) -> Json:
    return service.decision(decision_id).public()


@router.patch("/decisions/{decision_id}", response_model=Json, tags=["decisions"])
def patch_decision(service: ServiceDep, decision_id: Id, body: DecisionPatch) -> Json:
    """Change a decision's status."""
    return service.set_decision_status(decision_id, body.status).public()


@router.get("/tasks", response_model=Json, tags=["tasks"])
def tasks(service: ServiceDep,
          status: Literal["open", "in_progress", "blocked", "done", "dropped"] | None = None) -> Json:
    """Tasks, optionally by status."""
    return {"tasks": [t.public() for t in service.list_tasks(status)]}


@router.post("/tasks", response_model=Json, status_code=201, tags=["tasks"])
def add_task(service: ServiceDep, body: TaskIn) -> Json:
    """Open a task (a Markdown file under .kenning/memory/tasks)."""
    return service.add_task(body.title, description=body.description, priority=body.priority,
                            acceptance=body.acceptance).public()


@router.get("/tasks/{task_id}", response_model=Json, tags=["tasks"])
def task(service: ServiceDep, task_id: Id) -> Json:
    return service.task(task_id).public()


@router.patch("/tasks/{task_id}", response_model=Json, tags=["tasks"])
def patch_task(service: ServiceDep, task_id: Id, body: TaskPatch) -> Json:
    """Change status (not to done), add a note, or tick acceptance item N."""
    return service.update_task(task_id, status=body.status, note=body.note, tick=body.tick).public()


@router.post("/tasks/{task_id}/complete", response_model=Json, tags=["tasks"])
def complete_task(service: ServiceDep, task_id: Id, body: CompleteIn | None = None) -> Json:
    """Close a task if its checks pass; 409 lists what is missing."""
    body = body or CompleteIn()
    return service.complete_task(task_id, force=body.force, reason=body.reason).public()


@router.get("/brief", response_model=Json, tags=["sessions"])
def brief(service: ServiceDep, budget: Annotated[int, Query(ge=100, le=20_000)] = 1_500) -> Json:
    """What a new session needs first, fitted to a token budget."""
    return service.brief(budget).public()


@router.post("/handoff", response_model=Json, status_code=201, tags=["sessions"])
def handoff(service: ServiceDep, body: HandoffIn) -> Json:
    """Record the end of a session; the next brief starts from it."""
    return service.handoff(body.summary, body.next_steps, body.open_questions).public()
