"""The decision log: one Markdown file per decision, plus any existing ADR folders.

A kenning decision file keeps id, title, status, date, tags, links, supersedes,
superseded_by and rules in its front matter, and Context / Decision / Consequences /
Alternatives as ``##`` sections of the body, so it reads well on GitHub and can be edited
by hand. Every read goes to disk: a hand edit shows up on the next call.

Ids are unique across folders: a decision of the project's own folder is its file's number
(``0007``); one read from an ADR folder carries that folder's prefix (``adr-0007`` for
docs/adr), since ADR tools number their folder on their own. A bare id inside an ADR file
(``Superseded by 0009``) names a decision of the same folder.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from kenning.errors import ChangedOnDisk, Conflict, InvalidInput, KenningError
from kenning.memory import adr_import
from kenning.memory.filestore import create_numbered, display_path, find_file, format_id, inside_root, locked
from kenning.memory.filestore import numbered_files, number_of, parse_id, retried, write_atomic
from kenning.memory.frontmatter import bullet_list, bullets, choice_field, has_heading, mapping_list
from kenning.memory.frontmatter import parse, read_versioned, render, split_sections, text_field, text_list
from kenning.models import DECISION_STATUSES, Decision

DECISIONS_FOLDER = Path(".kenning/memory/decisions")
# Body sections, in the order they are written, and the headings read back as each.
_SECTIONS = {
    "context": ("Context", {"context"}),
    "decision": ("Decision", {"decision"}),
    "consequences": ("Consequences", {"consequences"}),
    "alternatives": ("Alternatives", {"alternatives", "alternatives considered", "considered options"}),
}
_META_KEYS = ("id", "title", "status", "date", "tags", "links", "supersedes", "superseded_by", "rules")
UPDATABLE = ("title", "status", "date", "context", "decision", "consequences", "alternatives", "tags", "links", "rules")
_CLOSED = ("superseded", "rejected", "deprecated")  # ranked after current decisions in search


class DecisionLog:
    """Decisions in ``folder`` (written here) and in ``imports`` (ADR folders, read only)."""

    def __init__(self, folder: Path, *, root: Path | None = None, imports: Sequence[Path] = ()) -> None:
        self.folder = folder
        self.root = root
        self.imports = [p for p in imports if p.resolve() != folder.resolve()]
        self.prefixes = ["", *adr_import.id_prefixes(self.imports)]  # one per folder: ids stay unique
        self._prefix_of = dict(zip(self.folders, self.prefixes))

    @classmethod
    def for_root(cls, root: Path, folder: Path | str | None = None) -> DecisionLog:
        """The log of a project: ``folder`` (default .kenning/memory/decisions) plus detected ADR folders."""
        chosen = inside_root(root, root / (folder if folder is not None else DECISIONS_FOLDER))
        return cls(chosen, root=root, imports=adr_import.detect_adr_folders(root))

    @property
    def folders(self) -> list[Path]:
        return [self.folder, *self.imports]

    # --- reading -------------------------------------------------------------------

    def get(self, decision_id: str | int) -> Decision:
        return self.read(self._find(decision_id))

    def scan(self) -> tuple[list[Decision], list[str]]:
        """Every decision that reads, and one message per file that does not."""
        decisions, problems = [], []
        for path in (p for folder in self.folders for p in numbered_files(folder)):
            try:
                decisions.append(self.read(path))
            except KenningError as e:
                problems.append(str(e))
        return sorted(decisions, key=lambda d: d.id), problems

    def list(self, status: str | None = None, tag: str | None = None) -> list[Decision]:
        """Decisions by id, optionally only one status and/or tag (case-insensitive)."""
        if status is not None and status not in DECISION_STATUSES:
            raise InvalidInput(f"unknown status {status!r}; use one of {', '.join(DECISION_STATUSES)}")
        wanted_tag = tag.lower() if tag else None
        return [
            d for d in self._all()
            if (status is None or d.status == status)
            and (wanted_tag is None or wanted_tag in (t.lower() for t in d.tags))
        ]

    def history(self, decision_id: str | int) -> list[Decision]:
        """The supersession chain through a decision, oldest first; a file that does not read ends it there."""
        by_id = {d.id: d for d in self.scan()[0]}
        start = self.get(decision_id)
        predecessor = {d.superseded_by: d.id for d in by_id.values() if d.superseded_by}
        successor = {d.supersedes: d.id for d in by_id.values() if d.supersedes}
        first, seen = start, {start.id}
        while (prev := first.supersedes or predecessor.get(first.id)) in by_id and prev not in seen:
            first = by_id[prev]
            seen.add(prev)
        chain, current = [first], first
        while (nxt := current.superseded_by or successor.get(current.id)) in by_id and nxt not in {d.id for d in chain}:
            current = by_id[nxt]
            chain.append(current)
        return chain

    def search(self, query: str, limit: int = 20) -> list[tuple[Decision, float]]:
        """Lexical search over title, tags and body, best first; current decisions before closed ones."""
        terms = list(dict.fromkeys(re.findall(r"\w+", query.lower())))
        if not terms:
            raise InvalidInput("search needs at least one word")
        scored = [(d, _score(d, terms)) for d in self._all()]
        hits = [(d, s) for d, s in scored if s > 0]
        hits.sort(key=lambda hit: (-hit[1], hit[0].status in _CLOSED, hit[0].id))
        return hits[:limit]

    # --- writing -------------------------------------------------------------------

    def add(self, title: str, *, context: str, decision: str, status: str = "accepted",
            date: str | None = None, consequences: str = "", alternatives: Iterable[str] = (),
            tags: Iterable[str] = (), links: Iterable[dict[str, Any]] = (),
            rules: Iterable[dict[str, Any]] = (), supersedes: str | int | None = None,
            allow_duplicate: bool = False) -> Decision:
        """Record a new decision; with ``supersedes``, the old one is marked superseded by it.

        A title another decision already has (ignoring case and spacing) is refused unless
        ``allow_duplicate``; the decision being superseded may share it (a revision keeps its name)."""
        if status == "superseded":
            raise InvalidInput("a new decision cannot start superseded; supersede an existing one instead")
        fields = _checked(dict(
            title=title, context=context, decision=decision, status=status,
            date=date or dt.date.today().isoformat(), consequences=consequences,
            alternatives=alternatives, tags=tags, links=links, rules=rules,
        ))
        with locked(self.folder):
            old = self._superseded_target(supersedes, None)[0] if supersedes is not None else None
            if not allow_duplicate:
                self._refuse_duplicate(fields["title"], old.id if old else None)
            draft = Decision(id="", path="", **fields, supersedes=old.id if old else None)
            path = create_numbered(self.folders, draft.title, lambda new_id: _render(draft, new_id))
            new = self.read(path)
            if old is not None:
                try:
                    retried(lambda: self._mark_superseded(old.id, new.id))
                except ChangedOnDisk as e:
                    raise ChangedOnDisk(f"decision {new.id} is recorded, but marking {old.id} superseded failed: "
                                        f"{e}; finish with `kenning decision supersede {old.id} {new.id}`") from e
        return new

    def update(self, decision_id: str | int, **fields: Any) -> Decision:
        """Change fields of a kenning decision file; the file is re-read first, so hand edits survive."""
        unknown = sorted(set(fields) - set(UPDATABLE))
        if unknown:
            raise InvalidInput(f"cannot update {', '.join(unknown)}; updatable fields: {', '.join(UPDATABLE)}")
        if fields.get("status") == "superseded":
            raise InvalidInput("mark a decision superseded with supersede, which records its successor")

        def change() -> Decision:
            current, version = self._writable(decision_id)
            if current.superseded_by and fields.get("status", current.status) != current.status:
                raise Conflict(f"decision {current.id} is superseded by {current.superseded_by}, which records it; "
                               "change that one, or record a new decision that supersedes it")
            merged = _checked({**{k: getattr(current, k) for k in UPDATABLE}, **fields})
            return self._write(dataclasses.replace(current, **merged), version)

        with locked(self.folder):
            return retried(change)

    def supersede(self, old_id: str | int, new: dict[str, Any] | str | int) -> Decision:
        """Replace decision old_id by a new decision (fields) or an existing one (id); returns the new one."""
        if isinstance(new, dict):
            if "supersedes" in new:
                raise InvalidInput("'supersedes' is set by supersede itself; leave it out of the new fields")
            return self.add(**new, supersedes=old_id)

        def link() -> Decision:
            successor, version = self._writable(new)
            if successor.status in _CLOSED:
                raise Conflict(f"decision {successor.id} is {successor.status}; a successor must be current")
            old = self._superseded_target(old_id, successor.id)[0]
            if successor.supersedes not in (None, old.id):
                raise Conflict(f"decision {successor.id} already supersedes {successor.supersedes}")
            successor = self._write(dataclasses.replace(successor, supersedes=old.id), version)
            self._mark_superseded(old.id, successor.id)
            return successor

        with locked(self.folder):
            return retried(link)  # a retry finds the successor's half done and redoes it unchanged

    # --- internals -----------------------------------------------------------------

    def _all(self) -> list[Decision]:
        decisions, problems = self.scan()
        if problems:
            raise InvalidInput("; ".join(problems))
        return decisions

    def read(self, path: Path) -> Decision:
        """The decision one file holds (KenningError naming the file if it does not read)."""
        return self._read_versioned(path)[0]

    def _refuse_duplicate(self, title: str, superseded: str | None) -> None:
        wanted = title.casefold()
        same = [d for d in self.scan()[0] if " ".join(d.title.split()).casefold() == wanted and d.id != superseded]
        if same:
            raise Conflict(f"decision {same[0].id} ({same[0].path}) already has the title {title!r}: update or "
                           "supersede it, or record this one anyway with allow_duplicate")

    def _read_versioned(self, path: Path) -> tuple[Decision, str]:
        text, version = read_versioned(path)
        meta, body = parse(text, path, required=False)
        display = display_path(path, self.root)
        prefix = self._prefix_of.get(path.parent, "")
        if "id" not in meta:  # not written by kenning: an ADR in the project's own format
            return adr_import.parse_adr(path, meta, body, display, prefix), version
        return _from_file(path, meta, body, display, prefix), version

    def _find(self, decision_id: str | int) -> Path:
        return find_file(self.folders, str(decision_id), "decision", self.prefixes)

    def _writable(self, decision_id: str | int) -> tuple[Decision, str]:
        """A kenning decision and the version of its file, for a rewrite that must not lose a hand edit."""
        decision, version = self._read_versioned(self._find(decision_id))
        if decision.format != "kenning":
            raise Conflict(
                f"decision {decision.id} is a {decision.format} ADR ({decision.path}) that kenning reads "
                "but does not rewrite; edit that file by hand"
            )
        return decision, version

    def _superseded_target(self, old_id: str | int, new_id: str | None) -> tuple[Decision, str]:
        old, version = self._writable(old_id)
        if old.id == new_id:
            raise InvalidInput(f"decision {old.id} cannot supersede itself")
        if old.superseded_by not in (None, new_id):
            raise Conflict(f"decision {old.id} is already superseded by {old.superseded_by}; supersede that one")
        return old, version

    def _mark_superseded(self, old_id: str, new_id: str) -> None:
        old, version = self._superseded_target(old_id, new_id)
        self._write(dataclasses.replace(old, status="superseded", superseded_by=new_id), version)

    def _write(self, decision: Decision, version: str) -> Decision:
        """Rewrite a decision's file, if it is still the version it was read as (else ChangedOnDisk)."""
        path = self._find(decision.id)
        write_atomic(path, _render(decision, decision.id), version)
        return self.read(path)


