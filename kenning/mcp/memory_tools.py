"""MCP tools over search, "does it exist?", decisions, tasks and session hand-offs."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import MCPServer
from mcp.types import CallToolResult
from pydantic import Field

from kenning.errors import InvalidInput
from kenning.mcp.errors import tool_errors
from kenning.mcp.outputs import compact_data
from kenning.service import Service

Answer = Annotated[CallToolResult, dict[str, Any]]
Text = Annotated[str, Field(min_length=1, max_length=20_000)]
Limit = Annotated[int, Field(ge=1, le=50)]


def register(server: MCPServer, service: Service) -> None:
    @server.tool()
    def find_existing(description: Annotated[str | None, Field(max_length=2_000)] = None,
                      code: Annotated[str | None, Field(max_length=20_000)] = None,
                      name: Annotated[str | None, Field(max_length=200)] = None, limit: Limit = 5) -> Answer:
        """Before writing a new function or class, ask whether the project already has one: pass what it
        should do (description), a draft (code) and/or an intended name. Answers a verdict (exists / similar /
        none) with candidates to reuse, and a query_id."""
        with tool_errors():
            return compact_data(service.exists(code=code, description=description, name=name, limit=limit))

    @server.tool()
    def search_code(query: Annotated[str, Field(min_length=1, max_length=2_000)], limit: Limit = 10,
                    kind: str | None = None, path_prefix: str | None = None) -> Answer:
        """Find code by meaning or words (hybrid lexical + semantic search over symbols and files). One result
        per file, its other matching symbols in `also`; a name as the query puts its definition first. Then
        call get_symbol on a hit for its details."""
        with tool_errors():
            return compact_data(service.search(query, limit=limit, kind=kind, path_prefix=path_prefix))

    @server.tool()
    def record_decision(title: Text, context: Text, decision: Text, consequences: str = "",
                        tags: list[str] | None = None, links: list[str] | None = None) -> Answer:
        """Record an architectural or design decision (why something is the way it is) in the project's
        decision log, a Markdown file in the repo. `links` are symbols or paths it governs."""
        with tool_errors():
            made = service.add_decision(title, context, decision, consequences=consequences, tags=tags or (),
                                        links=links or ())
            return compact_data({"id": made.id, "path": made.path, "status": made.status})

    @server.tool()
    def search_decisions(query: Annotated[str, Field(min_length=1, max_length=2_000)], limit: Limit = 5) -> Answer:
        """Find past decisions relevant to what you are about to do, so you follow (or knowingly revisit) them."""
        with tool_errors():
            found = service.search_decisions(query, limit=limit)
            return compact_data({"decisions": [
                {"id": d.id, "title": d.title, "status": d.status, "decision": d.decision[:300], "score": round(s, 3)}
                for d, s in found
            ], **({"note": found.note} if found.note else {})})

    @server.tool()
    def save_task(title: str | None = None, description: str = "", priority: Literal["high", "medium", "low"] =
                  "medium", acceptance: list[str] | None = None, task_id: str | None = None,
                  status: Literal["open", "in_progress", "blocked", "dropped"] | None = None,
                  note: str | None = None) -> Answer:
        """Open a task (give title, and acceptance criteria) or update one (give task_id with a new status
        and/or a progress note). To finish a task call complete_task, which runs its checks."""
        with tool_errors():
            if task_id:
                task = service.update_task(task_id, status=status, note=note)
            else:
                if not title:
                    raise InvalidInput("a title is required to open a task (or pass task_id to update one)")
                task = service.add_task(title, description=description, priority=priority,
                                        acceptance=acceptance or ())
            return compact_data({"id": task.id, "status": task.status, "title": task.title, "path": task.path})

    @server.tool()
    def list_tasks(status: Literal["open", "in_progress", "blocked", "done", "dropped"] | None = None,
                   limit: Limit = 20) -> Answer:
        """The project's tasks (optionally by status), highest priority first, with the suggested next one."""
        with tool_errors():
            tasks = service.list_tasks(status)
            upcoming = service.next_task()
            return compact_data({"total": len(tasks), "next": upcoming.id if upcoming else None, "tasks": [
                {"id": t.id, "title": t.title, "status": t.status, "priority": t.priority} for t in tasks[:limit]
            ]})

    @server.tool()
    def complete_task(task_id: Annotated[str, Field(min_length=1, max_length=50)]) -> Answer:
        """Close a task. kenning first checks its acceptance items, its dependencies and that its linked code
        changed; if any check fails the task stays open and the error lists what is missing."""
        with tool_errors():
            task = service.complete_task(task_id)
            return compact_data({"id": task.id, "status": task.status})

    @server.tool()
    def brief(budget: Annotated[int, Field(ge=100, le=8_000)] = 1_500) -> Answer:
        """Call first in a session: the project's state in one page (last hand-off, open tasks, recent
        decisions, drift), fitted to a token budget."""
        with tool_errors():
            made = service.brief(budget)
            return compact_data({"text": made.text, "since": made.since, "tokens": made.tokens})

    @server.tool()
    def handoff(summary: Text, next_steps: list[str] | None = None, open_questions: list[str] | None = None) -> Answer:
        """Call at the end of a session: what was done, what comes next, what is unresolved. The next
        session's brief starts from it."""
        with tool_errors():
            made = service.handoff(summary, next_steps or (), open_questions or ())
            return compact_data({"id": made.id, "path": made.path})
