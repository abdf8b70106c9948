"""Routes over search, "does it exist?", decisions, tasks, the brief and hand-offs.

Response bodies are the service's own JSON shapes (Decision.public(), Task.public(), ...), published as
open objects: those shapes belong to the memory and search layers and are documented there.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import Field

from kenning.api.code_routes import ServiceDep
from kenning.api.errors import ERROR_RESPONSES
from kenning.api.schemas import StrictModel
from kenning.errors import CompletionRefused
from kenning.models import DECISION_ID_PATTERN, SYMBOL_KINDS, DecisionStatus, NewDecisionStatus, SettableTaskStatus, TaskPriority, TaskStatus
from kenning.service import PROBE_LANGUAGES

router = APIRouter(responses=ERROR_RESPONSES)
Json = dict[str, Any]
Kind = Literal[SYMBOL_KINDS]  # type: ignore[valid-type]  # the tuple spreads into the Literal
ProbeLanguage = Literal[PROBE_LANGUAGES]  # type: ignore[valid-type]
Id = Annotated[str, Path(pattern=r"^[0-9]{1,9}$", description="The number of the task, e.g. 0007.")]
DecisionId = Annotated[str, Path(pattern=DECISION_ID_PATTERN,
                                 description="The decision's id: its number (0007); adr-0007 for one from docs/adr.")]
Small = Annotated[int, Query(ge=1, le=100)]
Short = Annotated[str, Field(min_length=1, max_length=500, pattern=r"\w")]
Long = Annotated[str, Field(max_length=20_000)]
NO_NUL = r"^[^\x00]*$"  # the service refuses text with NUL bytes as binary data: the schema says so too
Required = Annotated[str, Field(min_length=1, max_length=20_000, pattern=r"\w")]
Item = Annotated[str, Field(min_length=1, max_length=2_000, pattern=r"\w")]


class ExistsIn(StrictModel):
    # "At least one of" is part of the contract, so the schema says it too (the service enforces it).
    model_config = {"json_schema_extra": {"anyOf": [
        {"required": [key], "properties": {key: {"type": "string", "pattern": r"\w"}}}
        for key in ("description", "code", "name")
    ]}}
    description: Annotated[str, Field(max_length=2_000, pattern=NO_NUL)] | None = None
    code: Annotated[str, Field(max_length=20_000, pattern=NO_NUL)] | None = None
    name: Annotated[str, Field(max_length=200, pattern=NO_NUL)] | None = None
    limit: Annotated[int, Field(ge=1, le=50)] = 5
    language: ProbeLanguage | None = Field(
        None, description="The code's language; default: the one `path` implies, else inferred from the code.")
    path: Annotated[str, Field(max_length=4_096)] | None = Field(
        None, description="The file the code is meant for; its extension gives the language.")


ItemId = Annotated[str, Field(pattern=r"^[0-9]{1,9}$", description="A decision or task number, e.g. 0007.")]
Link = Annotated[str, Field(max_length=1_000)]
Numbers = Annotated[list[Annotated[int, Field(ge=1, le=1_000)]], Field(max_length=50)]


def _one_of(*keys: str, **more: Any) -> dict:
    """A schema saying at least one of `keys` is given (not null): the service refuses an empty change too."""
    return {"json_schema_extra": {"anyOf": [_given(key) for key in keys], **more}}


def _given(key: str) -> dict:
    return {"required": [key], "properties": {key: {"not": {"type": "null"}}}}


class DecisionIn(StrictModel):
    title: Short
    context: Required
    decision: Required
    status: NewDecisionStatus = Field(
        "accepted", description="Its rules apply only while it is accepted.")
    consequences: Long = ""
    alternatives: list[Item] = Field(default_factory=list, max_length=50)
    tags: list[Item] = Field(default_factory=list, max_length=50)
    links: list[Link] = Field(default_factory=list, max_length=50,
                              description="Symbols (qualified or unique short names) or file/folder paths it governs.")
    rules: list[dict[str, Any]] = Field(default_factory=list, max_length=50,
                                        description="Architecture rules, as in kenning.toml (layers, forbid, ...).")
    supersedes: ItemId | None = Field(None, description="The decision this one replaces (marked superseded).")
    allow_duplicate: bool = Field(False, description="Record it although a decision has the same title.")


class DecisionPatch(StrictModel):
    # superseded needs superseded_by, and superseded_by goes with no other status: the service says so too.
    model_config = _one_of("status", "superseded_by", "acknowledged_by", allOf=[
        {"if": {"required": ["status"], "properties": {"status": {"const": "superseded"}}}, "then": _given("superseded_by")},
        {"if": _given("superseded_by"), "then": {"properties": {"status": {"enum": ["superseded", None]}}}},
    ])
    status: DecisionStatus | None = Field(None, description="superseded needs superseded_by.")
    superseded_by: ItemId | None = Field(None, description="The current decision that replaces this one.")
    acknowledged_by: Item | None = Field(None, description="Who reviewed its drifted code: records the current "
                                                           "bodies so the drift stops being reported.")


class TaskIn(StrictModel):
    title: Short
    description: Long = ""
    priority: TaskPriority = "medium"
    acceptance: list[Item] = Field(default_factory=list, max_length=50)
    links: list[Link] = Field(default_factory=list, max_length=50,
                              description="Symbols, file/folder paths or decision:ID; completion checks them.")
    depends_on: list[ItemId] = Field(default_factory=list, max_length=50, description="Tasks to finish first.")


class TaskPatch(StrictModel):
    model_config = _one_of("status", "note", "tick", "untick")
    status: SettableTaskStatus | None = None
    note: Item | None = None
    tick: Numbers | None = Field(None, description="Acceptance item numbers (from 1) to tick.")
    untick: Numbers | None = Field(None, description="Acceptance item numbers to untick.")


class CompleteIn(StrictModel):
    # Forcing past failing checks needs a written reason; the schema says so as well as the service.
    model_config = {"json_schema_extra": {
        "if": {"required": ["force"], "properties": {"force": {"const": True}}},
        "then": {"required": ["reason"], "properties": {"reason": {"type": "string"}}},
    }}
    force: bool = False
    reason: Item | None = None


class HandoffIn(StrictModel):
    summary: Required
    next_steps: list[Item] = Field(default_factory=list, max_length=50)
    open_questions: list[Item] = Field(default_factory=list, max_length=50)


@router.get("/search", response_model=Json, tags=["search"])
def search(service: ServiceDep,
           q: Annotated[str, Query(min_length=1, max_length=2_000, pattern=r"^[^\x00]*\w[^\x00]*$")],
           limit: Small = 10, kind: Kind | None = None) -> Json:
    """Hybrid lexical + semantic search over symbols and files: one result per file, its other matches in `also`."""
    return service.search(q, limit=limit, kind=kind)


@router.post("/exists", response_model=Json, tags=["search"])
def exists(service: ServiceDep, body: ExistsIn) -> Json:
    """Whether code like this already exists: verdict, candidates, query_id."""
    return service.exists(code=body.code, description=body.description, name=body.name, limit=body.limit,
                          language=body.language, path=body.path)


@router.get("/decisions", response_model=Json, tags=["decisions"])
def decisions(service: ServiceDep,
              q: Annotated[str | None, Query(min_length=1, max_length=2_000, pattern=r"\w",
                                            description="Search by words and meaning instead of listing.")] = None,
              status: DecisionStatus | None = None,
              tag: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
              limit: Small = 20) -> Json:
    """Decisions, filtered by status and tag; with `q`, the best matches first, each with a score.

    `problems` names each decision file that does not read (and was left out), with its error."""
    if q is None:
        return service.list_decisions(status, tag).public("decisions")
    found = service.search_decisions(q, limit=limit, status=status)
    return {"decisions": [d.public() | {"score": score} for d, score in found],
            "problems": [p.public() for p in found.problems], **({"note": found.note} if found.note else {})}


@router.post("/decisions", response_model=Json, status_code=201, tags=["decisions"])
def add_decision(service: ServiceDep, body: DecisionIn) -> Json:
    """Record a decision (a Markdown file under .kenning/memory/decisions)."""
    return service.add_decision(body.title, body.context, body.decision, status=body.status,
                                consequences=body.consequences, alternatives=body.alternatives, tags=body.tags,
                                links=body.links, rules=body.rules, supersedes=body.supersedes,
                                allow_duplicate=body.allow_duplicate).public()


@router.get("/decisions/{decision_id}", response_model=Json, tags=["decisions"])
def decision(service: ServiceDep, decision_id: DecisionId) -> Json:
    return service.decision(decision_id).public()


@router.patch("/decisions/{decision_id}", response_model=Json, tags=["decisions"])
def patch_decision(service: ServiceDep, decision_id: DecisionId, body: DecisionPatch) -> Json:
    """Change a decision's status (superseded with superseded_by), and/or acknowledge its drift."""
    return service.update_decision(decision_id, status=body.status, superseded_by=body.superseded_by,
                                   acknowledged_by=body.acknowledged_by).public()


