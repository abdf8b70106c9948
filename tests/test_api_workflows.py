"""Whole task and decision workflows over HTTP, against `kenning serve` as a real process on a real socket."""

from __future__ import annotations

import httpx
import pytest

from serving_project import (
    NO_JSON_IN_INVENTORY, SHELVES_DONE, SHELVES_STUB, free_port, make_project, start_serve, stop,
)


@pytest.fixture(scope="module")
def http(tmp_path_factory):
    root = make_project(tmp_path_factory.mktemp("api_workflows"))
    (root / "shelves.py").write_text(SHELVES_STUB, encoding="utf-8")
    port = free_port()
    process = start_serve(root, port, "--no-watch")  # the tests re-index through POST /index when they edit code
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
        assert client.post("/index").status_code == 200
        yield root, client
    stop(process)


def test_a_task_with_a_stub_and_two_items_closes_only_when_both_are_ticked_and_the_code_is_real(http):
    root, client = http
    opened = client.post("/tasks", json={"title": "Count shelves", "acceptance": ["counts every shelf", "empty is 0"],
                                         "links": ["shelves.count_shelves"]})
    assert opened.status_code == 201, opened.text
    task = opened.json()
    assert task["links"] == [{"symbol": "shelves.count_shelves"}] and task["baseline"]["files"].keys() == {"shelves.py"}

    refused = client.post(f"/tasks/{task['id']}/complete")
    message = refused.json()["error"]["message"]
    assert refused.status_code == 409 and refused.json()["error"]["type"] == "CompletionRefused"
    assert "linked symbol shelves.count_shelves is a stub" in message
    assert "acceptance item 1 is not ticked: counts every shelf" in message
    assert "acceptance item 2 is not ticked: empty is 0" in message
    assert '{"force": true, "reason":' in message and "--force" not in message

    ticked = client.patch(f"/tasks/{task['id']}", json={"tick": [1, 2]}).json()
    assert [item["done"] for item in ticked["acceptance"]] == [True, True]
    (root / "shelves.py").write_text(SHELVES_DONE, encoding="utf-8")
    assert client.post("/index").json()["files_indexed"] == 1
    done = client.post(f"/tasks/{task['id']}/complete")
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "done" and done.json()["notes"][-1]["text"] == "closed: all checks passed"


def test_dependencies_untick_and_forcing_with_a_reason(http):
    _, client = http
    first = client.post("/tasks", json={"title": "Design the label format"}).json()
    second = client.post("/tasks", json={"title": "Print labels", "acceptance": ["prints"],
                                         "depends_on": [first["id"]]}).json()
    assert second["depends_on"] == [first["id"]]
    client.patch(f"/tasks/{second['id']}", json={"tick": [1]})
    unticked = client.patch(f"/tasks/{second['id']}", json={"untick": [1]}).json()
    assert unticked["acceptance"] == [{"text": "prints", "done": False}]
    assert client.post("/tasks", json={"title": "Orphan", "depends_on": ["9999"]}).status_code == 404
    assert client.patch(f"/tasks/{second['id']}", json={"tick": [0]}).status_code == 422
    assert client.post(f"/tasks/{second['id']}/complete", json={"force": True}).status_code == 400
    forced = client.post(f"/tasks/{second['id']}/complete", json={"force": True, "reason": "labels are out of scope"})
    assert forced.json()["status"] == "done" and forced.json()["override"]["reason"] == "labels are out of scope"


def test_a_proposed_decision_stays_proposed_and_its_rule_applies_only_once_accepted(http):
    _, client = http
    made = client.post("/decisions", json={
        "title": "Inventory stays format-free", "context": "Shelves may change format",
        "decision": "inventory does not import json", "status": "proposed", "rules": [NO_JSON_IN_INVENTORY],
        "alternatives": ["keep json in inventory"]})
    assert made.status_code == 201, made.text
    decision = made.json()
    assert decision["status"] == "proposed" and decision["rules"] == [NO_JSON_IN_INVENTORY]
    assert decision["alternatives"] == ["keep json in inventory"]
    proposed = client.get("/check").json()
    assert proposed["violations"] == [] and any(decision["id"] in notice for notice in proposed["notices"])

    assert client.patch(f"/decisions/{decision['id']}", json={"status": "accepted"}).json()["status"] == "accepted"
    accepted = client.get("/check").json()["violations"]
    assert accepted and {v["decision"] for v in accepted} == {decision["id"]}
    assert client.patch(f"/decisions/{decision['id']}", json={"status": "rejected"}).json()["status"] == "rejected"
    assert client.get("/check").json()["violations"] == []


def test_duplicates_supersession_and_acknowledged_drift(http):
    root, client = http
    fields = {"title": "Deliveries are JSON", "context": "Shelves exchange data", "decision": "Use json.dumps",
              "links": ["inventory.restock"]}
    first = client.post("/decisions", json=fields).json()
    duplicate = client.post("/decisions", json=fields)
    assert duplicate.status_code == 409 and "allow_duplicate" in duplicate.json()["error"]["message"]
    second = client.post("/decisions", json=fields | {"allow_duplicate": True}).json()
    assert client.patch(f"/decisions/{second['id']}", json={"status": "superseded"}).status_code == 400
    replaced = client.patch(f"/decisions/{second['id']}", json={"status": "superseded", "superseded_by": first["id"]})
    assert replaced.json()["status"] == "superseded" and replaced.json()["superseded_by"] == first["id"]
    assert client.patch(f"/decisions/{first['id']}", json={}).status_code in (400, 422)

    inventory = root / "inventory.py"
    inventory.write_text(inventory.read_text().replace('"count": count', '"count": count, "ok": True'))
    client.post("/index")
    drift = client.get("/brief", params={"budget": 2_000}).json()["sections"]["drift"]["items"]
    assert [d["id"] for d in drift] == [first["id"]]
    acknowledged = client.patch(f"/decisions/{first['id']}", json={"acknowledged_by": "reviewer"}).json()
    assert acknowledged["links"][0]["acknowledged"]["by"] == "reviewer"
    assert client.get("/brief", params={"budget": 2_000}).json()["sections"]["drift"]["items"] == []
