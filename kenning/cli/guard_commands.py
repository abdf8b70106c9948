"""`kenning guard`: judge a proposed change before it is written (Claude Code hook) or committed (git).

The guard runs on every write, so when a `kenning serve` is running for the root it asks that
server (model already loaded) and only otherwise works in-process.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from kenning.cli import hook_answers, running_server
from kenning.cli.app import JsonOption, RootOption, app, emit_json, stdout
from kenning.cli.hook_answers import describe, staged_changes
from kenning.errors import InvalidInput, KenningError
from kenning.service import MAX_CODE_BYTES, Service, parse_diff
from kenning.settings import Settings

log = logging.getLogger(__name__)

HOOK_PROTOCOLS = ("claude-code",)
_SERVER_ERRORS = {"InvalidInput": InvalidInput}
_LEAST_BUDGET = 0.001  # once a run's budget is spent, each further file still gets its first definition checked


@app.command()
def guard(
    root: RootOption = None,
    file: Annotated[str | None, typer.Option("--file", help="The file the change is for (relative to the root).")] = None,
    content_file: Annotated[Path | None, typer.Option("--content-file", help="Its proposed text; '-' reads stdin.",
                                                      allow_dash=True)] = None,
    diff: Annotated[Path | None, typer.Option("--diff", help="A unified diff; '-' reads stdin.", allow_dash=True)] = None,
    hook: Annotated[str | None, typer.Option("--hook", help="Answer a hook event on stdin: claude-code.")] = None,
    staged: Annotated[bool, typer.Option("--staged", help="Check the changes staged for commit (git).")] = False,
    as_json: JsonOption = False,
) -> None:
    """Before a change lands: does it duplicate existing code or break an architecture rule?

    Exit 0 when allowed, 1 when a finding kind listed in guard_block_on blocks it.
    """
    if hook is not None:
        out, err = (answer_hook_event(hook_answers.read_event(), root) if hook in HOOK_PROTOCOLS else
                    ("", f"kenning guard: write allowed without a check: unknown hook protocol {hook!r};"
                         f" use one of {', '.join(HOOK_PROTOCOLS)}\n"))
        sys.stdout.write(out)
        sys.stderr.write(err)
        raise typer.Exit(0)
    if sum((file is not None, diff is not None, staged)) != 1 or (file is None) != (content_file is None):
        raise InvalidInput("give --file with --content-file, or --diff, or --staged, or --hook claude-code")
    checker = Checker(Settings.load(root))
    if file is not None:
        reports = [checker.check(_relative(checker.settings.root, file), content=_read(content_file), origin="cli")]
    elif diff is not None:
        text = _read(diff)
        reports = [checker.check(p.path, diff=text, origin="cli") for p in parse_diff(text) if p.new_path]
    else:
        reports = [checker.check(path, content=content, base=base, origin="git")
                   for path, content, base in staged_changes(checker.settings.root)]
    if as_json:
        emit_json({"decision": _decision(reports), "reports": reports})
    else:
        for report in reports:
            stdout.print("\n".join(describe(report)), markup=False)
    raise typer.Exit(1 if _decision(reports) == "block" else 0)


class Checker:
    """Guard checks through the root's running server when there is one, else in this process. The files of
    one run (--staged, --diff) share its time budget."""

    def __init__(self, settings: Settings, budget_ceiling: float | None = None) -> None:
        self.settings = settings
        self.server = running_server.find(settings.root)
        self._service: Service | None = None
        budget = settings.guard_time_budget
        self._deadline = time.monotonic() + (budget if budget_ceiling is None else min(budget, budget_ceiling))

    def check(self, path: str, **change: Any) -> dict[str, Any]:
        # This process's settings decide, not the server's.
        left = max(self._deadline - time.monotonic(), _LEAST_BUDGET)
        decide = {"block_on": list(self.settings.guard_block_on), "time_budget": round(left, 3)}
        if self.server is not None:
            try:
                return self.server.post("/guard", {"path": path, **change, **decide}, self.settings.token)
            except running_server.ServerUnavailable as e:
                log.info("kenning serve at %s did not answer (%s); checking in-process", self.server.url, e)
                self.server = None
            except running_server.ServerError as e:
                raise _SERVER_ERRORS.get(e.kind, KenningError)(str(e)) from None
        if self._service is None:
            self._service = Service.from_settings(self.settings)
        return self._service.guard(path, **decide, **change)





def answer_hook_event(raw: bytes, root: Path | None) -> tuple[str, str]:
    """(stdout, stderr) for one Claude Code event, checked here or through the root's server: the hook
    client's answer when it cannot ask the server itself."""
    return hook_answers.answer_claude_code(raw, root, dict(os.environ), lambda project: Checker(
        Settings.load(project), hook_answers.HOOK_GUARD_BUDGET))


def _decision(reports: list[dict[str, Any]]) -> str:
    return "block" if any(r["decision"] == "block" for r in reports) else "allow"


def _relative(root: Path, file: str) -> str:
    path = Path(file)
    if path.is_absolute():
        try:
            return path.resolve().relative_to(root).as_posix()
        except ValueError:
            raise InvalidInput(f"{file} is outside the project root {root}") from None
    return path.as_posix()


def _read(source: Path | None) -> str:
    if source is None:
        return ""
    try:
        data = sys.stdin.buffer.read(MAX_CODE_BYTES + 1) if str(source) == "-" else source.read_bytes()
    except OSError as e:
        raise InvalidInput(f"cannot read {source}: {e.strerror}") from e
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(f"{source} is not UTF-8 text") from None
