"""The guard: judge a proposed change to one file before it is written or committed.

A proposed file is parsed like any indexed one. Each function, method or class the change adds
or alters (compared with the file's text before the change) is looked up as code with the exists
query; the file's imports are checked against the architecture rules. Every verdict goes into the
audit log. The caller decides what a "block" means (deny a write, fail a commit).

Finding kinds, strongest first (models.GUARD_KINDS): "duplicate-exact" (the same token structure
as an existing definition), "rule" (an import a decision forbids), "unresolved" (a call, import or
method of project code that does not exist), "broken-call" (a call that does not fit its target's
signature, or a changed signature that breaks callers elsewhere; see change_references.py),
"simulated" (a new or changed function that fakes its work: simulated.py), "duplicate" (a near copy,
or the same meaning, says exists), "similar" (worth a look), "disconnected" (a new module or public
definition nothing in the project uses: disconnected.py).

A guard that ends: a duplicate finding carries the command that overrides it (`kenning choice ID
wrote_new --reason ...`); once that is recorded, the same code (its structural fingerprint) against the
same existing definition is no longer a finding, and the report says why. A large change is bounded in
time (the guard_time_budget setting, counted from the start and checked between definitions): the rules
first, then the definitions the change alters, then the ones it adds; a notice says what was left unchecked.
"""

from __future__ import annotations

import logging
import textwrap
import time
from typing import Any

from kenning.errors import InvalidInput
from kenning.indexer.extract import parse_source
from kenning.indexer.header_language import header_language, is_header
from kenning.indexer.languages import language_for_path
from kenning.indexer.rules import RuleError
from kenning.models import GUARD_KINDS, ParsedFile, Symbol
from kenning.service import exists as probes
from kenning.service.change_references import reference_findings
from kenning.service.disconnected import change_disconnected
from kenning.service.proposal import apply_patch, parse_diff
from kenning.service.simulated import simulated_findings

log = logging.getLogger(__name__)

GUARDED_KINDS = frozenset({"function", "method", "class", "struct", "interface", "enum"})
SEVERITY = {"duplicate-exact": "high", "rule": "high", "unresolved": "high", "broken-call": "high",
            "duplicate": "medium", "similar": "low"}
CANDIDATES = 5
_EMBED_CHUNK = 32  # definitions embedded per model call, so the budget is checked between calls too
_ADVICE = {
    "duplicate-exact": "is a structural copy of",
    "duplicate": "duplicates",
    "similar": "is similar to",
}
_REUSE = {
    "duplicate-exact": "import and reuse it instead",
    "duplicate": "reuse or extend it instead",
    "similar": "check whether it can be reused",
}


