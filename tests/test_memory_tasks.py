"""The task board over real files: checklists ticked by hand, verified completion, next task."""

from __future__ import annotations

from pathlib import Path

import pytest

from kenning.errors import Conflict, InvalidInput, NotFound
from kenning.memory import frontmatter
from kenning.memory.tasks import TaskBoard, pick_next, unchanged_since_opened
from kenning.models import AcceptanceItem


@pytest.fixture
def board(tmp_path: Path) -> TaskBoard:
    return TaskBoard.for_root(tmp_path)


def path_of(board: TaskBoard, task_id: str) -> Path:
    return board.root / board.get(task_id).path


def full_task(board: TaskBoard):
    dep = board.add("Design the schema")
    return board.add(
        "Write the parser",
        description="Parse the config.\n\nKeep errors readable.",
        priority="high",
        acceptance=["parses valid files", {"text": "reports line numbers", "done": True}],
        links=[{"symbol": "app.config.parse"}, {"path": "app/config.py"}],
        depends_on=[dep.id],
        baseline={"files": {"app/config.py": "h1"}},
    )


def test_add_then_get_returns_every_field(board: TaskBoard) -> None:
    task = full_task(board)
    got = board.get("2")
    assert got == task
    assert (got.id, got.status, got.priority) == ("0002", "open", "high")
    assert got.path == ".kenning/memory/tasks/0002-write-the-parser.md"
    assert got.acceptance == (AcceptanceItem("parses valid files", False), AcceptanceItem("reports line numbers", True))
    assert got.depends_on == ("0001",)
    assert got.baseline == {"files": {"app/config.py": "h1"}}
    assert got.created and got.created == got.updated and got.override is None
    public = got.public()
    assert public["acceptance"][1] == {"text": "reports line numbers", "done": True}
    assert public["links"] == [{"symbol": "app.config.parse"}, {"path": "app/config.py"}]
    text = path_of(board, "2").read_text()
    assert "## Acceptance\n\n- [ ] parses valid files\n- [x] reports line numbers" in text


def test_hand_edits_are_picked_up(board: TaskBoard) -> None:
    full_task(board)
    path = path_of(board, "2")
    text = path.read_text()
    for old, new in [
        ("- [ ] parses valid files", "- [x] parses valid files\n- [ ] handles empty files"),
        ("priority: high", "priority: low"),
        ("status: open", "status: blocked"),
        ("title: Write the parser", "title: Write the config parser"),
        ("Keep errors readable.", "Keep errors short."),
        ("- path: app/config.py", "- path: app/loader.py"),
    ]:
        assert old in text, old
        text = text.replace(old, new)
    path.write_text(text + "\n## Notes\n\n- 2024-05-01T09:00:00+00:00: asked the team\n- typed without a time\n")
    got = board.get("2")
    assert [(a.text, a.done) for a in got.acceptance] == [
        ("parses valid files", True), ("handles empty files", False), ("reports line numbers", True)]
    assert (got.priority, got.status, got.title) == ("low", "blocked", "Write the config parser")
    assert got.description.endswith("Keep errors short.")
    assert got.links[1] == {"path": "app/loader.py"}
    assert [(n.at, n.text) for n in got.notes] == [
        ("2024-05-01T09:00:00+00:00", "asked the team"), ("", "typed without a time")]
    updated = board.update("2", note="picked up again")
    assert [n.text for n in updated.notes][-1] == "picked up again"
    assert updated.acceptance == got.acceptance and updated.notes[:2] == got.notes


def test_update_status_tick_and_note(board: TaskBoard) -> None:
    task = full_task(board)
    updated = board.update(task.id, status="in_progress", note="started", tick=1)
    assert updated.status == "in_progress"
    assert all(a.done for a in updated.acceptance)
    assert [n.text for n in updated.notes] == ["status: open -> in_progress", "started"]
    assert updated.updated >= task.updated
    assert "- [x] parses valid files" in path_of(board, task.id).read_text()


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"status": "done"}, InvalidInput, "completion checks"),
        ({"status": "finished"}, InvalidInput, "unknown status"),
        ({"tick": 3}, InvalidInput, "has 2 acceptance items"),
        ({"tick": 0}, InvalidInput, "has 2 acceptance items"),
        ({}, InvalidInput, "nothing to update"),
        ({"priority": "urgent"}, InvalidInput, "unknown priority"),
        ({"depends_on": ["0009"]}, NotFound, "no task 0009"),
        ({"depends_on": ["0002"]}, InvalidInput, "itself"),
        ({"owner": "me"}, InvalidInput, "cannot update owner"),
    ],
)
def test_invalid_updates_are_refused_and_the_file_is_untouched(board, kwargs, error, message) -> None:
    task = full_task(board)
    before = path_of(board, task.id).read_bytes()
    with pytest.raises(error, match=message):
        board.update(task.id, **kwargs)
    assert path_of(board, task.id).read_bytes() == before


def test_dependency_cycles_are_refused(board: TaskBoard) -> None:
    a = board.add("A")
    b = board.add("B", depends_on=[a.id])
    c = board.add("C", depends_on=[b.id])
    with pytest.raises(InvalidInput, match="cycle"):
        board.update(a.id, depends_on=[c.id])
    assert board.update(a.id, depends_on=[]).depends_on == ()