def _checked(fields: dict[str, Any]) -> dict[str, Any]:
    """Validated, normalized copies of the writable fields; raises InvalidInput naming the field."""
    out = dict(fields)
    out["title"] = " ".join(str(fields["title"]).split())  # one line: it names the file and the heading
    for key in ("context", "decision", "consequences"):
        out[key] = str(fields[key] or "").strip()
        if has_heading(out[key]):
            raise InvalidInput(f"{key} may not contain '## ' headings (they start a new section); use '###'")
    for key in ("title", "context", "decision"):
        if not out[key]:
            raise InvalidInput(f"a decision needs a non-empty {key}")
    if fields["status"] not in DECISION_STATUSES:
        raise InvalidInput(f"unknown status {fields['status']!r}; use one of {', '.join(DECISION_STATUSES)}")
    try:
        dt.date.fromisoformat(str(fields["date"]))
    except ValueError as e:
        raise InvalidInput(f"date {fields['date']!r} is not an ISO date (YYYY-MM-DD)") from e
    out["alternatives"] = tuple(a.strip() for a in _strings(fields["alternatives"], "alternatives") if a.strip())
    out["tags"] = tuple(dict.fromkeys(t.strip() for t in _strings(fields["tags"], "tags") if t.strip()))
    for key in ("links", "rules"):
        out[key] = tuple(fields[key])
        if not all(isinstance(item, dict) for item in out[key]):
            raise InvalidInput(f"{key} must be a list of objects, e.g. {{\"path\": \"src/app.py\"}}")
    return out


