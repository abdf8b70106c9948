"""A hand edit that lands between kenning's read of a memory file and its write is never overwritten.

The race is made deterministic: the editor's save happens right after kenning's read returns (kenning's
own read runs unchanged, then the test edits the file on disk as a person would), so every run hits the
window that a timing-based race test hits only sometimes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from kenning.api import create_app
from kenning.cli.app import app, register_commands
from kenning.errors import ChangedOnDisk
from kenning.memory import decisions as decisions_module
from kenning.memory import filestore, frontmatter
from kenning.memory import tasks as tasks_module
from kenning.memory.filestore import NO_FILE, write_atomic
from kenning.service import Service
from kenning.settings import Settings


@pytest.fixture
def service(tmp_path: Path) -> Service:
    svc = Service.from_settings(Settings.load(tmp_path, embed_on_index=False))
    yield svc
    svc.close()


def hand_edit(path: Path, marker: str) -> None:
    """What an editor does on save: the whole file rewritten, here with a section added at the end."""
    path.write_text(path.read_text(encoding="utf-8") + f"\n## {marker}\n\nTyped by hand.\n", encoding="utf-8")


def edit_after_reads(monkeypatch, module, path: Path, times: int, label: str = "Hand edit") -> list[str]:
    """Make a person save `path` right after each of kenning's next `times` reads of it; the markers saved."""
    real = frontmatter.read_versioned
    saved: list[str] = []

    def read_then_someone_saves(read_path: Path) -> tuple[str, str]:
        result = real(read_path)
        if read_path == path and len(saved) < times:
            saved.append(f"{label} {len(saved) + 1}.")
            hand_edit(path, saved[-1])
        return result

    monkeypatch.setattr(module, "read_versioned", read_then_someone_saves)
    return saved


def test_a_write_from_a_stale_read_is_refused_and_the_edit_kept(tmp_path: Path) -> None:
    path = tmp_path / "0001-x.md"
    path.write_text("---\nid: '0001'\n---\n\nold\n")
    _, version = frontmatter.read_versioned(path)
    hand_edit(path, "Notes")
    with pytest.raises(ChangedOnDisk, match="changed on disk after kenning read it.*retry"):
        write_atomic(path, "---\nid: '0001'\n---\n\nkenning's version\n", version)
    assert "## Notes\n\nTyped by hand." in path.read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["0001-x.md"]  # no temporary file left behind
    write_atomic(path, "fresh\n", frontmatter.read_versioned(path)[1])  # from a fresh read it writes
    assert path.read_text() == "fresh\n"


def test_a_save_between_the_check_and_the_swap_is_put_back(tmp_path: Path, monkeypatch) -> None:
    """The narrowest window: the file passes the check, then an editor saves (by rename) before the swap."""
    path = tmp_path / "0001-x.md"
    path.write_text("read by kenning\n")
    real = filestore.exchange

    def editor_saves_first(a: Path, b: Path) -> bool:
        if b == path and "saved by hand" not in path.read_text():
            scratch = tmp_path / ".0001-x.md.swp"
            scratch.write_text("saved by hand\n")
            scratch.replace(path)
        return real(a, b)

    monkeypatch.setattr(filestore, "exchange", editor_saves_first)
    with pytest.raises(ChangedOnDisk):
        write_atomic(path, "kenning's version\n", frontmatter.read_versioned(path)[1])
    assert path.read_text() == "saved by hand\n"
    assert [p.name for p in tmp_path.iterdir()] == ["0001-x.md"]


