"""The HTTP API through FastAPI's TestClient (every route and error), and once over a real socket."""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient

from kenning.api import create_app
from kenning.service import Service
from kenning.settings import Settings
from serving_project import free_port, make_project, start_serve, stop


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    root = make_project(tmp_path_factory.mktemp("api"))
    service = Service.from_settings(Settings.load(root, embed_on_index=False))
    service.index()
    yield service
    service.close()


@pytest.fixture(scope="module")
def client(service):
    return TestClient(create_app(service, max_body_bytes=10_000), base_url="http://127.0.0.1:8765")


def test_health_stats_and_reindex(client):
    assert client.get("/health").json()["status"] == "ok"
    stats = client.get("/stats").json()
    assert stats["files"] == 6 and stats["symbols"] > 50 and stats["index"]["stale_files"] == 0
    report = client.post("/index").json()
    assert report["files_unchanged"] == 6 and report["files_indexed"] == 0


def test_symbol_routes(client):
    found = client.get("/symbols/restock").json()
    assert [s["qualified_name"] for s in found["symbols"]] == ["inventory.restock"]
    assert found["symbols"][0]["docstring"] == "Record a delivery and return it as JSON."
    assert found["index"]["stale_files"] == 0
    callers = client.get("/symbols/inventory.restock/callers").json()["callers"][0]
    assert [u["symbol"] for u in callers["uses"]] == ["inventory.Shelf.put"]
    callees = client.get("/symbols/restock/callees").json()["callees"][0]
    assert any(u["text"] == "dumps" and u["symbol"] == "json.dumps" for u in callees["uses"])
    impact = client.get("/symbols/restock/impact", params={"depth": 1}).json()["impact"][0]
    assert impact["dependents"] == [{"qualified_name": "inventory.Shelf.put", "distance": 1}]
    capped = client.get("/symbols/JSONDecodeError/impact", params={"limit": 2}).json()["impact"][0]
    assert len(capped["dependents"]) == 2 < capped["total"]


def test_map_and_file_outline(client):
    small, large = client.get("/map?budget=40").json(), client.get("/map?budget=2000").json()
    assert 0 < len(small["text"]) < len(large["text"])
    outline = client.get("/files/inventory.py").json()
    assert [s["name"] for s in outline["symbols"]] == ["restock", "Shelf", "put"]


@pytest.mark.parametrize("url, status, kind", [
    ("/symbols/no_such_symbol", 404, "NotFound"),
    ("/symbols/%20", 400, "InvalidInput"),
    ("/symbols/" + "x" * 1001, 400, "InvalidInput"),
    ("/map?budget=8", 422, "InvalidInput"),
    ("/map?budget=lots", 422, "InvalidInput"),
    ("/symbols/restock/impact?depth=0", 422, "InvalidInput"),
    ("/files/..%2F..%2Fetc%2Fpasswd", 400, "InvalidInput"),
    ("/files/%2Fetc%2Fpasswd", 400, "InvalidInput"),
    ("/files/json/missing.py", 404, "NotFound"),
    ("/no/such/route", 404, "NotFound"),
])
def test_errors_share_one_shape(client, url, status, kind):
    response = client.get(url)
    assert response.status_code == status
    assert response.json()["error"]["type"] == kind and response.json()["error"]["message"]


def test_oversized_bodies_are_refused_before_reading(client):
    response = client.post("/index", content=b"x" * 20_000)
    assert response.status_code == 413 and response.json()["error"]["type"] == "PayloadTooLarge"

    def chunks():
        for _ in range(20):
            yield b"y" * 1_000

    assert client.post("/index", content=chunks()).status_code == 413


