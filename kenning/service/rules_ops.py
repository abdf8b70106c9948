"""Architecture rules: load them from decisions and kenning.toml, check the graph, keep a baseline."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kenning.errors import InvalidInput, NotFound
from kenning.indexer.languages import language_for_path
from kenning.indexer.modules import module_name
from kenning.indexer.resolve import Resolver, dotted_name
from kenning.indexer.rules import (
    Edge, Endpoint, Rule, RuleError, Violation, check, check_unique_ids, parse_rules,
)
from kenning.memory.memory_cache import Page
from kenning.models import IMPORT_KINDS, Reference
from kenning.service.indexing import made_by_another_extractor
from kenning.service.rules_baseline import read_baseline, write_baseline

# Rules judge edges the resolver is sure of (an import names the target, or the same or an
# imported module defines it); a name merely defined once elsewhere (0.5) is a guess.
RULE_CONFIDENCE = 0.8


@dataclass
class RuleSet:
    rules: list[Rule] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


@dataclass
class CheckResult:
    violations: list[Violation]  # new: not in the baseline
    baselined: int
    rules: int
    notices: list[str]

    def public(self) -> dict[str, Any]:
        return {
            "clean": not self.violations,
            "violations": [v.public() for v in self.violations],
            "baselined": self.baselined,
            "rules": self.rules,
            "notices": self.notices,
        }


class RulesOps:
    def load_rules(self, ruled: Page | None = None) -> RuleSet:
        """Rules of accepted decisions plus kenning.toml's; others are skipped with a notice.

        `ruled`: the decisions carrying rules, when the caller already has a memory-cache view open.
        """
        found = RuleSet()
        if ruled is None:
            with self.memory_cache.view("decision") as view:
                ruled = view.decisions_with_rules()
        if ruled.problems:
            # A decision that cannot be read may carry rules: checking without them would pass wrongly.
            unread = "; ".join(p.error for p in ruled.problems)
            raise RuleError(f"cannot read every decision, so rules cannot be checked: {unread}")
        decisions = ruled.items
        for decision in decisions:
            if not decision.rules:
                continue
            rules = parse_rules(list(decision.rules), decision.path, decision.id, decision.title)
            if decision.status == "accepted":
                found.rules.extend(rules)
            else:
                found.notices.append(
                    f"{len(rules)} rule(s) of decision {decision.id} ({decision.title}) ignored: it is {decision.status}"
                )
        for number, raw in enumerate(self.settings.rules, start=1):
            decision_id = str(raw.get("decision", "")).strip() if isinstance(raw, dict) else ""
            body = {k: v for k, v in raw.items() if k != "decision"} if isinstance(raw, dict) else raw
            decision = self._toml_rule_decision(decision_id, number) if decision_id else None
            (rule,) = parse_rules([body], "kenning.toml", decision.id if decision else None,
                                  decision.title if decision else "", first_number=number)
            if decision is not None and decision.status != "accepted":
                found.notices.append(f"kenning.toml rule {number} ignored: decision {decision.id} is {decision.status}")
            else:
                found.rules.append(rule)
        check_unique_ids(found.rules)
        return found

    def _toml_rule_decision(self, decision_id: str, number: int):
        try:
            return self.decision(decision_id)
        except NotFound:
            raise RuleError(
                f"kenning.toml: rules[{number - 1}].decision names {decision_id!r}, which does not exist") from None

    def check_rules(self, update_baseline: bool = False, ruled: Page | None = None) -> CheckResult:
        """Every current violation not accepted into the baseline."""
        ruleset = self.load_rules(ruled)
        violations = self._current_violations(ruleset.rules)
        if update_baseline:
            write_baseline(self.root, violations)
        accepted, notices = read_baseline(self.root, ruleset.rules, violations)
        new = [v for v in violations if v.baseline_key() not in accepted]
        return CheckResult(new, len(violations) - len(new), len(ruleset.rules),
                           ruleset.notices + notices + self._index_notices())

    def check_architecture(self, path: str, imports: list[str]) -> CheckResult:
        """Before the code exists: may `path` import these modules? Answers with the governing decisions."""
        path = self._project_path(path)
        if not imports or not all(isinstance(i, str) and i.strip() for i in imports):
            raise InvalidInput("give at least one import, as a module name or path")
        ruleset = self.load_rules()
        existing = self._dependency_edges()
        proposed = self._proposed_edges(path, [i.strip() for i in imports])
        before = {v.baseline_key() for v in self._current_violations(ruleset.rules)}
        source_module = proposed[0].source.module
        found = [
            v for v in check(ruleset.rules, existing + proposed)
            if v.baseline_key() not in before and (v.path == path or source_module in v.members)
        ]
        notices = ruleset.notices + self._index_notices()
        own = sorted({e.target_name for e in proposed if e.target.path == path})
        if own:
            notices.append(f"{path} importing itself ({', '.join(own)}) is no dependency on other code: "
                           "rules do not judge it")
        return CheckResult(found, 0, len(ruleset.rules), notices)

    def _index_notices(self) -> list[str]:
        if made_by_another_extractor(self.store):
            # e.g. an index from before type-only and __main__ imports had kinds of their own
            return ["the index was made by another version of kenning, so edge kinds may be out of date: "
                    "run `kenning index`"]
        return []

    # -- edges -------------------------------------------------------------------------------

    def _current_violations(self, rules: list[Rule]) -> list[Violation]:
        """Violations of `rules` in the index as it is, remembered per index generation and rule set:
        every brief asks, and on a large project the check costs seconds (3.5 s at 177k symbols)."""
        if not rules:
            return []
        key = (self._index_generation(), tuple(rules))  # type: ignore[attr-defined]  # Service
        with self._rules_lock:  # type: ignore[attr-defined]  # one check at a time; the others reuse it
            cached = self._violations_cache  # type: ignore[has-type]
            if cached is None or cached[0] != key:
                cached = self._violations_cache = (key, check(rules, self._dependency_edges()))
            return cached[1]

    def _dependency_edges(self) -> list[Edge]:
        """The index's dependency edges, read once per index generation (the guard asks on every write)."""
        generation = self._index_generation()  # type: ignore[attr-defined]  # Service
        with self._edges_lock:  # type: ignore[attr-defined]
            cached = self._edges_cache  # type: ignore[has-type]
            if cached is None or cached[0] != generation:
                cached = self._edges_cache = (generation, self._read_dependency_edges())
            return cached[1]

    def _read_dependency_edges(self) -> list[Edge]:
        # One Endpoint per file or external module: rules compare and cache them by the thousand.
        files = {path: Endpoint(path, module) for path, module in self.store.file_modules().items()}
        external: dict[str, Endpoint] = {}
        edges = []
        for path, line, kind, text, target, target_path, _ in self.store.dependency_edges(RULE_CONFIDENCE):
            source = files[path]
            # The store already dropped unsure calls; an import resolves only on a module-name match.
            if target_path:
                edges.append(Edge(source, files.get(target_path) or Endpoint(target_path, ""), kind, line,
                                  target or text))
            elif kind in IMPORT_KINDS:
                # Outside the project: judge it by the module it names.
                if text not in external:
                    external[text] = Endpoint(None, dotted_name(text))
                edges.append(Edge(source, external[text], kind, line, text))
        return edges

    def _proposed_edges(self, path: str, imports: list[str]) -> list[Edge]:
        spec = language_for_path(path)
        language = spec.name if spec else "python"
        # The file may not exist yet: it joins the known modules, and may be what an import names.
        known = self.store.file_modules()
        source = Endpoint(path, known.get(path) or module_name(path, language))
        modules = {**known, path: source.module}
        resolver = Resolver([], modules)
        edges = []
        for text in imports:
            ref = Reference(path=path, kind="import", name=text, text=text, line=1)
            _, target_path, _ = resolver.resolve(ref, {}, [])
            target = Endpoint(target_path, modules[target_path]) if target_path else Endpoint(None, dotted_name(text))
            edges.append(Edge(source, target, "import", 1, text))
        return edges

    def _project_path(self, path: str) -> str:
        """`path` as the index names files: relative to the root, '/'-separated; outside is refused."""
        resolved = self.resolve_path((path or "").strip())
        relative = resolved.relative_to(self.root).as_posix()
        if relative == ".":
            raise InvalidInput("name a file inside the project, not the project root")
        return relative
