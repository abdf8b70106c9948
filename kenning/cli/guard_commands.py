"""`kenning guard`: judge a proposed change before it is written (Claude Code hook) or committed (git).

The guard runs on every write, so when a `kenning serve` is running for the root it asks that
server (model already loaded) and only otherwise works in-process.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from kenning.cli import claude_hook, running_server
from kenning.cli.app import JsonOption, RootOption, app, emit_json, stdout
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
        raise typer.Exit(_answer_hook(root, hook))
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

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.server = running_server.find(settings.root)
        self._service: Service | None = None
        self._deadline = time.monotonic() + settings.guard_time_budget

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


def _answer_hook(root: Path | None, protocol: str) -> int:
    """Answer one hook event; never fails the editor: any error allows the write and says why on stderr."""
    try:
        if protocol not in HOOK_PROTOCOLS:
            raise InvalidInput(f"unknown hook protocol {protocol!r}; use one of {', '.join(HOOK_PROTOCOLS)}")
        event = json.loads(sys.stdin.buffer.read(MAX_CODE_BYTES * 2) or b"null")
        project = claude_hook.project_root(event, root, dict(os.environ))
        proposal = claude_hook.proposal(event, project)
        if proposal is None:
            return 0
        report = Checker(Settings.load(project)).check(proposal.path, content=proposal.content, origin="claude-code")
        if report["findings"]:
            note = "\n".join(describe(report))
            sys.stdout.write(json.dumps(claude_hook.answer(note, report["decision"] == "block")) + "\n")
    except Exception as e:  # noqa: BLE001  # the guard must never break the editor
        sys.stderr.write(f"kenning guard: write allowed without a check: {e}\n")
    return 0


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