def test_token_is_required_on_every_route_when_configured(service):
    guarded = TestClient(create_app(service, token="s3cret"), base_url="http://127.0.0.1:8765")
    for url in ("/health", "/stats", "/openapi.json", "/docs", "/symbols/restock"):
        response = guarded.get(url)
        assert response.status_code == 401 and response.json()["error"]["type"] == "Unauthorized", url
        assert guarded.get(url, headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert guarded.get(url, headers={"Authorization": "Bearer s3cret"}).status_code == 200


def test_openapi_and_offline_docs(client):
    schema = client.get("/openapi.json").json()
    assert {"/health", "/stats", "/index", "/symbols/{qualified_name}", "/map"} <= set(schema["paths"])
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/symbols/{qualified_name}/impact" in docs.text
    # No scripts or stylesheets from anywhere: the page must work offline.
    assert "<script" not in docs.text and "http" not in docs.text.replace("/openapi.json", "")


def test_real_socket_serve(service):
    port = free_port()
    process = start_serve(service.root, port, "--no-watch")
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            assert http.get("/symbols/Shelf.put").json()["symbols"][0]["path"] == "inventory.py"
            assert http.get("/symbols/nope").status_code == 404
    finally:
        stop(process)


def test_search_and_exists(client):
    # The fixture indexes without embeddings, so this exercises the route, not ranking quality.
    hits = client.get("/search", params={"q": "restock delivery", "limit": 3}).json()
    assert "inventory.restock" in [h["qualified_name"] for h in hits["results"]]
    assert client.get("/search", params={"q": "x", "kind": "gadget"}).status_code == 422
    found = client.post("/exists", json={"name": "restock", "description": "record a delivery"}).json()
    assert found["query_id"] and any(c["qualified_name"] == "inventory.restock" for c in found["candidates"])
    assert client.post("/exists", json={}).status_code == 400


def test_decisions_tasks_brief_and_handoff(client):
    made = client.post("/decisions", json={"title": "Deliveries are JSON", "context": "Shelves exchange data",
                                           "decision": "Use json.dumps", "links": ["inventory.restock"]})
    assert made.status_code == 201
    number = made.json()["id"]
    assert client.get(f"/decisions/{number}").json()["title"] == "Deliveries are JSON"
    assert client.patch(f"/decisions/{number}", json={"status": "deprecated"}).json()["status"] == "deprecated"
    assert number in {d["id"] for d in client.get("/decisions").json()["decisions"]}
    assert client.get("/decisions/9999").status_code == 404

    task = client.post("/tasks", json={"title": "Count shelves", "acceptance": ["a count is printed"]}).json()
    refused = client.post(f"/tasks/{task['id']}/complete")
    assert refused.status_code == 409 and "acceptance item 1" in refused.json()["error"]["message"]
    ticked = client.patch(f"/tasks/{task['id']}", json={"tick": [1], "note": "printed it"}).json()
    assert ticked["acceptance"][0]["done"] and ticked["notes"][-1]["text"] == "printed it"
    assert client.post(f"/tasks/{task['id']}/complete").json()["status"] == "done"
    assert client.get(f"/tasks/{task['id']}").json()["status"] == "done"
    assert task["id"] in {t["id"] for t in client.get("/tasks", params={"status": "done"}).json()["tasks"]}

    assert client.post("/handoff", json={"summary": "Counted shelves", "next_steps": ["label them"]}).status_code == 201
    assert "Counted shelves" in client.get("/brief", params={"budget": 800}).json()["text"]


def test_decisions_can_be_filtered_and_searched(client):
    made = client.post("/decisions", json={"title": "Store sessions in Redis", "context": "sessions expire",
                                           "decision": "Use Redis with a TTL", "tags": ["storage"]})
    assert made.status_code == 201
    tagged = client.get("/decisions", params={"tag": "storage"}).json()["decisions"]
    assert [d["title"] for d in tagged] == ["Store sessions in Redis"]
    found = client.get("/decisions", params={"q": "redis sessions"}).json()["decisions"]
    assert found[0]["title"] == "Store sessions in Redis" and found[0]["score"] > 0
    assert client.get("/decisions", params={"status": "nonsense"}).status_code == 422
