"""Commands over the code index: index, symbol, callers, callees, impact, map, status."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from kenning.cli.app import (
    JsonOption, RootOption, app, emit_json, open_index, open_service, run_with_progress, stderr, stdout,
)
from kenning.errors import InvalidInput
from kenning.models import GUESS_CONFIDENCE, Symbol

_REPORT_KEYS = ("files_indexed", "files_unchanged", "files_skipped", "symbols", "edges", "seconds", "skipped_by_reason")


@app.command()
def index(
    root: Annotated[Path | None, typer.Argument(help="Project root (default: the current directory).")] = None,
    no_embed: Annotated[
        bool, typer.Option("--no-embed", help="Skip embedding now (lexical search works); run `kenning embed` later.")
    ] = False,
    as_json: JsonOption = False,
    root_option: RootOption = None,
) -> None:
    """Index (or incrementally re-index) a project's code."""
    if root is not None and root_option is not None and root.resolve() != root_option.resolve():
        raise InvalidInput(f"two roots given ({root} and --root {root_option}); give one")
    service = open_service(root or root_option, embed_on_index=False if no_embed else None)
    report = run_with_progress("indexing", service.index, quiet=as_json)
    data = report.as_dict()
    if as_json:
        emit_json({key: data[key] for key in _REPORT_KEYS} | {
            "files_deleted": report.files_deleted, "parse_errors": report.parse_errors,
            "decode_errors": report.decode_errors,
        })
        return
    skipped = ", ".join(f"{n} {reason}" for reason, n in sorted(report.skipped_by_reason.items())) or "none"
    stdout.print(
        f"indexed {report.files_indexed} files ({report.files_unchanged} unchanged, {report.files_deleted} deleted,"
        f" skipped: {skipped}); {report.symbols} symbols, {report.edges} edges in {report.seconds:.2f}s",
        markup=False,
    )
    if report.parse_errors or report.decode_errors:
        stderr.print(
            f"{report.parse_errors} files had syntax errors and {report.decode_errors} were not valid UTF-8;"
            " they were indexed as far as the parser recovered", markup=False,
        )


@app.command()
def symbol(name: str, root: RootOption = None, as_json: JsonOption = False) -> None:
    """Show the definitions matching NAME (short, qualified or a dotted suffix)."""
    found = open_index(root).find_symbols(name)
    if as_json:
        emit_json({"symbols": [s.public() | {"docstring": s.docstring, "parent": s.parent} for s in found]})
        return
    for s in found:
        _print_symbol(s)
        if s.docstring:
            stdout.print("    " + s.docstring.splitlines()[0], markup=False)


@app.command()
def callers(name: str, root: RootOption = None, as_json: JsonOption = False) -> None:
    """Who uses NAME: calls, imports, subclasses and type uses."""
    _print_uses(open_index(root).callers(name), as_json, "callers")


@app.command()
def callees(name: str, root: RootOption = None, as_json: JsonOption = False) -> None:
    """What NAME uses; unresolved uses are shown with their text."""
    _print_uses(open_index(root).callees(name), as_json, "callees")


@app.command()
def impact(
    name: str,
    root: RootOption = None,
    depth: Annotated[int | None, typer.Option(help="Stop after this many hops.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Everything that depends on NAME, directly or transitively."""
    result = open_index(root).impact(name, depth)
    if as_json:
        emit_json({"impact": [
            {"symbol": target, "dependents": [{"qualified_name": q, "distance": d} for q, d in
                                              sorted(found.items(), key=lambda kv: (kv[1], kv[0]))]}
            for target, found in result.items()
        ]})
        return
    for target, found in result.items():
        stdout.print(f"{target}: {len(found)} dependents", markup=False)
        for qualified, distance in sorted(found.items(), key=lambda kv: (kv[1], kv[0])):
            stdout.print(f"  {distance} {qualified}", markup=False)


@app.command(name="map")
def repo_map(
    root: RootOption = None,
    budget: Annotated[int, typer.Option(help="Token budget for the map.")] = 1024,
    as_json: JsonOption = False,
) -> None:
    """The most central symbols with their signatures, within a token budget."""
    text, entries = open_index(root).repo_map(budget)
    if as_json:
        emit_json({"budget": budget, "files": [
            {"path": e.path, "symbols": [s.public() for s in e.symbols]} for e in entries
        ]})
        return
    stdout.print(text, markup=False)


@app.command()
def status(root: RootOption = None, as_json: JsonOption = False) -> None:
    """Index counts and when it was last updated."""
    data = open_index(root).status()
    if as_json:
        emit_json(data)
        return
    last = data["last_indexed_at"]
    when = dt.datetime.fromtimestamp(last).astimezone().strftime("%Y-%m-%d %H:%M:%S %Z") if last else "never"
    stdout.print(f"root: {data['root']}", markup=False)
    stdout.print(f"files: {data['files']}, symbols: {data['symbols']} ({data['embedded']} embedded), "
                 f"references: {data['references']} ({data['edges']} resolved)", markup=False)
    unembedded = data["symbols"] - data["embedded"]
    if unembedded > 0:
        share = 100 * data["embedded"] // data["symbols"]
        doing = "embedding in the background" if data["indexing"] else "run `kenning embed`"
        stdout.print(f"embedding: {data['embedded']} of {data['symbols']} symbols ({share}%), {doing}; until then"
                     " search finds the rest by name and words, not by meaning", markup=False)
    stale = data["stale_files"]
    stdout.print(f"stale files: {stale}" + (" (run `kenning index`)" if stale else ""), markup=False)
    stdout.print(f"last indexed: {when}" + (" (an index run is under way)" if data["indexing"] else ""),
                 markup=False)


def _print_symbol(s: Symbol) -> None:
    stdout.print(f"{s.qualified_name}  [{s.kind}, {s.language}]  {s.path}:{s.start_line}-{s.end_line}", markup=False)
    stdout.print(f"    {s.signature}", markup=False)


def _print_uses(result: dict, as_json: bool, key: str) -> None:
    if as_json:
        emit_json({key: [{"symbol": target, "uses": [asdict(u) for u in uses]} for target, uses in result.items()]})
        return
    for target, uses in result.items():
        stdout.print(f"{target}: {len(uses)} {key}", markup=False)
        for use in uses:
            who = use.symbol or f"({use.text}, unresolved)" if key == "callees" else use.symbol or "(module level)"
            guess = f"  (a guess by name, confidence {use.confidence:g})" if 0 < use.confidence <= GUESS_CONFIDENCE else ""
            stdout.print(f"  {use.path}:{use.line}  {use.kind}  {who}{guess}", markup=False)
