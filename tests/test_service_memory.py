"""Project memory through the Service, over a real indexed tmp project and real memory files."""

from __future__ import annotations

import os
import textwrap
import time
from pathlib import Path

import pytest

from kenning.errors import Ambiguous, Conflict, InvalidInput
from kenning.memory.tasks import pick_next
from kenning.service import Service
from kenning.settings import Settings

CORE = '''\
import functools


def helper(x):
    return x + 1


@functools.lru_cache
def compute(n):
    """Compute something."""
    pass


class Parser:
    def parse(self, text):
        raise NotImplementedError
'''
OTHER = "def helper(y):\n    return y * 2\n"


def write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))


@pytest.fixture
def service(tmp_path: Path) -> Service:
    write(tmp_path, "app/core.py", CORE)
    write(tmp_path, "app/other.py", OTHER)
    # Embeddings are another feature's concern; indexing the code is what these tests need.
    svc = Service.from_settings(Settings.load(tmp_path, embed_on_index=False))
    svc.index()
    yield svc
    svc.close()


def edit(service: Service, relative: str, old: str, new: str) -> None:
    path = service.root / relative
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    service.index()


def test_a_task_linked_to_a_stub_cannot_be_closed_until_it_is_implemented(service: Service) -> None:
    task = service.add_task("Implement compute", links=["compute"])
    assert task.links == ({"symbol": "app.core.compute"},)
    assert task.baseline["files"].keys() == {"app/core.py"}
    with pytest.raises(Conflict) as refused:
        service.complete_task(task.id)
    assert "linked symbol app.core.compute is a stub: body is only `pass` and a docstring" in refused.value.reasons
    assert any("unchanged since the task was opened" in r for r in refused.value.reasons)
    assert "app.core.compute is a stub" in str(refused.value)
    assert service.task(task.id).status == "open"

    edit(service, "app/core.py", '    """Compute something."""\n    pass', '    """Compute something."""\n    return n * 2')
    done = service.complete_task(task.id)
    assert done.status == "done" and done.override is None


def test_an_abstract_method_is_not_a_stub_because_its_decorator_is_read(service: Service) -> None:
    write(service.root, "app/base.py", """\
        import abc


        class Base(abc.ABC):
            @abc.abstractmethod
            def run(self):
                ...
        """)
    service.index()
    task = service.add_task("Define the interface", links=["app.base.Base.run"])
    edit(service, "app/base.py", "class Base(abc.ABC):", "class Base(abc.ABC):\n    name = 'base'")
    assert service.complete_task(task.id).status == "done"


def test_a_missing_linked_symbol_and_unfinished_dependency_are_reasons(service: Service) -> None:
    first = service.add_task("First")
    task = service.add_task("Parse", links=["app.core.Parser.parse"], depends_on=[first.id], acceptance=["parses"])
    edit(service, "app/core.py", "    def parse(self, text):\n        raise NotImplementedError\n", "")
    with pytest.raises(Conflict) as refused:
        service.complete_task(task.id)
    assert refused.value.reasons == [
        "linked symbol app.core.Parser.parse does not exist",
        "acceptance item 1 is not ticked: parses",
        "depends on task 0001 (First), which is open",
    ]
    forced = service.complete_task(task.id, force=True, reason="parsing moved to a library")
    assert forced.status == "done" and forced.override["reason"] == "parsing moved to a library"


def test_a_stale_index_is_a_reason_rather_than_a_wrong_answer(service: Service) -> None:
    task = service.add_task("Implement compute", links=["app.core.compute"])
    path = service.root / "app/core.py"
    path.write_text(path.read_text().replace("    pass", "    return n"))  # not re-indexed
    with pytest.raises(Conflict) as refused:
        service.complete_task(task.id)
    assert "app/core.py changed since it was indexed; re-index it and retry" in refused.value.reasons


def test_drift_is_reported_after_the_body_changes_and_orphaned_after_deletion(service: Service) -> None:
    decision = service.add_decision("Helpers add one", "Counting starts at one.", "helper adds 1.",
                                    links=["app.core.helper", "app/other.py"])
    assert decision.links[0]["symbol"] == "app.core.helper" and decision.links[0]["body_hash"]
    assert decision.links[1] == {"path": "app/other.py"}
    assert service.drift() == []

    edit(service, "app/core.py", "return x + 1", "return x + 2")
    [drift] = service.drift()
    assert drift.state == "drifted" and drift.decision.id == decision.id
    assert "the body of app.core.helper changed" in drift.changes[0].detail

    edit(service, "app/core.py", "def helper(x):\n    return x + 2\n", "")
    (service.root / "app/other.py").unlink()
    service.index()
    [drift] = service.drift()
    assert drift.state == "orphaned"
    assert [c.state for c in drift.changes] == ["orphaned", "orphaned"]
    assert "app.core.helper no longer exists" in drift.changes[0].detail
    assert "app/other.py no longer exists" in drift.changes[1].detail


