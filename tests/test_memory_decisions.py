"""The decision log over real files: round trips, hand edits, concurrency, malformed files."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kenning.errors import Conflict, InvalidInput, NotFound
from kenning.memory import frontmatter
from kenning.memory.decisions import DecisionLog

FULL = dict(
    context="The index must survive restarts.\n\nIt is rebuilt rarely.",
    decision="Use SQLite in WAL mode.",
    status="proposed",
    date="2024-03-05",
    consequences="One writer per root.",
    alternatives=["PostgreSQL", "Flat JSON files\nwith a lock"],
    tags=["storage", "index"],
    links=[{"symbol": "kenning.store.index_store.IndexStore", "body_hash": "abc123"}, {"path": "kenning/memory/"}],
    rules=[{"forbid_import": {"from": "kenning.memory", "to": "kenning.indexer"}}],
)


@pytest.fixture
def log(tmp_path: Path) -> DecisionLog:
    return DecisionLog.for_root(tmp_path)


def file_of(log: DecisionLog, decision_id: str) -> Path:
    return log.root / log.get(decision_id).path


def test_add_then_get_returns_every_field(log: DecisionLog) -> None:
    added = log.add("Use SQLite for the index", **FULL)
    got = log.get("1")
    assert got == added
    assert got.id == "0001"
    assert got.path == ".kenning/memory/decisions/0001-use-sqlite-for-the-index.md"
    public = got.public()
    for key, value in FULL.items():
        assert public[key] == value, key
    assert public["title"] == "Use SQLite for the index"
    assert public["supersedes"] is None and public["superseded_by"] is None


def test_file_keeps_sections_in_the_body_and_the_rest_in_front_matter(log: DecisionLog) -> None:
    log.add("Use SQLite for the index", **FULL)
    meta, body = frontmatter.parse(file_of(log, "1").read_text(), "f")
    assert meta["id"] == "0001" and meta["status"] == "proposed" and meta["tags"] == ["storage", "index"]
    assert meta["links"][0] == {"symbol": "kenning.store.index_store.IndexStore", "body_hash": "abc123"}
    assert "context" not in meta and "decision" not in meta
    assert body.index("## Context") < body.index("## Decision") < body.index("## Consequences")
    assert "## Alternatives\n\n- PostgreSQL\n- Flat JSON files\n  with a lock" in body


def test_hand_edits_to_every_field_are_read_back(log: DecisionLog) -> None:
    log.add("Use SQLite for the index", **FULL)
    path = file_of(log, "1")
    text = path.read_text()
    for old, new in [
        ("title: Use SQLite for the index", "title: Use SQLite, edited"),
        ("status: proposed", "status: accepted"),
        ("date: '2024-03-05'", "date: 2024-04-01"),  # unquoted, as a human would type it
        ("- storage\n", "- storage\n- hand-tag\n"),
        ("body_hash: abc123", "body_hash: def456"),
        ("forbid_import:", "require_layer:"),
        ("Use SQLite in WAL mode.", "Use SQLite in WAL mode, with busy_timeout."),
        ("One writer per root.", "One writer per root, enforced by a lock."),
        ("The index must survive restarts.", "The index must survive crashes."),
        ("- PostgreSQL\n", "- PostgreSQL\n- DuckDB\n"),
    ]:
        assert old in text, old
        text = text.replace(old, new)
    text = text.replace("---\n\n", "deciders: [Ada]\n---\n\n", 1) + "\n## Notes\n\nDiscussed on 2024-04-01.\n"
    path.write_text(text)

    got = log.get("0001")
    assert got.title == "Use SQLite, edited"
    assert got.status == "accepted"
    assert got.date == "2024-04-01"
    assert got.tags == ("storage", "hand-tag", "index")
    assert got.links[0]["body_hash"] == "def456"
    assert "require_layer" in got.rules[0]
    assert got.decision == "Use SQLite in WAL mode, with busy_timeout."
    assert got.consequences == "One writer per root, enforced by a lock."
    assert got.context.startswith("The index must survive crashes.")
    assert got.alternatives == ("PostgreSQL", "DuckDB", "Flat JSON files\nwith a lock")
    assert got.public()["deciders"] == ["Ada"]
    assert got.public()["sections"] == {"Notes": "Discussed on 2024-04-01."}


def test_update_rereads_the_file_so_hand_edits_survive(log: DecisionLog) -> None:
    log.add("Use SQLite for the index", **FULL)
    path = file_of(log, "1")
    path.write_text(path.read_text().replace("---\n\n", "owner: data-team\n---\n\n", 1) + "\n## Notes\n\nKeep me.\n")
    log.get("1")  # a read before the hand edit below must not be cached
    path.write_text(path.read_text().replace("- index", "- index\n- edited-by-hand"))
    updated = log.update("1", status="accepted", consequences="Readers never block.")
    assert updated.status == "accepted" and updated.consequences == "Readers never block."
    assert "edited-by-hand" in updated.tags
    assert updated.extra == {"owner": "data-team"}
    assert "## Notes\n\nKeep me." in path.read_text()


def test_ids_are_sequential_and_file_names_come_from_titles(log: DecisionLog) -> None:
    first = log.add("Use SQLite!", context="c", decision="d")
    second = log.add("Ünïcode & spaces   here", context="c", decision="d")
    assert (first.id, second.id) == ("0001", "0002")
    assert second.path.endswith("/0002-unicode-spaces-here.md")
    assert log.get(2).title == "Ünïcode & spaces here"


_ADD_50 = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from kenning.memory.decisions import DecisionLog
    root, go, who = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    (go.parent / f"ready-{who}").touch()  # imports done: the adds start together once `go` exists
    while not go.exists():
        time.sleep(0.001)
    log = DecisionLog.for_root(root)
    for i in range(50):
        log.add(f"Decision {i} from {who}", context="c", decision="d")
""")


