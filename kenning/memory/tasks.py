"""The task board: one Markdown file per task, with a checklist humans can tick by hand.

Front matter holds id, title, status, priority, links, depends_on, created/updated,
baseline and override; the body holds ``## Description``, ``## Acceptance`` (a ``- [ ]``
checklist) and ``## Notes`` (``- <ISO timestamp>: text`` lines). Priority is one of
``high``, ``medium`` (the default) or ``low``.

Closing a task is verified: ``complete`` refuses while any check fails, unless forced
with a written reason, which is recorded in the file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kenning.errors import CompletionRefused, Conflict, InvalidInput, KenningError, NotFound
from kenning.memory.filestore import create_numbered, display_path, find_file, inside_root, locked, normalize_id
from kenning.memory.filestore import number_of, numbered_files, retried, write_atomic
from kenning.memory.frontmatter import bullet_list, bullets, choice_field, has_heading, mapping_field
from kenning.memory.frontmatter import mapping_list, parse, read_versioned, render, split_sections, text_field
from kenning.memory.frontmatter import text_list
from kenning.models import TASK_PRIORITIES, TASK_STATUSES, AcceptanceItem, Task, TaskNote

TASKS_FOLDER = Path(".kenning/memory/tasks")
_META_KEYS = ("id", "title", "status", "priority", "created", "updated", "links", "depends_on", "baseline", "override")
_CHECKBOX = re.compile(r"^[-*+]\s+\[([ xX])\]\s?(.*)$")
_PLAIN_ITEM = re.compile(r"^[-*+]\s+(.*)$")
_STAMPED = re.compile(r"^(\d{4}-\d\d-\d\d[T ][\d:.]+(?:Z|[+-]\d\d:?\d\d)?):\s+(.*)$", re.DOTALL)


class TaskBoard:
    def __init__(self, folder: Path, *, root: Path | None = None) -> None:
        self.folder = folder
        self.root = root

    @classmethod
    def for_root(cls, root: Path) -> TaskBoard:
        return cls(inside_root(root, root / TASKS_FOLDER), root=root)

    def get(self, task_id: str | int) -> Task:
        return self.read(find_file([self.folder], str(task_id), "task"))

    def scan(self) -> tuple[list[Task], list[str]]:
        """Every task that reads, and one message per file that does not."""
        tasks, problems = [], []
        for path in numbered_files(self.folder):
            try:
                tasks.append(self.read(path))
            except KenningError as e:
                problems.append(str(e))
        return tasks, problems

    def list(self, status: str | None = None) -> list[Task]:
        if status is not None and status not in TASK_STATUSES:
            raise InvalidInput(f"unknown status {status!r}; use one of {', '.join(TASK_STATUSES)}")
        return [t for t in self._all() if status is None or t.status == status]

    def next_task(self) -> Task | None:
        """The highest-priority open task whose dependencies are all done (oldest first on ties)."""
        return pick_next(self._all())

    def add(self, title: str, *, description: str = "", priority: str = "medium",
            acceptance: Iterable[str | dict[str, Any]] = (), links: Iterable[dict[str, Any]] = (),
            depends_on: Iterable[str | int] = (), baseline: dict[str, Any] | None = None) -> Task:
        now = _now()
        fields = _checked(dict(title=title, description=description, priority=priority,
                               acceptance=acceptance, links=links, baseline=baseline or {}))
        with locked(self.folder):
            deps = self._checked_deps(None, depends_on)
            draft = Task(id="", path="", status="open", created=now, updated=now, depends_on=deps, **fields)
            path = create_numbered([self.folder], draft.title, lambda new_id: _render(draft, new_id))
            return self.read(path)

    def update(self, task_id: str | int, *, status: str | None = None, note: str | None = None,
               tick: int | Iterable[int] | None = None, untick: int | Iterable[int] | None = None,
               **fields: Any) -> Task:
        """Change status, add a note, tick or untick acceptance items (numbers from 1), or edit other fields."""
        editable = {"title", "description", "priority", "links", "depends_on", "baseline"}
        if unknown := sorted(set(fields) - editable):
            raise InvalidInput(f"cannot update {', '.join(unknown)}; use status, note, tick, untick or "
                               f"{', '.join(sorted(editable))}")
        if status == "done":
            raise InvalidInput("a task becomes done only by completing it, which runs its completion checks")
        if status is not None and status not in TASK_STATUSES:
            raise InvalidInput(f"unknown status {status!r}; use one of {', '.join(TASK_STATUSES)}")
        ticks, unticks = _numbers(tick, "tick"), _numbers(untick, "untick")
        if both := sorted(set(ticks) & set(unticks)):
            raise InvalidInput(f"acceptance item {both[0]} is both ticked and unticked; choose one")
        if status is None and note is None and not ticks and not unticks and not fields:
            raise InvalidInput("nothing to update: give a status, a note, items to tick or untick, or a field")

        def change() -> Task:
            task, version = self._versioned(task_id)
            changes = _checked({**_editable(task), **{k: v for k, v in fields.items() if k != "depends_on"}})
            if "depends_on" in fields:
                changes["depends_on"] = self._checked_deps(task.id, fields["depends_on"])
            notes = list(task.notes)
            if status is not None and status != task.status:
                notes.append(TaskNote(_now(), f"status: {task.status} -> {status}"))
                changes["status"] = status
            if note is not None and note.strip():
                notes.append(TaskNote(_now(), note.strip()))
            if ticks or unticks:
                changes["acceptance"] = _ticked(task, ticks, unticks)
            return self._write(dataclasses.replace(task, **changes, notes=tuple(notes), updated=_now()), version)

        with locked(self.folder):
            return retried(change)

    def blockers(self, task_id: str | int) -> list[str]:
        """This module's own reasons a task cannot close: unticked items, unfinished dependencies."""
        task = self.get(task_id)
        reasons = [f"acceptance item {i} is not ticked: {item.text}"
                   for i, item in enumerate(task.acceptance, 1) if not item.done]
        for dep in task.depends_on:
            try:
                other = self.get(dep)
            except NotFound:
                reasons.append(f"depends on task {dep}, which does not exist")
                continue
            if other.status != "done":
                reasons.append(f"depends on task {dep} ({other.title}), which is {other.status}")
        return reasons

    def complete(self, task_id: str | int, checks: Iterable[str] = (), *, force: bool = False,
                 reason: str | None = None) -> Task:
        """Mark a task done if every check passes; ``checks`` are the caller's failures (code-level)."""
        if force and not (reason and reason.strip()):
            raise InvalidInput("force needs a reason: write why the failing checks do not apply")

        def close() -> Task:
            task, version = self._versioned(task_id)
            if task.status == "done":
                raise Conflict(f"task {task.id} is already done")
            reasons = [*checks, *self.blockers(task.id)]
            if reasons and not force:
                raise CompletionRefused(task.id, reasons)
            now = _now()
            override = {"reason": reason.strip(), "at": now, "overridden": reasons} if force else task.override
            note = f"closed by force: {reason.strip()}" if force else "closed: all checks passed"
            notes = (*task.notes, TaskNote(now, note))
            closed = dataclasses.replace(task, status="done", override=override, notes=notes, updated=now)
            return self._write(closed, version)

        with locked(self.folder):
            return retried(close)

    def _all(self) -> list[Task]:
        tasks, problems = self.scan()
        if problems:
            raise InvalidInput("; ".join(problems))
        return tasks

    def _checked_deps(self, task_id: str | None, depends_on: Iterable[str | int]) -> tuple[str, ...]:
        deps = tuple(dict.fromkeys(normalize_id(d) for d in depends_on))
        if task_id in deps:
            raise InvalidInput(f"task {task_id} cannot depend on itself")
        if not deps:
            return deps
        graph = {t.id: set(t.depends_on) for t in self._all()}  # strict: a cycle may run through any file
        for dep in deps:
            if dep not in graph:
                raise NotFound(f"no task {dep} to depend on; list tasks to see the ids that exist")
        if task_id is not None and _reaches(graph, deps, task_id):
            raise InvalidInput(f"task {task_id} cannot depend on {', '.join(deps)}: that makes a cycle")
        return deps

    def read(self, path: Path) -> Task:
        """The task one file holds (KenningError naming the file if it does not read)."""
        return self._read_versioned(path)[0]

    def _versioned(self, task_id: str | int) -> tuple[Task, str]:
        return self._read_versioned(find_file([self.folder], str(task_id), "task"))

    def _read_versioned(self, path: Path) -> tuple[Task, str]:
        """The task and the version of its file, for a rewrite that must not lose a hand edit."""
        text, version = read_versioned(path)
        meta, body = parse(text, path)
        return _from_file(path, meta, body, display_path(path, self.root)), version

    def _write(self, task: Task, version: str) -> Task:
        """Rewrite a task's file, if it is still the version it was read as (else ChangedOnDisk)."""
        path = find_file([self.folder], task.id, "task")
        write_atomic(path, _render(task, task.id), version)
        return self.read(path)


