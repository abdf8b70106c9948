"""Whole task and decision workflows through the SDK's stdio client spawning `kenning mcp` on a real project."""

from __future__ import annotations

import json
import sys

import anyio
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from kenning.service import Service
from kenning.settings import Settings
from serving_project import NO_JSON_IN_INVENTORY, SHELVES_DONE, SHELVES_STUB, make_project, server_env



def reindex(root) -> None:
    service = Service.from_settings(Settings.load(root, embed_on_index=False))
    service.index()
    service.close()


@pytest.fixture
def project(tmp_path):
    root = make_project(tmp_path)
    (root / "shelves.py").write_text(SHELVES_STUB, encoding="utf-8")
    reindex(root)
    return root


def run_session(root, body):
    """Run `body(call)` against a fresh `kenning mcp` (not watching: the test re-indexes when it edits code)."""
    params = StdioServerParameters(command=sys.executable, env=server_env(),
                                   args=["-m", "kenning", "mcp", "--root", str(root), "--no-watch"])

    async def main():
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()

            async def call(tool, **args):
                return await session.call_tool(tool, args)

            return await body(call)

    return anyio.run(main)


def error_text(result) -> str:
    assert result.is_error, result.structured_content
    return result.content[0].text


def test_a_task_with_a_stub_and_two_items_closes_only_when_both_are_ticked_and_the_code_is_real(project):
    async def body(call):
        opened = await call("save_task", title="Count shelves", acceptance=["counts every shelf", "empty is 0"],
                            links=["shelves.count_shelves"])
        task_id = opened.structured_content["id"]
        refused = error_text(await call("complete_task", task_id=task_id))
        ticked = await call("save_task", task_id=task_id, tick=[1, 2])
        (project / "shelves.py").write_text(SHELVES_DONE, encoding="utf-8")
        reindex(project)
        done = await call("complete_task", task_id=task_id)
        return opened.structured_content, refused, ticked.structured_content, done

    opened, refused, ticked, done = run_session(project, body)
    assert opened["links"] == [{"symbol": "shelves.count_shelves"}] and opened["status"] == "open"
    assert "linked symbol shelves.count_shelves is a stub" in refused
    assert "acceptance item 1 is not ticked: counts every shelf" in refused
    assert "acceptance item 2 is not ticked: empty is 0" in refused
    # The way out is named in this tool's own arguments, not the CLI's flags.
    assert "force=true and a reason" in refused and "--force" not in refused and "--reason" not in refused
    assert [item["done"] for item in ticked["acceptance"]] == [True, True]
    assert not done.is_error, done.content
    assert done.structured_content["status"] == "done"
    (task_file,) = (project / ".kenning/memory/tasks").glob("*.md")
    assert "closed: all checks passed" in task_file.read_text()


def test_dependencies_untick_and_a_forced_close_with_its_reason(project):
    async def body(call):
        first = (await call("save_task", title="Design the shelf format")).structured_content
        second = (await call("save_task", title="Print shelves", acceptance=["prints them"],
                             depends_on=[first["id"]])).structured_content
        ticked = await call("save_task", task_id=second["id"], tick=[1])
        unticked = await call("save_task", task_id=second["id"], untick=[1], note="not printed yet")
        refused = error_text(await call("complete_task", task_id=second["id"]))
        no_reason = error_text(await call("complete_task", task_id=second["id"], force=True))
        forced = await call("complete_task", task_id=second["id"], force=True, reason="printing moved to issue 9")
        return second, ticked, unticked, refused, no_reason, forced

    second, ticked, unticked, refused, no_reason, forced = run_session(project, body)
    assert second["depends_on"] == ["0001"]
    assert ticked.structured_content["acceptance"] == [{"text": "prints them", "done": True}]
    assert unticked.structured_content["acceptance"] == [{"text": "prints them", "done": False}]
    assert "depends on task 0001 (Design the shelf format), which is open" in refused
    assert "acceptance item 1 is not ticked: prints them" in refused
    assert "force needs a reason" in no_reason
    assert forced.structured_content["status"] == "done"
    assert forced.structured_content["override"]["reason"] == "printing moved to issue 9"
    assert len(forced.structured_content["override"]["overridden"]) == 2


