"""What a person reviewing the project's memory reads: a decision or task with everything around it.

These gather existing operations for one screen (the web UI's); they write nothing. Each takes
the Service, like ``brief_sections``: they compose its public operations and add no storage.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kenning.errors import KenningError, NotFound
from kenning.indexer.rules import Violation
from kenning.models import Decision, Handoff, Symbol, Task
from kenning.service.code_links import path_exists, symbols_of
from kenning.service.drift import Drift
from kenning.service.memory_ops import Listing

if TYPE_CHECKING:
    from kenning.service.core import Service

EXCERPT_LINES = 8
_PLACES_SHOWN = 3  # definitions shown per symbol link; a name rarely has more


@dataclass(frozen=True, slots=True)
class Place:
    symbol: Symbol
    excerpt: str


@dataclass(frozen=True, slots=True)
class CodeLink:
    kind: str  # 'symbol', 'path' or 'decision'
    target: str
    places: tuple[Place, ...] = ()
    missing: bool = False  # the symbol, file or decision is gone


@dataclass(frozen=True, slots=True)
class Rules:
    """A decision's rules with the current violations of them, or why they are not checked."""

    declared: tuple[dict[str, Any], ...]
    violations: tuple[Violation, ...] = ()  # new ones; violations accepted into the baseline are not shown
    note: str = ""


@dataclass(frozen=True, slots=True)
class DecisionReview:
    decision: Decision
    history: tuple[Decision, ...]  # the supersession chain, oldest first
    links: tuple[CodeLink, ...]
    drift: Drift | None
    rules: Rules


@dataclass(frozen=True, slots=True)
class TaskReview:
    task: Task
    links: tuple[CodeLink, ...]
    checks: tuple[str, ...]  # why closing would be refused now; empty when it would close


@dataclass(frozen=True, slots=True)
class Overview:
    status: dict[str, Any]
    freshness: dict[str, Any]
    decisions: dict[str, int]  # by status
    tasks: dict[str, int]
    last_handoff: Handoff | None
    violations: tuple[Violation, ...] = ()
    baselined: int = 0
    drifted: int = 0
    problems: tuple[str, ...] = field(default=())  # what could not be read, shown instead of hidden


def overview(service: Service) -> Overview:
    problems: list[str] = []

    def attempt(operation, default):
        try:
            return operation()
        except KenningError as e:  # one unreadable part must not hide the rest of the page
            problems.append(str(e))
            return default

    decisions = attempt(service.list_decisions, Listing())
    tasks = attempt(service.list_tasks, Listing())
    problems += [p.error for p in (*decisions.problems, *tasks.problems)]
    checked = attempt(service.check_rules, None)
    return Overview(
        status=service.status(), freshness=service.freshness(),
        decisions=dict(Counter(d.status for d in decisions)), tasks=dict(Counter(t.status for t in tasks)),
        last_handoff=attempt(service.session_log.last, None),
        violations=tuple(checked.violations) if checked else (), baselined=checked.baselined if checked else 0,
        drifted=len(attempt(service.drift, [])), problems=tuple(problems),
    )


def review_decision(service: Service, decision_id: str | int) -> DecisionReview:
    decision = service.decision(decision_id)
    drift = next((d for d in service.drift() if d.decision.id == decision.id), None)
    return DecisionReview(decision, tuple(service.decision_history(decision.id)),
                          code_links(service, decision.links), drift, _rules(service, decision))


def review_task(service: Service, task_id: str | int) -> TaskReview:
    task = service.task(task_id)
    return TaskReview(task, code_links(service, task.links), tuple(completion_checks(service, task)))


def completion_checks(service: Service, task: Task) -> list[str]:
    """What ``complete_task`` would refuse on now, without closing anything."""
    if task.status == "done":
        return []
    return [*service.code_checks(task), *service.task_board.blockers(task.id)]


def code_links(service: Service, links: tuple[dict[str, Any], ...]) -> tuple[CodeLink, ...]:
    shown = []
    for link in links:
        if "symbol" in link:
            found = symbols_of(service.store, str(link["symbol"]))
            places = tuple(Place(s, service.source_excerpt(s, EXCERPT_LINES)) for s in found[:_PLACES_SHOWN])
            shown.append(CodeLink("symbol", str(link["symbol"]), places, missing=not found))
        elif "path" in link:
            path = str(link["path"])
            shown.append(CodeLink("path", path, missing=not path_exists(service.settings.root, path)))
        elif "decision" in link:
            shown.append(CodeLink("decision", str(link["decision"]), missing=not _decision_exists(service, link)))
    return tuple(shown)


def _decision_exists(service: Service, link: dict[str, Any]) -> bool:
    try:
        service.decision(link["decision"])
    except NotFound:
        return False
    return True


def _rules(service: Service, decision: Decision) -> Rules:
    declared = tuple(decision.rules)
    if not declared:
        return Rules(declared)
    if decision.status != "accepted":
        return Rules(declared, note=f"not checked: only accepted decisions' rules apply, and this one is {decision.status}")
    try:
        result = service.check_rules()
    except KenningError as e:
        return Rules(declared, note=f"could not be checked: {e}")
    mine = tuple(v for v in result.violations if v.decision == decision.id)
    return Rules(declared, mine)
