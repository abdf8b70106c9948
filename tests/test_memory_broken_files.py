"""One hand-broken memory file is listed with its error while every other item still lists, on every surface.

The service, HTTP (TestClient), MCP (the SDK's in-process client) and the CLI (test_cli_memory.py) answer
one additive shape: the items as before, plus `problems: [{path, error}]`.
"""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import pytest
from fastapi.testclient import TestClient
from mcp import Client

from kenning.api import create_app
from kenning.mcp.server import build_server
from kenning.service import Service
from kenning.settings import Settings

BROKEN_DECISION = ".kenning/memory/decisions/0002-broken.md"
BROKEN_TASK = ".kenning/memory/tasks/0002-broken.md"


@pytest.fixture
def service(tmp_path: Path) -> Service:
    svc = Service.from_settings(Settings.load(tmp_path, embed_on_index=False))
    svc.add_decision("Use SQLite for the index", "One file is enough.", "SQLite in WAL mode.")
    svc.add_task("Label shelves")
    svc.add_decision("Placeholder", "c", "d")
    svc.add_task("Placeholder task")
    svc.add_decision("Keep sessions in Postgres", "Sessions outlive a restart.", "Postgres holds sessions.")
    # Two files broken by hand, as a bad merge or a typo leaves them.
    for kind, broken in (("decisions", BROKEN_DECISION), ("tasks", BROKEN_TASK)):
        placeholder = next((tmp_path / f".kenning/memory/{kind}").glob("0002-*.md"))
        placeholder.rename(tmp_path / broken)
        (tmp_path / broken).write_text("---\nid: 0002\ntitle: [unclosed\n---\n\n## Decision\n\nSQLite words\n")
    yield svc
    svc.close()


def test_the_service_lists_the_rest_and_names_the_broken_file(service: Service) -> None:
    decisions, tasks = service.list_decisions(), service.list_tasks()
    assert [d.title for d in decisions] == ["Use SQLite for the index", "Keep sessions in Postgres"]
    assert [t.title for t in tasks] == ["Label shelves"]
    assert [p.path for p in decisions.problems] == [BROKEN_DECISION]
    assert [p.path for p in tasks.problems] == [BROKEN_TASK]
    assert "front matter is not valid YAML" in decisions.problems[0].error
    hits = service.search_decisions("SQLite")
    assert [d.title for d, _ in hits] == ["Use SQLite for the index"]
    assert [p.path for p in hits.problems] == [BROKEN_DECISION]  # search says what it could not look in


def test_other_operations_work_beside_a_broken_file(service: Service) -> None:
    assert service.add_task("Another task").id == "0003"
    assert [d.id for d in service.decision_history("0001")] == ["0001"]
    assert "Label shelves" in service.brief(2_000).text


def test_http_lists_with_problems(service: Service) -> None:
    client = TestClient(create_app(service), base_url="http://127.0.0.1")
    decisions = client.get("/decisions")
    assert decisions.status_code == 200
    body = decisions.json()
    assert [d["id"] for d in body["decisions"]] == ["0001", "0003"]
    assert body["problems"] == [{"path": BROKEN_DECISION, "error": service.list_decisions().problems[0].error}]
    tasks = client.get("/tasks").json()
    assert [t["id"] for t in tasks["tasks"]] == ["0001"] and tasks["problems"][0]["path"] == BROKEN_TASK
    found = client.get("/decisions", params={"q": "SQLite"}).json()
    assert [d["id"] for d in found["decisions"]] == ["0001"] and found["problems"][0]["path"] == BROKEN_DECISION
    # Nothing broken: the same shape, with no problems.
    (service.root / BROKEN_TASK).unlink()
    assert client.get("/tasks").json()["problems"] == []


def test_mcp_tools_and_resources_list_with_problems(service: Service) -> None:
    async def session():
        async with Client(build_server(service)) as client:
            tasks = await client.call_tool("list_tasks", {})
            search = await client.call_tool("search_decisions", {"query": "SQLite"})
            decisions = await client.read_resource("kenning://decisions")
            task_list = await client.read_resource("kenning://tasks")
            return tasks, search, decisions, task_list

    tasks, search, decisions, task_list = anyio.run(session)
    assert not tasks.is_error and [t["title"] for t in tasks.structured_content["tasks"]] == ["Label shelves"]
    assert tasks.structured_content["problems"][0]["path"] == BROKEN_TASK
    assert search.structured_content["problems"][0]["path"] == BROKEN_DECISION
    listed = json.loads(decisions.contents[0].text)
    assert [d["id"] for d in listed["decisions"]] == ["0001", "0003"]
    assert listed["problems"][0]["path"] == BROKEN_DECISION and "not valid YAML" in listed["problems"][0]["error"]
    assert json.loads(task_list.contents[0].text)["problems"][0]["path"] == BROKEN_TASK


def test_web_pages_list_the_rest_and_say_what_was_left_out(service: Service) -> None:
    client = TestClient(create_app(service), base_url="http://127.0.0.1")
    decisions, tasks = client.get("/ui/decisions"), client.get("/ui/tasks")
    assert decisions.status_code == tasks.status_code == 200
    assert "Keep sessions in Postgres" in decisions.text and "Label shelves" in tasks.text
    assert 'role="alert">Not listed: ' in decisions.text and "decisions/0002-broken.md" in decisions.text
    assert 'role="alert">Not listed: ' in tasks.text and "tasks/0002-broken.md" in tasks.text
