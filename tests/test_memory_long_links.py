"""A link whose path has a part longer than any file name (255 bytes) is bad input, never a crash."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kenning.api import create_app
from kenning.errors import InvalidInput
from kenning.service import Service
from kenning.settings import Settings

LONG_PART = "x" * 300
LONG_PATH = f"docs/{LONG_PART}.md"


@pytest.fixture
def service(tmp_path: Path) -> Service:
    (tmp_path / "docs").mkdir()  # the part before the long one exists: the file system answers "name too long"
    svc = Service.from_settings(Settings.load(tmp_path, embed_on_index=False))
    yield svc
    svc.close()


@pytest.mark.parametrize("link", [LONG_PATH, f"{LONG_PART}/inner.py", LONG_PART, "é" * 200])
def test_decision_and_task_links_are_refused_naming_the_link(service: Service, link: str) -> None:
    with pytest.raises(InvalidInput, match=link[:40]):
        service.add_decision("Title", "c", "d", links=[link])
    with pytest.raises(InvalidInput, match=link[:40]):
        service.add_task("Title", links=[link])
    assert service.list_decisions() == [] and service.list_tasks() == []


def test_a_long_link_typed_into_a_decision_file_reads_as_orphaned(service: Service) -> None:
    made = service.add_decision("Title", "c", "d")
    path = service.root / made.path
    path.write_text(path.read_text().replace("links: []", f"links:\n- path: {LONG_PATH}"))
    drift = service.drift()
    assert [(d.decision.id, d.state) for d in drift] == [(made.id, "orphaned")]
    assert service.brief(2_000).text  # the brief, which checks drift, answers too


def test_http_answers_400_and_the_cli_exits_2(service: Service) -> None:
    response = TestClient(create_app(service), base_url="http://127.0.0.1").post(
        "/decisions", json={"title": "T", "context": "c", "decision": "d", "links": [LONG_PATH]})
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "InvalidInput" and LONG_PART in response.json()["error"]["message"]
    result = subprocess.run(
        [sys.executable, "-m", "kenning", "task", "add", "--title", "T", "--link", LONG_PATH,
         "--root", str(service.root)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: link 'docs/xxx") and "File name too long" in result.stderr