def test_acknowledging_drift_records_the_new_hash_and_who_and_only_settles_drifted_links(service: Service) -> None:
    decision = service.add_decision("Helpers add one", "Counting starts at one.", "helper adds 1.",
                                    links=["app.core.helper", "app/other.py"])
    path = service.root / decision.path
    untouched = path.read_bytes()
    assert service.update_decision(decision.id, acknowledged_by="ana").links == decision.links  # nothing drifted
    assert path.read_bytes() == untouched

    edit(service, "app/core.py", "return x + 1", "return x + 2")
    acknowledged = service.update_decision(decision.id, acknowledged_by="  ana  ")
    link = acknowledged.links[0]
    assert link["body_hash"] != decision.links[0]["body_hash"]
    assert link["acknowledged"]["by"] == "ana" and link["acknowledged"]["previous_hash"] == decision.links[0]["body_hash"]
    assert acknowledged.links[1] == {"path": "app/other.py"} and service.drift() == []
    with pytest.raises(InvalidInput, match="acknowledged_by needs a name"):
        service.update_decision(decision.id, acknowledged_by="  ")

    (service.root / "app/other.py").unlink()
    service.index()
    before = path.read_bytes()
    with pytest.raises(Conflict, match="linked code is gone.*app/other.py no longer exists"):
        service.update_decision(decision.id, acknowledged_by="ana")
    assert path.read_bytes() == before and service.drift()[0].state == "orphaned"


def test_decision_status_changes_and_their_mistakes(service: Service) -> None:
    first = service.add_decision("Parse lazily", "c", "d", status="proposed")
    assert service.update_decision(first.id, status="accepted").status == "accepted"
    for kwargs, message in (({}, "nothing to update"), ({"status": "superseded"}, "needs superseded_by"),
                            ({"status": "accepted", "superseded_by": "1"}, "goes with status superseded"),
                            ({"status": "maybe"}, "unknown decision status")):
        with pytest.raises(InvalidInput, match=message):
            service.update_decision(first.id, **kwargs)
    with pytest.raises(Conflict, match=f"decision {first.id} .* already has the title"):
        service.add_decision("parse   LAZILY", "c", "d")
    # A revision keeps its predecessor's title.
    revised = service.add_decision("Parse lazily", "c", "d2", supersedes=first.id)
    assert service.decision(first.id).superseded_by == revised.id
    with pytest.raises(Conflict, match=f"decision {first.id} is superseded by {revised.id}"):
        service.update_decision(first.id, status="accepted")
    assert service.add_decision("Parse lazily", "c", "d3", allow_duplicate=True).title == "Parse lazily"


def test_a_malformed_rule_is_refused_before_it_is_saved(service: Service) -> None:
    with pytest.raises(InvalidInput, match=r"rules\[0\] needs exactly one of forbid, layers"):
        service.add_decision("Bad rule", "c", "d", rules=[{"forbid_import": {"from": "app", "to": "os"}}])
    assert service.list_decisions() == [] and service.check_rules().violations == []


def test_superseded_decisions_do_not_report_drift(service: Service) -> None:
    old = service.add_decision("Old", "c", "d", links=["app.core.helper"])
    new = service.add_decision("New", "c", "d", supersedes=old.id)
    assert service.decision(old.id).superseded_by == new.id
    edit(service, "app/core.py", "return x + 1", "return x + 3")
    assert service.drift() == []


def test_unknown_and_ambiguous_links_list_candidates(service: Service) -> None:
    with pytest.raises(Ambiguous) as ambiguous:
        service.add_decision("T", "c", "d", links=["helper"])
    assert ambiguous.value.candidates == ["app.core.helper", "app.other.helper"]
    with pytest.raises(InvalidInput, match="did you mean: .*app.core.helper"):
        service.add_task("T", links=["app.core.helpr"])
    with pytest.raises(InvalidInput, match="no file or folder 'app/missing.py'"):
        service.add_task("T", links=["app/missing.py"])
    assert service.list_decisions() == [] and service.list_tasks() == []


@pytest.mark.parametrize("link", ["../outside.py", "app/../../outside.py", "/etc/passwd", ".", "~no-such-user/x.py"])
def test_links_outside_the_root_are_rejected(service: Service, link: str) -> None:
    (service.root.parent / "outside.py").write_text("x = 1\n")
    with pytest.raises(InvalidInput, match="outside the project root|not the project root|home folder"):
        service.add_decision("T", "c", "d", links=[link])


def test_folder_and_decision_links(service: Service) -> None:
    decision = service.add_decision("Keep app small", "c", "d", links=["app"])
    assert decision.links == ({"path": "app/"},)
    task = service.add_task("Refactor", links=["app/", f"decision:{decision.id}"])
    assert task.links == ({"path": "app/"}, {"decision": decision.id})
    assert task.baseline["files"].keys() == {"app/core.py", "app/other.py"}


