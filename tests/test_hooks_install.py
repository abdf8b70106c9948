"""`kenning hooks install|uninstall`: idempotent, exact to revert, and a real `git commit` through the pre-commit hook."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import copy_stdlib, renamed_dedent
from kenning.service import Service
from kenning.settings import Settings

USER_SETTINGS = {
    "permissions": {"allow": ["Bash(make test)"]},
    "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "./check-bash.sh"}]}]},
}


def kenning(root: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kenning", *args, "--root", str(root)], capture_output=True,
                          text=True, timeout=120, env=env or _env())


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KENNING_", "GIT_"))}
    return env | {"HF_HUB_OFFLINE": "1", "KENNING_EMBED_ON_INDEX": "false"} | extra


def git(root: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=120, env=env or _env())


@pytest.fixture
def repo(tmp_path) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = tmp_path / "repo"
    copy_stdlib(root, "textwrap.py")
    for args in (("init", "-q"), ("config", "user.email", "t@example.com"), ("config", "user.name", "T"),
                 ("add", "-A"), ("commit", "-q", "-m", "start")):
        assert git(root, *args).returncode == 0
    Service.from_settings(Settings.load(root, embed_on_index=False)).index()
    return root


def test_claude_code_install_merges_is_idempotent_and_uninstall_restores_exactly(tmp_path):
    settings = tmp_path / ".claude" / "settings.json"
    settings.parent.mkdir()
    settings.write_text(json.dumps(USER_SETTINGS, indent=4))
    first = kenning(tmp_path, "hooks", "install", "claude-code")
    assert first.returncode == 0 and first.stdout.count("added a ") == 3
    merged = json.loads(settings.read_text())
    assert merged["permissions"] == USER_SETTINGS["permissions"]
    assert merged["hooks"]["PreToolUse"][0] == USER_SETTINGS["hooks"]["PreToolUse"][0]
    guard = merged["hooks"]["PreToolUse"][1]
    assert guard["matcher"] == "Write|Edit|MultiEdit"
    assert guard["hooks"][0]["command"].startswith(sys.executable) and "kenning.cli.hook_client claude-code" in guard["hooks"][0]["command"]
    assert "brief" in merged["hooks"]["SessionStart"][0]["hooks"][0]["command"]
    assert "handoff" in merged["hooks"]["Stop"][0]["hooks"][0]["command"]
    again = kenning(tmp_path, "hooks", "install", "claude-code")
    assert "already installed" in again.stdout and json.loads(settings.read_text()) == merged
    removed = kenning(tmp_path, "hooks", "uninstall", "claude-code")
    assert removed.returncode == 0 and removed.stdout.count("removed a ") == 3
    assert json.loads(settings.read_text()) == USER_SETTINGS
    assert "nothing changed" in kenning(tmp_path, "hooks", "uninstall", "claude-code").stdout


def test_claude_code_uninstall_removes_a_settings_file_kenning_created(tmp_path):
    assert kenning(tmp_path, "hooks", "install", "claude-code", "--budget", "800").returncode == 0
    settings = json.loads((tmp_path / ".claude" / "settings.json").read_text())
    assert "--budget 800" in settings["hooks"]["SessionStart"][0]["hooks"][0]["command"]
    kenning(tmp_path, "hooks", "uninstall", "claude-code")
    assert not (tmp_path / ".claude" / "settings.json").exists()
    assert not (tmp_path / ".kenning" / "hooks.json").exists()


def test_the_record_is_added_to_an_existing_gitignore_without_touching_its_lines(tmp_path):
    ignore = tmp_path / ".kenning" / ".gitignore"
    ignore.parent.mkdir()
    ignore.write_bytes(b"# caf\xe9 (latin-1)\nscratch/")  # not UTF-8, no final newline
    assert kenning(tmp_path, "hooks", "install", "claude-code").returncode == 0
    assert ignore.read_bytes() == b"# caf\xe9 (latin-1)\nscratch/\nhooks.json\n"
    kenning(tmp_path, "hooks", "install", "claude-code")
    assert ignore.read_bytes().count(b"hooks.json") == 1


def test_the_installed_session_hook_prints_the_brief(tmp_path):
    kenning(tmp_path, "hooks", "install", "claude-code")
    command = json.loads((tmp_path / ".claude" / "settings.json").read_text())["hooks"]["SessionStart"][0]["hooks"][0]
    ran = subprocess.run(command["command"], shell=True, capture_output=True, text=True, timeout=120,
                         env=_env(CLAUDE_PROJECT_DIR=str(tmp_path)))
    assert ran.returncode == 0 and ran.stdout.strip()


def test_pre_commit_blocks_a_staged_copy_when_configured_and_allows_it_otherwise(repo):
    previous = repo / ".git" / "hooks" / "pre-commit"
    previous.write_text("#!/bin/sh\necho user-hook-ran\n")
    previous.chmod(0o755)
    installed = kenning(repo, "hooks", "install", "git")
    assert installed.returncode == 0 and "moved the existing" in installed.stdout
    assert "already installed" in kenning(repo, "hooks", "install", "git").stdout
    (repo / "fmt.py").write_text("import re\n\n\n" + renamed_dedent(repo))
    git(repo, "add", "fmt.py")
    blocked = git(repo, "commit", "-m", "add fmt", env=_env(KENNING_GUARD_BLOCK_ON='["duplicate-exact"]'))
    assert blocked.returncode != 0, blocked.stdout + blocked.stderr
    said = blocked.stdout + blocked.stderr  # git shows a hook's output on stderr
    assert "user-hook-ran" in said and "textwrap.dedent" in said and ": blocked" in said
    assert git(repo, "log", "--oneline").stdout.count("\n") == 1
    allowed = git(repo, "commit", "-m", "add fmt")
    assert allowed.returncode == 0, allowed.stderr
    assert "[duplicate-exact]" in allowed.stderr and "allowed with notes" in allowed.stderr
    removed = kenning(repo, "hooks", "uninstall", "git")
    assert "put the previous pre-commit hook back" in removed.stdout
    assert previous.read_text() == "#!/bin/sh\necho user-hook-ran\n"


def test_pre_commit_passes_an_unrelated_change_quietly(repo):
    kenning(repo, "hooks", "install", "git")
    # Neither the derived index nor the machine-specific install record shows up as a change; the
    # .gitignore that keeps the record out is the one new file, for the project to commit.
    assert git(repo, "status", "--porcelain", "--untracked-files=all").stdout == "?? .kenning/.gitignore\n"
    assert (repo / ".kenning" / ".gitignore").read_text() == "hooks.json\n"
    (repo / "words.py").write_text('def histogram(words):\n    counts = {}\n    for word in words:\n'
                                   '        counts[word] = counts.get(word, 0) + 1\n'
                                   '    return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))\n')
    git(repo, "add", "words.py")
    done = git(repo, "commit", "-m", "words", env=_env(KENNING_GUARD_BLOCK_ON='["duplicate-exact", "rule"]'))
    assert done.returncode == 0 and "words.py: ok" in done.stderr
    kenning(repo, "hooks", "uninstall", "git")
    assert not (repo / ".git" / "hooks" / "pre-commit").exists()