def pick_next(tasks: Iterable[Task]) -> Task | None:
    """The highest-priority open task whose dependencies are all done; oldest first on ties."""
    by_id = {t.id: t for t in tasks}
    ready = [t for t in by_id.values()
             if t.status == "open" and all(d in by_id and by_id[d].status == "done" for d in t.depends_on)]
    return min(ready, key=lambda t: (TASK_PRIORITIES.index(t.priority), t.id), default=None)


def unchanged_since_opened(task: Task, current_hashes: dict[str, str]) -> str | None:
    """A refusal reason when none of the files in the task's baseline changed, else None."""
    files = task.baseline.get("files") or {}
    if files and all(current_hashes.get(p) == h for p, h in files.items()):
        return f"linked files are unchanged since the task was opened: {', '.join(sorted(files))}"
    return None


def _reaches(graph: dict[str, set[str]], starts: Iterable[str], target: str) -> bool:
    stack, seen = list(starts), set()
    while stack:
        node = stack.pop()
        if node == target:
            return True
        if node not in seen:
            seen.add(node)
            stack.extend(graph.get(node, ()))
    return False


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _editable(task: Task) -> dict[str, Any]:
    return {"title": task.title, "description": task.description, "priority": task.priority,
            "acceptance": task.acceptance, "links": task.links, "baseline": task.baseline}


