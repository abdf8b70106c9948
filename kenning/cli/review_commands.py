"""`kenning review`: the impact of a change (a diff, or what is staged) in one report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from kenning.cli.app import JsonOption, RootOption, app, emit_json, stdout
from kenning.cli.guard_commands import _read, staged_changes
from kenning.errors import InvalidInput
from kenning.service import Service
from kenning.settings import Settings


@app.command()
def review(
    root: RootOption = None,
    diff: Annotated[Path | None, typer.Option("--diff", help="A unified diff; '-' reads stdin.", allow_dash=True)] = None,
    staged: Annotated[bool, typer.Option("--staged", help="Review the changes staged for commit (git).")] = False,
    depth: Annotated[int | None, typer.Option(help="Follow dependents this many hops at most.")] = None,
    as_json: JsonOption = False,
) -> None:
    """What a change touches, who depends on it, the tests to run, and the guard's findings on each file.

    Exit 0 when allowed, 1 when a finding kind listed in guard_block_on blocks it.
    """
    if diff is not None and staged or diff is None and not staged:
        raise InvalidInput("give --diff PATCH or --staged")
    settings = Settings.load(root)
    service = Service.for_reading(settings)
    if diff is not None:
        report = service.review_change(_read(diff), origin="cli", depth=depth)
    else:
        changes = [{"path": p, "content": c, "base": b} for p, c, b in staged_changes(settings.root)]
        report = service.review_change(changes=changes, origin="git", depth=depth)
    if as_json:
        emit_json(report)
    else:
        stdout.print("\n".join(describe(report)), markup=False)
    raise typer.Exit(1 if report["decision"] == "block" else 0)


def describe(report: dict[str, Any]) -> list[str]:
    lines = [f"kenning review: {len(report['files'])} files, {report['findings_total']} findings,"
             f" {report['dependents_total']} dependents, {len(report['tests'])} test files to run"
             + (" (blocked)" if report["decision"] == "block" else "")]
    for file in report["files"]:
        lines.append(f"{file['path']} ({file['status']})")
        lines += [f"  {t['change']}: {t['symbol']} (line {t['line']})" for t in file["touched"]]
        lines += [f"  [{f['kind']}] {f['message']}" for f in file["findings"]]
    for entry in report["callers"]:
        if entry["total"]:
            shown = ", ".join(f"{c['symbol'] or c['path']} ({c['path']}:{c['line']})" for c in entry["callers"])
            more = f" (+{entry['total'] - len(entry['callers'])})" if entry["total"] > len(entry["callers"]) else ""
            lines.append(f"callers of {entry['symbol']}: {shown}{more}")
    if report["dependents"]:
        lines.append("dependents: " + ", ".join(f"{d['symbol']} ({d['distance']})" for d in report["dependents"])
                     + (f" (+{report['dependents_total'] - len(report['dependents'])})"
                        if report["dependents_total"] > len(report["dependents"]) else ""))
    if report["tests"]:
        lines.append("tests to run: " + " ".join(
            " ".join(f"{t['path']}::{name.rsplit('.', 1)[-1]}" for name in t["tests"]) or t["path"]
            for t in report["tests"]))
    return lines
