"""The rules baseline: violations accepted when rules came in, so only new ones fail `kenning check`.

`.kenning/memory/rules-baseline.json`, version 2, keys each entry by its rule's key (the rule's `id`,
or a hash of its kind and globs), so rules may be reordered, inserted above and moved between
kenning.toml and decisions; a cycle is keyed by its sorted members, so it matches whichever module
it is found from. Version 1 files keyed rules by position ("kenning.toml#3"): the first check that
reads one matches its entries to the rules at those positions today (a cycle, stored as the loop
it was found along, to today's knot around that loop), rewrites it as version 2 and says so in a
notice; entries naming no rule are kept, matching nothing, until the next `--update-baseline`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kenning.errors import KenningError
from kenning.indexer.rules import Rule, RuleError, Violation
from kenning.memory.filestore import write_atomic

BASELINE_FILE = ".kenning/memory/rules-baseline.json"
VERSION = 2
_ABOUT = "Violations accepted when rules were introduced; only new ones fail `kenning check`."

Key = tuple[str, ...]


def read_baseline(root: Path, rules: list[Rule], violations: list[Violation]) -> tuple[set[Key], list[str]]:
    """The accepted violations' keys, and notices (a version 1 file migrated, against today's
    rules and `violations`)."""
    file = root / BASELINE_FILE
    if not file.exists():
        return set(), []
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        entries = data["accepted"]
        if data.get("version", 1) == 1:
            entries, notices = _migrate(file, entries, rules, violations)
        else:
            notices = []
        return {_key(e) for e in entries}, notices
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise RuleError(f"{BASELINE_FILE} is malformed ({e}); fix it or recreate it with "
                        "`kenning check --update-baseline`") from e


def write_baseline(root: Path, violations: list[Violation]) -> None:
    entries = {v.baseline_key(): _entry(v) for v in violations}
    _write(root / BASELINE_FILE, [entries[k] for k in sorted(entries)])


def _entry(v: Violation) -> dict[str, Any]:
    if v.members:
        return {"rule": v.rule_key, "where": v.rule, "cycle": list(v.members)}
    return {"rule": v.rule_key, "where": v.rule, "path": v.path, "target": v.target, "edge_kind": v.edge_kind}


def _key(entry: dict[str, Any]) -> Key:
    if "cycle" in entry:
        return ("cycle", str(entry["rule"]), *sorted(str(m) for m in entry["cycle"]))
    return ("edge", str(entry["rule"]), str(entry["path"]), str(entry["target"]), str(entry["edge_kind"]))


def _write(file: Path, entries: list[dict[str, Any]]) -> None:
    payload = {"about": _ABOUT, "version": VERSION, "accepted": entries}
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(file, json.dumps(payload, indent=2) + "\n")
    except OSError as e:
        raise KenningError(f"cannot write {BASELINE_FILE}: {e}") from e


def _migrate(file: Path, old: list[dict[str, Any]], rules: list[Rule],
             violations: list[Violation]) -> tuple[list[dict[str, Any]], list[str]]:
    """Version 1 entries (rule by position) as version 2 ones, by the rules at those positions now."""
    at = {rule.id: rule for rule in rules}
    knots: dict[str, list[tuple[str, ...]]] = {}
    for v in violations:
        if v.members:
            knots.setdefault(v.rule_key, []).append(v.members)
    entries, unmatched = [], set()
    for entry in old:
        rule = at.get(entry["rule"])
        if rule is None:
            unmatched.add(entry["rule"])
            entries.append(entry)  # kept as it was: it matches no key, and nothing is lost
        elif rule.kind == "no_cycles":
            # A version 1 cycle is the loop it was first found along, maybe through part of its knot.
            loop = set(entry["target"].split(" -> "))
            around = [members for members in knots.get(rule.key, ()) if loop <= set(members)]
            members = list(around[0]) if len(around) == 1 else sorted(loop)
            entries.append({"rule": rule.key, "where": rule.id, "cycle": members})
        else:
            entries.append({**entry, "rule": rule.key, "where": rule.id})
    notice = (f"{BASELINE_FILE} named rules by position (kenning.toml#N, an older kenning): its "
              f"{len(old) - sum(e['rule'] in unmatched for e in old)} entries were matched to the rules at those "
              "positions today and the file now names rules by content or `id`")
    if unmatched:
        notice += (f"; entries of {', '.join(sorted(unmatched))} name no rule now and match nothing "
                   "(`kenning check --update-baseline` drops them)")
    try:
        _write(file, entries)
        notice += "; review and commit it"
    except KenningError as e:
        notice += f"; it could not be rewritten, so this is done again on every check ({e})"
    return entries, [notice]
