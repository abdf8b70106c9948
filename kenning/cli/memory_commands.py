"""Project memory commands: `kenning decision ...`, `kenning task ...`, `kenning brief`, `kenning handoff`."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from kenning.cli.app import JsonOption, RootOption, app, emit_json, open_service, stderr, stdout
from kenning.errors import CompletionRefused, InvalidInput
from kenning.models import Decision, Problem, Task
from kenning.service import DECISION_FIELDS

decision_app = typer.Typer(help="The decision log: what was decided, why, and which code it governs.",
                           no_args_is_help=True)
task_app = typer.Typer(help="Tasks whose completion is verified against the code.", no_args_is_help=True)
app.add_typer(decision_app, name="decision")
app.add_typer(task_app, name="task")

LinkOption = Annotated[list[str] | None, typer.Option(
    "--link", help="A symbol (qualified or unique short name) or a file/folder path; repeat for more.")]


# --- decisions -------------------------------------------------------------------------


@decision_app.command("add")
def decision_add(
    root: RootOption = None,
    title: Annotated[str | None, typer.Option(help="One-line title.")] = None,
    context: Annotated[str | None, typer.Option(help="Why a decision was needed.")] = None,
    decision: Annotated[str | None, typer.Option(help="What was decided.")] = None,
    status: Annotated[str | None, typer.Option(help="proposed, accepted (default), rejected or deprecated.")] = None,
    consequences: Annotated[str | None, typer.Option(help="What follows from it.")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="A tag; repeat for more.")] = None,
    link: LinkOption = None,
    alternative: Annotated[list[str] | None, typer.Option(
        "--alternative", help="An option considered and not chosen; repeat for more.")] = None,
    supersedes: Annotated[str | None, typer.Option(help="Id of the decision this one replaces.")] = None,
    allow_duplicate: Annotated[bool, typer.Option(
        "--allow-duplicate", help="Record it although a decision with the same title exists.")] = False,
    from_json: Annotated[Path | None, typer.Option(
        "--from-json",
        help="A JSON object with the same fields (rules and alternatives included); options override it.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Record a decision (its rules apply only while it is accepted)."""
    fields = _json_fields(from_json) if from_json else {}
    given = {"title": title, "context": context, "decision": decision, "status": status,
             "consequences": consequences, "tags": tag or None, "links": link or None,
             "alternatives": alternative or None, "supersedes": supersedes, "allow_duplicate": allow_duplicate or None}
    fields.update({k: v for k, v in given.items() if v is not None})
    missing = [k for k in ("title", "context", "decision") if not fields.get(k)]
    if missing:
        raise InvalidInput(f"a decision needs {', '.join('--' + m for m in missing)} (or them in --from-json)")
    title_, context_, decision_ = fields.pop("title"), fields.pop("context"), fields.pop("decision")
    added = open_service(root).add_decision(title_, context_, decision_, **fields)
    _show_decision(added, as_json)