@router.get("/tasks", response_model=Json, tags=["tasks"])
def tasks(service: ServiceDep,
          status: TaskStatus | None = None) -> Json:
    """Tasks, optionally by status; `problems` names task files that do not read."""
    return service.list_tasks(status).public("tasks")


@router.post("/tasks", response_model=Json, status_code=201, tags=["tasks"])
def add_task(service: ServiceDep, body: TaskIn) -> Json:
    """Open a task (a Markdown file under .kenning/memory/tasks)."""
    return service.add_task(body.title, description=body.description, priority=body.priority,
                            acceptance=body.acceptance, links=body.links, depends_on=body.depends_on).public()


@router.get("/tasks/{task_id}", response_model=Json, tags=["tasks"])
def task(service: ServiceDep, task_id: Id) -> Json:
    return service.task(task_id).public()


@router.patch("/tasks/{task_id}", response_model=Json, tags=["tasks"])
def patch_task(service: ServiceDep, task_id: Id, body: TaskPatch) -> Json:
    """Change status (not to done), add a note, or tick or untick acceptance items."""
    return service.update_task(task_id, status=body.status, note=body.note, tick=body.tick,
                               untick=body.untick).public()


@router.post("/tasks/{task_id}/complete", response_model=Json, tags=["tasks"])
def complete_task(service: ServiceDep, task_id: Id, body: CompleteIn | None = None) -> Json:
    """Close a task if its checks pass; 409 lists what is missing."""
    body = body or CompleteIn()
    try:
        return service.complete_task(task_id, force=body.force, reason=body.reason).public()
    except CompletionRefused as e:
        raise e.phrased('close it anyway by sending {"force": true, "reason": "why they do not apply"}') from None


@router.get("/brief", response_model=Json, tags=["sessions"])
def brief(service: ServiceDep, budget: Annotated[int, Query(ge=100, le=20_000)] = 1_500) -> Json:
    """What a new session needs first, fitted to a token budget."""
    return service.brief(budget).public()


@router.post("/handoff", response_model=Json, status_code=201, tags=["sessions"])
def handoff(service: ServiceDep, body: HandoffIn) -> Json:
    """Record the end of a session; the next brief starts from it."""
    return service.handoff(body.summary, body.next_steps, body.open_questions).public()
