"""The memory commands as a user runs them: real processes, real files, JSON shapes and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from kenning.cli.app import main
from kenning.service import Service
from kenning.settings import Settings

DECISION_KEYS = {"id", "path", "title", "status", "date", "context", "decision", "consequences", "alternatives",
                 "tags", "links", "supersedes", "superseded_by", "rules", "format", "sections"}
TASK_KEYS = {"id", "path", "title", "status", "priority", "created", "updated", "description", "acceptance",
             "links", "depends_on", "notes", "baseline", "override", "sections"}


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def kenning(capsys, monkeypatch):
    """Run the real CLI entry point in-process (a process per call would make this file slow)."""

    def run(root: Path, *args: str) -> Ran:
        monkeypatch.setattr(sys, "argv", ["kenning", *args, "--root", str(root)])
        capsys.readouterr()
        try:
            main()
            code = 0
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
        out, err = capsys.readouterr()
        return Ran(code, out, err)

    return run


@pytest.fixture
def ok_json(kenning):
    def run(root: Path, *args: str):
        result = kenning(root, *args, "--json")
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    return run


def reindex(root: Path) -> None:
    service = Service.from_settings(Settings.load(root))
    service.index()
    service.close()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "kenning.toml").write_text("embed_on_index = false\n")  # code index only: no model needed
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "cart.py").write_text("def total(items):\n    ...\n\n\ndef count(items):\n    return len(items)\n")
    reindex(tmp_path)
    return tmp_path


def test_decision_commands_round_trip_in_json(root: Path, kenning, ok_json) -> None:
    spec = root / "d.json"
    spec.write_text(json.dumps({
        "title": "Totals in cents", "context": "Floats round badly.", "decision": "Use integer cents.",
        "alternatives": ["Decimal"], "rules": [{"forbid": {"from": "shop/**", "to": "decimal"}}],
        "links": ["shop.cart.total"], "tags": ["money"],
    }))
    first = ok_json(root, "decision", "add", "--from-json", str(spec), "--status", "proposed")
    assert set(first) >= DECISION_KEYS
    assert (first["id"], first["status"], first["path"]) == ("0001", "proposed", ".kenning/memory/decisions/0001-totals-in-cents.md")
    assert first["rules"] == [{"forbid": {"from": "shop/**", "to": "decimal"}}]
    assert first["links"][0]["symbol"] == "shop.cart.total" and first["links"][0]["body_hash"]
    assert (root / first["path"]).is_file()

    second = ok_json(root, "decision", "add", "--title", "Money as a type", "--context", "c", "--decision", "d",
                     "--tag", "money", "--link", "shop/cart.py", "--supersedes", "1")
    assert second["supersedes"] == "0001" and second["links"] == [{"path": "shop/cart.py"}]
    shown = ok_json(root, "decision", "show", "1")
    assert shown["superseded_by"] == "0002" and shown["status"] == "superseded" and shown["history"] == ["0001", "0002"]
    listed = ok_json(root, "decision", "list", "--tag", "money")
    assert [d["id"] for d in listed["decisions"]] == ["0001", "0002"]
    assert all(set(d) >= DECISION_KEYS for d in listed["decisions"])
    found = ok_json(root, "decision", "search", "cents")
    assert [r["id"] for r in found["results"]] == ["0001"] and found["results"][0]["score"] > 0

    third = ok_json(root, "decision", "add", "--title", "Third", "--context", "c", "--decision", "d")
    assert ok_json(root, "decision", "supersede", "2", third["id"])["supersedes"] == "0002"


def test_link_errors_exit_non_zero_with_candidates(root: Path, kenning, ok_json) -> None:
    unknown = kenning(root, "decision", "add", "--title", "T", "--context", "c", "--decision", "d", "--link", "totl")
    assert unknown.returncode == 2 and "did you mean: shop.cart.total" in unknown.stderr
    outside = kenning(root, "task", "add", "--title", "T", "--link", "../etc/passwd")
    assert outside.returncode == 2 and "outside the project root" in outside.stderr
    assert "Traceback" not in unknown.stderr + outside.stderr
    assert not (root / ".kenning" / "memory" / "tasks").exists() or not any((root / ".kenning/memory/tasks").iterdir())


def test_task_done_refuses_with_reasons_then_closes(root: Path, kenning, ok_json) -> None:
    task = ok_json(root, "task", "add", "--title", "Compute totals", "--priority", "high",
                   "--acceptance", "sums prices", "--link", "total", "--description", "Sum the cart.")
    assert set(task) >= TASK_KEYS
    assert task["links"] == [{"symbol": "shop.cart.total"}] and task["baseline"]["files"].keys() == {"shop/cart.py"}

    refused = kenning(root, "task", "done", task["id"], "--json")
    assert refused.returncode == 1
    answer = json.loads(refused.stdout)
    assert answer["done"] is False and answer["id"] == "0001"
    assert "linked symbol shop.cart.total is a stub: body is only `...`" in answer["reasons"]
    assert "acceptance item 1 is not ticked: sums prices" in answer["reasons"]
    assert "cannot be closed" in refused.stderr and "is a stub" in refused.stderr
    plain = kenning(root, "task", "done", task["id"])
    assert plain.returncode == 1 and "  - linked symbol shop.cart.total is a stub" in plain.stderr

    cart = root / "shop" / "cart.py"
    cart.write_text(cart.read_text().replace("    ...", "    return sum(i.price for i in items)"))
    reindex(root)
    updated = ok_json(root, "task", "update", task["id"], "--tick", "1", "--note", "implemented", "--status", "in_progress")
    assert updated["acceptance"] == [{"text": "sums prices", "done": True}] and updated["status"] == "in_progress"
    done = ok_json(root, "task", "done", task["id"])
    assert done["status"] == "done" and done["notes"][-1]["text"] == "closed: all checks passed"
    assert kenning(root, "task", "update", task["id"], "--status", "done").returncode == 2

    listed = ok_json(root, "task", "list", "--status", "done")
    assert [t["id"] for t in listed["tasks"]] == ["0001"] and set(listed["tasks"][0]) >= TASK_KEYS
    assert ok_json(root, "task", "show", "1")["override"] is None


def test_forced_close_records_the_reason(root: Path, kenning, ok_json) -> None:
    ok_json(root, "task", "add", "--title", "Count", "--link", "shop.cart.count")
    assert kenning(root, "task", "done", "1", "--force").returncode == 2  # --force needs --reason
    done = ok_json(root, "task", "done", "1", "--force", "--reason", "count already existed")
    assert done["override"]["reason"] == "count already existed"
    assert any("unchanged since the task was opened" in r for r in done["override"]["overridden"])


def test_handoff_then_brief(root: Path, kenning, ok_json) -> None:
    ok_json(root, "task", "add", "--title", "Open thing")
    note = ok_json(root, "handoff", "--summary", "Cart started", "--next", "totals", "--question", "tax?")
    assert note["summary"] == "Cart started" and note["next_steps"] == ["totals"] and note["path"].endswith(".md")
    text = kenning(root, "brief", "--budget", "300")
    assert text.returncode == 0
    assert "Cart started" in text.stdout and "next: totals" in text.stdout and "Open thing" in text.stdout
    answer = ok_json(root, "brief", "--budget", "300")
    assert answer["tokens"] <= 300 and answer["since"] == note["timestamp"]
    assert answer["sections"]["handoff"]["item"]["open_questions"] == ["tax?"]
    assert answer["sections"]["next_task"]["items"][0]["title"] == "Open thing"


def test_a_refused_task_done_exits_1_from_a_real_process(root: Path, ok_json) -> None:
    ok_json(root, "task", "add", "--title", "Compute totals", "--link", "shop.cart.total")
    result = subprocess.run([sys.executable, "-m", "kenning", "task", "done", "1", "--root", str(root)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and result.stdout == ""
    assert "  - linked symbol shop.cart.total is a stub: body is only `...`" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_broken_decision_file_is_listed_with_its_error_beside_the_rest(root: Path, kenning, ok_json) -> None:
    ok_json(root, "decision", "add", "--title", "Totals in cents", "--context", "c", "--decision", "Integer cents.")
    broken = root / ".kenning/memory/decisions/0002-broken.md"
    broken.write_text("---\nid: 0002\ntitle: [unclosed\n---\n")
    listed = kenning(root, "decision", "list")
    assert listed.returncode == 0 and listed.stdout == "0001  [accepted]  Totals in cents\n"
    assert listed.stderr.startswith(f"not listed: {broken}: front matter is not valid YAML")
    as_json = ok_json(root, "decision", "list")
    assert [d["id"] for d in as_json["decisions"]] == ["0001"]
    assert [p["path"] for p in as_json["problems"]] == [".kenning/memory/decisions/0002-broken.md"]
    found = kenning(root, "decision", "search", "cents")
    assert found.returncode == 0 and "Totals in cents" in found.stdout
    assert f"\nnot searched: {broken}: front matter is not valid YAML" in found.stderr
    assert ok_json(root, "decision", "search", "cents")["problems"][0]["path"].endswith("0002-broken.md")
    assert ok_json(root, "task", "list") == {"tasks": [], "problems": []}
    assert ok_json(root, "decision", "show", "1")["history"] == ["0001"]


def test_decision_ids_from_an_adr_folder_carry_its_prefix(root: Path, kenning, ok_json) -> None:
    ok_json(root, "decision", "add", "--title", "Totals in cents", "--context", "c", "--decision", "Integer cents.")
    adr = root / "docs/adr"
    adr.mkdir(parents=True)
    (adr / "0001-record-decisions.md").write_text("# 1. Record decisions\n\n## Status\n\nAccepted\n")
    listed = kenning(root, "decision", "list")
    assert listed.stdout == "0001  [accepted]  Totals in cents\nadr-0001  [accepted]  Record decisions\n"
    assert ok_json(root, "decision", "show", "0001")["title"] == "Totals in cents"
    assert ok_json(root, "decision", "show", "adr-0001")["path"] == "docs/adr/0001-record-decisions.md"


def test_decision_status_rules_duplicates_and_ack(root: Path, kenning, ok_json) -> None:
    (root / "shop" / "view.py").write_text("from shop.cart import total\n\n\ndef show(items):\n    return total(items)\n")
    reindex(root)
    spec = root / "layers.json"
    spec.write_text(json.dumps({"title": "Views do not compute", "context": "c", "decision": "d",
                                "rules": [{"forbid": {"from": "shop/view.py", "to": "shop/cart.py"}}]}))
    proposed = ok_json(root, "decision", "add", "--from-json", str(spec), "--status", "proposed")
    assert proposed["status"] == "proposed"
    clean = kenning(root, "check")
    assert clean.returncode == 0 and "ignored: it is proposed" in clean.stderr
    assert ok_json(root, "decision", "status", proposed["id"], "accepted")["status"] == "accepted"
    broken = kenning(root, "check")
    assert broken.returncode == 1 and "shop/view.py:1" in broken.stdout and proposed["id"] in broken.stdout

    duplicate = kenning(root, "decision", "add", "--from-json", str(spec))
    assert duplicate.returncode == 1 and f"decision {proposed['id']}" in duplicate.stderr
    again = ok_json(root, "decision", "add", "--from-json", str(spec), "--allow-duplicate", "--status", "proposed")
    assert kenning(root, "decision", "status", again["id"], "superseded").returncode == 2  # needs --superseded-by
    replaced = ok_json(root, "decision", "status", again["id"], "superseded", "--superseded-by", proposed["id"])
    assert replaced["superseded_by"] == proposed["id"]
    assert kenning(root, "decision", "status", proposed["id"], "maybe").returncode == 2

    linked = ok_json(root, "decision", "add", "--title", "Count with len", "--context", "c", "--decision", "d",
                     "--link", "shop.cart.count")
    cart = root / "shop" / "cart.py"
    cart.write_text(cart.read_text().replace("return len(items)", "return sum(1 for _ in items)"))
    reindex(root)
    assert [d["id"] for d in ok_json(root, "brief")["sections"]["drift"]["items"]] == [linked["id"]]
    acknowledged = ok_json(root, "decision", "ack", linked["id"], "--by", "ana")
    assert acknowledged["links"][0]["acknowledged"]["by"] == "ana"
    assert ok_json(root, "brief")["sections"]["drift"]["items"] == []


def test_task_items_tick_and_untick_and_the_refusal_names_the_cli_flags(root: Path, kenning, ok_json) -> None:
    task = ok_json(root, "task", "add", "--title", "Totals", "--acceptance", "sums", "--acceptance", "rounds",
                   "--link", "shop.cart.total")
    both = ok_json(root, "task", "update", task["id"], "--tick", "1", "--tick", "2")
    assert [a["done"] for a in both["acceptance"]] == [True, True]
    one = ok_json(root, "task", "update", task["id"], "--untick", "2")
    assert [a["done"] for a in one["acceptance"]] == [True, False]
    assert kenning(root, "task", "update", task["id"], "--tick", "3").returncode == 2
    refused = kenning(root, "task", "done", task["id"])
    assert refused.returncode == 1 and "acceptance item 2 is not ticked: rounds" in refused.stderr
    assert "--force --reason" in refused.stderr
