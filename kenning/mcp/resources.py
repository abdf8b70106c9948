"""MCP resources (read-only views an assistant can attach) and the session prompt."""

from __future__ import annotations

import json

from mcp.server.mcpserver import MCPServer

from kenning.mcp.errors import resource_errors
from kenning.service import Service


def register(server: MCPServer, service: Service) -> None:
    @server.resource("kenning://repo-map", name="repo-map", mime_type="text/plain",
                     description="The most central symbols with signatures, grouped by file (about 1,000 tokens).")
    def repo_map() -> str:
        with resource_errors():
            return service.repo_map(1_024)[0]

    @server.resource("kenning://status", name="index-status", mime_type="application/json",
                     description="Index counts and freshness (files changed since the last index run).")
    def status() -> str:
        with resource_errors():
            return json.dumps({**service.status(), "index": service.freshness()})

    @server.resource("kenning://decisions", name="decision-log", mime_type="application/json",
                     description="Every recorded decision (id, title, status, date) and the files that do not read.")
    def decisions() -> str:
        with resource_errors():
            found = service.list_decisions()
            return json.dumps({"decisions": [{"id": d.id, "title": d.title, "status": d.status, "date": d.date}
                                             for d in found], "problems": [p.public() for p in found.problems]})

    @server.resource("kenning://decisions/{id}", name="decision", mime_type="application/json",
                     description="One decision in full.")
    def decision(id: str) -> str:
        with resource_errors():
            return json.dumps(service.decision(id).public(), default=str)

    @server.resource("kenning://tasks", name="task-list", mime_type="application/json",
                     description="Every task (id, title, status, priority) and the files that do not read.")
    def tasks() -> str:
        with resource_errors():
            found = service.list_tasks()
            return json.dumps({"tasks": [{"id": t.id, "title": t.title, "status": t.status, "priority": t.priority}
                                         for t in found], "problems": [p.public() for p in found.problems]})

    @server.resource("kenning://tasks/{id}", name="task", mime_type="application/json",
                     description="One task in full, with acceptance items and notes.")
    def task(id: str) -> str:
        with resource_errors():
            return json.dumps(service.task(id).public(), default=str)

    @server.prompt(name="start-session", description="How to use kenning well in a coding session.")
    async def start_session() -> str:
        tools = {t.name for t in await server.list_tools()}
        first = "brief" if "brief" in tools else "repo_map"
        exists = "find_existing" if "find_existing" in tools else "get_symbol"
        return (
            f"Before anything else, call the kenning tool `{first}` to learn the project's current state. "
            f"Before writing any new function or class, call `{exists}` with what it should do, and reuse or extend "
            "what exists instead of duplicating it. Before changing a symbol's behaviour or signature, call `impact` "
            "on it. If an answer reports indexing or stale_files, the index is catching up: re-check after a moment."
        )
