"""Fit a session brief into a token budget (about 4 characters per token).

Sections come in priority order. Every section first gets its heading and its first item
if they fit, so nothing is crowded out entirely; the rest of the budget is then shared out
one line per section in turn. A section that lost items says how many are left out, and a
last line names what did not fit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kenning.models import CHARS_PER_TOKEN

MIN_BUDGET = 64  # tokens: below this not even the headings fit
_LINE_MAX = 400  # one item never takes more than this many characters of the brief
_OMITTED_RESERVE = 160


@dataclass(slots=True)
class Section:
    key: str  # the JSON key
    heading: str
    lines: list[str]  # one rendered line per item
    items: list[Any]  # one per line (empty when ``whole`` is set): its JSON, or what ``to_json`` turns into it
    total: int | None = None  # how many exist when more were fetched than shown; default len(lines)
    whole: dict[str, Any] | None = None  # one object the lines describe together (a handoff), instead of items
    to_json: Callable[[Any], dict[str, Any]] | None = None  # applied to shown items only: loading is not free
    kept: int = 0

    @property
    def count(self) -> int:
        return self.total if self.total is not None else len(self.lines)

    def shown(self) -> Any:
        if self.whole is not None:
            return self.whole if self.kept else None
        shown = self.items[: self.kept]
        return [self.to_json(item) for item in shown] if self.to_json else shown


@dataclass(frozen=True, slots=True)
class Brief:
    text: str
    token_budget: int
    tokens: int  # estimated tokens of text
    since: str | None  # the last handoff's time; None before the first handoff
    sections: dict[str, Any] = field(default_factory=dict)

    def public(self) -> dict[str, Any]:
        return {"token_budget": self.token_budget, "tokens": self.tokens, "since": self.since,
                "sections": self.sections, "text": self.text}


def fit(title: str, sections: list[Section], token_budget: int, since: str | None) -> Brief:
    """The brief holding as much of each section as the budget allows."""
    budget = token_budget * CHARS_PER_TOKEN
    reserve = min(_OMITTED_RESERVE, budget // 8)  # for the line naming what did not fit
    for section in sections:
        section.lines = [_clip(line) for line in section.lines]
    used = len(title) + 1 + reserve
    for section in sections:  # first pass: heading and first item of each section
        if section.lines:
            cost = _heading_cost(section) + len(section.lines[0]) + 1
            if used + cost <= budget:
                section.kept, used = 1, used + cost
    growing = [s for s in sections if s.kept]
    while growing:  # then one more line per section in turn, so no section takes the whole budget
        for section in list(growing):
            extra = len(section.lines[section.kept]) + 1 if section.kept < len(section.lines) else None
            if extra is None or used + extra > budget:
                growing.remove(section)
            else:
                section.kept, used = section.kept + 1, used + extra
    text = _render(title, sections)
    left_out = [f"{s.heading.lower()} ({s.count - s.kept})" for s in sections if s.count > s.kept]
    if left_out:
        note = "\nLeft out to fit the budget: " + ", ".join(left_out)
        if len(note) > reserve:
            note = note[: reserve - 3] + "..." if reserve > 3 else ""
        text += note
    return Brief(
        text=text,
        token_budget=token_budget,
        tokens=-(-len(text) // CHARS_PER_TOKEN),
        since=since,
        sections={s.key: {"total": s.count, "shown": s.kept, ("items" if s.whole is None else "item"): s.shown()}
                  for s in sections},
    )


def _heading_cost(section: Section) -> int:
    # The heading, the blank line before it, and room for a "(+N more)" line.
    return len(section.heading) + len(f"({section.count} in all)") + 2 + len("  (+99999 more)") + 1


def _render(title: str, sections: list[Section]) -> str:
    out = [title]
    for section in sections:
        if not section.kept:
            continue
        counted = section.whole is None and section.count > 1
        out += ["", f"{section.heading} ({section.count} in all)" if counted else section.heading]
        out += section.lines[: section.kept]
        if section.count > section.kept:
            out.append(f"  (+{section.count - section.kept} more)")
    return "\n".join(out)


def _clip(line: str) -> str:
    flat = " ".join(line.split())
    prefix = line[: len(line) - len(line.lstrip())]
    flat = prefix + flat
    return flat if len(flat) <= _LINE_MAX else flat[: _LINE_MAX - 3] + "..."