def test_without_an_atomic_swap_writes_still_check_first(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(filestore, "exchange", lambda a, b: False)  # as on macOS or a file system without it
    path = tmp_path / "0001-x.md"
    path.write_text("old\n")
    version = frontmatter.read_versioned(path)[1]
    write_atomic(path, "new\n", version)
    assert path.read_text() == "new\n"
    with pytest.raises(ChangedOnDisk):
        write_atomic(path, "newer\n", version)  # a stale version
    assert path.read_text() == "new\n" and len(list(tmp_path.iterdir())) == 1


def test_a_new_file_never_replaces_one_that_appeared_meanwhile(tmp_path: Path) -> None:
    path = tmp_path / "0002-y.md"
    path.write_text("made by hand\n")
    with pytest.raises(ChangedOnDisk, match="appeared on disk"):
        write_atomic(path, "kenning's\n", NO_FILE)
    assert path.read_text() == "made by hand\n"


def test_decision_update_keeps_an_edit_saved_after_its_read(service: Service, monkeypatch) -> None:
    made = service.add_decision("Use SQLite", "One file is enough.", "SQLite in WAL mode.")
    path = service.root / made.path
    saved = edit_after_reads(monkeypatch, decisions_module, path, times=1)
    changed = service.set_decision_status(made.id, "deprecated")
    assert saved == ["Hand edit 1."]
    text = path.read_text()
    assert "Hand edit 1." in text and "status: deprecated" in text  # both landed: the change was re-applied
    assert changed.status == "deprecated" and dict(changed.sections)["Hand edit 1."] == "Typed by hand."


def test_supersede_keeps_edits_to_both_files(service: Service, monkeypatch) -> None:
    old = service.add_decision("Use Redis", "c", "Redis for sessions.")
    new = service.add_decision("Use Postgres", "c", "Postgres for sessions.")
    old_path = service.root / old.path
    saved = edit_after_reads(monkeypatch, decisions_module, old_path, times=2)
    service.supersede_decision(old.id, new.id)
    assert saved == ["Hand edit 1.", "Hand edit 2."]
    text = old_path.read_text()
    assert "Hand edit 1." in text and "Hand edit 2." in text and f"superseded_by: '{new.id}'" in text
    assert service.decision(new.id).supersedes == old.id


def test_a_decision_added_over_one_that_keeps_changing_says_how_to_finish(service: Service, monkeypatch) -> None:
    old = service.add_decision("Use Redis", "c", "Redis for sessions.")
    old_path = service.root / old.path
    edit_after_reads(monkeypatch, decisions_module, old_path, times=100)
    with pytest.raises(ChangedOnDisk, match=f"finish with `kenning decision supersede {old.id} 0002`"):
        service.add_decision("Use Postgres", "c", "Postgres for sessions.", supersedes=old.id)
    edit_after_reads(monkeypatch, decisions_module, old_path, times=0)  # the editor stops
    assert service.supersede_decision(old.id, "0002").supersedes == old.id
    assert service.decision(old.id).superseded_by == "0002" and "Hand edit 1." in old_path.read_text()


def test_task_update_and_close_keep_edits_saved_after_their_reads(service: Service, monkeypatch) -> None:
    task = service.add_task("Write the parser", acceptance=["parses"])
    path = service.root / task.path
    while_updating = edit_after_reads(monkeypatch, tasks_module, path, times=1)
    service.update_task(task.id, tick=1, note="ticked")
    # Closing reads the task once to check its code, then again under the lock: edit after both.
    while_closing = edit_after_reads(monkeypatch, tasks_module, path, times=2, label="Closing edit")
    closed = service.complete_task(task.id)
    assert closed.status == "done" and closed.acceptance[0].done
    assert [n.text for n in closed.notes][-2:] == ["ticked", "closed: all checks passed"]
    saved = while_updating + while_closing
    assert len(saved) == 3 and all(marker in path.read_text() for marker in saved)


def test_a_file_that_keeps_changing_is_refused_with_409_and_nothing_lost(service: Service, monkeypatch) -> None:
    made = service.add_decision("Use SQLite", "c", "d")
    path = service.root / made.path
    saved = edit_after_reads(monkeypatch, decisions_module, path, times=100)
    response = TestClient(create_app(service), base_url="http://127.0.0.1").patch(f"/decisions/{made.id}", json={"status": "rejected"})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["type"] == "ChangedOnDisk" and "changed on disk" in error["message"] and "retry" in error["message"]
    text = path.read_text()
    assert saved and all(marker in text for marker in saved) and "status: accepted" in text


def test_http_update_keeps_the_edit(service: Service, monkeypatch) -> None:
    task = service.add_task("Label shelves")
    path = service.root / task.path
    saved = edit_after_reads(monkeypatch, tasks_module, path, times=1)
    response = TestClient(create_app(service), base_url="http://127.0.0.1").patch(f"/tasks/{task.id}", json={"status": "in_progress"})
    assert response.status_code == 200 and response.json()["status"] == "in_progress"
    assert saved[0] in path.read_text() and "status: in_progress" in path.read_text()


def test_cli_update_keeps_the_edit(service: Service, monkeypatch) -> None:
    task = service.add_task("Count shelves")
    path = service.root / task.path
    saved = edit_after_reads(monkeypatch, tasks_module, path, times=1)
    register_commands()
    result = CliRunner().invoke(app, ["task", "update", task.id, "--note", "counted", "--root", str(service.root),
                                      "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["notes"][-1]["text"] == "counted"
    assert saved[0] in path.read_text() and "counted" in path.read_text()
