"""Decision ids are unique across the project's own folder and imported ADR folders.

adr-tools numbers docs/adr on its own, so ADR 0001 and kenning's 0001 both exist in real projects. The
project's own decisions keep their numbers; ADRs carry their folder's prefix (adr-0001, decisions-0001).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import anyio
import pytest
from fastapi.testclient import TestClient
from mcp import Client

from kenning.api import create_app
from kenning.errors import Ambiguous, NotFound
from kenning.mcp.server import build_server
from kenning.service import Service
from kenning.settings import Settings

ADR_FIXTURES = Path(__file__).parent / "fixtures" / "adr"
NATIVE = ".kenning/memory/decisions"


def open_service(root: Path) -> Service:
    return Service.from_settings(Settings.load(root, embed_on_index=False))


@pytest.fixture
def service(tmp_path: Path) -> Service:
    """Two decisions of kenning's own, then an ADR folder numbered from 0001 copied in (as a merge brings it)."""
    first = open_service(tmp_path)
    first.add_decision("Use SQLite for the index", "One file is enough.", "SQLite in WAL mode.")
    first.add_decision("Serve over HTTP", "Assistants speak HTTP.", "FastAPI.")
    first.close()
    shutil.copytree(ADR_FIXTURES / "nygard", tmp_path / "docs/adr")
    svc = open_service(tmp_path)
    yield svc
    svc.close()


def test_ids_are_unique_and_both_numbers_one_can_be_shown(service: Service) -> None:
    listed = service.list_decisions()
    assert [d.id for d in listed] == ["0001", "0002", "adr-0001", "adr-0002", "adr-0003", "adr-0004", "adr-0005"]
    assert not listed.problems
    assert service.decision("0001").path == f"{NATIVE}/0001-use-sqlite-for-the-index.md"
    assert service.decision("1").title == "Use SQLite for the index"  # existing ids keep working
    assert service.decision("adr-0001").path == "docs/adr/0001-record-architecture-decisions.md"
    assert service.decision("ADR-1").id == "adr-0001"


def test_adr_cross_references_stay_inside_their_folder(service: Service) -> None:
    assert service.decision("adr-0002").superseded_by == "adr-0003"
    assert [d.id for d in service.decision_history("adr-0003")] == ["adr-0002", "adr-0003"]


def test_a_bare_number_only_the_adr_folder_has_still_finds_it(service: Service) -> None:
    assert service.decision("0003").id == "adr-0003"
    task = service.add_task("Migrate sessions", links=["decision:3"])
    assert task.links == ({"decision": "adr-0003"},)  # kept by its canonical id


def test_unknown_prefixes_and_numbers_say_what_exists(service: Service) -> None:
    with pytest.raises(NotFound, match="no folder has ids starting decisions-.*adr-"):
        service.decision("decisions-0001")
    with pytest.raises(NotFound, match="no decision adr-0009"):
        service.decision("adr-0009")


def test_new_decisions_take_a_number_no_folder_has(service: Service) -> None:
    assert service.add_decision("Log in JSON", "c", "d").id == "0006"


def test_two_adr_folders_get_their_own_prefixes(tmp_path: Path) -> None:
    shutil.copytree(ADR_FIXTURES / "nygard", tmp_path / "docs/adr")
    shutil.copytree(ADR_FIXTURES / "madr", tmp_path / "docs/decisions")
    svc = open_service(tmp_path)
    ids = [d.id for d in svc.list_decisions()]
    assert ids[:2] == ["adr-0001", "adr-0002"] and "decisions-0001" in ids and len(ids) == 10
    assert svc.decision("decisions-0005").title == "Log in JSON"
    with pytest.raises(Ambiguous, match="use one of the ids adr-0001, decisions-0001"):
        svc.decision("0001")
    svc.close()


def test_http_serves_each_id(service: Service) -> None:
    client = TestClient(create_app(service), base_url="http://127.0.0.1")
    assert client.get("/decisions/0001").json()["path"] == f"{NATIVE}/0001-use-sqlite-for-the-index.md"
    adr = client.get("/decisions/adr-0001")
    assert adr.status_code == 200 and adr.json()["path"] == "docs/adr/0001-record-architecture-decisions.md"
    listed = [d["id"] for d in client.get("/decisions").json()["decisions"]]
    assert {"0001", "adr-0001"} <= set(listed) and len(listed) == len(set(listed))
    refused = client.patch("/decisions/adr-0004", json={"status": "accepted"})
    assert refused.status_code == 409 and "edit that file by hand" in refused.json()["error"]["message"]
    assert client.get("/decisions/not-an-id!").status_code == 400


def test_two_files_with_one_number_are_listed_and_named_as_a_problem(tmp_path: Path) -> None:
    """Two branches each add decision 0003; after the merge both files list, and lists and brief say so."""
    svc = open_service(tmp_path)
    for title in ("First", "Second", "Use Redis"):
        svc.add_decision(title, "c", "d")
    mine = tmp_path / NATIVE / "0003-use-redis.md"
    theirs = tmp_path / NATIVE / "0003-use-memcached.md"
    theirs.write_text(mine.read_text().replace("title: Use Redis", "title: Use Memcached"))
    listed = svc.list_decisions()
    assert [(d.id, d.title) for d in listed][2:] == [("0003", "Use Memcached"), ("0003", "Use Redis")]
    assert [p.path for p in listed.problems] == [f"{NATIVE}/0003-use-redis.md"]
    assert f"decision 0003 is also {NATIVE}/0003-use-memcached.md; renumber one" in listed.problems[0].error
    assert "decision 0003 is also" in svc.brief(2_000).text
    with pytest.raises(Ambiguous, match="several files claim decision 0003: .*renumber one"):
        svc.decision("0003")
    svc.close()


def test_the_web_ui_shows_an_adr_by_its_prefixed_id(service: Service) -> None:
    page = TestClient(create_app(service), base_url="http://127.0.0.1").get("/ui/decisions/adr-0002")
    assert page.status_code == 200 and "Store sessions in MySQL" in page.text


def test_mcp_reads_both_decisions_one(service: Service) -> None:
    async def session():
        async with Client(build_server(service)) as client:
            return [await client.read_resource(f"kenning://decisions/{i}") for i in ("0001", "adr-0001")]

    native, adr = (json.loads(r.contents[0].text) for r in anyio.run(session))
    assert native["title"] == "Use SQLite for the index" and adr["title"] == "Record architecture decisions"