def _checked(fields: dict[str, Any]) -> dict[str, Any]:
    out = dict(fields)
    out["title"] = " ".join(str(fields["title"]).split())
    if not out["title"]:
        raise InvalidInput("a task needs a non-empty title")
    out["description"] = str(fields["description"] or "").strip()
    if has_heading(out["description"]):
        raise InvalidInput("description may not contain '## ' headings (they start a new section); use '###'")
    if fields["priority"] not in TASK_PRIORITIES:
        raise InvalidInput(f"unknown priority {fields['priority']!r}; use one of {', '.join(TASK_PRIORITIES)}")
    out["acceptance"] = tuple(_item(a) for a in fields["acceptance"])
    out["links"] = tuple(fields["links"])
    if not all(isinstance(link, dict) for link in out["links"]):
        raise InvalidInput('links must be a list of objects, e.g. {"symbol": "pkg.mod.func"}')
    if not isinstance(fields["baseline"], dict):
        raise InvalidInput('baseline must be an object, e.g. {"files": {"src/app.py": "<hash>"}}')
    return out


def _item(value: str | dict[str, Any] | AcceptanceItem) -> AcceptanceItem:
    if isinstance(value, AcceptanceItem):
        return value
    text, done = (value, False) if isinstance(value, str) else (value.get("text", ""), bool(value.get("done")))
    text = " ".join(str(text).split())
    if not text:
        raise InvalidInput("acceptance items need text")
    return AcceptanceItem(text, done)


def _numbers(value: int | Iterable[int] | None, name: str) -> tuple[int, ...]:
    """One item number or several; a bool or text is refused rather than read as a number."""
    numbers = () if value is None else (value,) if isinstance(value, int) else tuple(value)
    if any(isinstance(n, bool) or not isinstance(n, int) for n in numbers):
        raise InvalidInput(f"{name} takes acceptance item numbers (from 1), e.g. [1, 2]")
    return numbers


