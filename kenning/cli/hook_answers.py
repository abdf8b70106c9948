"""What the hook client and the full `kenning guard` share, on the standard library alone: the hook's time
limits, reading a Claude Code event, answering it through any checker, the wording of a report, and the
changes staged in git. Both paths import this; neither imports the other's module from here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from kenning.cli import claude_hook
from kenning.errors import InvalidInput

HOOK_TIMEOUT = 60  # seconds Claude Code waits for the hook (hook_install writes it into the hook)
HOOK_DEADLINE = HOOK_TIMEOUT - 5  # the hook's own answer, whatever the server does
HOOK_GUARD_BUDGET = 8.0  # a hook's guard_time_budget at most: the editor waits on it (a 1 MB file in under 10 s)
MAX_EVENT_BYTES = 2_000_000  # a Write of the largest text the guard takes (1 MB), JSON-escaped
# Settings' defaults for the three settings read here (a test keeps them equal to Settings').
DEFAULT_BLOCK_ON: tuple[str, ...] = ()
DEFAULT_TIME_BUDGET = 20.0


class FullGuardNeeded(Exception):
    """The fast path cannot answer exactly as the full guard would; the full guard takes the same input."""


class Checker(Protocol):
    def check(self, path: str, **change: Any) -> dict[str, Any]: ...


def read_event() -> bytes:
    return sys.stdin.buffer.read(MAX_EVENT_BYTES)


def answer_claude_code(raw: bytes, root: Path | None, environment: dict[str, str],
                       checker_for: Callable[[Path], Checker]) -> tuple[str, str]:
    """(stdout, stderr) for one Claude Code event. Never fails the editor: any error allows the write and
    says why on stderr. FullGuardNeeded passes through, for the fast path to hand over."""
    try:
        event = json.loads(raw or b"null")
        project = claude_hook.project_root(event, root, environment)
        proposal = claude_hook.proposal(event, project)
        if proposal is None:
            return "", ""
        report = checker_for(project).check(proposal.path, content=proposal.content, origin="claude-code")
        if not report["findings"]:
            return "", ""
        note = "\n".join(describe(report))
        return json.dumps(claude_hook.answer(note, report["decision"] == "block")) + "\n", ""
    except FullGuardNeeded:
        raise
    except Exception as e:  # noqa: BLE001  # the guard must never break the editor
        return "", f"kenning guard: write allowed without a check: {e}\n"


def describe(report: dict[str, Any]) -> list[str]:
    """The report as lines an assistant (or a person at a commit) can act on."""
    findings = report["findings"]
    verdict = "blocked" if report["decision"] == "block" else "ok" if not findings else "allowed with notes"
    lines = [f"kenning guard: {report['path']}: {verdict} ({len(report['checked'])} new or changed definitions"
             f" checked, {len(findings)} findings)"]
    for finding in findings:
        lines.append(f"  [{finding['kind']}] {finding['message']}")
    blocking = [f for f in findings if f["kind"] in report["block_on"]]
    if blocking:
        lines.append(f"  blocked by guard_block_on ({', '.join(report['block_on'])}); to keep it anyway, say why"
                     " (the next check then allows this code):")
        lines.extend(f"    {f['override']}" for f in blocking if f.get("override"))
        if any(f["kind"] == "rule" for f in blocking):
            lines.append("    a rule finding stays until the import goes, or `rule` leaves guard_block_on")
    else:
        choices = [f["query_id"] for f in findings if f.get("query_id")]
        if choices:
            lines.append(f"  then record what you did: kenning choice {choices[0]} reused|extended|wrote_new"
                         " --reason '...'")
    lines.extend(f"  note: {notice}" for notice in report["notices"])
    return lines


def staged_changes(root: Path) -> list[tuple[str, str, str]]:
    """(path relative to root, staged text, HEAD's text) of every file added, changed or renamed in the index."""
    top = Path(_git(root, "rev-parse", "--show-toplevel").strip())
    fields = _git(top, "diff", "--cached", "--name-status", "-z", "-M", "--diff-filter=ACMR").split("\0")
    changes = []
    i = 0
    while i < len(fields) - 1:
        status = fields[i]
        old, new = (fields[i + 1], fields[i + 2]) if status[:1] in "RC" else (fields[i + 1], fields[i + 1])
        i += 3 if status[:1] in "RC" else 2
        try:
            path = (top / new).resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            continue  # staged outside the kenning root
        base = _git(top, "show", f"HEAD:{old}", missing_ok=True) if status[:1] != "A" else ""
        changes.append((path, _git(top, "show", f":{new}"), base))
    return changes


def _git(cwd: Path, *args: str, missing_ok: bool = False) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=60)
    except OSError as e:
        raise InvalidInput(f"--staged needs git: {e.strerror}") from e
    if done.returncode != 0:
        if missing_ok:
            return ""
        raise InvalidInput(f"git {args[0]} failed in {cwd}: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout.decode("utf-8", errors="replace")
