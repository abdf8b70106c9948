"""The guard on real Claude Code PreToolUse payloads, diffs and a running server, over a small real project.

The project: the stdlib's textwrap (real code nobody here wrote) plus the layered rules fixture, with
decision 0001 forbidding app/core -> app/web. Embeddings are off: renamed copies are found by their
structural fingerprint.
"""

from __future__ import annotations

import difflib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st
from typer.testing import CliRunner

from conftest import copy_stdlib, guarded_project, renamed_dedent
from kenning.cli import running_server
from kenning.cli.app import app, register_commands
from kenning.cli.guard_commands import Checker
from kenning.service import Service
from kenning.settings import Settings
from serving_project import free_port, server_env, start_serve

FIXTURES = Path(__file__).parent / "fixtures" / "rules" / "python"
UNRELATED = '''

def histogram(words):
    """Count each word, most frequent first."""
    counts = {}
    for word in words:
        counts[word] = counts.get(word, 0) + 1
    return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
'''


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    root = guarded_project(tmp_path_factory.mktemp("guarded"))
    Service.from_settings(Settings.load(root, embed_on_index=False)).index()
    register_commands()
    return root


def hook(root: Path, event, **env: str):
    """Run `kenning guard --hook claude-code` on one event, as Claude Code would (stdin in, stdout out)."""
    payload = event if isinstance(event, str) else json.dumps(event)
    result = CliRunner().invoke(app, ["guard", "--hook", "claude-code"], input=payload,
                                env={"CLAUDE_PROJECT_DIR": str(root), **env})
    return result.exit_code, result.stdout, result.stderr


def pre_tool_use(root: Path, tool: str, **tool_input) -> dict:
    # The shape Claude Code documents for PreToolUse: common fields, then the tool's own input.
    return {"session_id": "abc123", "transcript_path": str(root / "t.jsonl"), "cwd": str(root),
            "permission_mode": "default", "hook_event_name": "PreToolUse", "tool_name": tool,
            "tool_input": tool_input, "tool_use_id": "toolu_01"}


def test_a_written_renamed_copy_is_reported_and_allowed_by_default(root):
    content = '"""Formatting helpers."""\n\nimport re\n\n\n' + renamed_dedent(root)
    code, out, _ = hook(root, pre_tool_use(root, "Write", file_path=str(root / "app/service/fmt.py"), content=content))
    assert code == 0
    answer = json.loads(out)
    note = answer["hookSpecificOutput"]["additionalContext"]
    assert "permissionDecision" not in answer["hookSpecificOutput"]  # neither grants nor denies: a note
    assert "`strip_common_indent`" in note and "`textwrap.dedent` at textwrap.py:" in note
    assert "[duplicate-exact]" in note and "import and reuse it" in note


def test_the_same_copy_is_denied_when_configured_to_block(root):
    content = renamed_dedent(root)
    code, out, _ = hook(root, pre_tool_use(root, "Write", file_path=str(root / "app/service/fmt.py"), content=content),
                        KENNING_GUARD_BLOCK_ON='["duplicate-exact"]')
    answer = json.loads(out)["hookSpecificOutput"]
    assert code == 0 and answer["permissionDecision"] == "deny"
    assert "textwrap.dedent" in answer["permissionDecisionReason"]


def test_an_edit_adding_an_unrelated_function_passes_silently(root):
    views = (root / "app/web/views.py").read_text()
    last = views.rstrip().splitlines()[-1]
    event = pre_tool_use(root, "Edit", file_path=str(root / "app/web/views.py"), old_string=last,
                         new_string=last + "\n" + UNRELATED, replace_all=False)
    assert hook(root, event) == (0, "", "")


def test_a_multiedit_that_adds_a_copy_among_other_edits_is_reported(root):
    event = pre_tool_use(root, "MultiEdit", file_path=str(root / "app/web/views.py"), edits=[
        {"old_string": "def show_order(order_id):", "new_string": "def show_order(order_id: int):"},
        {"old_string": "orders.load_order(order_id)",
         "new_string": "orders.load_order(order_id)\n\n\n" + renamed_dedent(root), "replace_all": True},
    ])
    code, out, _ = hook(root, event)
    note = json.loads(out)["hookSpecificOutput"]["additionalContext"]
    assert code == 0 and "strip_common_indent" in note and "show_order" not in note


def test_a_rule_breaking_import_is_reported_with_the_decision_id(root):
    content = "from app.web.views import show_order\n\n\ndef summary(ids):\n    return [show_order(i) for i in ids]\n"
    code, out, _ = hook(root, pre_tool_use(root, "Write", file_path=str(root / "app/core/summary.py"),
                                           content=content))
    note = json.loads(out)["hookSpecificOutput"]["additionalContext"]
    assert code == 0 and "[rule]" in note
    assert "app/core/summary.py:1: the import of `app.web.views.show_order` breaks decision 0001 (Web over core)" in note


