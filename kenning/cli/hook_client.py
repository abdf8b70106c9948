"""The editor's and git's guard hook, on the standard library alone: an interpreter start and one request.

    python -m kenning.cli.hook_client claude-code [--root R]   # a Claude Code PreToolUse event on stdin
    python -m kenning.cli.hook_client git --root R             # the changes staged for commit

When a `kenning serve` runs for the root and the guard's settings read plainly, this process asks it and
answers. Anything else (no server, a server gone or refusing, a setting only pydantic can judge, a
kenning.toml edited since the server started) hands the same input to the full `kenning guard`, which
shares hook_answers' reading of events and wording of answers, so both paths answer alike.

Claude Code gives a hook 60 s (the installed hook says so): a hook's guard gets at most HOOK_GUARD_BUDGET
seconds (the editor waits on it), and a server that has not answered by HOOK_DEADLINE lets the write
through with a note.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kenning.cli import running_server
from kenning.cli.hook_answers import (DEFAULT_BLOCK_ON, DEFAULT_TIME_BUDGET, HOOK_DEADLINE, HOOK_GUARD_BUDGET,
                                       FullGuardNeeded, answer_claude_code, describe, read_event,
                                       staged_changes)
from kenning.errors import InvalidInput

_STARTED = time.monotonic()

# -- the fast path ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class GuardSettings:
    block_on: tuple[str, ...]
    time_budget: float
    token: str | None


def guard_settings(root: Path, environment: dict[str, str]) -> GuardSettings:
    """guard_block_on, guard_time_budget and token as Settings.load reads them (KENNING_* environment, any
    case, over kenning.toml over the defaults), or FullGuardNeeded for anything not plainly valid there."""
    env: dict[str, str] = {}
    for key, value in environment.items():
        if key.lower().startswith("kenning_"):
            if key.lower() in env:
                raise FullGuardNeeded(f"{key} is set twice, in different cases")
            env[key.lower()] = value
    toml = _toml(root)
    block_on = _setting("guard_block_on", env, toml, _block_on_from_env, DEFAULT_BLOCK_ON)
    # Which kinds exist is the server's to check: it refuses an unknown one, and the full path then says so.
    if not isinstance(block_on, list | tuple) or not all(isinstance(kind, str) for kind in block_on):
        raise FullGuardNeeded("guard_block_on is not a list of finding kinds")
    budget = _setting("guard_time_budget", env, toml, _number_from_env, DEFAULT_TIME_BUDGET)
    if isinstance(budget, bool) or not isinstance(budget, int | float) or not 0 < budget <= 3_600:
        raise FullGuardNeeded("guard_time_budget is not a number of seconds")
    token = _setting("token", env, toml, str, None)
    if token is not None and (not isinstance(token, str) or not token.strip() or token != token.strip()):
        raise FullGuardNeeded("the token is not usable")
    return GuardSettings(tuple(block_on), float(budget), token)


def _setting(name: str, env: dict[str, str], toml: dict[str, Any], from_env: Callable[[str], Any],
             default: Any) -> Any:
    if "kenning_" + name in env:
        try:
            return from_env(env["kenning_" + name])
        except ValueError:
            raise FullGuardNeeded(f"KENNING_{name.upper()} is not plainly valid") from None
    return toml.get(name, default)


def _block_on_from_env(value: str) -> Any:
    return json.loads(value)  # pydantic-settings reads a list from the environment as JSON


def _number_from_env(value: str) -> float:
    if not value.replace(".", "", 1).isdigit():  # what both float() and pydantic take the same way
        raise ValueError(value)
    return float(value)


def _toml(root: Path) -> dict[str, Any]:
    file = root / "kenning.toml"
    try:
        stamp = file.stat().st_mtime_ns
    except FileNotFoundError:
        return {}
    except OSError as e:
        raise FullGuardNeeded(f"cannot read {file}: {e.strerror}") from None
    try:
        # The server validated every other setting when it started; a later edit only the full path judges.
        if stamp > running_server.path_for(root).stat().st_mtime_ns:
            raise FullGuardNeeded(f"{file} changed since the server started")
        import tomllib

        with file.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, ValueError) as e:
        raise FullGuardNeeded(f"cannot read {file}: {e}") from None


class ServerChecker:
    """Guard checks through the root's running server, with the client's settings (as kenning guard sends
    them); the files of one run share its time budget."""

    def __init__(self, root: Path, environment: dict[str, str], budget_ceiling: float | None = None,
                 deadline: float | None = None) -> None:
        self.server = running_server.find(root)
        if self.server is None:
            raise FullGuardNeeded(f"no kenning serve runs for {root}")
        self.settings = guard_settings(root, environment)
        budget = self.settings.time_budget if budget_ceiling is None else min(self.settings.time_budget,
                                                                             budget_ceiling)
        self._budget_end = time.monotonic() + budget
        self._deadline = deadline

    def check(self, path: str, **change: Any) -> dict[str, Any]:
        left = max(self._budget_end - time.monotonic(), 0.001)
        body = {"path": path, **change, "block_on": list(self.settings.block_on), "time_budget": round(left, 3)}
        timeout = 60.0 if self._deadline is None else self._deadline - time.monotonic()
        try:
            return self.server.post("/guard", body, self.settings.token, timeout=max(timeout, 0.1))
        except running_server.ServerTimedOut:
            if self._deadline is None:
                raise FullGuardNeeded("the server did not answer in time") from None
            raise TimeoutError(f"kenning serve at {self.server.url} did not answer within"
                               f" {HOOK_DEADLINE} s of the hook's start") from None
        except (running_server.ServerUnavailable, running_server.ServerError) as e:
            raise FullGuardNeeded(str(e)) from None


def run_claude_code(root: Path | None) -> int:
    raw = read_event()
    environment = dict(os.environ)
    try:
        out, err = answer_claude_code(raw, root, environment, lambda project: ServerChecker(
            project, environment, HOOK_GUARD_BUDGET, _STARTED + HOOK_DEADLINE))
    except FullGuardNeeded:
        from kenning.cli.guard_commands import answer_hook_event

        out, err = answer_hook_event(raw, root)
    sys.stdout.write(out)
    sys.stderr.write(err)
    return 0


def run_git(root: Path) -> int:
    project = root.expanduser().resolve()
    try:
        checker = ServerChecker(project, dict(os.environ))
        reports = [checker.check(path, content=content, base=base, origin="git")
                   for path, content, base in staged_changes(project)]
    except (FullGuardNeeded, InvalidInput):
        return _full_guard(["guard", "--staged", "--root", str(root)])
    for report in reports:
        sys.stdout.write("\n".join(describe(report)) + "\n")
    return 1 if any(r["decision"] == "block" for r in reports) else 0


def _full_guard(arguments: list[str]) -> int:
    from kenning.cli import main as kenning

    sys.argv = ["kenning", *arguments]
    try:
        kenning()
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else 1
    return 0


def main(arguments: list[str]) -> int:
    usage = "usage: python -m kenning.cli.hook_client claude-code|git [--root DIR]\n"
    if not arguments or arguments[0] not in ("claude-code", "git") or len(arguments) not in (1, 3) or (
            len(arguments) == 3 and arguments[1] != "--root"):
        sys.stderr.write(usage)
        return 2
    root = Path(arguments[2]) if len(arguments) == 3 else None
    if arguments[0] == "claude-code":
        return run_claude_code(root)
    return run_git(root if root is not None else Path.cwd())


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
