"""Architecture rules checked against the dependency graph.

Rule kinds, the same in decision front matter (YAML) and kenning.toml ([[rules]]):
    forbid          = {from = GLOBS, to = GLOBS}            from may not depend on to
    layers          = [GLOBS, GLOBS, ...]                    each may depend only on those after it
    allow_only      = {from = GLOBS, to = GLOBS}            from may depend on nothing else in the project
    no_cycles       = GLOB                                   no import cycle among modules it matches
    must_go_through = {to = GLOBS, through = GLOBS}         only `through` may depend on `to`
                      (+ within = GLOBS: judge only files there, e.g. leave tests/ out)
Optional on each: `kinds` (edge kinds that count; default import, call, inherit, implement),
`decision` (in kenning.toml: the decision that justifies it), `description`.

A glob matches a file path (`app/core/**`), a module name (`app.core.*`), or an external import
as written (`sqlite3`); a glob with no wildcard also matches everything below it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from kenning.errors import ConfigError

RULE_KINDS = ("forbid", "layers", "allow_only", "no_cycles", "must_go_through")
EDGE_KINDS = ("import", "call", "inherit", "implement")
_OPTIONAL_KEYS = {"kinds", "decision", "description"}


class RuleError(ConfigError):
    """A rule definition is malformed; the message names the file and the field."""


@dataclass(frozen=True, slots=True)
class Rule:
    id: str  # "0007#1": decision 0007's first rule; "kenning.toml#2"
    kind: str
    origin: str  # the file that defines it, relative to the root
    decision: str | None
    decision_title: str
    sources: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    within: tuple[str, ...] = ()  # must_go_through: only these files are judged; empty means all
    layers: tuple[tuple[str, ...], ...] = ()
    edge_kinds: tuple[str, ...] = EDGE_KINDS
    description: str = ""


@dataclass(frozen=True, slots=True)
class Endpoint:
    path: str | None  # None for something outside the project (an external import)
    module: str  # module name, or the import as written for an external one

    def names(self) -> tuple[str, ...]:
        return (self.path, self.module) if self.path else (self.module,)


@dataclass(frozen=True, slots=True)
class Edge:
    source: Endpoint
    target: Endpoint
    kind: str
    line: int
    target_name: str  # what is used: a symbol, a module, an import as written


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str
    rule_kind: str
    decision: str | None
    decision_title: str
    path: str
    line: int
    target: str
    edge_kind: str
    message: str
    cycle: tuple[str, ...] = field(default=())

    def baseline_key(self) -> tuple[str, str, str, str]:
        """Stable across edits that only move lines."""
        return (self.rule, self.path, self.target, self.edge_kind)

    def public(self) -> dict[str, Any]:
        data = {
            "rule": self.rule, "rule_kind": self.rule_kind, "decision": self.decision,
            "decision_title": self.decision_title, "path": self.path, "line": self.line,
            "target": self.target, "edge_kind": self.edge_kind, "message": self.message,
        }
        if self.cycle:
            data["cycle"] = list(self.cycle)
        return data


# -- parsing ---------------------------------------------------------------------------------

def parse_rules(raw: Any, origin: str, decision: str | None, decision_title: str, first_number: int = 1) -> list[Rule]:
    if raw in (None, []):
        return []
    if not isinstance(raw, list):
        raise RuleError(f"{origin}: 'rules' must be a list of rule tables, not {type(raw).__name__}")
    return [_parse_one(item, origin, decision, decision_title, n) for n, item in enumerate(raw, start=first_number)]


def _parse_one(item: Any, origin: str, decision: str | None, title: str, number: int) -> Rule:
    where = f"{origin}: rules[{number - 1}]"
    if not isinstance(item, dict):
        raise RuleError(f"{where} must be a table/mapping with one of {', '.join(RULE_KINDS)}")
    kinds = [k for k in RULE_KINDS if k in item]
    if len(kinds) != 1:
        raise RuleError(f"{where} needs exactly one of {', '.join(RULE_KINDS)}; found {sorted(item) or 'nothing'}")
    kind = kinds[0]
    unknown = set(item) - _OPTIONAL_KEYS - {kind}
    if unknown:
        raise RuleError(f"{where} has unknown field(s) {', '.join(sorted(unknown))}")
    edge_kinds = _globs(item.get("kinds", list(EDGE_KINDS)), f"{where}.kinds")
    bad = set(edge_kinds) - set(EDGE_KINDS)
    if bad:
        raise RuleError(f"{where}.kinds: unknown edge kind(s) {', '.join(sorted(bad))}; use {', '.join(EDGE_KINDS)}")
    spec = item[kind]
    rule_id = f"{decision}#{number}" if decision and not origin.endswith("kenning.toml") else f"{origin}#{number}"
    common = dict(id=rule_id, kind=kind, origin=origin, decision=decision, decision_title=title,
                  edge_kinds=tuple(edge_kinds), description=str(item.get("description", "")))
    if kind == "layers":
        if not isinstance(spec, list) or len(spec) < 2:
            raise RuleError(f"{where}.layers needs a list of at least two layers (each a glob or list of globs)")
        layers = tuple(tuple(_globs(layer, f"{where}.layers[{i}]")) for i, layer in enumerate(spec))
        return Rule(**common, layers=layers)
    if kind == "no_cycles":
        scope = spec.get("within") if isinstance(spec, dict) else spec
        return Rule(**common, sources=tuple(_globs(scope, f"{where}.no_cycles")))
    if not isinstance(spec, dict):
        raise RuleError(f"{where}.{kind} must be a table like {{from = ..., to = ...}}")
    source_key = "through" if kind == "must_go_through" else "from"
    for key in (source_key, "to"):
        if key not in spec:
            raise RuleError(f"{where}.{kind} is missing '{key}'")
    optional = {"within"} if kind == "must_go_through" else set()
    extra = set(spec) - {source_key, "to"} - optional
    if extra:
        raise RuleError(f"{where}.{kind} has unknown field(s) {', '.join(sorted(extra))}")
    within = tuple(_globs(spec["within"], f"{where}.{kind}.within")) if "within" in spec else ()
    return Rule(**common, sources=tuple(_globs(spec[source_key], f"{where}.{kind}.{source_key}")),
                targets=tuple(_globs(spec["to"], f"{where}.{kind}.to")), within=within)


def _globs(value: Any, where: str) -> list[str]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(isinstance(v, str) and v.strip() for v in values):
        raise RuleError(f"{where} must be a non-empty string or list of strings")
    return [v.strip() for v in values]


# -- matching --------------------------------------------------------------------------------

@lru_cache(maxsize=4096)
def _glob_regex(glob: str) -> re.Pattern[str]:
    parts = re.split(r"(\*\*|\*|\?)", glob)
    pattern = "".join(".*" if p == "**" else "[^/.]*" if p == "*" else "[^/.]" if p == "?" else re.escape(p)
                      for p in parts)
    if not any(ch in glob for ch in "*?"):
        pattern += r"(?:[/.].*)?"  # a plain name covers what is below it
    return re.compile(pattern)


def matches(globs: Iterable[str], endpoint: Endpoint) -> bool:
    return _matches(tuple(globs), endpoint)


# Many edges share an endpoint (every import of one file), so each (globs, endpoint) is matched once.
@lru_cache(maxsize=1 << 16)
def _matches(globs: tuple[str, ...], endpoint: Endpoint) -> bool:
    return any(_glob_regex(g).fullmatch(name) for g in globs for name in endpoint.names())


def _layer_of(rule: Rule, endpoint: Endpoint) -> int | None:
    for index, globs in enumerate(rule.layers):
        if matches(globs, endpoint):
            return index
    return None


# -- checking --------------------------------------------------------------------------------

def check(rules: Iterable[Rule], edges: list[Edge]) -> list[Violation]:
    # Judge each distinct (source, target) pair once: a file's many uses of one module share a verdict.
    # Grouped by source, since most rules speak only of a few folders' files: the others are skipped whole.
    by_source: dict[Endpoint, dict[Endpoint, list[Edge]]] = defaultdict(lambda: defaultdict(list))
    for edge in edges:
        by_source[edge.source][edge.target].append(edge)
    violations: list[Violation] = []
    for rule in rules:
        if rule.kind == "no_cycles":
            violations.extend(_cycles(rule, [e for e in edges if e.kind in rule.edge_kinds]))
            continue
        for source, targets in by_source.items():
            if not _judges(rule, source):
                continue
            for target, group in targets.items():
                if _breaks(rule, source, target):
                    violations.extend(_edge_violation(rule, e) for e in group if e.kind in rule.edge_kinds)
    return sorted(violations, key=lambda v: (v.path, v.line, v.rule, v.target))


def _judges(rule: Rule, source: Endpoint) -> bool:
    """Whether the rule says anything about what this source may depend on."""
    if rule.kind in ("forbid", "allow_only"):
        return matches(rule.sources, source)
    if rule.kind == "must_go_through":
        return (not rule.within or matches(rule.within, source)) and not matches(rule.sources, source)
    if rule.kind == "layers":
        return _layer_of(rule, source) is not None
    return False


def _breaks(rule: Rule, source: Endpoint, target: Endpoint) -> bool:
    """For a source the rule judges: does depending on target break it?"""
    if source.path == target.path:
        return False
    if rule.kind in ("forbid", "must_go_through"):
        return matches(rule.targets, target)
    if rule.kind == "allow_only":
        # Only dependencies inside the project count: the standard library is not a layer.
        return target.path is not None and not matches(rule.targets, target)
    if rule.kind == "layers":
        there = _layer_of(rule, target)
        return there is not None and there < _layer_of(rule, source)  # type: ignore[operator]  # judged: has one
    return False


def _edge_violation(rule: Rule, edge: Edge) -> Violation:
    target = edge.target.path or edge.target.module
    reason = {
        "forbid": f"{edge.source.path} may not depend on {target}",
        "must_go_through": f"only {', '.join(rule.sources)} may depend on {edge.target.module}",
        "allow_only": f"{edge.source.path} may depend only on {', '.join(rule.targets)}",
        "layers": f"{edge.source.path} sits in a lower layer than {target}",
    }[rule.kind]
    return Violation(rule.id, rule.kind, rule.decision, rule.decision_title, edge.source.path or "",
                     edge.line, edge.target_name, edge.kind, reason)


def _cycles(rule: Rule, edges: list[Edge]) -> list[Violation]:
    import networkx as nx  # imported on first use: only cycle rules need it

    graph = nx.DiGraph()
    first_edge: dict[tuple[str, str], Edge] = {}
    for edge in edges:
        source, target = edge.source, edge.target
        if target.path is None or source.path == target.path:
            continue
        if matches(rule.sources, source) and matches(rule.sources, target):
            graph.add_edge(source.module, target.module)
            first_edge.setdefault((source.module, target.module), edge)
    found = []
    for component in nx.strongly_connected_components(graph):
        if len(component) < 2:
            continue
        cycle_edges = nx.find_cycle(graph.subgraph(component))
        modules = [a for a, _ in cycle_edges] + [cycle_edges[0][0]]
        edge = first_edge[cycle_edges[0]]
        found.append(Violation(
            rule.id, rule.kind, rule.decision, rule.decision_title, edge.source.path or "", edge.line,
            " -> ".join(modules), edge.kind, f"import cycle: {' -> '.join(modules)}", tuple(modules),
        ))
    return found
