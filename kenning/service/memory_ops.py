"""Project memory operations of the Service: decisions, tasks, handoffs, drift and the session brief.

The files under .kenning/memory are the source of truth and are written only through the
memory classes (atomic, locked); reads of many items go through the MemoryCache, which
re-reads changed files first. Links to code are resolved against the code index.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from typing import Any

from kenning.errors import Conflict, InvalidInput
from kenning.indexer.rules import RuleError, parse_rules
from kenning.memory.decisions import DecisionLog
from kenning.store.index_store import IndexStore
from kenning.memory.memory_cache import MemoryCache, Page
from kenning.memory.sessions import SessionLog
from kenning.memory.tasks import TaskBoard, unchanged_since_opened
from kenning.models import DECISION_STATUSES, TASK_STATUSES, Decision, Handoff, Problem, Task
from kenning.service import briefing
from kenning.service.brief_sections import brief_sections
from kenning.service.code_links import code_failures, file_hashes, files_of, resolve_link
from kenning.service.decision_search import DecisionHits, DecisionSearch
from kenning.service.disconnected import project_disconnected
from kenning.service.drift import CHECKED_STATUSES, Drift, acknowledged_links, find_drift
from kenning.settings import Settings

# The fields `decision add --from-json` and the adapters accept.
DECISION_FIELDS = ("title", "context", "decision", "status", "date", "consequences", "alternatives",
                   "tags", "links", "rules", "supersedes")
Link = str | dict[str, Any]  # what a user gives: 'pkg.mod.func', 'src/app.py', or {"symbol"|"path": ...}


class Listing(list):
    """The items that read, as a list; ``problems`` names each file that does not, so one broken file
    is shown beside the rest instead of hiding them (or being skipped unsaid)."""

    def __init__(self, items=(), problems: Iterable[Problem] = ()) -> None:
        super().__init__(items)
        self.problems = list(problems)

    @classmethod
    def of(cls, page: Page) -> Listing:
        return cls(page.items, page.problems)

    def public(self, key: str) -> dict[str, Any]:
        """The JSON shape every surface answers: {key: [item...], "problems": [{"path", "error"}...]}."""
        return {key: [item.public() for item in self], "problems": [p.public() for p in self.problems]}


class MemoryOps:
    """Mixed into Service, which provides ``settings`` and ``store``."""

    settings: Settings
    store: IndexStore

    @cached_property
    def decision_log(self) -> DecisionLog:
        return DecisionLog.for_root(self.settings.root, self.settings.decisions_dir)

    @cached_property
    def task_board(self) -> TaskBoard:
        return TaskBoard.for_root(self.settings.root)

    @cached_property
    def session_log(self) -> SessionLog:
        return SessionLog.for_root(self.settings.root)

    _symbol_memo: tuple[str | None, dict[str, list]] = ("", {})

    @cached_property
    def memory_cache(self) -> MemoryCache:
        return MemoryCache(self.store.index_dir, self.settings.root, self.decision_log, self.task_board)

    # --- decisions -----------------------------------------------------------------------

    def add_decision(self, title: str, context: str, decision: str, *, status: str = "accepted",
                     date: str | None = None, consequences: str = "", alternatives: Iterable[str] = (),
                     tags: Iterable[str] = (), links: Iterable[Link] = (), rules: Iterable[dict[str, Any]] = (),
                     supersedes: str | int | None = None, allow_duplicate: bool = False) -> Decision:
        """Record a decision; symbol links keep the symbol's body hash so drift shows later.

        Its rules apply only while it is accepted. A title that an existing decision already has is
        refused unless ``allow_duplicate`` (the decision being superseded does not count)."""
        resolved = [self._link(link, for_task=False) for link in _links(links)]
        return self.decision_log.add(
            title, context=context, decision=decision, status=status, date=date, consequences=consequences,
            alternatives=list(alternatives), tags=list(tags), links=resolved, rules=_checked_rules(rules),
            supersedes=supersedes, allow_duplicate=allow_duplicate,
        )

    def list_decisions(self, status: str | None = None, tag: str | None = None) -> Listing:
        """Decisions by id; ``.problems`` names each decision file that does not read, and why."""
        self._check_status(status, "decision")
        with self.memory_cache.view("decision") as view:
            return Listing.of(view.decisions(status, tag))

    def decision(self, decision_id: str | int) -> Decision:
        return self.decision_log.get(decision_id)

    def decision_history(self, decision_id: str | int) -> list[Decision]:
        """The supersession chain through a decision, oldest first."""
        return self.decision_log.history(decision_id)

    @cached_property
    def decision_search(self) -> DecisionSearch:
        return DecisionSearch(self.settings, self.store, self.memory_cache,
                              lambda: self._search_parts().embedder)  # type: ignore[attr-defined]

    def search_decisions(self, query: str, limit: int = 20, status: str | None = None) -> DecisionHits:
        """[(Decision, score)] best first, by words and meaning fused; ``.note`` says when words alone."""
        if limit < 1:
            raise InvalidInput("limit must be at least 1")
        self._check_status(status, "decision")
        return self.decision_search.search(query, limit, status)

    def supersede_decision(self, old_id: str | int, new_id: str | int) -> Decision:
        """Mark decision old_id superseded by the existing decision new_id; both files are updated."""
        return self.decision_log.supersede(old_id, new_id)

    def set_decision_status(self, decision_id: str | int, status: str,
                            superseded_by: str | int | None = None) -> Decision:
        return self.update_decision(decision_id, status=status, superseded_by=superseded_by)

    def update_decision(self, decision_id: str | int, *, status: str | None = None,
                        superseded_by: str | int | None = None, acknowledged_by: str | None = None) -> Decision:
        """Change a decision's status and/or acknowledge its drift.

        ``superseded`` needs ``superseded_by`` (the id of the current decision replacing it). Acknowledging
        records the linked symbols' current body hashes, who acknowledged and when, so the drift stops
        being reported; orphaned links (code that is gone) cannot be acknowledged, only relinked."""
        if status is None and superseded_by is None and acknowledged_by is None:
            raise InvalidInput("nothing to update: give a status, superseded_by or acknowledged_by")
        self._check_status(status, "decision")
        if superseded_by is not None and status not in (None, "superseded"):
            raise InvalidInput(f"superseded_by goes with status superseded, not {status}")
        if status == "superseded" and superseded_by is None:
            raise InvalidInput("status superseded needs superseded_by: the id of the decision that replaces it")
        by = " ".join(str(acknowledged_by).split()) if acknowledged_by is not None else None
        if by == "":
            raise InvalidInput("acknowledged_by needs a name: who reviewed the changed code")
        if by is not None:  # first: an acknowledgement that cannot be made leaves the status unchanged too
            self._acknowledge_drift(decision_id, by)
        if superseded_by is not None:
            self.decision_log.supersede(decision_id, superseded_by)
        elif status is not None:
            self.decision_log.update(decision_id, status=status)
        return self.decision_log.get(decision_id)

    def drift(self) -> list[Drift]:
        """Current decisions whose linked code changed (drifted) or is gone (orphaned)."""
        with self.memory_cache.view("decision") as view:
            linked = view.decisions_linking_code(CHECKED_STATUSES)
        return find_drift(self.store, self.settings.root, linked, self.symbols_seen())

    def _acknowledge_drift(self, decision_id: str | int, by: str) -> None:
        current = self.decision_log.get(decision_id)
        links, gone = acknowledged_links(self.store, self.settings.root, current, by)
        if gone and links == current.links:
            details = "; ".join(change.detail for change in gone)
            raise Conflict(f"decision {current.id}'s linked code is gone ({details}); acknowledging records a "
                           "changed body, not a missing one: link the code where it is now, or deprecate or "
                           "supersede the decision")
        if links != current.links:  # else nothing drifted (already acknowledged, or never changed): no write
            self.decision_log.update(current.id, links=list(links))

    def symbols_seen(self) -> dict[str, list]:
        """Symbol lookups for drift, kept while the code index stays the same (a brief repeats them all)."""
        generation = self.store.get_meta("last_indexed_at")
        if self._symbol_memo[0] != generation:
            self._symbol_memo = (generation, {})
        return self._symbol_memo[1]

    # --- tasks ---------------------------------------------------------------------------

    def add_task(self, title: str, *, description: str = "", priority: str = "medium",
                 acceptance: Iterable[str] = (), links: Iterable[Link] = (),
                 depends_on: Iterable[str | int] = ()) -> Task:
        """Open a task; the content hashes of the linked files are kept to show later that they changed."""
        resolved = [self._link(link, for_task=True) for link in _links(links)]
        for link in resolved:
            if "decision" in link:  # must exist; kept by its canonical id ('3' may be adr-0003)
                link["decision"] = self.decision_log.get(link["decision"]).id
        hashes = file_hashes(self.settings.root, files_of(self.store, resolved))
        return self.task_board.add(title, description=description, priority=priority, acceptance=list(acceptance),
                                   links=resolved, depends_on=list(depends_on),
                                   baseline={"files": hashes} if hashes else None)

    def list_tasks(self, status: str | None = None) -> Listing:
        """Tasks by status and priority; ``.problems`` names each task file that does not read, and why."""
        self._check_status(status, "task")
        with self.memory_cache.view("task") as view:
            return Listing.of(view.tasks((status,) if status else None))

    def task(self, task_id: str | int) -> Task:
        return self.task_board.get(task_id)

    def next_task(self) -> Task | None:
        """The highest-priority open task whose dependencies are all done."""
        with self.memory_cache.view("task") as view:
            return view.next_task()

    def update_task(self, task_id: str | int, *, status: str | None = None, note: str | None = None,
                    tick: int | Iterable[int] | None = None, untick: int | Iterable[int] | None = None) -> Task:
        """Change status (not to done: use complete_task), add a note, tick or untick acceptance items
        (numbers from 1)."""
        return self.task_board.update(task_id, status=status, note=note, tick=tick, untick=untick)

    def complete_task(self, task_id: str | int, *, force: bool = False, reason: str | None = None) -> Task:
        """Close a task if its checks pass; a refusal is a CompletionRefused whose ``reasons`` list every
        failure: unticked items, unfinished dependencies, stub or missing linked code, unchanged files."""
        task = self.task_board.get(task_id)
        return self.task_board.complete(task.id, self.code_checks(task), force=force, reason=reason)

    def code_checks(self, task: Task) -> list[str]:
        """Failures found in the code a task links: missing or stub symbols, files unchanged since it opened."""
        root = self.settings.root
        checks = code_failures(self.store, root, task)
        checks += self._disconnected_links(task)
        unchanged = unchanged_since_opened(task, file_hashes(root, list(task.baseline.get("files") or {})))
        if unchanged:
            checks.append(unchanged)
        return checks

    def _disconnected_links(self, task: Task) -> list[str]:
        """New code the task links (in files changed since it opened) that nothing in the project uses."""
        links = [link for link in task.links if "symbol" in link or "path" in link]
        if not links:
            return []
        opened = task.baseline.get("files") or {}
        if not opened:
            return []  # no record of the code at opening: what is new cannot be told
        now = file_hashes(self.settings.root, list(opened))
        files = {f for f in files_of(self.store, links) if f not in opened or now.get(f) != opened[f]}
        if not files:
            return []
        symbols = {str(link["symbol"]) for link in links if "symbol" in link}
        paths = {str(link["path"]) for link in links if "path" in link}
        reasons = []
        for finding in project_disconnected(self.store, self.settings.root, self.settings.entry_points, files):
            # A linked symbol that nothing uses, or anything disconnected in a linked file or folder.
            linked = finding.get("symbol") in symbols or any(
                finding["path"] == p or (p.endswith("/") and finding["path"].startswith(p)) for p in paths)
            if linked:
                reasons.append(f"linked code is disconnected: {finding['message']}")
        return reasons

    # --- sessions ------------------------------------------------------------------------

    def handoff(self, summary: str, next_steps: Iterable[str] = (), open_questions: Iterable[str] = ()) -> Handoff:
        """Record the end of a session; the next brief shows it."""
        return self.session_log.handoff(summary, list(next_steps), list(open_questions))

    def brief(self, token_budget: int = 1_500) -> briefing.Brief:
        """What a new session needs first, fitted to a token budget."""
        if token_budget < briefing.MIN_BUDGET:
            raise InvalidInput(f"the brief budget must be at least {briefing.MIN_BUDGET} tokens")
        title, sections, since = brief_sections(self, token_budget)
        return briefing.fit(title, sections, token_budget, since)

    # --- helpers -------------------------------------------------------------------------

    def _link(self, link: Link, *, for_task: bool) -> dict[str, Any]:
        if isinstance(link, dict):
            keys = [k for k in ("symbol", "path", "decision") if k in link]
            if len(keys) != 1:
                raise InvalidInput(f"a link object needs one of symbol, path or decision: {link!r}")
            text = ("decision:" if keys[0] == "decision" else "") + str(link[keys[0]])
            if keys[0] == "decision" and not for_task:
                raise InvalidInput("decisions link code (symbols, files, folders), not other decisions")
            link = text
        return resolve_link(self.store, self.settings.root, link, for_task=for_task)

    @staticmethod
    def _check_status(status: str | None, what: str) -> None:
        choices = DECISION_STATUSES if what == "decision" else TASK_STATUSES
        if status is not None and status not in choices:
            raise InvalidInput(f"unknown {what} status {status!r}; use one of {', '.join(choices)}")


def _links(links: Iterable[Link]) -> list[Link]:
    if isinstance(links, (str, dict)):
        raise InvalidInput("links must be a list")
    return list(links)


def _checked_rules(rules: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rules as given, once they parse: a malformed rule saved in a decision would break every check after."""
    rules = list(rules)
    try:
        parse_rules(rules, "rules", None, "")
    except RuleError as e:
        raise InvalidInput(str(e)) from e
    return rules