def test_two_processes_adding_50_each_end_with_100_distinct_decisions(tmp_path: Path) -> None:
    go = tmp_path / "go"
    procs = [
        subprocess.Popen([sys.executable, "-c", _ADD_50, str(tmp_path), str(go), who], stderr=subprocess.PIPE)
        for who in ("a", "b")
    ]
    deadline = time.monotonic() + 60
    while not all((tmp_path / f"ready-{who}").exists() for who in "ab") and time.monotonic() < deadline:
        time.sleep(0.01)  # both interpreters up and polling, so the adds overlap
    go.touch()
    for proc in procs:
        assert proc.wait(timeout=120) == 0, proc.stderr.read().decode()
    files = sorted((tmp_path / ".kenning/memory/decisions").glob("*.md"))
    assert len(files) == 100
    decisions = DecisionLog.for_root(tmp_path).list()
    assert [d.id for d in decisions] == [f"{n:04d}" for n in range(1, 101)]
    assert {d.title for d in decisions} == {f"Decision {i} from {w}" for i in range(50) for w in "ab"}
    assert not list((tmp_path / ".kenning/memory/decisions").glob(".*tmp"))


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"---\ntitle: [unclosed\nid: '0001'\n---\n\nbody\n", "not valid YAML"),
        (b"---\n- just\n- a list\n---\n\nbody\n", "must be a mapping"),
        (b"---\nid: '0001'\ntitle: t\nstatus: accepted\n", "not closed"),
        (b"---\nid: '0001'\ntitle: t\nstatus: maybe\ndate: '2024-01-01'\n---\n\n## Decision\n\nd\n", "'status'"),
        (b"---\nid: '0001'\ntitle: caf\xe9\nstatus: accepted\n---\n", "not valid UTF-8"),
        (b"---\nid: '0002'\ntitle: t\nstatus: accepted\n---\n", "does not match the file name"),
    ],
)
def test_malformed_file_is_reported_by_name_and_never_rewritten(log: DecisionLog, content: bytes, problem: str) -> None:
    log.add("Good one", context="c", decision="d")
    bad = log.folder / "0001-good-one.md"
    bad.write_bytes(content)
    for attempt in (lambda: log.get("1"), log.list, lambda: log.update("1", status="accepted"),
                    lambda: log.supersede("1", {"title": "New", "context": "c", "decision": "d"})):
        with pytest.raises(InvalidInput) as err:
            attempt()
        assert "0001-good-one.md" in str(err.value) and problem in str(err.value)
        assert bad.read_bytes() == content
    decisions, problems = log.scan()
    assert decisions == [] and len(problems) == 1 and "0001-good-one.md" in problems[0]