def _strings(value: Any, key: str) -> list[str]:
    if isinstance(value, str) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(f"{key} must be a list of strings")
    return list(value)


def _from_file(path: Path, meta: dict[str, Any], body: str, display: str, prefix: str) -> Decision:
    written = text_field(meta, "id", path)
    number = parse_id(written)[1]
    if number != number_of(path.name):
        raise InvalidInput(f"{path}: front matter id {written} does not match the file name; make them agree")
    preamble, sections = split_sections(body)
    known: dict[str, str] = {}
    others = [("", preamble)] if preamble else []
    for heading, text in sections:
        field = next((f for f, (_, names) in _SECTIONS.items() if heading.lower() in names), None)
        if field is None or field in known:
            others.append((heading, text))
        else:
            known[field] = text
    return Decision(
        id=format_id(number, prefix),
        title=text_field(meta, "title", path),
        status=choice_field(meta, "status", path, DECISION_STATUSES),
        date=text_field(meta, "date", path),
        path=display,
        context=known.get("context", ""),
        decision=known.get("decision", ""),
        consequences=known.get("consequences", ""),
        alternatives=tuple(bullets(known.get("alternatives", ""))),
        tags=text_list(meta, "tags", path),
        links=mapping_list(meta, "links", path),
        supersedes=_optional_id(meta, "supersedes", path, prefix),
        superseded_by=_optional_id(meta, "superseded_by", path, prefix),
        rules=mapping_list(meta, "rules", path),
        sections=tuple(others),
        extra={k: v for k, v in meta.items() if k not in _META_KEYS},
    )