@decision_app.command("list")
def decision_list(
    root: RootOption = None,
    status: Annotated[str | None, typer.Option(help="Only this status.")] = None,
    tag: Annotated[str | None, typer.Option(help="Only decisions with this tag.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List decisions by id."""
    found = open_service(root).list_decisions(status, tag)
    if as_json:
        emit_json(found.public("decisions"))
        return
    for d in found:
        stdout.print(f"{d.id}  [{d.status}]  {d.title}" + (f"  #{' #'.join(d.tags)}" if d.tags else ""), markup=False)
    _show_problems(found.problems, "not listed")


@decision_app.command("show")
def decision_show(decision_id: str, root: RootOption = None, as_json: JsonOption = False) -> None:
    """Show one decision and its supersession chain."""
    service = open_service(root)
    found = service.decision(decision_id)
    if as_json:
        emit_json(found.public() | {"history": [d.id for d in service.decision_history(found.id)]})
        return
    _show_decision(found, False)


@decision_app.command("search")
def decision_search(
    query: str,
    root: RootOption = None,
    limit: Annotated[int, typer.Option(help="Most results to show.")] = 10,
    status: Annotated[str | None, typer.Option(help="Only this status.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Search decisions by meaning and by words in their title, tags and text."""
    hits = open_service(root).search_decisions(query, limit, status)
    if as_json:
        emit_json({"results": [d.public() | {"score": score} for d, score in hits],
                   "problems": [p.public() for p in hits.problems]} | ({"note": hits.note} if hits.note else {}))
        return
    if hits.note:
        stderr.print(hits.note, markup=False)
    for d, score in hits:
        stdout.print(f"{score:6.2f}  {d.id}  [{d.status}]  {d.title}", markup=False)
    _show_problems(hits.problems, "not searched")


@decision_app.command("supersede")
def decision_supersede(
    old_id: Annotated[str, typer.Argument(help="The decision being replaced.")],
    new_id: Annotated[str, typer.Argument(help="The existing decision that replaces it.")],
    root: RootOption = None,
    as_json: JsonOption = False,
) -> None:
    """Mark OLD_ID superseded by NEW_ID (both files record it).

    To write the successor and supersede in one step: `kenning decision add --supersedes OLD_ID`.
    """
    _show_decision(open_service(root).supersede_decision(old_id, new_id), as_json)


@decision_app.command("status")
def decision_status(
    decision_id: Annotated[str, typer.Argument(help="The decision to change.")],
    status: Annotated[str, typer.Argument(help="proposed, accepted, rejected, deprecated or superseded.")],
    root: RootOption = None,
    superseded_by: Annotated[str | None, typer.Option(
        help="With superseded: the id of the decision that replaces it.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Change a decision's status; its rules apply only while it is accepted."""
    changed = open_service(root).update_decision(decision_id, status=status, superseded_by=superseded_by)
    _show_decision(changed, as_json)


@decision_app.command("ack")
def decision_ack(
    decision_id: Annotated[str, typer.Argument(help="The drifted decision.")],
    root: RootOption = None,
    by: Annotated[str | None, typer.Option(help="Who reviewed the changed code (default: your user name).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Acknowledge a decision's drift: record its linked code's current bodies as reviewed, so the brief
    stops repeating it."""
    acknowledged = open_service(root).update_decision(decision_id, acknowledged_by=by or _user_name())
    _show_decision(acknowledged, as_json)


# --- tasks -----------------------------------------------------------------------------


@task_app.command("add")
def task_add(
    title: Annotated[str, typer.Option(help="One-line title.")],
    root: RootOption = None,
    description: Annotated[str, typer.Option(help="What to do.")] = "",
    priority: Annotated[str, typer.Option(help="high, medium or low.")] = "medium",
    acceptance: Annotated[list[str] | None, typer.Option(
        "--acceptance", help="An acceptance criterion; repeat for more.")] = None,
    link: Annotated[list[str] | None, typer.Option(
        "--link", help="A symbol, a file/folder path, or decision:ID; repeat for more.")] = None,
    depends_on: Annotated[list[str] | None, typer.Option("--depends-on", help="A task id; repeat for more.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Open a task."""
    added = open_service(root).add_task(title, description=description, priority=priority,
                                        acceptance=acceptance or [], links=link or [], depends_on=depends_on or [])
    _show_task(added, as_json)


@task_app.command("list")
def task_list(
    root: RootOption = None,
    status: Annotated[str | None, typer.Option(help="Only this status.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List tasks: in progress first, then open, blocked, done, dropped; by priority."""
    found = open_service(root).list_tasks(status)
    if as_json:
        emit_json(found.public("tasks"))
        return
    for t in found:
        stdout.print(f"{t.id}  [{t.status}, {t.priority}]  {t.title}", markup=False)
    _show_problems(found.problems, "not listed")


@task_app.command("show")
def task_show(task_id: str, root: RootOption = None, as_json: JsonOption = False) -> None:
    """Show one task with its checklist and notes."""
    _show_task(open_service(root).task(task_id), as_json)


@task_app.command("update")
def task_update(
    task_id: str,
    root: RootOption = None,
    status: Annotated[str | None, typer.Option(
        help="open, in_progress, blocked or dropped (close with `task done`).")] = None,
    note: Annotated[str | None, typer.Option(help="Add a timestamped note.")] = None,
    tick: Annotated[list[int] | None, typer.Option(help="Tick acceptance item N (from 1); repeat for more.")] = None,
    untick: Annotated[list[int] | None, typer.Option(help="Untick acceptance item N; repeat for more.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Change a task's status, add a note, or tick or untick acceptance items."""
    updated = open_service(root).update_task(task_id, status=status, note=note, tick=tick or (), untick=untick or ())
    _show_task(updated, as_json)


@task_app.command("done")
def task_done(
    task_id: str,
    root: RootOption = None,
    force: Annotated[bool, typer.Option("--force", help="Close although checks fail; needs --reason.")] = False,
    reason: Annotated[str | None, typer.Option(help="Why the failing checks do not apply (recorded).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Close a task after checking it: ticked criteria, done dependencies, real (non-stub) code, changed files."""
    service = open_service(root)
    try:
        done = service.complete_task(task_id, force=force, reason=reason)
    except CompletionRefused as e:
        if as_json:
            emit_json({"id": e.task_id, "done": False, "reasons": e.reasons})
        # The CLI's one error handler prints it and exits non-zero.
        raise e.phrased(f"close it anyway with `kenning task done {e.task_id} --force --reason TEXT`") from None
    _show_task(done, as_json)


# --- sessions --------------------------------------------------------------------------


@app.command()
def brief(
    root: RootOption = None,
    budget: Annotated[int, typer.Option(help="Token budget (about 4 characters per token).")] = 1500,
    as_json: JsonOption = False,
) -> None:
    """Start a session: last handoff, tasks, drifted decisions, what changed since the last session."""
    result = open_service(root).brief(budget)
    if as_json:
        emit_json(result.public())
        return
    stdout.print(result.text, markup=False)


@app.command()
def handoff(
    summary: Annotated[str, typer.Option(help="What this session did.")],
    root: RootOption = None,
    next_step: Annotated[list[str] | None, typer.Option("--next", help="A next step; repeat for more.")] = None,
    question: Annotated[list[str] | None, typer.Option("--question", help="An open question; repeat for more.")] = None,
    as_json: JsonOption = False,
) -> None:
    """End a session: leave a note the next `kenning brief` shows."""
    note = open_service(root).handoff(summary, next_step or [], question or [])
    if as_json:
        emit_json(note.public())
        return
    stdout.print(f"handoff {note.id} recorded in {note.path}", markup=False)


# --- output ----------------------------------------------------------------------------


def _user_name() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError) as e:  # no LOGNAME/USER and no passwd entry
        raise InvalidInput("cannot tell who you are; pass --by NAME") from e


def _json_fields(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise InvalidInput(f"cannot read {path}: {e.strerror or e}") from e
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InvalidInput(f"{path} is not valid JSON: {e}") from e
    if not isinstance(data, dict):
        raise InvalidInput(f"{path} must hold one JSON object with the decision's fields")
    unknown = sorted(set(data) - set(DECISION_FIELDS))
    if unknown:
        raise InvalidInput(f"{path}: unknown field(s) {', '.join(unknown)}; use {', '.join(DECISION_FIELDS)}")
    return data


def _show_problems(problems: list[Problem], what: str) -> None:
    """Files that do not read, on stderr (each error names its file): the list above holds every other item."""
    for problem in problems:
        stderr.print(f"{what}: {problem.error}", markup=False)


def _show_decision(d: Decision, as_json: bool) -> None:
    if as_json:
        emit_json(d.public())
        return
    stdout.print(f"{d.id}  {d.title}\nstatus: {d.status}  date: {d.date}  file: {d.path}", markup=False)
    for label, value in (("supersedes", d.supersedes), ("superseded by", d.superseded_by)):
        if value:
            stdout.print(f"{label}: {value}", markup=False)
    if d.tags:
        stdout.print("tags: " + ", ".join(d.tags), markup=False)
    for heading, text in (("Context", d.context), ("Decision", d.decision), ("Consequences", d.consequences)):
        if text:
            stdout.print(f"\n{heading}\n{text}", markup=False)
    for link in d.links:
        stdout.print("link: " + (str(link.get("symbol") or link.get("path"))), markup=False)


def _show_task(t: Task, as_json: bool) -> None:
    if as_json:
        emit_json(t.public())
        return
    stdout.print(f"{t.id}  {t.title}\nstatus: {t.status}  priority: {t.priority}  file: {t.path}", markup=False)
    if t.description:
        stdout.print(f"\n{t.description}", markup=False)
    for n, item in enumerate(t.acceptance, 1):
        stdout.print(f"  {n}. [{'x' if item.done else ' '}] {item.text}", markup=False)
    for link in t.links:
        stdout.print("link: " + str(link.get("symbol") or link.get("path") or f"decision {link.get('decision')}"),
                     markup=False)
    if t.depends_on:
        stdout.print("depends on: " + ", ".join(t.depends_on), markup=False)
    for note in t.notes[-5:]:
        stdout.print(f"  {note.at} {note.text}".rstrip(), markup=False)