def _ticked(task: Task, ticks: Iterable[int], unticks: Iterable[int]) -> tuple[AcceptanceItem, ...]:
    done = {i: True for i in ticks} | {i: False for i in unticks}
    if bad := [n for n in done if not 1 <= n <= len(task.acceptance)]:
        raise InvalidInput(f"task {task.id} has {len(task.acceptance)} acceptance items; "
                           f"{bad[0]} is not one of them (they are numbered from 1)")
    return tuple(dataclasses.replace(a, done=done.get(i, a.done)) for i, a in enumerate(task.acceptance, 1))


def _from_file(path: Path, meta: dict[str, Any], body: str, display: str) -> Task:
    item_id = normalize_id(text_field(meta, "id", path))
    if int(item_id) != number_of(path.name):
        raise InvalidInput(f"{path}: front matter id {item_id} does not match the file name; make them agree")
    preamble, sections = split_sections(body)
    named = {h.lower(): t for h, t in sections}
    others = [("", preamble)] if preamble else []
    others += [(h, t) for h, t in sections if h.lower() not in ("description", "acceptance", "notes")]
    return Task(
        id=item_id,
        title=text_field(meta, "title", path),
        status=choice_field(meta, "status", path, TASK_STATUSES),
        priority=choice_field(meta, "priority", path, TASK_PRIORITIES),
        path=display,
        created=text_field(meta, "created", path),
        updated=text_field(meta, "updated", path),
        description=named.get("description", ""),
        acceptance=_checklist(named.get("acceptance", "")),
        links=mapping_list(meta, "links", path),
        depends_on=tuple(normalize_id(d) for d in text_list(meta, "depends_on", path)),
        notes=tuple(_note(n) for n in bullets(named.get("notes", ""))),
        baseline=mapping_field(meta, "baseline", path) or {},
        override=mapping_field(meta, "override", path),
        sections=tuple(others),
        extra={k: v for k, v in meta.items() if k not in _META_KEYS},
    )


def _checklist(text: str) -> tuple[AcceptanceItem, ...]:
    """Checklist items; a plain '- item' typed by hand counts as unticked."""
    items: list[AcceptanceItem] = []
    for line in text.split("\n"):
        if box := _CHECKBOX.match(line):
            items.append(AcceptanceItem(box.group(2).strip(), box.group(1) != " "))
        elif plain := _PLAIN_ITEM.match(line):
            items.append(AcceptanceItem(plain.group(1).strip()))
        elif items and line.startswith((" ", "\t")) and line.strip():
            items[-1] = dataclasses.replace(items[-1], text=f"{items[-1].text} {line.strip()}")
    return tuple(item for item in items if item.text)


def _note(text: str) -> TaskNote:
    stamped = _STAMPED.match(text)
    return TaskNote(stamped.group(1), stamped.group(2)) if stamped else TaskNote("", text)


def _render(task: Task, item_id: str) -> str:
    meta: dict[str, Any] = {
        "id": item_id, "title": task.title, "status": task.status, "priority": task.priority,
        "created": task.created, "updated": task.updated, "links": [dict(x) for x in task.links],
        "depends_on": list(task.depends_on),
    }
    if task.baseline:
        meta["baseline"] = task.baseline
    if task.override:
        meta["override"] = task.override
    meta.update({k: v for k, v in task.extra.items() if k not in meta})
    parts = [text for heading, text in task.sections if not heading]
    if task.description:
        parts.append(f"## Description\n\n{task.description}")
    if task.acceptance:
        checklist = "\n".join(f"- [{'x' if a.done else ' '}] {a.text}" for a in task.acceptance)
        parts.append(f"## Acceptance\n\n{checklist}")
    if task.notes:
        parts.append("## Notes\n\n" + bullet_list([f"{n.at}: {n.text}" if n.at else n.text for n in task.notes]))
    parts += [f"## {heading}\n\n{text}".rstrip() for heading, text in task.sections if heading]
    return render(meta, "\n\n".join(parts) + "\n")
