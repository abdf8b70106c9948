"""Existing ADR folders (adr-tools/Nygard and MADR) are read into the decision log, never rewritten."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from kenning.errors import Conflict, InvalidInput
from kenning.memory.adr_import import detect_adr_folders
from kenning.memory.decisions import DecisionLog

FIXTURES = Path(__file__).parent / "fixtures" / "adr"


def install(root: Path, style: str, where: str = "docs/adr") -> Path:
    folder = root / where
    shutil.copytree(FIXTURES / style, folder)
    return folder


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_nygard_records_are_listed_with_their_status(tmp_path: Path) -> None:
    folder = install(tmp_path, "nygard")
    decisions = DecisionLog.for_root(tmp_path).list()
    assert [(d.id, d.status) for d in decisions] == [
        ("adr-0001", "accepted"), ("adr-0002", "superseded"), ("adr-0003", "accepted"), ("adr-0004", "proposed"),
        ("adr-0005", "deprecated")]
    first = decisions[0]
    assert first.title == "Record architecture decisions"
    assert first.date == "2021-03-04" and first.format == "nygard"
    assert first.path == "docs/adr/0001-record-architecture-decisions.md"
    assert first.context == "We need to record the architectural decisions made on this project."
    assert first.decision.startswith("We will use Architecture Decision Records")
    assert first.consequences.startswith("See Michael Nygard's article")
    assert (decisions[1].superseded_by, decisions[2].supersedes) == ("adr-0003", "adr-0002")
    assert digest(folder) == digest(FIXTURES / "nygard")


def test_madr_records_are_listed_with_their_status(tmp_path: Path) -> None:
    install(tmp_path, "madr", "docs/decisions")
    decisions = DecisionLog.for_root(tmp_path).list()
    assert [(d.id, d.status) for d in decisions] == [
        ("decisions-0001", "accepted"), ("decisions-0002", "accepted"), ("decisions-0003", "rejected"),
        ("decisions-0004", "superseded"), ("decisions-0005", "proposed")]  # adr-template.md: no number, no decision
    madr2, madr3 = decisions[0], decisions[1]
    assert madr2.format == "madr" and madr2.date == "2017-12-19"
    assert madr2.title == "Use Markdown Architectural Decision Records"
    assert madr2.context.startswith("We want to record architectural decisions")
    assert madr2.alternatives == ("MADR 2.1.2", "Michael Nygard's template", "Formless, no conventions")
    assert madr2.decision.startswith('Chosen option: "MADR 2.1.2"')
    assert "Decisions are easy to find." in madr2.consequences and "Another template" in madr2.consequences
    assert madr3.extra == {"deciders": ["Ada", "Linus"]} and madr3.date == "2023-05-02"
    assert madr3.alternatives == ("Plain JUnit5", "Hamcrest", "AssertJ")
    assert "no new dependency" in madr3.consequences
    assert decisions[3].superseded_by == "decisions-0005"


def test_history_and_search_work_across_adrs(tmp_path: Path) -> None:
    install(tmp_path, "nygard")
    log = DecisionLog.for_root(tmp_path)
    assert [d.id for d in log.history("0003")] == ["adr-0002", "adr-0003"]
    hits = [d.id for d, _ in log.search("sessions postgresql")]
    assert hits[:2] == ["adr-0003", "adr-0002"]


def test_adr_files_are_never_rewritten(tmp_path: Path) -> None:
    folder = install(tmp_path, "nygard")
    log = DecisionLog.for_root(tmp_path)
    with pytest.raises(Conflict, match="edit that file by hand"):
        log.update("0004", status="accepted")
    with pytest.raises(Conflict, match="does not rewrite"):
        log.add("Use Kafka", context="c", decision="d", supersedes="0004")
    assert digest(folder) == digest(FIXTURES / "nygard")


def test_new_decisions_continue_after_the_highest_adr_number(tmp_path: Path) -> None:
    folder = install(tmp_path, "nygard")
    log = DecisionLog.for_root(tmp_path)
    added = log.add("Use Kafka", context="c", decision="d")
    assert added.id == "0006" and added.path.startswith(".kenning/memory/decisions/")
    assert [d.id for d in log.list()][0] == "0006"  # the project's own decisions first, then each ADR folder's
    assert digest(folder) == digest(FIXTURES / "nygard")


def test_the_log_can_live_in_the_adr_folder_itself(tmp_path: Path) -> None:
    folder = install(tmp_path, "nygard")
    log = DecisionLog.for_root(tmp_path, "docs/adr")
    added = log.add("Use Kafka", context="c", decision="d")
    assert added.path == "docs/adr/0006-use-kafka.md" and added.format == "kenning"
    assert len(log.list()) == 6
    assert {k: v for k, v in digest(folder).items() if k != "0006-use-kafka.md"} == digest(FIXTURES / "nygard")


def test_detect_adr_folders(tmp_path: Path) -> None:
    assert detect_adr_folders(tmp_path) == []
    (tmp_path / "doc/adr").mkdir(parents=True)  # empty: not an ADR folder yet
    assert detect_adr_folders(tmp_path) == []
    install(tmp_path, "madr", "docs/decisions")
    install(tmp_path, "nygard", "docs/adr")
    assert detect_adr_folders(tmp_path) == [tmp_path / "docs/adr", tmp_path / "docs/decisions"]


def test_unknown_adr_status_is_an_error_naming_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "docs/adr"
    folder.mkdir(parents=True)
    (folder / "0001-odd.md").write_text("# 1. Odd\n\n## Status\n\nPonderous\n\n## Decision\n\nd\n")
    (folder / "0002-fine.md").write_text("# 2. Fine\n\n## Status\n\nAccepted\n")
    log = DecisionLog.for_root(tmp_path)
    with pytest.raises(InvalidInput, match="0001-odd.md: unknown ADR status 'Ponderous'"):
        log.list()
    decisions, problems = log.scan()
    assert [d.id for d in decisions] == ["adr-0002"] and len(problems) == 1


def test_an_adr_without_a_status_counts_as_accepted(tmp_path: Path) -> None:
    folder = tmp_path / "docs/adr"
    folder.mkdir(parents=True)
    (folder / "0007-no-status.md").write_text("# Keep it simple\n\n## Context\n\nc\n")
    assert [(d.id, d.status, d.title) for d in DecisionLog.for_root(tmp_path).list()] == [
        ("adr-0007", "accepted", "Keep it simple")]
