"""Commands over search: search, exists, choice, stats, embed."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from kenning.cli.app import (
    JsonOption, RootOption, app, emit_json, open_index, open_service, run_with_progress, stderr, stdout,
)
from kenning.errors import InvalidInput
from kenning.service import MAX_CODE_BYTES, PROBE_LANGUAGES


@app.command()
def search(
    query: str,
    root: RootOption = None,
    limit: Annotated[int, typer.Option(help="Most results to show.")] = 10,
    kind: Annotated[str | None, typer.Option(help="Only this kind: function, method, class, ...")] = None,
    path: Annotated[str | None, typer.Option("--path", help="Only files under this path prefix.")] = None,
    language: Annotated[str | None, typer.Option(help="Only this language.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Find code by what it does or what it is called (lexical + semantic, fused)."""
    answer = open_index(root).search(query, limit=limit, kind=kind, path_prefix=path, language=language)
    if as_json:
        emit_json(answer)
        return
    if not answer["results"]:
        stderr.print(f"nothing in the index matches {query!r}", markup=False)
    for hit in answer["results"]:
        stdout.print(f"{hit['qualified_name']}  [{hit['kind']}]  {hit['path']}:{hit['start_line']}-{hit['end_line']}"
                     f"  ({hit['why']})", markup=False)
        stdout.print(f"    {hit['signature']}", markup=False)
        for other in hit.get("also", ()):
            stdout.print(f"    also {other['qualified_name']}  [{other['kind']}]  :{other['start_line']}-{other['end_line']}",
                         markup=False)
        if hit.get("copies"):
            stdout.print(f"    same code at {', '.join(hit['copies'])}", markup=False)
    _warn_incomplete(answer["index"])


@app.command()
def exists(
    root: RootOption = None,
    code_file: Annotated[Path | None, typer.Option("--code-file", help="A file holding the code to look for.")] = None,
    code: Annotated[str | None, typer.Option("--code", help="'-' reads the code from standard input.")] = None,
    description: Annotated[str | None, typer.Option(help="What the code does, in words.")] = None,
    name: Annotated[str | None, typer.Option(help="The name you would give it.")] = None,
    language: Annotated[str | None, typer.Option(
        help=f"Language of the code: {', '.join(PROBE_LANGUAGES)} (default: from --path, else inferred).")] = None,
    path: Annotated[str | None, typer.Option("--path", help="The file the code is meant for; its extension "
                                                            "gives the language.")] = None,
    limit: Annotated[int, typer.Option(help="Most candidates to show.")] = 5,
    as_json: JsonOption = False,
) -> None:
    """Does this already exist? Verdict exists / similar / none, with candidates."""
    blob = _read_code(code_file, code)
    answer = open_service(root).exists(code=blob, description=description, name=name, language=language, limit=limit,
                                       path=path)
    if as_json:
        emit_json(answer)
        return
    inferred = " inferred" if answer["language_inferred"] else ""
    read_as = f", code read as {answer['language']}{inferred}" if blob and answer["language"] else ""
    stdout.print(f"verdict: {answer['verdict']}  (query id {answer['query_id']}{read_as})", markup=False)
    for c in answer["candidates"]:
        stdout.print(f"  {c['score']:.2f} {c['qualified_name']}  {c['path']}:{c['start_line']}"
                     f"  [{', '.join(c['match'])}; {c['callers']} callers]", markup=False)
    _warn_incomplete(answer["index"])


@app.command()
def choice(
    query_id: str,
    chosen: Annotated[str, typer.Argument(metavar="CHOICE", help="reused, extended or wrote_new.")],
    root: RootOption = None,
    reason: Annotated[str | None, typer.Option(help="Why; required for wrote_new.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Record what you did after an exists answer."""
    recorded = open_service(root).record_choice(query_id, chosen, reason)
    if as_json:
        emit_json(recorded)
        return
    stdout.print(f"recorded {recorded['choice']} for {recorded['query_id']}", markup=False)


@app.command()
def stats(root: RootOption = None, as_json: JsonOption = False) -> None:
    """Duplicates avoided, and new code written despite a close match."""
    data = open_service(root).search_stats()
    if as_json:
        emit_json(data)
        return
    stdout.print(f"exists queries: {data['queries']} ({', '.join(f'{n} {v}' for v, n in data['verdicts'].items())})",
                 markup=False)
    stdout.print(f"duplicates avoided: {data['duplicates_avoided']}"
                 f" (reused {data['choices']['reused']}, extended {data['choices']['extended']})", markup=False)
    stdout.print(f"written new despite a match: {len(data['wrote_new_despite_match'])}", markup=False)
    for item in data["wrote_new_despite_match"]:
        stdout.print(f"  {item['query_id']}: closest {item['closest']} ({item['verdict']}): {item['reason']}",
                     markup=False)
    guarded = data["guard"]
    caught = ", ".join(f"{n} {kind}" for kind, n in sorted(guarded["caught"].items())) or "nothing"
    stdout.print(f"guard: {guarded['checks']} checks ({guarded['decisions']['block']} blocked);"
                 f" caught before written: {caught}", markup=False)


@app.command()
def embed(root: RootOption = None, as_json: JsonOption = False) -> None:
    """Embed symbols that have no vector yet (after `kenning index --no-embed`), and decisions."""
    result = run_with_progress("embedding", open_service(root).embed, quiet=as_json)
    if as_json:
        emit_json(result)
        return
    stdout.print(f"embedded {result['encoded']} new symbol texts and {result['decisions_encoded']} decisions;"
                 f" {result['embedded']} of {result['symbols']} symbols have vectors", markup=False)


def _read_code(code_file: Path | None, code: str | None) -> bytes | None:
    if code_file is not None and code is not None:
        raise InvalidInput("give --code-file or --code, not both")
    if code_file is not None:
        try:
            with code_file.open("rb") as fh:
                return fh.read(MAX_CODE_BYTES + 1)
        except OSError as e:
            raise InvalidInput(f"cannot read {code_file}: {e.strerror}") from e
    if code == "-":
        return sys.stdin.buffer.read(MAX_CODE_BYTES + 1)
    return code.encode("utf-8") if code is not None else None


def _warn_incomplete(index: dict) -> None:
    if index["indexing"]:
        stderr.print(f"note: {index['not_searchable']}", markup=False)
    if index["embedded"] < index["symbols"]:
        stderr.print(f"note: {index['embedded']} of {index['symbols']} symbols are embedded; semantic results are"
                     " incomplete (run `kenning embed`)", markup=False)
    if index["stale_files"]:
        stderr.print(f"note: {index['stale_files']} files changed since the last index run", markup=False)
