"""Decision drift: has the code a decision links to changed (drifted) or gone (orphaned)?

A symbol link records the symbol's body hash when the decision is written; the current
index is compared with it. A path link is orphaned when the file or folder is gone.
Acknowledging drift records the current hash (and who reviewed it), so it is reported once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kenning.store.index_store import IndexStore
from kenning.memory.memory_cache import Row
from kenning.models import Decision
from kenning.service.code_links import path_exists, symbols_of

# Closed decisions no longer govern the code, so their drift is noise.
CHECKED_STATUSES = ("proposed", "accepted")


@dataclass(frozen=True, slots=True)
class LinkChange:
    link: dict[str, Any]
    state: str  # 'drifted' or 'orphaned'
    detail: str  # what changed, for a person


@dataclass(frozen=True, slots=True)
class Drift:
    decision: Decision
    state: str  # 'orphaned' when any link is gone, else 'drifted'
    changes: tuple[LinkChange, ...]

    def public(self) -> dict[str, Any]:
        return {
            "id": self.decision.id, "title": self.decision.title, "status": self.decision.status,
            "path": self.decision.path, "state": self.state,
            "changes": [{"link": c.link, "state": c.state, "detail": c.detail} for c in self.changes],
        }


def find_drift(store: IndexStore, root: Path, decisions: list[Row], seen: dict[str, list] | None = None) -> list[Drift]:
    """The decisions whose linked code changed or disappeared, by id; only those are read in full.

    ``seen`` memoizes qualified name -> current definitions; reuse it only while the index is unchanged.
    """
    seen = {} if seen is None else seen
    drifts = []
    for row in decisions:
        changes = []
        for link in row.links:
            change = _check(store, root, link, seen)
            if change is not None:
                changes.append(change)
        if changes:
            state = "orphaned" if any(c.state == "orphaned" for c in changes) else "drifted"
            decision = row.load()
            assert isinstance(decision, Decision)
            drifts.append(Drift(decision, state, tuple(changes)))
    return drifts


def acknowledged_links(store: IndexStore, root: Path, decision: Decision,
                       by: str) -> tuple[tuple[dict[str, Any], ...], list[LinkChange]]:
    """The decision's links with each drifted symbol's current body hash recorded, and who acknowledged it
    when (and the hash it replaces); plus the changes acknowledging cannot settle (orphaned links)."""
    seen: dict[str, list] = {}
    at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    links, gone = [], []
    for link in decision.links:
        change = _check(store, root, link, seen)
        if change is not None and change.state == "drifted":
            current = seen[str(link["symbol"])][0].body_hash
            link = {**link, "body_hash": current,
                    "acknowledged": {"by": by, "at": at, "previous_hash": link["body_hash"]}}
        elif change is not None:
            gone.append(change)
        links.append(dict(link))
    return tuple(links), gone


def _check(store: IndexStore, root: Path, link: dict[str, Any], seen: dict[str, list]) -> LinkChange | None:
    if "symbol" in link:
        name = str(link["symbol"])
        if name not in seen:
            seen[name] = symbols_of(store, name)
        now = seen[name]
        if not now:
            return LinkChange(dict(link), "orphaned", _gone(store, name))
        recorded = link.get("body_hash")
        if recorded and recorded not in {s.body_hash for s in now}:
            where = ", ".join(f"{s.path}:{s.start_line}-{s.end_line}" for s in now)
            return LinkChange(dict(link), "drifted", f"the body of {name} changed since the decision ({where})")
        return None
    if "path" in link and not path_exists(root, str(link["path"])):  # links edited by hand may be any text
        return LinkChange(dict(link), "orphaned", f"{link['path']} no longer exists")
    return None


def _gone(store: IndexStore, name: str) -> str:
    """Say the symbol is gone, and where a definition of the same short name lives now (a move or rename?)."""
    short = name.rsplit(".", 1)[-1]
    elsewhere = sorted({s.qualified_name for s in store.symbols_named(short)})[:5]
    hint = f"; {short} is now defined as {', '.join(elsewhere)}" if elsewhere else ""
    return f"{name} no longer exists in the index{hint}"