def test_search_ranks_title_words_first_and_filters_by_status(service: Service) -> None:
    a = service.add_decision("Use SQLite for the index", "Fast local storage.", "SQLite in WAL mode.", tags=["storage"])
    b = service.add_decision("Plain files for memory", "Reviewable in git.", "Markdown with front matter; "
                             "the SQLite cache is derived.", status="proposed")
    hits = service.search_decisions("sqlite")
    assert [d.id for d, _ in hits] == [a.id, b.id] and hits[0][1] > hits[1][1] > 0
    assert [d.id for d, _ in service.search_decisions("sqli", status="proposed")] == [b.id]  # prefixes match
    assert service.search_decisions("postgres") == []
    with pytest.raises(InvalidInput):
        service.search_decisions("  ?! ")


def test_the_cache_picks_up_hand_edits_additions_and_deletions(service: Service) -> None:
    decision = service.add_decision("Use SQLite", "c", "Storage decision.", status="proposed")
    assert [d.status for d in service.list_decisions()] == ["proposed"]
    path = service.root / decision.path
    text = path.read_text()
    path.write_text(text.replace("status: proposed", "status: accepted"))  # same size, same second
    assert [d.status for d in service.list_decisions()] == ["accepted"]
    assert service.list_decisions(status="proposed") == []
    path.write_text(path.read_text().replace("Storage decision.", "Storage decision about Postgres."))
    assert [d.id for d, _ in service.search_decisions("postgres")] == [decision.id]
    path.unlink()
    assert service.list_decisions() == [] and service.search_decisions("postgres") == []


def test_an_old_unchanged_file_is_trusted_and_a_later_edit_is_seen(service: Service) -> None:
    task = service.add_task("Old task")
    path = service.root / task.path
    old = time.time() - 3_600
    os.utime(path, (old, old))  # written long ago: past the racy window
    assert [t.title for t in service.list_tasks()] == ["Old task"]
    path.write_text(path.read_text().replace("title: Old task", "title: Renamed by hand"))
    assert [t.title for t in service.list_tasks()] == ["Renamed by hand"]


def test_a_malformed_file_is_named_by_lists_and_shown_by_the_brief(service: Service) -> None:
    service.add_task("Good task")
    bad = service.task_board.folder / "0002-broken.md"
    bad.write_text("---\nid: 0002\ntitle: [unclosed\n---\n")
    listed = service.list_tasks()
    assert [t.title for t in listed] == ["Good task"]
    assert [p.path for p in listed.problems] == [".kenning/memory/tasks/0002-broken.md"]
    assert "not valid YAML" in listed.problems[0].error
    brief = service.brief(2_000)
    assert "0002-broken.md" in brief.text and "Good task" in brief.text
    assert bad.read_text() == "---\nid: 0002\ntitle: [unclosed\n---\n"


def test_next_task_agrees_with_pick_next(service: Service) -> None:
    low = service.add_task("Low", priority="low")
    blocker = service.add_task("Blocker", priority="medium")
    service.add_task("Blocked high", priority="high", depends_on=[blocker.id])
    assert service.next_task().id == blocker.id == pick_next(service.list_tasks()).id
    service.update_task(blocker.id, status="dropped")
    assert service.next_task().id == low.id == pick_next(service.list_tasks()).id


def test_brief_shows_handoff_changes_drift_and_fits_the_budget(service: Service) -> None:
    decision = service.add_decision("Helpers add one", "c", "d", links=["app.core.helper"])
    started = service.add_task("Write the parser", priority="high", links=["app.core.Parser.parse"])
    service.update_task(started.id, status="in_progress")
    for n in range(40):
        service.add_task(f"Backlog item number {n} with a fairly long title to fill the brief")
    service.handoff("Parser half done", ["finish Parser.parse"], ["keep the cache?"])
    time.sleep(0.05)  # the index must see the edit after the handoff
    edit(service, "app/core.py", "return x + 1", "return x + 5")
    later = service.add_decision("Decided after the handoff", "c", "d")
    os.utime(service.root / later.path)  # written after the handoff's second

    full = service.brief(4_000)
    assert "Parser half done" in full.text and "finish Parser.parse" in full.text
    assert "app/core.py: helper, compute, Parser, parse" in full.text
    assert f"{decision.id} Helpers add one [drifted]" in full.text
    assert "Write the parser" in full.text and "Decided after the handoff" in full.text
    assert full.sections["handoff"]["item"]["summary"] == "Parser half done"
    assert full.sections["open"]["total"] == 40
    assert full.tokens <= 4_000

    small = service.brief(200)
    assert small.tokens <= 200 and len(small.text) <= 800
    assert "Parser half done" in small.text
    assert small.sections["open"]["shown"] < 40
    assert "Left out to fit the budget: " in small.text and "open tasks (" in small.text
    with pytest.raises(InvalidInput):
        service.brief(10)


def test_brief_before_any_handoff(service: Service) -> None:
    brief = service.brief()
    assert brief.since is None and "no handoff recorded yet" in brief.text
    assert "code_changed" not in brief.sections


def test_the_decision_folder_setting_is_used(tmp_path: Path) -> None:
    svc = Service.from_settings(Settings.load(tmp_path, decisions_dir="docs/adr", embed_on_index=False))
    added = svc.add_decision("Write ADRs", "c", "d")
    assert added.path == "docs/adr/0001-write-adrs.md"
    assert [d.id for d in svc.list_decisions()] == ["0001"]
