"""Session handoffs over real files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kenning.errors import InvalidInput
from kenning.memory.sessions import SessionLog


@pytest.fixture
def sessions(tmp_path: Path) -> SessionLog:
    return SessionLog.for_root(tmp_path)


def test_no_handoff_yet(sessions: SessionLog) -> None:
    assert sessions.last() is None
    assert sessions.list() == []


def test_handoff_round_trips_every_field(sessions: SessionLog) -> None:
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    handoff = sessions.handoff(
        "Wrote the parser.\n\nTests pass.",
        next_steps=["Wire it into the CLI", "Document the format\nin the README"],
        open_questions=["Should comments survive a round trip?"],
    )
    got = sessions.get(handoff.id)
    assert got == handoff
    assert got.id == "0001" and got.path.startswith(".kenning/memory/sessions/0001-wrote-the-parser")
    assert got.summary == "Wrote the parser.\n\nTests pass."
    assert got.next_steps == ("Wire it into the CLI", "Document the format\nin the README")
    assert got.open_questions == ("Should comments survive a round trip?",)
    assert dt.datetime.fromisoformat(got.timestamp) >= before
    assert got.public()["next_steps"][0] == "Wire it into the CLI"


def test_last_is_the_newest_even_within_one_second(sessions: SessionLog) -> None:
    sessions.handoff("First session")
    second = sessions.handoff("Second session", next_steps=["ship"])
    assert sessions.last() == second
    assert [h.summary for h in sessions.list()] == ["Second session", "First session"]


def test_hand_edits_are_read_back(sessions: SessionLog) -> None:
    handoff = sessions.handoff("Did things", next_steps=["one"])
    path = sessions.root / handoff.path
    path.write_text(path.read_text().replace("- one", "- one\n- two, added by hand")
                    + "\n## Open questions\n\n- why?\n")
    got = sessions.last()
    assert got.next_steps == ("one", "two, added by hand")
    assert got.open_questions == ("why?",)


def test_empty_summary_is_refused(sessions: SessionLog) -> None:
    with pytest.raises(InvalidInput, match="summary"):
        sessions.handoff("   ")
    with pytest.raises(InvalidInput, match="list of strings"):
        sessions.handoff("ok", next_steps="do it")
    assert not sessions.folder.exists() or not list(sessions.folder.glob("*.md"))


def test_malformed_handoff_is_an_error_naming_the_file(sessions: SessionLog) -> None:
    handoff = sessions.handoff("Did things")
    path = sessions.root / handoff.path
    path.write_text("---\nid: '0001'\ntimestamp: [\n---\n")
    with pytest.raises(InvalidInput, match=path.name):
        sessions.last()