def _optional_id(meta: dict[str, Any], key: str, path: Path, prefix: str) -> str | None:
    """A decision id a file names; a bare number is one of the file's own folder."""
    value = text_field(meta, key, path)
    try:
        named_prefix, number = parse_id(value) if value else ("", 0)
    except InvalidInput as e:
        raise InvalidInput(f"{path}: '{key}' {e}") from e
    return format_id(number, named_prefix or prefix) if value else None


def _render(d: Decision, item_id: str) -> str:
    meta: dict[str, Any] = {
        "id": item_id, "title": d.title, "status": d.status, "date": d.date,
        "tags": list(d.tags), "links": [dict(x) for x in d.links],
    }
    if d.supersedes:
        meta["supersedes"] = d.supersedes
    if d.superseded_by:
        meta["superseded_by"] = d.superseded_by
    if d.rules:
        meta["rules"] = [dict(x) for x in d.rules]
    meta.update({k: v for k, v in d.extra.items() if k not in meta})
    parts = [text for heading, text in d.sections if not heading]
    for field, (heading, _) in _SECTIONS.items():
        value = bullet_list(d.alternatives) if field == "alternatives" else getattr(d, field)
        if value:
            parts.append(f"## {heading}\n\n{value}")
    parts += [f"## {heading}\n\n{text}".rstrip() for heading, text in d.sections if heading]
    return render(meta, "\n\n".join(parts) + "\n")


def _score(d: Decision, terms: list[str]) -> float:
    """Distinct terms matched dominate; weighted counts (title 3, tags 2, body 1) break ties."""
    title, tags = d.title.lower(), " ".join(d.tags).lower()
    body = " ".join([d.context, d.decision, d.consequences, *d.alternatives, *(t for _, t in d.sections)]).lower()
    matched = weighted = 0
    for term in terms:
        count = 3 * title.count(term) + 2 * tags.count(term) + body.count(term)
        matched += count > 0
        weighted += count
    return matched + weighted / (weighted + 10) if matched else 0.0
