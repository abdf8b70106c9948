"""Claude Code's hook protocol for the guard: a PreToolUse event in, a hook answer out.

The event on stdin (Claude Code hooks reference):
    {"hook_event_name": "PreToolUse", "cwd": ..., "tool_name": "Write" | "Edit" | "MultiEdit",
     "tool_input": {"file_path": ..., "content": ...}                        # Write
                 | {"file_path": ..., "old_string", "new_string", "replace_all"}   # Edit
                 | {"file_path": ..., "edits": [{"old_string", "new_string", "replace_all"}]}}  # MultiEdit
The answer on stdout (exit 0): nothing when there is nothing to say; otherwise
    {"hookSpecificOutput": {"hookEventName": "PreToolUse", "additionalContext": note}, "systemMessage": note}
or, when a finding blocks, "permissionDecision": "deny" with the note as "permissionDecisionReason" (shown to
Claude, which can then reuse the existing code). The guard never answers "allow": that would skip the
user's own permission prompt, which is not the guard's to grant.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kenning.service import apply_edits

TOOLS = ("Write", "Edit", "MultiEdit")


class MalformedEvent(ValueError):
    """The event is not what Claude Code sends; the write is allowed, and stderr says why."""


@dataclass(frozen=True)
class Proposal:
    path: str  # relative to the root, '/'-separated
    content: str


def project_root(event: Any, given: Path | None, environment: dict[str, str]) -> Path:
    """--root, else the project Claude Code names in CLAUDE_PROJECT_DIR, else the event's cwd."""
    if given is not None:
        return given
    if environment.get("CLAUDE_PROJECT_DIR"):
        return Path(environment["CLAUDE_PROJECT_DIR"])
    if isinstance(event, dict) and isinstance(event.get("cwd"), str) and event["cwd"]:
        return Path(event["cwd"])
    return Path.cwd()


def proposal(event: Any, root: Path) -> Proposal | None:
    """The file the event would write, or None when it is none of the guard's business."""
    if not isinstance(event, dict):
        raise MalformedEvent("the hook event is not a JSON object")
    if event.get("tool_name") not in TOOLS:
        return None
    data = event.get("tool_input")
    if not isinstance(data, dict):
        raise MalformedEvent("tool_input is not an object")
    file_path = _string(data, "file_path")
    target = Path(file_path)
    if not target.is_absolute():
        target = Path(event["cwd"] if isinstance(event.get("cwd"), str) else root) / target
    try:
        relative = target.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None  # outside the project: not ours to judge
    if event["tool_name"] == "Write":
        return Proposal(relative, _string(data, "content", allow_empty=True))
    edits = [data] if event["tool_name"] == "Edit" else data.get("edits")
    if not isinstance(edits, list) or not edits or not all(isinstance(e, dict) for e in edits):
        raise MalformedEvent("MultiEdit's tool_input.edits is not a list of edits")
    current = _read(root / relative)
    pairs = [(_string(e, "old_string", allow_empty=True), _string(e, "new_string", allow_empty=True),
              e.get("replace_all") is True) for e in edits]
    return Proposal(relative, apply_edits(current, pairs, relative))


def answer(note: str, block: bool) -> dict[str, Any]:
    output: dict[str, Any] = {"hookEventName": "PreToolUse"}
    if block:
        output |= {"permissionDecision": "deny", "permissionDecisionReason": note}
        return {"hookSpecificOutput": output}
    output["additionalContext"] = note
    return {"hookSpecificOutput": output, "systemMessage": note}


def _string(data: dict, key: str, allow_empty: bool = False) -> str:
    value = data.get(key)
    if not isinstance(value, str) or (not value and not allow_empty):
        raise MalformedEvent(f"tool_input.{key} is missing or not a string")
    return value


def _read(file: Path) -> str:
    try:
        return file.read_bytes().decode("utf-8", errors="replace") if file.is_file() else ""
    except OSError as e:
        raise MalformedEvent(f"cannot read {file}: {e.strerror}") from e
