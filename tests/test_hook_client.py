"""The hook client (`python -m kenning.cli.hook_client`): the same answers through a running server as from
the full guard without one, on the standard library alone. Real processes, a real `kenning serve`, real git.

The project is test_guard's: the stdlib's textwrap plus the layered rules fixture, with decision 0001
forbidding app/core -> app/web; embeddings off (renamed copies are found by their structural fingerprint).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import guarded_project, renamed_dedent
from kenning.cli import hook_answers, hook_client, running_server
from kenning.service import hook_install
from kenning.service import Service
from kenning.settings import Settings
from serving_project import free_port, server_env, start_serve, stop

UNRELATED = '\n\ndef histogram(words):\n    """Count each word."""\n    counts = {}\n    for word in words:\n' \
            '        counts[word] = counts.get(word, 0) + 1\n    return counts\n'
BLOCK_ALL = '["duplicate-exact", "rule", "duplicate", "similar"]'
# Kenning modules the fast path may load: the client, what it reads events and servers with, and no more.
LIGHT_MODULES = {"kenning", "kenning.cli", "kenning.cli.hook_client", "kenning.cli.hook_answers",
                 "kenning.cli.running_server", "kenning.cli.claude_hook", "kenning.errors", "kenning.service", "kenning.service.proposal"}


def git(root: Path, *args: str) -> None:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=60,
                          env=server_env(GIT_AUTHOR_NAME="T", GIT_AUTHOR_EMAIL="t@example.com",
                                         GIT_COMMITTER_NAME="T", GIT_COMMITTER_EMAIL="t@example.com"))
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = guarded_project(tmp_path_factory.mktemp("hooked"))
    for args in (("init", "-q"), ("add", "-A"), ("commit", "-q", "-m", "start")):
        git(root, *args)
    Service.from_settings(Settings.load(root, embed_on_index=False)).index()
    return root


def events(root: Path) -> dict[str, str]:
    def pre_tool_use(tool: str, **tool_input) -> str:
        return json.dumps({"session_id": "s1", "cwd": str(root), "hook_event_name": "PreToolUse",
                           "tool_name": tool, "tool_input": tool_input})

    views = root / "app/web/views.py"
    last = views.read_text().rstrip().splitlines()[-1]
    return {
        "duplicate": pre_tool_use("Write", file_path=str(root / "app/service/fmt.py"), content=renamed_dedent(root)),
        "rule break": pre_tool_use("Write", file_path=str(root / "app/core/summary.py"),
                                   content="from app.web.views import show_order\n\n\ndef summary(ids):\n"
                                           "    return [show_order(i) for i in ids]\n"),
        "clean edit": pre_tool_use("Edit", file_path=str(views), old_string=last, new_string=last + "\n" + UNRELATED),
        "copy by MultiEdit": pre_tool_use("MultiEdit", file_path=str(views), edits=[
            {"old_string": last, "new_string": last + "\n\n\n" + renamed_dedent(root)}]),
        "malformed": "not json",
        "edit that does not apply": pre_tool_use("Edit", file_path=str(views), old_string="absent", new_string="x"),
        "not a write": pre_tool_use("Bash", command="ls"),
    }


def imported_names(importtime: str) -> set[str]:
    """Module names in `python -X importtime` output (after the header line)."""
    lines = [line for line in importtime.splitlines() if line.startswith("import time:")]
    return {line.rsplit("|", 1)[1].strip() for line in lines[1:]}


def run_hook(root: Path, event: str, *python_flags: str, **env: str) -> tuple[int, str, str]:
    done = subprocess.run([sys.executable, *python_flags, "-m", "kenning.cli.hook_client", "claude-code"],
                          input=event, capture_output=True, text=True, timeout=120,
                          env=server_env(CLAUDE_PROJECT_DIR=str(root), **env))
    return done.returncode, done.stdout, done.stderr


def run_git_hook(root: Path, **env: str) -> tuple[int, str, str]:
    done = subprocess.run([sys.executable, "-m", "kenning.cli.hook_client", "git", "--root", str(root)],
                          capture_output=True, text=True, timeout=120, env=server_env(**env))
    return done.returncode, done.stdout, done.stderr


def same_run(answer: tuple[int, str, str]) -> tuple[int, str, str]:
    """The answer without what differs per run by design: the query id each check records."""
    code, out, err = answer
    return code, re.sub(r"\b[0-9a-f]{16}\b", "QUERY", out), err


def answers(root: Path) -> dict[str, tuple[int, str, str]]:
    found = {}
    for name, event in events(root).items():
        found[name] = same_run(run_hook(root, event))
        found[name + ", blocking"] = same_run(run_hook(root, event, KENNING_GUARD_BLOCK_ON=BLOCK_ALL))
    return found


def test_the_fast_path_through_a_server_answers_as_the_full_guard_without_one(root):
    staged = root / "app/service/staged.py"
    staged.write_text(renamed_dedent(root), encoding="utf-8")
    git(root, "add", str(staged))
    port = free_port()
    server = start_serve(root, port, "--no-watch")
    try:
        through_server = answers(root)
        git_through_server = [same_run(run_git_hook(root)), same_run(run_git_hook(root, KENNING_GUARD_BLOCK_ON=BLOCK_ALL))]
    finally:
        stop(server)
    assert not (root / ".kenning/index/serve.json").exists()
    without_server = answers(root)
    git_without_server = [same_run(run_git_hook(root)), same_run(run_git_hook(root, KENNING_GUARD_BLOCK_ON=BLOCK_ALL))]
    assert through_server == without_server
    assert git_through_server == git_without_server
    # And the answers are the ones a user needs, not merely equal.
    duplicate = json.loads(through_server["duplicate"][1])["hookSpecificOutput"]
    assert "textwrap.dedent" in duplicate["additionalContext"] and "permissionDecision" not in duplicate
    denied = json.loads(through_server["duplicate, blocking"][1])["hookSpecificOutput"]
    assert denied["permissionDecision"] == "deny" and "textwrap.dedent" in denied["permissionDecisionReason"]
    assert "[rule]" in json.loads(through_server["rule break"][1])["hookSpecificOutput"]["additionalContext"]
    assert "strip_common_indent" in through_server["copy by MultiEdit"][1]
    assert through_server["clean edit"] == through_server["not a write"] == (0, "", "")
    assert through_server["malformed"][:2] == (0, "") and "write allowed without a check" in through_server["malformed"][2]
    assert "write allowed without a check" in through_server["edit that does not apply"][2]
    assert git_through_server[0][0] == 0 and "textwrap.dedent" in git_through_server[0][1]
    assert git_through_server[1][0] == 1 and "blocked" in git_through_server[1][1]


def test_the_fast_path_loads_only_the_standard_library_and_the_client(root):
    port = free_port()
    server = start_serve(root, port, "--no-watch")
    try:
        code, out, err = run_hook(root, events(root)["duplicate"], "-X", "importtime")
    finally:
        stop(server)
    assert code == 0 and "textwrap.dedent" in out
    bare = subprocess.run([sys.executable, "-X", "importtime", "-c", "pass"], capture_output=True, text=True,
                          env=server_env()).stderr
    site = imported_names(bare)  # sitecustomize, .pth files: every interpreter start pays them
    foreign = {name for name in imported_names(err) - site
               if name.split(".")[0] not in sys.stdlib_module_names and name not in LIGHT_MODULES
               and name.split(".")[0] != "org"}  # copy's probe for Jython's org.python.core, which fails
    assert foreign == set(), f"the hook client imported {sorted(foreign)}"
    assert "kenning.cli.running_server" in imported_names(err)  # it did ask the server


def full_guard_hook(root: Path, event: str, **env: str) -> tuple[int, str, str]:
    """`kenning guard --hook claude-code`, the command hooks installed before the client ran."""
    done = subprocess.run([sys.executable, "-m", "kenning", "guard", "--hook", "claude-code"], input=event,
                          capture_output=True, text=True, timeout=120,
                          env=server_env(CLAUDE_PROJECT_DIR=str(root), **env))
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize("env", [
    {"KENNING_GUARD_BLOCK_ON": "duplicate"},  # not a JSON list: pydantic-settings' judgement
    {"KENNING_GUARD_BLOCK_ON": '["copies"]'},  # no such kind: the server refuses it
    {"KENNING_GUARD_TIME_BUDGET": "-1"},
    {"KENNING_TOKEN": " padded "},
    {"KENNING_GUARD_BLOCK_ON": '["duplicate-exact"]'},  # plainly valid: the client's own answer
])
def test_settings_the_client_cannot_judge_get_the_full_guards_answer(root, env):
    port = free_port()
    server = start_serve(root, port, "--no-watch")
    try:
        event = events(root)["duplicate"]
        fast, full = same_run(run_hook(root, event, **env)), same_run(full_guard_hook(root, event, **env))
    finally:
        stop(server)
    assert fast == full
    assert fast[1] or "write allowed without a check" in fast[2]


def test_the_client_reads_the_guard_settings_as_settings_does(root, monkeypatch, tmp_path):
    fields = Settings.model_fields
    assert tuple(fields["guard_block_on"].default_factory()) == hook_client.DEFAULT_BLOCK_ON
    assert fields["guard_time_budget"].default == hook_client.DEFAULT_TIME_BUDGET
    assert fields["token"].default is None
    project = tmp_path / "p"
    project.mkdir()
    (project / "kenning.toml").write_text('guard_block_on = ["rule"]\nguard_time_budget = 7\ntoken = "t0k"\n')
    running_server.announce(project, "127.0.0.1", 9)  # a server started after the toml was written
    for environment in ({}, {"KENNING_GUARD_TIME_BUDGET": "3.5", "kenning_token": "other"},
                        {"KENNING_GUARD_BLOCK_ON": '["duplicate", "similar"]'}):
        for key in ("KENNING_GUARD_BLOCK_ON", "KENNING_GUARD_TIME_BUDGET", "KENNING_TOKEN", "kenning_token"):
            monkeypatch.delenv(key, raising=False)
        for key, value in environment.items():
            monkeypatch.setenv(key, value)
        full = Settings.load(project)
        light = hook_client.guard_settings(project, environment)
        assert (list(light.block_on), light.time_budget, light.token) == \
               (full.guard_block_on, full.guard_time_budget, full.token)
    (project / "kenning.toml").touch()  # edited since: the server's view of the rest may be old
    later = running_server.path_for(project).stat().st_mtime_ns + 1_000_000_000
    os.utime(project / "kenning.toml", ns=(later, later))
    with pytest.raises(hook_client.FullGuardNeeded):
        hook_client.guard_settings(project, {})


def test_installed_hooks_call_the_client_and_an_older_install_is_replaced(root, tmp_path):
    project = tmp_path / "installed"
    project.mkdir()
    settings_file = project / ".claude" / "settings.json"
    old = {"matcher": "Write|Edit|MultiEdit",
           "hooks": [{"type": "command", "command": f"{sys.executable} -m kenning guard --hook claude-code",
                      "timeout": 60}]}
    settings_file.parent.mkdir()
    settings_file.write_text(json.dumps({"hooks": {"PreToolUse": [old]}}))
    (project / ".kenning").mkdir()
    (project / ".kenning" / "hooks.json").write_text(json.dumps(
        {"claude-code": {"created_file": True, "created_events": ["PreToolUse"], "added": {"PreToolUse": [old]}}}))
    hook_install.install_claude(project, 1500)
    groups = json.loads(settings_file.read_text())["hooks"]["PreToolUse"]
    assert len(groups) == 1 and groups[0]["hooks"][0]["command"].endswith("-m kenning.cli.hook_client claude-code")
    assert groups[0]["hooks"][0]["timeout"] == hook_answers.HOOK_TIMEOUT == hook_install.HOOK_TIMEOUT
    # The command as installed (shell words and all) answers a real event.
    command = groups[0]["hooks"][0]["command"]
    done = subprocess.run(command, shell=True, input=events(root)["duplicate"], capture_output=True, text=True,
                          timeout=120, env=server_env(CLAUDE_PROJECT_DIR=str(root)))
    assert done.returncode == 0 and "textwrap.dedent" in done.stdout
    hook_install.uninstall_claude(project)
    assert not settings_file.exists()


def test_an_older_kenning_pre_commit_hook_is_rewritten_in_place_not_kept_as_the_users(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    project = tmp_path / "repo"
    project.mkdir()
    git(project, "init", "-q")
    hook = project / ".git" / "hooks" / "pre-commit"
    older = f"#!/bin/sh\nexec {sys.executable} -m kenning guard --staged --root {project}\n"
    hook.parent.mkdir(parents=True, exist_ok=True)
    hook.write_text(older)
    (project / ".kenning").mkdir()
    (project / ".kenning" / "hooks.json").write_text(json.dumps(
        {"git": {"hook": str(hook), "script": older, "moved_aside": False}}))
    changes = hook_install.install_git(project)
    assert any("replaced the older kenning hook" in c for c in changes)
    assert "-m kenning.cli.hook_client git --root" in hook.read_text()
    assert not hook.with_name("pre-commit" + hook_install.PREVIOUS_SUFFIX).exists()
    hook_install.uninstall_git(project)
    assert not hook.exists()
