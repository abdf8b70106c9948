"""Answers given while a first index runs say so: `indexing: true`, what is not searchable yet, and an
exists that found nothing is "unknown", not a confident "none".

The index run is real, paused halfway from its own progress callback (inside its one transaction), while
the service answers through itself, HTTP and MCP, as a `kenning serve` whose watcher is indexing would.
"""

from __future__ import annotations

import threading

import anyio
from fastapi.testclient import TestClient
from mcp import Client

from kenning.api import create_app
from kenning.mcp.server import build_server
from kenning.service import Service
from kenning.settings import Settings
from serving_project import make_project

FILES = 6  # json's five modules and inventory.py


class PausedIndex:
    """A first index of `service`, stopped after two files until `resume()`."""

    def __init__(self, service: Service) -> None:
        self.paused, self._resume = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=service.index, kwargs={"progress": self._progress})

    def _progress(self, done: int, total: int) -> None:
        if done == 2:
            self.paused.set()
            assert self._resume.wait(60), "the test never resumed the index"

    def __enter__(self) -> "PausedIndex":
        self._thread.start()
        assert self.paused.wait(60), "the index run never reached its second file"
        return self

    def __exit__(self, *exc_info) -> None:
        self._resume.set()
        self._thread.join(60)


def test_answers_during_a_first_index_say_it_is_under_way(tmp_path):
    root = make_project(tmp_path / "proj")
    service = Service.from_settings(Settings.load(root))
    http = TestClient(create_app(service), base_url="http://127.0.0.1")
    assert service.freshness()["indexing"] is False

    with PausedIndex(service):
        found = service.exists(name="restock")
        assert found["verdict"] == "unknown" and found["candidates"] == []
        assert "which is not a 'none'" in found["note"] and "ask again when index.indexing is false" in found["note"]
        index = found["index"]
        assert index["indexing"] is True
        assert index["not_searchable"].startswith(f"an index run is under way: {FILES} changed or new files (")

        guarded = service.guard("shop.py", content=(root / "inventory.py").read_text())
        assert guarded["index"]["indexing"] is True
        assert f"{index['not_searchable']}: copies of code it has not written yet are not found" in guarded["notices"]
        searched = service.search("record a delivery")["index"]
        assert searched["indexing"] is True and searched["not_searchable"] == index["not_searchable"]
        stats = http.get("/stats").json()["index"]
        assert stats["indexing"] is True and stats["stale_files"] == FILES and "not searchable" in stats["not_searchable"]
        assert http.post("/exists", json={"name": "restock"}).json()["verdict"] == "unknown"
        assert "an index run is under way" in http.get("/").text  # the web UI's footer

        async def index_status() -> dict:
            async with Client(build_server(service)) as client:
                return (await client.call_tool("index_status", {})).structured_content["index"]

        status = anyio.run(index_status)
        assert status["indexing"] is True and status["stale_files"] == FILES

    after = service.exists(name="restock")
    assert after["verdict"] != "unknown" and after["candidates"][0]["qualified_name"] == "inventory.restock"
    assert "note" not in after and after["index"]["indexing"] is False and "not_searchable" not in after["index"]
    assert service.search_stats()["verdicts"]["unknown"] == 2  # both answers given during the run, audited
    service.close()