def test_a_malformed_file_does_not_hide_or_break_the_others_in_scan(log: DecisionLog) -> None:
    log.add("First", context="c", decision="d")
    log.add("Second", context="c", decision="d")
    (log.folder / "0001-first.md").write_text("---\nid: [\n---\n")
    decisions, problems = log.scan()
    assert [d.title for d in decisions] == ["Second"]
    assert "0001-first.md" in problems[0]
    assert log.add("Third", context="c", decision="d").id == "0003"  # the bad file's id is not reused


def test_supersede_with_new_fields_updates_both_files(log: DecisionLog) -> None:
    old = log.add("Use MySQL", context="c", decision="d")
    new = log.supersede(old.id, {"title": "Use PostgreSQL", "context": "c2", "decision": "d2"})
    assert new.supersedes == old.id
    old_meta, _ = frontmatter.parse(file_of(log, old.id).read_text(), "old")
    new_meta, _ = frontmatter.parse(file_of(log, new.id).read_text(), "new")
    assert old_meta["status"] == "superseded" and old_meta["superseded_by"] == new.id
    assert new_meta["supersedes"] == old.id and new_meta["status"] == "accepted"


def test_supersede_by_an_existing_decision_and_history_follows_the_chain(log: DecisionLog) -> None:
    a = log.add("Use MySQL", context="c", decision="d")
    b = log.add("Use PostgreSQL", context="c", decision="d", supersedes=a.id)
    c = log.add("Use PostgreSQL 16", context="c", decision="d", status="proposed")
    log.add("Unrelated", context="c", decision="d")
    log.supersede(b.id, c.id)
    assert log.get(b.id).superseded_by == c.id and log.get(c.id).supersedes == b.id
    for member in (a.id, b.id, c.id):
        assert [d.id for d in log.history(member)] == [a.id, b.id, c.id]
    assert [d.id for d in log.history("4")] == ["0004"]


def test_superseding_twice_or_by_itself_is_refused(log: DecisionLog) -> None:
    a = log.add("A", context="c", decision="d")
    log.add("B", context="c", decision="d", supersedes=a.id)
    c = log.add("C", context="c", decision="d")
    before = file_of(log, a.id).read_bytes()
    with pytest.raises(Conflict, match="already superseded by 0002"):
        log.supersede(a.id, c.id)
    with pytest.raises(InvalidInput, match="cannot supersede itself"):
        log.supersede(c.id, c.id)
    with pytest.raises(InvalidInput, match="supersede"):
        log.update(c.id, status="superseded")
    with pytest.raises(NotFound):
        log.supersede("42", c.id)
    assert file_of(log, a.id).read_bytes() == before


def test_list_filters_by_status_and_tag(log: DecisionLog) -> None:
    log.add("A", context="c", decision="d", tags=["Storage"])
    log.add("B", context="c", decision="d", status="proposed", tags=["api"])
    log.add("C", context="c", decision="d", tags=["api", "storage"])
    assert [d.title for d in log.list(status="accepted")] == ["A", "C"]
    assert [d.title for d in log.list(tag="storage")] == ["A", "C"]
    assert [d.title for d in log.list(status="proposed", tag="api")] == ["B"]
    with pytest.raises(InvalidInput, match="use one of"):
        log.list(status="done")


