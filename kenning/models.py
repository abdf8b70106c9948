"""Frozen dataclasses that cross layers (indexer -> service -> memory -> adapters)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal, NamedTuple, get_args

# Symbol kinds kenning reports, whatever the language calls them.
SYMBOL_KINDS = (
    "function", "method", "class", "interface", "struct", "enum",
    "type", "module", "constant", "macro", "field",
    "declaration",  # a C/C++ prototype whose definition is in another file
)
# Reference kinds: what an edge in the graph means. Python dependencies the module does not have when
# imported get their own: `import-type` (under `if TYPE_CHECKING:`) and `<kind>-main` (inside
# `if __name__ == "__main__":`); see indexer/dependency_contexts.py.
REFERENCE_KINDS = ("call", "import", "inherit", "implement", "type",
                   "import-type", "import-main", "call-main", "inherit-main")
IMPORT_KINDS = ("import", "import-type", "import-main")  # resolved as imports: they bind names
# What `kenning guard` reports about a proposed change, strongest first; `guard_block_on` names some of them.
# "unresolved"/"broken-call": a reference that does not exist or fit; "simulated": a function that fakes its work; "disconnected": new code nothing in the project uses.
GUARD_KINDS = ("duplicate-exact", "rule", "unresolved", "broken-call", "simulated", "duplicate", "similar",
               "disconnected")
GuardOrigin = Literal["cli", "claude-code", "git", "api", "mcp"]  # who asked, as the audit log records it
# Characters per token of English-and-code text, as code models' tokenizers roughly count: every token
# budget (the repo map, the brief) is turned into characters with this one figure.
CHARS_PER_TOKEN = 4


def _fields_of(obj) -> tuple:
    return tuple(getattr(obj, name) for name in obj.__slots__)


# A use resolved only because one definition in the whole project has that name (resolve.py: 0.5 called
# bare, 0.3 through an unknown receiver) is a guess, and every surface marks it so.
GUESS_CONFIDENCE = 0.5

@dataclass(frozen=True, slots=True)
class Symbol:
    qualified_name: str
    name: str
    kind: str
    language: str
    path: str  # relative to the project root, '/'-separated
    start_line: int  # 1-based, inclusive
    end_line: int
    signature: str
    docstring: str = ""
    parent: str | None = None  # qualified name of the enclosing symbol
    body_hash: str = ""  # exact text of the definition
    fingerprint: str = ""  # normalized token stream: identifiers and literals abstracted
    shape: str = ""  # the normalized tokens themselves (space separated, capped), for near-clone search

    def __reduce__(self):  # tens of thousands cross from parser workers: pickle as a plain tuple
        return (Symbol, _fields_of(self))

    def public(self) -> dict[str, Any]:
        """The JSON shape every adapter shows for a symbol."""
        return {
            "qualified_name": self.qualified_name,
            "name": self.name,
            "kind": self.kind,
            "language": self.language,
            "path": self.path,
            "start_line": self.start_line,
            "end_line": self.end_line,
            "signature": self.signature,
        }


@dataclass(frozen=True, slots=True)
class Reference:
    """A use of a name in a file: a call, an import, a base class, a type."""

    path: str
    kind: str
    name: str  # the last identifier, e.g. 'join'
    text: str  # as written, e.g. 'os.path.join' or the module string of an import
    line: int
    source: str | None = None  # qualified name of the enclosing symbol; None at module level
    target: str | None = None  # resolved qualified name (a symbol or, for imports, a module)
    target_path: str | None = None
    confidence: float = 0.0  # 0 unresolved .. 1 certain; at most GUESS_CONFIDENCE, a guess by name

    def __reduce__(self):
        return (Reference, _fields_of(self))


class SearchRow(NamedTuple):
    """What search keeps per symbol beyond the index's rows (store/search_rows.py). A tuple: tens of
    thousands cross from the parser workers, and tuples pickle fast."""

    text_hash: str
    text: str
    name_terms: str
    signature_terms: str
    body_terms: str
    bands: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """Everything the indexer extracts from one file."""

    path: str
    language: str
    module: str
    content_hash: str
    size: int
    mtime_ns: int
    symbols: tuple[Symbol, ...] = ()
    references: tuple[Reference, ...] = ()
    parse_errors: int = 0  # syntax-error nodes tree-sitter recovered from
    decode_errors: bool = False  # the bytes were not valid UTF-8
    # Each symbol's search rows, computed in the worker that parsed the file (the service hands
    # indexer.pipeline.parse_many store/search_rows.for_file); None until then, and once written.
    search_rows: tuple[SearchRow, ...] | None = None
    unit: "ModuleUnit | None" = None  # the file as one search result (indexer/module_units.py)


@dataclass(frozen=True, slots=True)
class ModuleUnit:
    """What search matches a question about a whole file against, beside its path."""

    doc: str  # module docstring or leading comment
    names: str  # space-separated names its top-level code defines, imports, re-exports or declares
    lines: int


@dataclass(frozen=True, slots=True)
class FileRecord:
    path: str
    language: str
    module: str
    content_hash: str
    size: int
    mtime_ns: int
    parse_errors: int = 0


@dataclass(slots=True)
class IndexReport:
    files_indexed: int = 0
    files_unchanged: int = 0
    files_skipped: int = 0
    files_deleted: int = 0
    symbols: int = 0
    edges: int = 0
    seconds: float = 0.0
    skipped_by_reason: dict[str, int] = field(default_factory=dict)
    parse_errors: int = 0
    decode_errors: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- project memory: decisions, tasks, session handoffs (files under .kenning/memory/) ---

# Each closed set of words once, as a Literal the API and MCP schemas use, and as a tuple for checks.
DecisionStatus = Literal["proposed", "accepted", "rejected", "superseded", "deprecated"]
NewDecisionStatus = Literal["proposed", "accepted", "rejected", "deprecated"]  # superseded: only by a successor
DECISION_STATUSES: tuple[str, ...] = get_args(DecisionStatus)
# A decision id as a URL names it: its number (0007), behind its ADR folder's prefix for ADRs (adr-0007).
DECISION_ID_PATTERN = r"^(?:[A-Za-z][A-Za-z0-9-]{0,60}-)?[0-9]{1,9}$"
TaskStatus = Literal["open", "in_progress", "blocked", "done", "dropped"]
SettableTaskStatus = Literal["open", "in_progress", "blocked", "dropped"]  # done: through the completion checks
TaskPriority = Literal["high", "medium", "low"]  # best first; next_task picks in this order
TASK_STATUSES: tuple[str, ...] = get_args(TaskStatus)
TASK_PRIORITIES: tuple[str, ...] = get_args(TaskPriority)
# What the caller did after an exists answer (the audit log counts duplicates avoided from these).
ExistsChoice = Literal["reused", "extended", "wrote_new"]
EXISTS_CHOICES: tuple[str, ...] = get_args(ExistsChoice)


@dataclass(frozen=True, slots=True)
class Decision:
    id: str  # '0007': the file's number; 'adr-0007' for one read from an ADR folder (see DECISION_ID_PATTERN)
    title: str
    status: str  # one of DECISION_STATUSES
    date: str  # ISO date, 'YYYY-MM-DD'
    path: str  # the file, relative to the project root when it lies inside it
    context: str = ""
    decision: str = ""
    consequences: str = ""
    alternatives: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    links: tuple[dict[str, Any], ...] = ()  # {"symbol": qname, "body_hash": h} or {"path": p}, as given
    supersedes: str | None = None
    superseded_by: str | None = None
    rules: tuple[dict[str, Any], ...] = ()  # machine-checkable rules, opaque to the memory layer
    format: str = "kenning"  # 'kenning', or 'nygard'/'madr' for ADR files read but never rewritten
    sections: tuple[tuple[str, str], ...] = ()  # other '## ' sections of the body, kept as written
    extra: dict[str, Any] = field(default_factory=dict)  # front-matter keys kenning does not know

    def public(self) -> dict[str, Any]:
        """The JSON shape every adapter shows: every front-matter field, id and path."""
        return {
            **self.extra,
            "id": self.id,
            "path": self.path,
            "title": self.title,
            "status": self.status,
            "date": self.date,
            "context": self.context,
            "decision": self.decision,
            "consequences": self.consequences,
            "alternatives": list(self.alternatives),
            "tags": list(self.tags),
            "links": [dict(link) for link in self.links],
            "supersedes": self.supersedes,
            "superseded_by": self.superseded_by,
            "rules": [dict(rule) for rule in self.rules],
            "format": self.format,
            "sections": dict(self.sections),
        }


@dataclass(frozen=True, slots=True)
class AcceptanceItem:
    text: str
    done: bool = False


@dataclass(frozen=True, slots=True)
class TaskNote:
    at: str  # ISO timestamp; '' for a note typed by hand without one
    text: str


@dataclass(frozen=True, slots=True)
class Task:
    id: str
    title: str
    status: str  # one of TASK_STATUSES
    priority: str  # one of TASK_PRIORITIES
    path: str
    created: str  # ISO timestamps, UTC
    updated: str
    description: str = ""
    acceptance: tuple[AcceptanceItem, ...] = ()
    links: tuple[dict[str, Any], ...] = ()
    depends_on: tuple[str, ...] = ()
    notes: tuple[TaskNote, ...] = ()
    baseline: dict[str, Any] = field(default_factory=dict)  # what the caller recorded at opening
    override: dict[str, Any] | None = None  # {"reason", "at", "overridden": [reasons]} after a forced close
    sections: tuple[tuple[str, str], ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def public(self) -> dict[str, Any]:
        return {
            **self.extra,
            "id": self.id,
            "path": self.path,
            "title": self.title,
            "status": self.status,
            "priority": self.priority,
            "created": self.created,
            "updated": self.updated,
            "description": self.description,
            "acceptance": [{"text": a.text, "done": a.done} for a in self.acceptance],
            "links": [dict(link) for link in self.links],
            "depends_on": list(self.depends_on),
            "notes": [{"at": n.at, "text": n.text} for n in self.notes],
            "baseline": dict(self.baseline),
            "override": dict(self.override) if self.override is not None else None,
            "sections": dict(self.sections),
        }


@dataclass(frozen=True, slots=True)
class Handoff:
    id: str
    timestamp: str  # ISO, UTC
    path: str
    summary: str
    next_steps: tuple[str, ...] = ()
    open_questions: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def public(self) -> dict[str, Any]:
        return {
            **self.extra,
            "id": self.id,
            "path": self.path,
            "timestamp": self.timestamp,
            "summary": self.summary,
            "next_steps": list(self.next_steps),
            "open_questions": list(self.open_questions),
        }


@dataclass(frozen=True, slots=True)
class Problem:
    """A memory file that does not read: lists show it beside the items that do, rather than failing."""

    path: str  # relative to the project root, as items' paths are
    error: str  # what is wrong and how to fix it

    def public(self) -> dict[str, Any]:
        return {"path": self.path, "error": self.error}
