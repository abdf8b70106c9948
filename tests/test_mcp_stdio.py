"""The SDK's stdio client spawning `kenning mcp` on a small real project: every tool, resource and prompt."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import anyio
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from kenning.service import Service
from kenning.settings import Settings
from serving_project import make_project, server_env

# One call per tool, in this order; a tool added without an entry here fails the first test.
TOOL_CALLS = {
    "get_symbol": {"name": "restock", "detail": "full"},
    "impact": {"name": "restock"},
    "repo_map": {"budget": 200},
    "index_status": {},
    "find_existing": {"description": "serialize an object to a JSON string", "name": "to_json"},
    "search_code": {"query": "decode a JSON document", "limit": 3},
    "record_decision": {"title": "Store inventory as JSON", "context": "Shelves need a wire format",
                        "decision": "Use the stdlib json module", "links": ["inventory.restock"]},
    "search_decisions": {"query": "inventory wire format"},
    "save_task": {"title": "Count shelves", "description": "Report how many shelves exist"},
    "list_tasks": {"status": "open"},
    "complete_task": {"task_id": "0001"},
    "brief": {"budget": 600},
    "handoff": {"summary": "Wired JSON inventory", "next_steps": ["count shelves"]},
    "check_architecture": {"path": "json/extra.py", "imports": ["inventory", "os"]},
    # A comment added to inventory.py: the review names the file and touches no symbol.
    "review_change": {"diff": '--- a/inventory.py\n+++ b/inventory.py\n@@ -1,1 +1,2 @@\n """Inventory helpers."""\n+# a note\n', "depth": 2},
    # The query id comes from the find_existing answer above (filled in during the session).
    "record_choice": {"choice": "reused"},
}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = make_project(tmp_path_factory.mktemp("mcp_stdio"))
    service = Service.from_settings(Settings.load(root, embed_on_index=False))
    service.index()
    service.close()
    return root


def run_session(root, body):
    params = StdioServerParameters(command=sys.executable, args=["-m", "kenning", "mcp", "--root", str(root)],
                                   env=server_env())

    async def main():
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            return await body(session)

    return anyio.run(main)


def test_every_tool_answers_with_structured_content_and_freshness(project):
    async def body(session):
        tools = (await session.list_tools()).tools
        listed = {t.name for t in tools}
        results = {}
        for name, args in TOOL_CALLS.items():
            if name == "record_choice":
                args = {**args, "query_id": results["find_existing"].structured_content["query_id"]}
            if name in listed:
                results[name] = await session.call_tool(name, args)
        return tools, results

    tools, results = run_session(project, body)
    names = {t.name for t in tools}
    assert len(tools) <= 16  # what binds is the tool list's size: tests/test_mcp_schemas.py
    assert names <= set(TOOL_CALLS), f"tools without a test call: {names - set(TOOL_CALLS)}"
    assert all(t.description and len(t.description) > 60 for t in tools)
    # Typed answers list their schema; an answer that is only "an object" lists none (it would say nothing).
    assert {t.name for t in tools if t.output_schema} == {"get_symbol", "impact", "repo_map", "index_status"}
    for name, result in results.items():
        assert not result.is_error, (name, result.content)
        if "index" in result.structured_content:  # every answer that depends on the code index
            assert result.structured_content["index"]["stale_files"] == 0, name
        # The text twin is the same answer as one compact JSON line.
        text = result.content[0].text
        assert "\n  " not in text and json.loads(text).keys() == result.structured_content.keys()
    match = results["get_symbol"].structured_content["matches"][0]
    assert match["qualified_name"] == "inventory.restock"
    assert "return dumps(" in match["excerpt"]
    assert [c["symbol"] for c in match["callers"]] == ["inventory.Shelf.put"]
    dependents = results["impact"].structured_content["targets"][0]["dependents"]
    assert {"qualified_name": "inventory.Shelf.put", "distance": 1} in dependents
    assert any(c["qualified_name"] == "json.dumps" for c in results["find_existing"].structured_content["candidates"])
    assert results["search_decisions"].structured_content["decisions"][0]["title"] == "Store inventory as JSON"
    assert results["complete_task"].structured_content["status"] == "done"
    assert results["brief"].structured_content["text"].startswith("# kenning brief for")
    assert (project / results["handoff"].structured_content["path"]).is_file()
    assert results["check_architecture"].structured_content["clean"] is True  # the project has no rules
    assert results["record_choice"].structured_content["choice"] == "reused"
    reviewed = results["review_change"].structured_content
    assert reviewed["decision"] == "allow" and [(f["path"], f["touched"]) for f in reviewed["files"]] == [
        ("inventory.py", [])]


def test_errors_are_error_results_that_say_what_to_do(project):
    async def body(session):
        return (await session.call_tool("get_symbol", {"name": "no_such_thing"}),
                await session.call_tool("repo_map", {"budget": 1}))

    missing, bad = run_session(project, body)
    assert missing.is_error and "no symbol named 'no_such_thing'" in missing.content[0].text
    assert bad.is_error and "budget" in bad.content[0].text


def test_every_resource_reads_and_the_prompt_names_real_tools(project):
    async def body(session):
        resources = (await session.list_resources()).resources
        contents = {str(r.uri): await session.read_resource(r.uri) for r in resources}
        templates = (await session.list_resource_templates()).resource_templates
        made = {
            "decisions": await session.call_tool("record_decision", {"title": "Keep shelves flat", "context": "c",
                                                                     "decision": "d"}),
            "tasks": await session.call_tool("save_task", {"title": "Label shelves"}),
        }
        for template in templates:  # the decision and task just made, through their templates
            kind = template.uri_template.split("/")[2]
            contents[kind] = await session.read_resource(
                template.uri_template.replace("{id}", made[kind].structured_content["id"]))
        prompts = (await session.list_prompts()).prompts
        prompt = await session.get_prompt(prompts[0].name)
        tools = {t.name for t in (await session.list_tools()).tools}
        return resources, contents, prompt, tools, session.initialize_result

    resources, contents, prompt, tools, init = run_session(project, body)
    assert {"kenning://repo-map", "kenning://status", "kenning://decisions", "kenning://tasks"} <= set(contents)
    assert json.loads(contents["decisions"].contents[0].text)["title"] == "Keep shelves flat"
    assert json.loads(contents["tasks"].contents[0].text)["title"] == "Label shelves"
    assert "restock" in contents["kenning://repo-map"].contents[0].text
    assert json.loads(contents["kenning://status"].contents[0].text)["symbols"] > 50
    text = prompt.messages[0].content.text
    named = {word.strip("`") for word in text.split() if word.startswith("`")}
    assert named and named <= tools
    assert init.instructions and "impact" in init.instructions


def _child_libraries(root) -> str:
    """The shared libraries mapped by this test's `kenning mcp` child (the one serving `root`)."""
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError):
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == os.getpid() and b"mcp" in cmdline and str(root).encode() in cmdline:
            return (entry / "maps").read_text()
    raise AssertionError("the kenning mcp child process was not found")


def test_cold_start_answers_tools_list_without_loading_the_model(project):
    """tools/list must not wait for the model (the slow part of a start, ~6 s): the server answers it
    with no ONNX Runtime or torch library mapped. (The start time itself is measured by
    benchmarks/bench_mcp_start.py, not asserted here.)"""

    async def body(session):
        await session.list_tools()
        return _child_libraries(project)

    libraries = run_session(project, body)
    assert "python" in libraries  # a live interpreter's maps, read while the session is open
    assert "onnxruntime" not in libraries and "libtorch" not in libraries
