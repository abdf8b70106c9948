"""`kenning check`: architecture rules against the dependency graph (exit 0 clean, 1 violations, 2 bad rules)."""

from __future__ import annotations

from typing import Annotated

import typer

from kenning.cli.app import JsonOption, RootOption, app, emit_json, open_service, stderr, stdout


@app.command(name="check")
def check_command(
    root: RootOption = None,
    as_json: JsonOption = False,
    update_baseline: Annotated[
        bool, typer.Option("--update-baseline", help="Accept today's violations; only new ones fail afterwards.")
    ] = False,
    file: Annotated[
        str | None, typer.Option("--file", help="Pre-write check: the file that would import --import modules.")
    ] = None,
    imports: Annotated[
        list[str] | None, typer.Option("--import", help="A module or path the file would import (repeatable).")
    ] = None,
) -> None:
    """Check architecture rules; with --file and --import, ask before the code exists."""
    service = open_service(root)
    if file is not None or imports:
        if file is None:
            raise typer.BadParameter("--import needs --file: the file that would import it")
        result = service.check_architecture(file, imports or [])
    else:
        result = service.check_rules(update_baseline=update_baseline)
    for notice in result.notices:
        stderr.print(f"notice: {notice}", markup=False)
    if as_json:
        emit_json(result.public())
    else:
        for v in result.violations:
            decision = f"decision {v.decision} ({v.decision_title})" if v.decision else v.rule
            stdout.print(f"{v.path}:{v.line}: {v.headline()} breaks {decision}: {v.message}", markup=False)
            for edge in v.edges:  # a cycle: every hop, so each can be judged where it is written
                stdout.print(f"    {edge.describe()}", markup=False)
        summary = f"{len(result.violations)} violation(s) of {result.rules} rule(s)"
        if result.baselined:
            summary += f"; {result.baselined} accepted in the baseline"
        stdout.print(summary if result.violations else f"clean: {summary}", markup=False)
    if result.violations:
        raise typer.Exit(1)
