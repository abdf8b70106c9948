"""MCP tools over search, "does it exist?", decisions, tasks and session hand-offs."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp.types import CallToolResult
from pydantic import Field

from kenning.errors import CompletionRefused, InvalidInput
from kenning.mcp.errors import tool_errors
from kenning.mcp.outputs import compact_data
from kenning.mcp.registration import tool
from kenning.models import Decision, DecisionStatus, SettableTaskStatus, Task, TaskPriority, TaskStatus
from kenning.service import Service

Answer = Annotated[CallToolResult, dict[str, Any]]
Limit = Annotated[int, Field(ge=1, le=50, description="Most results.")]
Query = Annotated[str, Field(description="What you are looking for, in words.")]  # the service checks its length
# Texts and ids carry no limits or patterns here: the schema would repeat them in every session's context,
# the service checks them (blank texts, ids such as 0007 or 7) and a request is bounded as a whole.
Lines = list[str] | None
Numbers = list[Annotated[int, Field(ge=1)]] | None
Rules = Annotated[list[dict[str, Any]] | None, Field(description=(
    'Architecture rules, e.g. {"forbid": {"from": "app/core/**", "to": "app/web/**"}}.'))]


def register(server: MCPServer, service: Service) -> None:
    # Read-only for the project: its one write is the query's audit row in the derived index, for record_choice.
    @tool(server, read_only=True)
    def find_existing(description: Annotated[str | None, Field(description="What the code should do.")] = None,
                      code: Annotated[str | None, Field(description="A draft of the code.")] = None,
                      name: Annotated[str | None, Field(description="The name you intend to give it.")] = None,
                      limit: Limit = 5,
                      language: Annotated[str | None, Field(
                          description="The code's language (python, typescript, go...); default: inferred.")] = None,
                      path: Annotated[str | None, Field(
                          description="The file the code is meant for (its extension gives the language).")] = None,
                      ) -> Answer:
        """Before writing a new function or class, ask whether the project has one: pass what it should do
        (description), a draft (code) and/or a name. Answers a verdict (exists / similar / none; unknown
        while a first index runs), candidates to reuse, a query_id."""
        with tool_errors():
            return compact_data(service.exists(code=code, description=description, name=name, limit=limit,
                                               language=language, path=path))

    @tool(server, read_only=True)
    def search_code(query: Query, limit: Limit = 10,
                    kind: Annotated[str | None, Field(
                        description="Only this kind: function, method, class, module, ...")] = None,
                    path_prefix: Annotated[str | None, Field(description="Only files under this folder.")] = None,
                    ) -> Answer:
        """Find code by meaning or words (hybrid lexical + semantic search over symbols and files). One result
        per file, its other matching symbols in `also`; a name as the query puts its definition first."""
        with tool_errors():
            return compact_data(service.search(query, limit=limit, kind=kind, path_prefix=path_prefix))

    @tool(server, read_only=False)
    def record_decision(
        title: Annotated[str | None, Field(description="A new decision needs title, context and decision.")] = None,
        context: Annotated[str | None, Field(description="Why a decision was needed.")] = None,
        decision: Annotated[str | None, Field(description="What was decided.")] = None,
        status: Annotated[DecisionStatus | None, Field(description=(
            "proposed or accepted (default); with decision_id, its new status."))] = None,
        consequences: Annotated[str | None, Field(description="What follows from it.")] = None,
        alternatives: Annotated[Lines, Field(description="Options considered and not chosen.")] = None,
        tags: Annotated[Lines, Field(description="Short labels.")] = None,
        links: Annotated[Lines, Field(description="Symbols or paths it governs; their changes show as drift.")] = None,
        rules: Rules = None,
        supersedes: Annotated[str | None, Field(description="Id of the decision this one replaces.")] = None,
        allow_duplicate: Annotated[bool, Field(description="Record it although a decision has its title.")] = False,
        decision_id: Annotated[str | None, Field(
            description="Change this decision (status, superseded_by, acknowledged_by).")] = None,
        superseded_by: Annotated[str | None, Field(
            description="With status superseded: the id of its replacement.")] = None,
        acknowledged_by: Annotated[str | None, Field(
            description="Your name: its drifted code was reviewed; briefs stop reporting it.")] = None,
    ) -> Answer:
        """Record a design decision as a Markdown file in the repo's decision log, or change one
        (decision_id): accept, reject, supersede, acknowledge drift. Its rules apply while it is accepted."""
        with tool_errors():
            if decision_id is not None:
                _only_with_id("decision_id", title=title, context=context, decision=decision,
                              consequences=consequences, alternatives=alternatives, tags=tags, links=links,
                              rules=rules, supersedes=supersedes, allow_duplicate=allow_duplicate)
                made = service.update_decision(decision_id, status=status, superseded_by=superseded_by,
                                               acknowledged_by=acknowledged_by)
            else:
                if superseded_by is not None or acknowledged_by is not None:
                    raise InvalidInput("superseded_by and acknowledged_by change an existing decision: "
                                       "pass decision_id")
                if not (title and context and decision):
                    raise InvalidInput("a new decision needs title, context and decision (or pass decision_id to "
                                       "change one)")
                made = service.add_decision(title, context, decision, status=status or "accepted",
                                            consequences=consequences or "", alternatives=alternatives or (),
                                            tags=tags or (), links=links or (), rules=rules or (),
                                            supersedes=supersedes, allow_duplicate=allow_duplicate)
            return compact_data(_decision(made))

    @tool(server, read_only=True)
    def search_decisions(query: Query, limit: Limit = 5) -> Answer:
        """Find past decisions relevant to what you are about to do, so you follow (or knowingly revisit) them."""
        with tool_errors():
            found = service.search_decisions(query, limit=limit)
            return compact_data({"decisions": [
                {"id": d.id, "title": d.title, "status": d.status, "decision": d.decision[:300], "score": round(s, 3)}
                for d, s in found
            ], "problems": [p.public() for p in found.problems], **({"note": found.note} if found.note else {})})

    @tool(server, read_only=False)
    def save_task(
        title: Annotated[str | None, Field(description="Opens a new task.")] = None,
        description: Annotated[str | None, Field(description="What to do.")] = None,
        priority: Annotated[TaskPriority | None, Field(description="Default medium.")] = None,
        acceptance: Annotated[Lines, Field(description="Checklist items to tick before completing it.")] = None,
        links: Annotated[Lines, Field(description="Symbols, paths or decision:ID it changes; completion checks "
                                                  "that code is real (no stub) and changed.")] = None,
        depends_on: Annotated[list[str] | None, Field(description="Ids of tasks to finish first.")] = None,
        task_id: Annotated[str | None, Field(description="Update this task (status, note, tick, untick).")] = None,
        status: Annotated[SettableTaskStatus | None, Field(description="New status; to finish, call complete_task.")] = None,
        note: Annotated[str | None, Field(description="A progress note, timestamped.")] = None,
        tick: Annotated[Numbers, Field(description="Acceptance item numbers (from 1) to tick.")] = None,
        untick: Annotated[Numbers, Field(description="Acceptance item numbers to untick.")] = None,
    ) -> Answer:
        """Open a task, or update one (task_id). To finish a task call complete_task, which runs its checks."""
        with tool_errors():
            if task_id is not None:
                _only_with_id("task_id", title=title, description=description, priority=priority,
                              acceptance=acceptance, links=links, depends_on=depends_on)
                task = service.update_task(task_id, status=status, note=note, tick=tick or (), untick=untick or ())
            else:
                if status is not None or note is not None or tick or untick:
                    raise InvalidInput("status, note, tick and untick change an existing task: pass task_id")
                if not title:
                    raise InvalidInput("a title is required to open a task (or pass task_id to update one)")
                task = service.add_task(title, description=description or "", priority=priority or "medium",
                                        acceptance=acceptance or (), links=links or (), depends_on=depends_on or ())
            return compact_data(_task(task))

    @tool(server, read_only=True)
    def list_tasks(status: Annotated[TaskStatus | None, Field(
                       description="Only this status.")] = None,
                   limit: Limit = 20) -> Answer:
        """The project's tasks (optionally by status), highest priority first, with the suggested next one;
        `problems` names task files that do not read."""
        with tool_errors():
            tasks = service.list_tasks(status)
            upcoming = service.next_task()
            return compact_data({"total": len(tasks), "next": upcoming.id if upcoming else None, "tasks": [
                {"id": t.id, "title": t.title, "status": t.status, "priority": t.priority} for t in tasks[:limit]
            ], "problems": [p.public() for p in tasks.problems]})

    @tool(server, read_only=False)
    def complete_task(task_id: Annotated[str, Field(description="The task to close.")],
                      force: Annotated[bool, Field(description="Close although checks fail; needs reason.")] = False,
                      reason: Annotated[str | None, Field(
                          description="Why the failing checks do not apply (recorded in the task).")] = None) -> Answer:
        """Close a task if its acceptance items are ticked, its dependencies done, and its linked code exists,
        changed since it opened, and is not a stub, simulated or unused; else the error lists each failure."""
        with tool_errors():
            try:
                task = service.complete_task(task_id, force=force, reason=reason)
            except CompletionRefused as e:
                raise e.phrased("call complete_task again with force=true and a reason") from None
            return compact_data(_task(task))

    @tool(server, read_only=True)
    def brief(budget: Annotated[int, Field(ge=100, le=8_000, description="Token budget.")] = 1_500) -> Answer:
        """Call first in a session: the project's state in one page (last hand-off, open tasks, recent
        decisions, drift), fitted to a token budget."""
        with tool_errors():
            made = service.brief(budget)
            return compact_data({"text": made.text, "since": made.since, "tokens": made.tokens})

    @tool(server, read_only=False)
    def handoff(summary: Annotated[str, Field(description="What this session did.")],
                next_steps: Annotated[Lines, Field(description="What the next session should do.")] = None,
                open_questions: Annotated[Lines, Field(description="What is unresolved.")] = None) -> Answer:
        """Call at the end of a session: what was done, what comes next, what is unresolved. The next
        session's brief starts from it."""
        with tool_errors():
            made = service.handoff(summary, next_steps or (), open_questions or ())
            return compact_data({"id": made.id, "path": made.path})


def _only_with_id(id_name: str, **given: Any) -> None:
    """Creation arguments next to an id are a mistake to report, not to drop."""
    if stray := [k for k, v in given.items() if v]:
        raise InvalidInput(f"{', '.join(stray)} cannot be changed with {id_name}; leave them out, or leave out "
                           f"{id_name} to create a new one")


def _decision(d: Decision) -> dict[str, Any]:
    shown = {"id": d.id, "title": d.title, "status": d.status, "path": d.path,
             "supersedes": d.supersedes, "superseded_by": d.superseded_by}
    return {k: v for k, v in shown.items() if v is not None}


def _task(t: Task) -> dict[str, Any]:
    shown = {"id": t.id, "title": t.title, "status": t.status, "path": t.path,
             "acceptance": [{"text": a.text, "done": a.done} for a in t.acceptance] or None,
             "links": list(t.links) or None, "depends_on": list(t.depends_on) or None, "override": t.override}
    return {k: v for k, v in shown.items() if v is not None}