class GuardOps:
    """Mixed into Service: needs `settings`, `store`, `root`, `check_architecture` and `index_state`."""

    def guard(self, path: str, content: str | None = None, diff: str | None = None, *, base: str | None = None,
              origin: str = "cli", block_on: list[str] | None = None, time_budget: float | None = None
              ) -> dict[str, Any]:
        """Findings on the file `path` would become: `content` itself, or `diff` applied to `base`.

        `base` is the file's text before the change (default: the file on disk; for a commit, HEAD's).
        `block_on` lists the finding kinds that make the decision "block" (default: the guard_block_on setting).
        `time_budget`: seconds before the duplicate check stops (default: the guard_time_budget setting).
        """
        budget = self.settings.guard_time_budget if time_budget is None else time_budget  # type: ignore[attr-defined]
        deadline = time.monotonic() + budget
        path = self._project_path(path)  # type: ignore[attr-defined]
        if (content is None) == (diff is None):
            raise InvalidInput("give the proposed content or a diff of the file, one of the two")
        blocking = set(self.settings.guard_block_on if block_on is None else block_on)  # type: ignore[attr-defined]
        if not blocking <= set(GUARD_KINDS):
            raise InvalidInput(f"block_on takes finding kinds: {', '.join(GUARD_KINDS)}")
        before = self._text_on_disk(path) if base is None else _clean(base, path)
        proposed = _clean(content if content is not None else _apply_diff(before, diff or "", path), path)
        checked: list[str] = []
        index = self.index_state()  # type: ignore[attr-defined]  # before the lookups, as exists does
        spec = language_for_path(path)
        if spec is None:  # not source kenning reads (docs, data): no verdict to give or record
            return {"guard_id": None, "path": path, "decision": "allow", "block_on": sorted(blocking), "findings": [],
                    "checked": checked, "notices": [f"kenning does not parse {path}: nothing to check"],
                    "index": index}
        notices: list[str] = []
        if index["indexing"]:
            notices.append(f"{index['not_searchable']}: copies of code it has not written yet are not found")
        data = proposed.encode("utf-8")
        parsed = parse_source(path, data, header_language(data) if is_header(path) else spec.name)
        previous = parse_source(path, before.encode("utf-8"), parsed.language) if before else None
        findings = self._rule_breaks(parsed, notices)  # first: a few lookups, whatever the file's size
        # Then references: indexed lookups too, milliseconds for a file; the duplicate search gets the rest.
        findings += reference_findings(self.store, self.root, parsed, previous, before,  # type: ignore[attr-defined]
                                       proposed, deadline, notices)
        findings += self._duplicates(parsed, previous, proposed, checked, notices, deadline, budget)
        findings += self._integration(parsed, previous, before, proposed, origin)
        findings.sort(key=lambda f: GUARD_KINDS.index(f["kind"]))
        decision = "block" if any(f["kind"] in blocking for f in findings) else "allow"
        guard_id = self.audit.record_guard(path, origin, decision, findings)  # type: ignore[attr-defined]
        return {"guard_id": guard_id, "path": path, "decision": decision, "block_on": sorted(blocking),
                "findings": findings, "checked": checked, "notices": notices, "index": index}

    # -- duplicates --------------------------------------------------------------------------

    def _duplicates(self, parsed: ParsedFile, previous: ParsedFile | None, proposed: str, checked: list[str],
                    notices: list[str], deadline: float, budget: float) -> list[dict]:
        old = {s.qualified_name: s.body_hash for s in previous.symbols} if previous is not None else {}
        present = {s.qualified_name for s in parsed.symbols}
        lines = proposed.splitlines()
        # Short definitions share shapes by coincidence (see probe.py); they are not worth a note.
        added = [s for s in parsed.symbols if s.kind in GUARDED_KINDS and old.get(s.qualified_name) != s.body_hash
                 and len(s.shape.split()) >= probes.EXACT_MIN_TOKENS]
        # What the change alters before what it adds (each in file order, so a class comes before its methods).
        added.sort(key=lambda s: s.qualified_name not in old)
        findings = []
        reported: set[str] = set()
        for i, symbol in enumerate(added):
            if i and time.monotonic() >= deadline:  # between definitions: the first is always checked
                notices.append(_unchecked(added[i:], len(added), old, budget))
                break
            if i % _EMBED_CHUNK == 0:
                codes = [textwrap.dedent("\n".join(lines[s.start_line - 1:s.end_line]))
                         for s in added[i:i + _EMBED_CHUNK]]
                vectors = probes.code_vectors(self, codes, parsed.language) or [None] * len(codes)
            if symbol.parent in reported:  # a copied class: its methods are copies too, said once
                reported.add(symbol.qualified_name)
                continue
            checked.append(symbol.qualified_name)
            code, vector = codes[i % _EMBED_CHUNK], vectors[i % _EMBED_CHUNK]
            _, candidates = probes.find_existing(self, code, None, None, parsed.language, CANDIDATES, vector)
            match = _first_other(candidates, symbol, present)
            if match is None:
                continue
            reported.add(symbol.qualified_name)
            chosen = self.audit.override(symbol.fingerprint, match["qualified_name"])  # type: ignore[attr-defined]
            if chosen is None:
                findings.append(self._duplicate_finding(symbol, match, changed=symbol.qualified_name in old))
            else:
                notices.append(f"`{symbol.name}` ({symbol.path}:{symbol.start_line}) matches"
                               f" `{match['qualified_name']}` but was written new on purpose (kenning choice"
                               f" {chosen['query_id']} wrote_new: {chosen['reason']}): not reported again")
        return findings

    def _duplicate_finding(self, symbol: Symbol, candidate: dict, changed: bool) -> dict[str, Any]:
        exact = candidate["verdict"] == "exists" and "structural-exact" in candidate["match"]
        kind = "duplicate-exact" if exact else "duplicate" if candidate["verdict"] == "exists" else "similar"
        where = f"{candidate['path']}:{candidate['start_line']}"
        message = (f"the {'changed' if changed else 'new'} {symbol.kind} `{symbol.name}` ({symbol.path}:"
                   f"{symbol.start_line}) {_ADVICE[kind]} `{candidate['qualified_name']}` at {where}"
                   f" (score {candidate['score']:.2f}); {_REUSE[kind]}")
        # Recorded as an exists answer too, so `kenning choice QUERY_ID reused` counts a duplicate avoided, and
        # keyed by the code's fingerprint and the match, so `wrote_new` on it clears this finding next time.
        probe = {"name": symbol.name, "description": None, "language": symbol.language, "guard": symbol.path,
                 "code_lines": symbol.end_line - symbol.start_line + 1}
        query_id = self.audit.record_query(  # type: ignore[attr-defined]
            probe, candidate["verdict"], [{k: candidate[k] for k in ("qualified_name", "path", "score", "match")}],
            fingerprint=symbol.fingerprint, target=candidate["qualified_name"])
        return {"kind": kind, "severity": SEVERITY[kind], "message": message, "symbol": symbol.qualified_name,
                "line": symbol.start_line, "existing": candidate["qualified_name"], "existing_at": where,
                "score": candidate["score"], "query_id": query_id,
                "override": f"kenning choice {query_id} wrote_new --reason '...'"}

    # -- simulated and disconnected code ---------------------------------------------------------

    def _integration(self, parsed: ParsedFile, previous: ParsedFile | None, before: str, proposed: str,
                     origin: str) -> list[dict]:
        """Simulations among the definitions the change adds or alters, and what it adds that nothing uses.
        As a file is written (the Claude Code hook) its new function's caller is usually the next edit: only a
        new module nothing imports is said then; a commit or a diff is judged whole."""
        old = {s.qualified_name: s.body_hash for s in previous.symbols} if previous is not None else {}
        changed = {s.qualified_name for s in parsed.symbols if old.get(s.qualified_name) != s.body_hash}
        added = {s.qualified_name for s in parsed.symbols if s.qualified_name not in old}
        findings = simulated_findings(parsed, proposed, changed, before)
        findings += change_disconnected(self.store, self.root, self.settings.entry_points,  # type: ignore[attr-defined]
                                        parsed, proposed, not before, added, modules_only=origin == "claude-code")
        return findings

    # -- rules -------------------------------------------------------------------------------

    def _rule_breaks(self, parsed: ParsedFile, notices: list[str]) -> list[dict]:
        lines_of = {}
        for ref in parsed.references:
            if ref.kind == "import":
                lines_of.setdefault(ref.text, ref.line)
        if not lines_of:
            return []
        try:
            result = self.check_architecture(parsed.path, list(lines_of))  # type: ignore[attr-defined]
        except RuleError as e:
            # A broken rule file must not stop the duplicate check; say why the rules were skipped.
            notices.append(f"architecture rules not checked: {e}")
            return []
        notices.extend(result.notices)
        findings = []
        for v in result.violations:
            # The import at fault: an edge rule's target, or the cycle's hop that leaves this file.
            target = next((e.target_name for e in v.edges if e.source.path == parsed.path), v.target)
            line = lines_of.get(target, v.line)
            decision = f"decision {v.decision} ({v.decision_title})" if v.decision else f"rule {v.rule}"
            findings.append({
                "kind": "rule", "severity": SEVERITY["rule"], "line": line, "decision": v.decision, "rule": v.rule,
                "target": target,
                "message": f"{parsed.path}:{line}: the import of `{target}` breaks {decision}: {v.message}",
            })
        return findings

    def _text_on_disk(self, path: str) -> str:
        file = self.root / path  # type: ignore[attr-defined]
        try:
            return file.read_bytes().decode("utf-8", errors="replace") if file.is_file() else ""
        except OSError as e:
            raise InvalidInput(f"cannot read the current {path}: {e.strerror}") from e


