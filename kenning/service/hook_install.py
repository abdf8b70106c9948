"""Install and remove kenning's editor and git hooks, recording exactly what was added so removal reverts it.

Claude Code: hook groups merged into `.claude/settings.json` (the user's other settings and hooks are
kept). Git: a `pre-commit` script in the repository's hooks folder; an existing one is moved aside and
run first, and put back on removal. The record lives in `.kenning/hooks.json` (machine-specific:
it names this interpreter); uninstall removes only entries still exactly as kenning wrote them.
"""

from __future__ import annotations

import json
import shlex
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any


from kenning.errors import InvalidInput, StorageError
from kenning.memory.filestore import write_atomic

RECORD = Path(".kenning") / "hooks.json"
CLAUDE_SETTINGS = Path(".claude") / "settings.json"
PREVIOUS_SUFFIX = ".kenning-previous"
HOOK_TIMEOUT = 60  # seconds Claude Code gives the guard hook (kenning/cli/hook_answers.py plans within it)
HANDOFF_REMINDER = ("kenning: before this session ends, record where it stopped: "
                    "kenning handoff --summary '...' --next '...' (or the handoff MCP tool)")


def kenning_command() -> str:
    """This interpreter running kenning: hooks then use this installation, whatever PATH holds."""
    return f"{shlex.quote(sys.executable)} -m kenning"


def guard_hook_command(target: str) -> str:
    """The guard hook's command: the standard-library client, which asks a running `kenning serve` and
    starts the full guard only when none runs (kenning/cli/hook_client.py)."""
    return f"{shlex.quote(sys.executable)} -m kenning.cli.hook_client {target}"


def claude_groups(budget: int) -> dict[str, list[dict[str, Any]]]:
    kenning = kenning_command()
    return {
        "SessionStart": [{"hooks": [{"type": "command",
                                     "command": f'{kenning} brief --root "$CLAUDE_PROJECT_DIR" --budget {budget}'}]}],
        "PreToolUse": [{"matcher": "Write|Edit|MultiEdit",
                        "hooks": [{"type": "command", "command": guard_hook_command("claude-code"),
                                   "timeout": HOOK_TIMEOUT}]}],
        "Stop": [{"hooks": [{"type": "command",
                             "command": "echo " + shlex.quote(json.dumps({"systemMessage": HANDOFF_REMINDER}))}]}],
    }


def install_claude(root: Path, budget: int) -> list[str]:
    file = root / CLAUDE_SETTINGS
    settings = _read_json(file, default={})
    record = _read_record(root)
    mine = record.get("claude-code") or {"created_file": not file.exists(), "created_events": [], "added": {}}
    hooks = settings.setdefault("hooks", {})
    if not isinstance(hooks, dict):
        raise InvalidInput(f"{CLAUDE_SETTINGS}: 'hooks' is not an object; fix it by hand first")
    changes = []
    for event, groups in claude_groups(budget).items():
        if event not in hooks:
            hooks[event] = []
            mine["created_events"].append(event)
        # An earlier kenning's group for this event (another command, say) is replaced, not doubled.
        for old in [g for g in mine["added"].get(event, []) if g not in groups]:
            mine["added"][event].remove(old)
            if old in hooks[event]:
                hooks[event].remove(old)
                changes.append(f"took out the older kenning {event} hook in {CLAUDE_SETTINGS}")
        for group in groups:
            if group not in hooks[event]:
                hooks[event].append(group)
                mine["added"].setdefault(event, []).append(group)
                changes.append(f"added a {event} hook to {CLAUDE_SETTINGS}: {group['hooks'][0]['command']}")
    if changes:
        file.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(file, json.dumps(settings, indent=2) + "\n")
        _write_record(root, record | {"claude-code": mine})
    return changes


def uninstall_claude(root: Path) -> list[str]:
    record = _read_record(root)
    mine = record.pop("claude-code", None)
    file = root / CLAUDE_SETTINGS
    if mine is None or not file.exists():
        _write_record(root, record)
        return []
    settings = _read_json(file, default={})
    hooks = settings.get("hooks", {})
    changes = []
    for event, groups in mine["added"].items():
        for group in groups:
            if group in hooks.get(event, []):
                hooks[event].remove(group)
                changes.append(f"removed a {event} hook from {CLAUDE_SETTINGS}")
            else:
                changes.append(f"left a {event} hook in {CLAUDE_SETTINGS}: it was changed since kenning added it")
        if event in mine["created_events"] and hooks.get(event) == []:
            del hooks[event]
    if hooks == {} and "hooks" in settings:
        del settings["hooks"]
    if mine["created_file"] and settings == {}:
        file.unlink()
        changes.append(f"removed {CLAUDE_SETTINGS}, which kenning had created")
    else:
        write_atomic(file, json.dumps(settings, indent=2) + "\n")
    _write_record(root, record)
    return changes


