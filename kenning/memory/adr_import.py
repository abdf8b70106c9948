"""Read existing Architecture Decision Records (adr-tools/Nygard and MADR) as decisions.

ADR files belong to the project's own tooling, so kenning reads them and never rewrites
them. The id is the file's number behind the folder's prefix (``docs/adr/0003-use-postgres.md``
is decision ``adr-0003``): ADR tools number their own folder, so the prefix keeps its ids apart
from kenning's own decisions. An ADR without any status line is taken as accepted, as MADR's
optional status implies.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from kenning.errors import InvalidInput
from kenning.memory.filestore import format_id, number_of, slugify
from kenning.memory.frontmatter import bullets, split_sections, text_field
from kenning.models import Decision

# Where projects conventionally keep ADRs, relative to the project root.
ADR_FOLDERS = ("docs/adr", "docs/decisions", "doc/adr", "doc/decisions")

# Status words seen in the wild, mapped onto kenning's statuses.
_STATUS_WORDS = {
    "proposed": "proposed", "draft": "proposed", "pending": "proposed",
    "accepted": "accepted", "approved": "accepted", "adopted": "accepted", "decided": "accepted",
    "rejected": "rejected", "declined": "rejected",
    "superseded": "superseded", "replaced": "superseded",
    "deprecated": "deprecated", "obsolete": "deprecated", "retired": "deprecated",
}
_MADR_HEADINGS = {"context and problem statement", "considered options", "decision outcome"}
_H1 = re.compile(r"^#\s+(.+?)\s*$", re.MULTILINE)
_TITLE_NUMBER = re.compile(r"^(?:adr[-_ ]?)?\d+\s*[.:)-]?\s+", re.IGNORECASE)
_LABEL_LINE = re.compile(r"^\s*(?:[-*+]\s+)?(status|date)\s*:\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)
_REF_TARGET = re.compile(r"\]\(\s*(?:\./)?([^)\s]+)\s*\)")
_REF_LABEL = re.compile(r"(?:adr[-_ ]?)?(\d+)", re.IGNORECASE)
_SUPERSEDED_BY = re.compile(r"^(?:superseded|replaced)\s+by\b(.*)$", re.IGNORECASE)
_SUPERSEDES = re.compile(r"^(?:supersedes|replaces)\b(.*)$", re.IGNORECASE)
_CONSEQUENCE_HEADINGS = ("consequences", "positive consequences", "negative consequences")


def detect_adr_folders(root: Path) -> list[Path]:
    """The conventional ADR folders that exist under root and hold numbered Markdown files."""
    found = []
    for relative in ADR_FOLDERS:
        folder = root / relative
        if folder.is_dir() and any(number_of(p.name) is not None for p in folder.iterdir()):
            found.append(folder)
    return found


def id_prefixes(folders: list[Path]) -> list[str]:
    """An id prefix per ADR folder: its name ('docs/adr' -> 'adr'), with its parent's when two share a name."""
    prefixes: list[str] = []
    for folder in folders:
        for candidate in (folder.name, f"{folder.parent.name}-{folder.name}"):
            prefix = slugify(candidate)
            prefix = prefix if prefix[0].isalpha() else f"adr-{prefix}"  # ids read back as prefix + number
            if prefix not in prefixes:
                break
        else:
            prefix = f"{prefix}-{len(prefixes) + 1}"
        prefixes.append(prefix)
    return prefixes


def parse_adr(path: Path, meta: dict[str, Any], body: str, display: str, prefix: str) -> Decision:
    """A Decision from an ADR file's (front matter, body), in Nygard or MADR format; ids get ``prefix``."""
    number = number_of(path.name)
    if number is None:
        raise InvalidInput(f"{path}: ADR file names start with their number, e.g. 0001-title.md")
    preamble, sections = split_sections(body)
    named = {heading.lower(): text for heading, text in sections}
    madr = bool(meta) or bool(_MADR_HEADINGS & named.keys()) or "* status:" in preamble.lower()
    labels = {m.group(1).lower(): m.group(2) for m in _LABEL_LINE.finditer(preamble)}
    status_text = text_field(meta, "status", path) or named.get("status") or labels.get("status", "")
    status, supersedes, superseded_by = _read_status(status_text, path, prefix)
    fields = _madr_fields(named) if madr else _nygard_fields(named)
    known = {"status", "context", "decision", "consequences", "context and problem statement",
             "considered options", "decision outcome", "alternatives"}
    return Decision(
        id=format_id(number, prefix),
        title=_title(preamble, path),
        status=status,
        date=text_field(meta, "date", path) or labels.get("date", ""),
        path=display,
        supersedes=supersedes,
        superseded_by=superseded_by,
        format="madr" if madr else "nygard",
        sections=tuple((h, t) for h, t in sections if h.lower() not in known),
        extra={k: v for k, v in meta.items() if k not in ("status", "date")},
        **fields,
    )


def _title(preamble: str, path: Path) -> str:
    match = _H1.search(preamble)
    if match is None:  # no heading: the file name is the best title there is
        return re.sub(r"^\d+[-_ ]*", "", path.stem).replace("-", " ").strip() or path.stem
    return _TITLE_NUMBER.sub("", match.group(1)).strip()


def _read_status(text: str, path: Path, prefix: str) -> tuple[str, str | None, str | None]:
    """(status, supersedes, superseded_by) from a status section or value."""
    status = None
    supersedes = superseded_by = None
    for line in (ln.strip().lstrip("-*+ ").strip() for ln in text.split("\n")):
        if not line:
            continue
        if match := _SUPERSEDED_BY.match(line):
            superseded_by = _reference(match.group(1), prefix)
            status = status or "superseded"
        elif match := _SUPERSEDES.match(line):
            supersedes = _reference(match.group(1), prefix)
        elif status is None and not line.lower().startswith(("amended", "amends", "clarified", "clarifies")):
            word = re.split(r"[^a-z]+", line.lower().strip("*_ "), maxsplit=1)[0]
            if word not in _STATUS_WORDS:
                raise InvalidInput(
                    f"{path}: unknown ADR status {line!r}; use one of {', '.join(sorted(set(_STATUS_WORDS)))}"
                )
            status = _STATUS_WORDS[word]
    return status or "accepted", supersedes, superseded_by


def _reference(text: str, prefix: str) -> str | None:
    """The id an ADR cross-reference (to the same folder) points at: '[3. Use X](0003-use-x.md)' -> 'adr-0003'."""
    target = _REF_TARGET.search(text)
    if target is not None and (number := number_of(Path(target.group(1)).name)) is not None:
        return format_id(number, prefix)
    label = _REF_LABEL.search(text)
    return format_id(int(label.group(1)), prefix) if label else None


def _nygard_fields(named: dict[str, str]) -> dict[str, Any]:
    return {
        "context": named.get("context", ""),
        "decision": named.get("decision", ""),
        "consequences": named.get("consequences", ""),
        "alternatives": tuple(bullets(named.get("alternatives", ""))),
    }


def _madr_fields(named: dict[str, str]) -> dict[str, Any]:
    outcome, subsections = split_sections(named.get("decision outcome", ""), level=3)
    consequences = [f"{h}:\n{t}" if h.lower() != "consequences" else t
                    for h, t in subsections if h.lower() in _CONSEQUENCE_HEADINGS]
    if "consequences" in named:
        consequences.insert(0, named["consequences"])
    return {
        "context": named.get("context and problem statement", named.get("context", "")),
        "decision": outcome or named.get("decision", ""),
        "consequences": "\n\n".join(consequences),
        "alternatives": tuple(bullets(named.get("considered options", ""))),
    }
