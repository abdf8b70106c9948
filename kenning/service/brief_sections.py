"""The sections of a session brief, in priority order, before they are fitted to a budget.

"Since the last session" means since the last handoff: decisions whose file was written
after it, and code files the index (re)parsed after it.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Protocol

from kenning.errors import KenningError
from kenning.memory.memory_cache import MemoryCache, Page, Row
from kenning.memory.sessions import SessionLog
from kenning.models import CHARS_PER_TOKEN, TASK_PRIORITIES, Decision, Handoff, Task
from kenning.service.briefing import Section
from kenning.service.disconnected import project_disconnected
from kenning.service.drift import CHECKED_STATUSES, find_drift

if TYPE_CHECKING:
    from kenning.service.rules_ops import CheckResult
    from kenning.settings import Settings
    from kenning.store.index_store import IndexStore

# More items than any budget shows; totals are still counted in full.
_FETCH = 200
_SHORTEST_LINE = 40  # characters: a task or decision line is rarely shorter
_SYMBOLS_PER_FILE = 8
_DISCONNECTED_SHOWN = 10  # a reminder, not an audit: `kenning review` and `task done` say more


class BriefSources(Protocol):
    """What a brief reads, named here so this module needs nothing from the operations that call it."""

    settings: Settings
    store: IndexStore
    session_log: SessionLog
    memory_cache: MemoryCache

    def symbols_seen(self) -> dict[str, list]: ...

    def check_rules(self, update_baseline: bool = False, ruled: Page | None = None) -> CheckResult: ...


def brief_sections(ops: BriefSources, token_budget: int) -> tuple[str, list[Section], str | None]:
    """(title line, sections by priority, the last handoff's time or None)."""
    fetch = max(10, token_budget * CHARS_PER_TOKEN // _SHORTEST_LINE)  # more than could be shown is wasted
    problems: list[str] = []
    try:
        last = ops.session_log.last()
    except KenningError as e:  # a broken handoff file must not hide the rest of the brief
        last, problems = None, [str(e)]
    since = last.timestamp if last else None
    with ops.memory_cache.view("decision", "task") as view:  # one look at the files for the whole brief
        in_progress = view.task_rows("in_progress", fetch)
        open_tasks = view.task_rows("open", fetch)
        next_task = view.next_task()
        problems += [p.error for kind in ("decision", "task") for p in view.problems(kind) + view.shared_ids(kind)]
        linked = view.decisions_linking_code(CHECKED_STATUSES)
        changed = view.decisions_changed_since(int(_epoch(since) * 1e9)) if since else []
        ruled = view.decisions_with_rules()
    drifts = find_drift(ops.store, ops.settings.root, linked, ops.symbols_seen())
    sections = [
        _handoff(last),
        Section("next_task", "Suggested next task", [_task_line(next_task)] if next_task else [],
                [next_task.public()] if next_task else []),
        _tasks("in_progress", "In progress", *in_progress),
        Section("drift", "Drifted or orphaned decisions",
                [f"- {d.decision.id} {d.decision.title} [{d.state}]: " + "; ".join(c.detail for c in d.changes)
                 for d in drifts], [d.public() for d in drifts]),
        _violations(ops, ruled),
        _tasks("open", "Open tasks", *open_tasks),
    ]
    if since is not None:
        sections.append(_decisions(changed))
        sections.append(_code(ops, _epoch(since)))
    sections.append(_disconnected(ops))
    sections.append(Section("problems", "Files that could not be read", [f"- {p}" for p in problems],
                            [{"problem": p} for p in problems]))
    title = f"# kenning brief for {ops.settings.root.name}" + (
        f" (since the last session, {since})" if since else " (no handoff recorded yet)")
    return title, sections, since


def _handoff(last: Handoff | None) -> Section:
    if last is None:
        return Section("handoff", "Last handoff", [], [])
    lines = [f"- summary ({last.timestamp}): {last.summary}"]
    lines += [f"- next: {step}" for step in last.next_steps]
    lines += [f"- open question: {q}" for q in last.open_questions]
    return Section("handoff", "Last handoff", lines, [], whole=last.public())


def _violations(ops: BriefSources, ruled: Page) -> Section:
    """Current architecture-rule violations (beyond the baseline); a broken rule is shown, not fatal."""
    heading = "Architecture rule violations"
    try:
        violations = ops.check_rules(ruled=ruled).violations
    except KenningError as e:
        return Section("violations", heading, [f"- rules could not be checked: {e}"], [{"problem": str(e)}])
    lines = [f"- {v.path}:{v.line} {v.headline()} breaks {v.decision or v.rule}"
             f"{f' ({v.decision_title})' if v.decision_title else ''}: {v.message}"
             + "".join(f"; {edge.describe()}" for edge in v.edges) for v in violations]
    return Section("violations", heading, lines, [v.public() for v in violations])


def _task_line(task: Task | Row) -> str:
    if isinstance(task, Row):
        ticked, criteria, priority = task.ticked, task.criteria, TASK_PRIORITIES[task.rank]
    else:
        ticked, criteria, priority = sum(a.done for a in task.acceptance), len(task.acceptance), task.priority
    progress = f", {ticked}/{criteria} accepted" if criteria else ""
    return f"- {task.id} [{priority}{progress}] {task.title} ({task.path})"


def _tasks(key: str, heading: str, rows: list[Row], total: int) -> Section:
    return Section(key, heading, [_task_line(r) for r in rows], rows, total, to_json=lambda r: r.load().public())


def _decisions(decisions: list[Decision]) -> Section:
    return Section("decisions_changed", "Decisions added or changed since the last session",
                   [f"- {d.id} [{d.status}] {d.title} ({d.path})" for d in decisions],
                   [d.public() for d in decisions])


def _code(ops: BriefSources, since: float) -> Section:
    paths = ops.store.files_indexed_since(since)
    lines, items = [], []
    for path in paths[:_FETCH]:
        names = list(dict.fromkeys(s.name for s in ops.store.symbols_in_file(path)))
        shown = ", ".join(names[:_SYMBOLS_PER_FILE]) + (f" (+{len(names) - _SYMBOLS_PER_FILE})"
                                                         if len(names) > _SYMBOLS_PER_FILE else "")
        lines.append(f"- {path}" + (f": {shown}" if shown else ""))
        items.append({"path": path, "symbols": names})
    return Section("code_changed", "Code changed since the last session", lines, items, len(paths))


def _disconnected(ops: BriefSources) -> Section:
    """Modules and public definitions nothing in the project uses, at most _DISCONNECTED_SHOWN of them."""
    found = project_disconnected(ops.store, ops.settings.root, ops.settings.entry_points)
    lines = [f"- {f.get('symbol') or f['path']} ({f['path']}:{f['line']})"
             + (" module imported nowhere" if "symbol" not in f else " used nowhere") for f in found]
    items = [{k: f[k] for k in ("path", "line", "symbol", "module") if k in f} for f in found]
    return Section("disconnected", "Code nothing uses", lines[:_DISCONNECTED_SHOWN], items[:_DISCONNECTED_SHOWN],
                   len(lines))


def _epoch(iso: str) -> float:
    moment = dt.datetime.fromisoformat(iso)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.timestamp()