def install_git(root: Path) -> list[str]:
    hook = _git_hooks_dir(root) / "pre-commit"
    script = _pre_commit_script(root)
    existing = hook.read_text(encoding="utf-8", errors="replace") if hook.exists() else None
    if existing == script:
        return []
    previous = hook.with_name(hook.name + PREVIOUS_SUFFIX)
    changes = []
    recorded = _read_record(root).get("git")
    if existing is not None and recorded and recorded["script"] == existing:
        changes.append(f"replaced the older kenning hook at {hook}")  # an earlier install's: rewritten in place
    elif existing is not None:
        if previous.exists():
            raise InvalidInput(f"{previous} exists already; remove or rename it, then install again")
        hook.replace(previous)
        changes.append(f"moved the existing {hook} to {previous.name}; the kenning hook runs it first")
    hook.parent.mkdir(parents=True, exist_ok=True)
    hook.write_text(script, encoding="utf-8")
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    record = _read_record(root)
    _write_record(root, record | {"git": {"hook": str(hook), "script": script, "moved_aside": previous.exists()}})
    return changes + [f"wrote {hook}: runs the guard on the staged changes before each commit"]


def uninstall_git(root: Path) -> list[str]:
    record = _read_record(root)
    mine = record.pop("git", None)
    _write_record(root, record)
    if mine is None:
        return []
    hook = Path(mine["hook"])
    previous = hook.with_name(hook.name + PREVIOUS_SUFFIX)
    if hook.exists() and hook.read_text(encoding="utf-8", errors="replace") != mine["script"]:
        return [f"left {hook}: it was changed since kenning wrote it"]
    hook.unlink(missing_ok=True)
    changes = [f"removed {hook}"]
    if mine["moved_aside"] and previous.exists():
        previous.replace(hook)
        changes.append(f"put the previous pre-commit hook back at {hook}")
    return changes


def _pre_commit_script(root: Path) -> str:
    return (
        "#!/bin/sh\n"
        "# Installed by `kenning hooks install git`; `kenning hooks uninstall git` removes it.\n"
        "# Blocks the commit (exit 1) only for the finding kinds in guard_block_on.\n"
        f'previous="$(dirname "$0")/pre-commit{PREVIOUS_SUFFIX}"\n'
        'if [ -x "$previous" ]; then "$previous" "$@" || exit $?; fi\n'
        f"exec {guard_hook_command('git')} --root {shlex.quote(str(root))}\n"
    )


def _git_hooks_dir(root: Path) -> Path:
    try:
        done = subprocess.run(["git", "rev-parse", "--git-path", "hooks"], cwd=root, capture_output=True,
                              text=True, timeout=30)
    except OSError as e:
        raise InvalidInput(f"installing the git hook needs git: {e.strerror}") from e
    if done.returncode != 0:
        raise InvalidInput(f"{root} is not in a git repository: {done.stderr.strip()}")
    path = Path(done.stdout.strip())
    return path if path.is_absolute() else root / path


def _read_json(file: Path, default: dict) -> dict:
    if not file.exists():
        return dict(default)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise InvalidInput(f"{file} is not valid JSON ({e}); fix it by hand first") from e
    if not isinstance(data, dict):
        raise InvalidInput(f"{file} does not hold a JSON object; fix it by hand first")
    return data


def _read_record(root: Path) -> dict:
    return _read_json(root / RECORD, default={})


def _write_record(root: Path, record: dict) -> None:
    file = root / RECORD
    if not record:
        file.unlink(missing_ok=True)
        return
    file.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(file, json.dumps(record, indent=2) + "\n")
    _keep_out_of_git(file)


def _keep_out_of_git(file: Path) -> None:
    """List the record in its folder's .gitignore: it names this machine's interpreter, so it is not shared."""
    ignore = file.parent / ".gitignore"
    try:
        existing = ignore.read_bytes() if ignore.exists() else b""
        if file.name.encode() in (line.strip() for line in existing.splitlines()):
            return
        # Appended as bytes: the user's lines stay exactly as they were, whatever their encoding.
        with open(ignore, "ab") as out:
            out.write((b"\n" if existing and not existing.endswith(b"\n") else b"") + file.name.encode() + b"\n")
    except OSError as e:
        raise StorageError(f"cannot list {file.name} in {ignore}: {e.strerror or e}") from e