def test_argument_mistakes_name_the_argument_without_pydantic_links(project):
    async def body(call):
        task_id = (await call("save_task", title="Label shelves", acceptance=["labels"])).structured_content["id"]
        return [await call("save_task", title="Typo", link=["shelves.count_shelves"]),
                await call("save_task", task_id=task_id, tick=[0]),
                await call("save_task", task_id=task_id, title="Renamed"),
                await call("save_task", task_id=task_id, tick=[5]),
                await call("complete_task")]

    unknown, zero, stray, out_of_range, missing = map(error_text, run_session(project, body))
    assert "unknown argument(s) 'link'; save_task takes" in unknown and "links" in unknown
    assert "tick.0: Input should be greater than or equal to 1 (got 0)" in zero
    assert "title cannot be changed with task_id" in stray
    assert "task 0001 has 1 acceptance items; 5 is not one of them" in out_of_range
    assert "task_id: required" in missing
    for text in (unknown, zero, stray, out_of_range, missing):
        assert "pydantic" not in text and "http" not in text and "--" not in text


def test_a_proposed_decision_stays_proposed_and_its_rule_applies_only_once_accepted(project):
    async def body(call):
        made = await call("record_decision", title="Inventory stays format-free", context="Shelves may change format",
                          decision="inventory does not import json", status="proposed", rules=[NO_JSON_IN_INVENTORY],
                          alternatives=["keep json in inventory"])
        proposed_check = await call("check_architecture", path="inventory.py", imports=["json"])
        decision_id = made.structured_content["id"]
        accepted = await call("record_decision", decision_id=decision_id, status="accepted")
        accepted_check = await call("check_architecture", path="inventory.py", imports=["json"])
        return made, proposed_check, accepted, accepted_check

    made, proposed_check, accepted, accepted_check = run_session(project, body)
    assert made.structured_content["status"] == "proposed"
    assert proposed_check.structured_content["clean"] is True
    assert accepted.structured_content["status"] == "accepted"
    assert accepted_check.structured_content["clean"] is False
    assert [v["decision"] for v in accepted_check.structured_content["violations"]] == [made.structured_content["id"]]
    text = (project / made.structured_content["path"]).read_text()
    assert "status: accepted" in text and "keep json in inventory" in text and "json/**" in text


def test_duplicates_supersession_and_acknowledged_drift(project):
    fields = {"title": "Deliveries are JSON", "context": "Shelves exchange data", "decision": "Use json.dumps",
              "links": ["inventory.restock"]}

    async def body(call):
        first = (await call("record_decision", **fields)).structured_content
        duplicate = error_text(await call("record_decision", **fields | {"title": "deliveries  are json"}))
        allowed = (await call("record_decision", **fields, allow_duplicate=True)).structured_content
        replaced = await call("record_decision", decision_id=allowed["id"], status="superseded",
                              superseded_by=first["id"])
        inventory = project / "inventory.py"
        inventory.write_text(inventory.read_text().replace('"count": count', '"count": count, "ok": True'))
        reindex(project)
        drifted = (await call("brief", budget=2_000)).structured_content["text"]
        acknowledged = await call("record_decision", decision_id=first["id"], acknowledged_by="the assistant")
        again = await call("record_decision", decision_id=first["id"], acknowledged_by="the assistant")
        after = (await call("brief", budget=2_000)).structured_content["text"]
        return first, duplicate, allowed, replaced, drifted, acknowledged, again, after

    first, duplicate, allowed, replaced, drifted, acknowledged, again, after = run_session(project, body)
    assert f"decision {first['id']}" in duplicate and "allow_duplicate" in duplicate
    assert allowed["id"] != first["id"]
    assert replaced.structured_content == {**replaced.structured_content, "status": "superseded",
                                           "superseded_by": first["id"]}
    assert "Drifted or orphaned decisions" in drifted and "the body of inventory.restock changed" in drifted
    assert not acknowledged.is_error and not again.is_error, (acknowledged.content, again.content)
    assert "Drifted or orphaned decisions" not in after
    front = (project / first["path"]).read_text()
    assert "by: the assistant" in front and "previous_hash:" in front
    assert json.loads(again.content[0].text)["status"] == "accepted"