def test_search_ranks_title_over_body_and_current_over_superseded(log: DecisionLog) -> None:
    body_only = log.add("Cache responses", context="Responses come from sqlite.", decision="d")
    titled = log.add("Use SQLite for the index", context="c", decision="d")
    log.add("Unrelated", context="nothing here", decision="d")
    old = log.add("Keep sessions in SQLite", context="c", decision="d")
    log.supersede(old.id, {"title": "Keep sessions in SQLite too", "context": "c", "decision": "d"})
    hits = [d.title for d, _ in log.search("sqlite")]
    assert hits[0] == "Use SQLite for the index"
    assert hits.index("Keep sessions in SQLite too") < hits.index("Keep sessions in SQLite")
    assert "Unrelated" not in hits and body_only.title in hits
    both = [d.id for d, _ in log.search("SQLITE index")]
    assert both[0] == titled.id
    with pytest.raises(InvalidInput):
        log.search("  ?! ")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "  "}, "non-empty title"),
        ({"decision": ""}, "non-empty decision"),
        ({"status": "done"}, "unknown status"),
        ({"date": "yesterday"}, "ISO date"),
        ({"context": "text\n## Injected\nmore"}, "headings"),
        ({"tags": "one-string"}, "list of strings"),
        ({"links": ["src/app.py"]}, "list of objects"),
        ({"status": "superseded"}, "cannot start superseded"),
    ],
)
def test_invalid_fields_are_refused_and_nothing_is_written(log: DecisionLog, fields: dict, message: str) -> None:
    args = {"title": "T", "context": "c", "decision": "d", **fields}
    with pytest.raises(InvalidInput, match=message):
        log.add(**args)
    assert not list(log.folder.glob("*.md"))


def test_update_refuses_unknown_fields(log: DecisionLog) -> None:
    log.add("A", context="c", decision="d")
    with pytest.raises(InvalidInput, match="updatable fields"):
        log.update("1", owner="me")


def test_decision_folder_can_be_configured(tmp_path: Path) -> None:
    log = DecisionLog.for_root(tmp_path, "docs/architecture")
    added = log.add("A", context="c", decision="d")
    assert added.path == "docs/architecture/0001-a.md"


_yaml_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.text()
)
_yaml_values = st.recursive(
    _yaml_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(min_size=1), inner, max_size=3),
    max_leaves=8,
)


@given(meta=st.dictionaries(st.text(min_size=1), _yaml_values, max_size=6), body=st.text())
def test_front_matter_round_trips_exactly(meta: dict, body: str) -> None:
    assert frontmatter.parse(frontmatter.render(meta, body), "f.md") == (meta, body)


_line_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1).filter(
    lambda s: s.strip() and not s.strip().startswith("## ")
)


@settings(max_examples=40, deadline=None)
@given(
    title=_line_text,
    context=_line_text,
    tags=st.lists(_line_text.map(str.strip), max_size=3, unique=True),
    alternatives=st.lists(_line_text.map(str.strip), max_size=3),
    links=st.lists(st.dictionaries(st.sampled_from(["symbol", "path", "body_hash"]), st.text(), min_size=1), max_size=2),
)
def test_decision_fields_round_trip_through_the_file(title, context, tags, alternatives, links) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        log = DecisionLog.for_root(Path(tmp))
        added = log.add(title, context=context, decision="d", tags=tags, alternatives=alternatives, links=links)
        got = log.get(added.id)
    assert got.title == " ".join(title.split())
    assert got.context == context.strip()
    assert got.tags == tuple(tags)
    assert got.alternatives == tuple(a for a in alternatives if a)
    assert got.links == tuple(links)


def test_public_json_is_plain_yaml_safe_data(log: DecisionLog) -> None:
    public = log.add("A", **FULL).public()
    assert yaml.safe_load(yaml.safe_dump(public)) == public
    assert {"id", "path", "title", "status", "date", "tags", "links", "supersedes", "superseded_by", "rules",
            "context", "decision", "consequences", "alternatives"} <= public.keys()