def _unchecked(left: list[Symbol], total: int, old: dict[str, str], budget: float) -> str:
    first = left[0]
    changed = sum(s.qualified_name in old for s in left)
    return (f"time budget ({budget:.3g} s) spent: {len(left)} of {total} new or changed definitions not checked"
            f" for duplicates ({changed} changed, {len(left) - changed} new), from `{first.name}`"
            f" ({first.path}:{first.start_line}) on; check them in smaller changes")


def _first_other(candidates: list[dict], symbol: Symbol, present: set[str]) -> dict | None:
    """The strongest candidate that is not the definition itself nor something this change replaces."""
    for c in candidates:
        if c["path"] == symbol.path and (c["qualified_name"] == symbol.qualified_name
                                         or c["qualified_name"] not in present):
            continue
        if c["verdict"] == "none" or set(c["match"]) <= {"name", "lexical"}:
            continue  # the same name alone is no duplicate
        return c
    return None


def _apply_diff(before: str, diff: str, path: str) -> str:
    patches = [p for p in parse_diff(diff) if path in (p.new_path, p.old_path)]
    if len(patches) != 1:
        raise InvalidInput(f"the diff must hold exactly one patch for {path}; found {len(patches)}")
    if patches[0].new_path is None:
        return ""  # the file is deleted: nothing is added
    return apply_patch("" if patches[0].old_path is None else before, patches[0])


def _clean(text: str, path: str) -> str:
    """Source text as UTF-8 can carry it: JSON may deliver lone surrogates, which become U+FFFD."""
    data = text.encode("utf-8", errors="replace")
    if len(data) > probes.MAX_CODE_BYTES:
        raise InvalidInput(f"the text of {path} is larger than {probes.MAX_CODE_BYTES // 1_000_000} MB")
    if b"\x00" in data:
        raise InvalidInput(f"the text of {path} is binary, not source text")
    return data.decode("utf-8")