@pytest.mark.parametrize("payload", [
    "", "not json", "[]", "null", '{"tool_name": "Write"}',
    json.dumps({"tool_name": "Write", "tool_input": {"file_path": 3, "content": "x"}}),
    json.dumps({"tool_name": "Edit", "tool_input": {"file_path": "app/web/views.py", "old_string": "absent",
                                                     "new_string": "y"}}),
    json.dumps({"tool_name": "MultiEdit", "tool_input": {"file_path": "app/web/views.py", "edits": "no"}}),
    json.dumps({"tool_name": "Write", "tool_input": {"file_path": "app/x.py", "content": "a\x00b"}}),
])
def test_malformed_payloads_never_block_and_say_why(root, payload):
    code, out, err = hook(root, payload, KENNING_GUARD_BLOCK_ON='["duplicate-exact", "rule", "duplicate", "similar"]')
    assert code == 0 and out == ""
    assert "write allowed without a check" in err


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tool=st.sampled_from(["Write", "Edit", "MultiEdit", "Bash"]),
       tool_input=st.dictionaries(st.sampled_from(["file_path", "content", "old_string", "new_string", "edits",
                                                   "replace_all"]),
                                  st.one_of(st.none(), st.integers(), st.text(max_size=40),
                                            st.lists(st.dictionaries(st.text(max_size=10), st.text(max_size=10)),
                                                     max_size=2))))
def test_no_payload_ever_denies_when_nothing_blocks(root, tool, tool_input):
    code, out, _ = hook(root, {"tool_name": tool, "tool_input": tool_input, "cwd": str(root)})
    assert code == 0
    assert out == "" or "permissionDecision" not in json.loads(out)["hookSpecificOutput"]


def test_a_diff_checks_only_what_it_adds_or_changes(root):
    service = Service.from_settings(Settings.load(root))
    before = (root / "textwrap.py").read_text()
    after = before.replace("def indent(text, prefix, predicate=None):",
                           renamed_dedent(root) + "\n\ndef indent(text, prefix, predicate=None):")
    after = after.replace("    if predicate is None:", "    if predicate is None:  # the default\n", 1)
    diff = "".join(difflib.unified_diff(before.splitlines(True), after.splitlines(True), "a/textwrap.py",
                                        "b/textwrap.py"))
    report = service.guard("textwrap.py", diff=diff)
    # The copy is new; indent changed (and is not reported against its own indexed version); nothing else is read.
    assert set(report["checked"]) == {"textwrap.strip_common_indent", "textwrap.indent"}
    assert [(f["kind"], f["symbol"], f["existing"]) for f in report["findings"]] == [
        ("duplicate-exact", "textwrap.strip_common_indent", "textwrap.dedent")]
    assert (root / "textwrap.py").read_text() == before  # the guard never writes the file


def test_every_verdict_is_in_the_audit_log_and_stats(tmp_path):
    shutil.copytree(FIXTURES, tmp_path, dirs_exist_ok=True)
    copy_stdlib(tmp_path, "textwrap.py")
    service = Service.from_settings(Settings.load(tmp_path, guard_block_on=["duplicate-exact"]))
    service.index()
    blocked = service.guard("app/fmt.py", content=renamed_dedent(tmp_path), origin="claude-code")
    service.guard("app/words.py", content=UNRELATED)
    service.record_choice(blocked["findings"][0]["query_id"], "reused")
    stats = service.search_stats()
    # Both files are new modules nothing imports yet: each is disconnected too.
    assert stats["guard"] == {"checks": 2, "decisions": {"allow": 1, "block": 1},
                              "caught": {"duplicate-exact": 1, "disconnected": 2}}
    assert stats["duplicates_avoided"] == 1


def test_the_guard_asks_a_running_server_and_ignores_a_dead_one(root):
    port = free_port()
    server = start_serve(root, port, "--no-watch", env=server_env())
    try:
        found = running_server.find(root)
        assert found is not None and found.port == port and found.pid == server.pid
        checker = Checker(Settings.load(root))
        report = checker.check("app/fmt.py", content=renamed_dedent(root), origin="cli")
        assert checker._service is None, "answered by the server, without loading a service here"
        assert report["findings"][0]["existing"] == "textwrap.dedent"
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert not running_server.path_for(root).exists(), "serve removes its file on exit"
    # A file left by a killed server names a dead process: ignored, and the guard works in-process.
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    running_server.path_for(root).write_text(json.dumps({"host": "127.0.0.1", "port": port, "pid": int(dead.stdout)}))
    assert running_server.find(root) is None
    checker = Checker(Settings.load(root))
    assert checker.check("app/fmt.py", content=renamed_dedent(root))["findings"]
    assert checker._service is not None
    running_server.path_for(root).unlink()