def test_completion_is_refused_with_every_reason(board: TaskBoard) -> None:
    task = full_task(board)
    path = path_of(board, task.id)
    before = path.read_bytes()
    with pytest.raises(Conflict) as err:
        board.complete(task.id, ["linked symbol app.config.parse is a stub: body is only `pass`"])
    message = str(err.value)
    assert "linked symbol app.config.parse is a stub" in message
    assert "acceptance item 1 is not ticked: parses valid files" in message
    assert "depends on task 0001 (Design the schema), which is open" in message
    assert "reports line numbers" not in message  # ticked items are not reasons
    assert path.read_bytes() == before
    assert board.get(task.id).status == "open"


def test_force_without_a_reason_is_refused(board: TaskBoard) -> None:
    task = full_task(board)
    before = path_of(board, task.id).read_bytes()
    for reason in (None, "", "   "):
        with pytest.raises(InvalidInput, match="force needs a reason"):
            board.complete(task.id, force=True, reason=reason)
    assert path_of(board, task.id).read_bytes() == before


def test_force_with_a_reason_closes_and_records_the_override(board: TaskBoard) -> None:
    task = full_task(board)
    done = board.complete(task.id, ["linked files are unchanged"], force=True, reason=" Done upstream in lib v2. ")
    assert done.status == "done"
    assert done.override["reason"] == "Done upstream in lib v2."
    assert "linked files are unchanged" in done.override["overridden"]
    assert any("acceptance item 1" in r for r in done.override["overridden"])
    meta, body = frontmatter.parse(path_of(board, task.id).read_text(), "t")
    assert meta["override"]["reason"] == "Done upstream in lib v2." and meta["status"] == "done"
    assert "closed by force: Done upstream in lib v2." in body
    with pytest.raises(Conflict, match="already done"):
        board.complete(task.id)


def test_completion_passes_when_everything_is_done(board: TaskBoard) -> None:
    dep = board.add("Dependency")
    task = board.add("Task", acceptance=["one"], depends_on=[dep.id])
    board.complete(dep.id)
    path = path_of(board, task.id)
    path.write_text(path.read_text().replace("- [ ] one", "- [X] one"))  # ticked by hand
    assert board.blockers(task.id) == []
    done = board.complete(task.id)
    assert done.status == "done" and done.override is None
    assert done.notes[-1].text == "closed: all checks passed"


def test_a_missing_dependency_blocks_completion(board: TaskBoard) -> None:
    dep = board.add("Dependency")
    task = board.add("Task", depends_on=[dep.id])
    path_of(board, dep.id).unlink()
    assert board.blockers(task.id) == ["depends on task 0001, which does not exist"]


def test_next_task_respects_dependencies_and_priority(board: TaskBoard) -> None:
    assert board.next_task() is None
    base = board.add("Base", priority="low")
    board.add("Needs base", priority="high", depends_on=[base.id])
    board.add("Medium one")
    board.add("Medium two")
    assert board.next_task().title == "Medium one"
    board.update("3", status="in_progress")
    assert board.next_task().title == "Medium two"
    board.update("4", status="dropped")
    assert board.next_task().title == "Base"
    board.complete(base.id)
    assert board.next_task().title == "Needs base"


def test_pick_next_ignores_tasks_whose_dependency_is_unknown(board: TaskBoard) -> None:
    a = board.add("A", priority="high")
    b = board.add("B", depends_on=[a.id])
    assert pick_next([b]) is None
    assert pick_next([a, b]) == a


def test_unchanged_since_opened(board: TaskBoard) -> None:
    task = board.add("T", baseline={"files": {"a.py": "h1", "b.py": "h2"}})
    assert "a.py, b.py" in unchanged_since_opened(task, {"a.py": "h1", "b.py": "h2"})
    assert unchanged_since_opened(task, {"a.py": "h1", "b.py": "changed"}) is None
    assert unchanged_since_opened(board.add("No baseline"), {}) is None


def test_malformed_task_file_is_reported_and_untouched(board: TaskBoard) -> None:
    full_task(board)
    path = board.folder / "0002-write-the-parser.md"
    broken = path.read_bytes().replace(b"priority: high", b"priority: [high")
    path.write_bytes(broken)
    for attempt in (lambda: board.get("2"), board.list, board.next_task,
                    lambda: board.update("2", note="x"), lambda: board.complete("2", force=True, reason="r")):
        with pytest.raises(InvalidInput, match="0002-write-the-parser.md"):
            attempt()
        assert path.read_bytes() == broken
    tasks, problems = board.scan()
    assert [t.id for t in tasks] == ["0001"] and "0002-write-the-parser.md" in problems[0]


def test_list_filters_by_status(board: TaskBoard) -> None:
    board.add("A")
    board.add("B")
    board.update("2", status="blocked")
    assert [t.title for t in board.list(status="blocked")] == ["B"]
    assert [t.title for t in board.list()] == ["A", "B"]
    with pytest.raises(InvalidInput):
        board.list(status="closed")
