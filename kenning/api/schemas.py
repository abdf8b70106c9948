"""Pydantic shapes of the HTTP API: what goes in and out, as /openapi.json publishes them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class StrictModel(BaseModel):
    """A request body: a field the route does not take is a 422 naming it, never silently dropped."""
    model_config = ConfigDict(extra="forbid")


# A project file as a request body names it: relative, '/'-separated, no '.', '..' or empty part, no
# backslash, not starting with blank space, even after its dots, so that the service's strip() of the whole
# path never leaves an empty, '.' or '..' part (no look-ahead: pydantic's regex engine has none). Blank space
# is spelt out as the characters Python's str.strip removes, as the service does: `\s` means other sets in
# JSON Schema's regexes (no U+0085) and in pydantic's (U+0085 included), so the schema and the server
# would disagree about a name such as "\x85x".
_BLANK = "".join(f"\\u{code:04x}" for code in range(0x10000) if chr(code).isspace())
_FILE_PART = rf"(?:[^/\\\x00{_BLANK}.][^/\\\x00]*|\.[^/\\\x00{_BLANK}.][^/\\\x00]*|\.\.[^/\\\x00{_BLANK}][^/\\\x00]*)"
PROJECT_FILE_PATTERN = rf"^{_FILE_PART}(?:/{_FILE_PART})*$"


class ErrorBody(BaseModel):
    type: str = Field(description="The error class, e.g. NotFound, InvalidInput, Unauthorized.")
    message: str = Field(description="What went wrong and what to do about it.")


class ErrorOut(BaseModel):
    error: ErrorBody


class Freshness(BaseModel):
    indexed_files: int
    stale_files: int = Field(description="Files changed, added or deleted on disk since the last index run.")
    stale_paths: list[str] = Field(description="A few of those files.")
    last_indexed_at: float | None = Field(description="Unix time of the last index run; null if never indexed.")
    indexing: bool = Field(description="An index run (or embedding) is writing the index right now.")
    not_searchable: str | None = Field(None, description="While indexing: what is not searchable until it ends.")


class Health(BaseModel):
    status: str
    version: str


class Stats(BaseModel):
    root: str
    files: int
    symbols: int
    embedded: int = Field(description="Symbols with a vector: semantic results are incomplete while fewer than symbols.")
    references: int
    edges: int = Field(description="References resolved to a symbol or module.")
    last_indexed_at: float | None
    index: Freshness


class IndexReportOut(BaseModel):
    files_indexed: int
    files_unchanged: int
    files_skipped: int
    files_deleted: int
    symbols: int
    edges: int
    seconds: float
    skipped_by_reason: dict[str, int]
    parse_errors: int
    decode_errors: int


class SymbolOut(BaseModel):
    qualified_name: str
    name: str
    kind: str
    language: str
    path: str
    start_line: int
    end_line: int
    signature: str
    docstring: str = ""
    parent: str | None = None


class SymbolsOut(BaseModel):
    symbols: list[SymbolOut]
    index: Freshness


class UseOut(BaseModel):
    symbol: str | None = Field(description="The user (for callers) or the used symbol (for callees); null if unknown.")
    path: str
    line: int
    kind: str
    text: str
    confidence: float = Field(description="1 certain; 0.5 or less a guess by name (one definition in the project"
                                          " has that name); 0 unresolved.")


class UsesOfSymbol(BaseModel):
    symbol: str
    total: int
    uses: list[UseOut]


class CallersOut(BaseModel):
    callers: list[UsesOfSymbol]
    index: Freshness


class CalleesOut(BaseModel):
    callees: list[UsesOfSymbol]
    index: Freshness


class Dependent(BaseModel):
    qualified_name: str
    distance: int


class ImpactOfSymbol(BaseModel):
    symbol: str
    total: int
    dependents: list[Dependent]


class ImpactOut(BaseModel):
    impact: list[ImpactOfSymbol]
    index: Freshness


class MapFile(BaseModel):
    path: str
    symbols: list[SymbolOut]


class MapOut(BaseModel):
    budget: int
    text: str
    files: list[MapFile]
    index: Freshness


class FileOut(BaseModel):
    path: str
    symbols: list[SymbolOut]
    index: Freshness
