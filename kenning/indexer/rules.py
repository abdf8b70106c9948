"""Architecture rules checked against the dependency graph.

Rule kinds, the same in decision front matter (YAML) and kenning.toml ([[rules]]):
    forbid          = {from = GLOBS, to = GLOBS}            from may not depend on to
    layers          = [GLOBS, GLOBS, ...]                    each may depend only on those after it
    allow_only      = {from = GLOBS, to = GLOBS}            from may depend on nothing else in the project
    no_cycles       = GLOB                                   no import cycle among modules it matches
    must_go_through = {to = GLOBS, through = GLOBS}         only `through` may depend on `to`
                      (+ within = GLOBS: judge only files there, e.g. leave tests/ out)
Optional on each: `kinds` (edge kinds that count; default import, call, inherit, implement; Python's
import-type, import-main, call-main and inherit-main count only when named), `id` (the name baselines
know the rule by; default: a hash of its kind and globs), `decision` (in kenning.toml: the decision
that justifies it), `description`.

A glob matches a file path (`app/core/**`), a module name (`app.core.*`), or an external import
as written (`sqlite3`); a glob with no wildcard also matches everything below it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from kenning.errors import ConfigError

RULE_KINDS = ("forbid", "layers", "allow_only", "no_cycles", "must_go_through")
EDGE_KINDS = ("import", "call", "inherit", "implement")  # what a rule judges unless it says `kinds`
# Dependencies a Python module lacks when imported (see indexer/dependency_contexts.py): opt-in only.
OPT_IN_EDGE_KINDS = ("import-type", "import-main", "call-main", "inherit-main")
_OPTIONAL_KEYS = {"kinds", "id", "decision", "description"}
_RULE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
_NAMED_IN_KNOT = 10  # a cycle's message names this many of its knot's other modules


class RuleError(ConfigError):
    """A rule definition is malformed; the message names the file and the field."""


@dataclass(frozen=True, slots=True)
class Rule:
    id: str  # where it is defined: "0007#1", decision 0007's first rule; "kenning.toml#2"
    key: str  # what baselines know it by: its `id` field, or "content:<hash of kind and globs>"
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

    def describe(self) -> str:
        return f"{self.source.path}:{self.line}: {self.kind} of {self.target_name}"

    def public(self) -> dict[str, Any]:
        return {"path": self.source.path, "line": self.line, "kind": self.kind, "from": self.source.module,
                "to": self.target.module, "target": self.target_name}


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str  # where the rule is defined (Rule.id)
    rule_key: str
    rule_kind: str
    decision: str | None
    decision_title: str
    path: str
    line: int
    target: str
    edge_kind: str
    message: str
    cycle: tuple[str, ...] = ()  # no_cycles: the modules around one loop, the first repeated last
    members: tuple[str, ...] = ()  # no_cycles: every module of the knot, sorted, the cycle's identity
    edges: tuple[Edge, ...] = ()  # no_cycles: each hop of `cycle`; path, line and edge_kind are the first's

    def baseline_key(self) -> tuple[str, ...]:
        """Stable across edits that only move lines, rules that move, and the module a cycle is found from."""
        if self.members:
            return ("cycle", self.rule_key, *self.members)
        return ("edge", self.rule_key, self.path, self.target, self.edge_kind)

    def headline(self) -> str:
        """What breaks the rule, as a report line says it after `path:line:`."""
        return f"cycle {self.target}" if self.members else f"{self.edge_kind} of {self.target}"

    def public(self) -> dict[str, Any]:
        data = {
            "rule": self.rule, "rule_key": self.rule_key, "rule_kind": self.rule_kind, "decision": self.decision,
            "decision_title": self.decision_title, "path": self.path, "line": self.line,
            "target": self.target, "edge_kind": self.edge_kind, "message": self.message,
        }
        if self.members:
            data.update(cycle=list(self.cycle), members=list(self.members), edges=[e.public() for e in self.edges])
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
    bad = set(edge_kinds) - set(EDGE_KINDS) - set(OPT_IN_EDGE_KINDS)
    if bad:
        raise RuleError(f"{where}.kinds: unknown edge kind(s) {', '.join(sorted(bad))}; "
                        f"use {', '.join(EDGE_KINDS + OPT_IN_EDGE_KINDS)}")
    globs = _spec_globs(kind, item[kind], where)
    rule_id = f"{decision}#{number}" if decision and not origin.endswith("kenning.toml") else f"{origin}#{number}"
    return Rule(id=rule_id, key=_rule_key(item.get("id"), kind, globs, where), kind=kind, origin=origin,
                decision=decision, decision_title=title, edge_kinds=tuple(edge_kinds),
                description=str(item.get("description", "")), **globs)


def _spec_globs(kind: str, spec: Any, where: str) -> dict[str, tuple]:
    """The Rule fields a rule kind's table gives (sources, targets, within, layers)."""
    if kind == "layers":
        if not isinstance(spec, list) or len(spec) < 2:
            raise RuleError(f"{where}.layers needs a list of at least two layers (each a glob or list of globs)")
        return {"layers": tuple(tuple(_globs(layer, f"{where}.layers[{i}]")) for i, layer in enumerate(spec))}
    if kind == "no_cycles":
        scope = spec.get("within") if isinstance(spec, dict) else spec
        return {"sources": tuple(_globs(scope, f"{where}.no_cycles"))}
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
    return {"sources": tuple(_globs(spec[source_key], f"{where}.{kind}.{source_key}")),
            "targets": tuple(_globs(spec["to"], f"{where}.{kind}.to")), "within": within}


def _rule_key(explicit: Any, kind: str, globs: dict[str, tuple], where: str) -> str:
    """The rule's `id`, or a hash of what it judges: its kind and globs, order inside a glob list
    ignored. Wording, `kinds` and the decision may change without making it a new rule."""
    if explicit is not None:
        if not isinstance(explicit, str) or not _RULE_ID.fullmatch(explicit.strip()):
            raise RuleError(f"{where}.id must be a short name: letters, digits, '.', '_' or '-' (e.g. 'core-no-web')")
        return explicit.strip()
    normal = {"kind": kind, **{name: [sorted(layer) for layer in value] if name == "layers" else sorted(value)
                               for name, value in globs.items() if value}}
    digest = hashlib.blake2b(json.dumps(normal, sort_keys=True).encode(), digest_size=6).hexdigest()
    return f"content:{digest}"


def check_unique_ids(rules: Iterable[Rule]) -> None:
    """Two rules may not share an explicit `id`: their baselines would mix."""
    seen: dict[str, Rule] = {}
    for rule in rules:
        other = seen.setdefault(rule.key, rule)
        if other is not rule and not rule.key.startswith("content:"):
            raise RuleError(f"rules {other.id} and {rule.id} share the id {rule.key!r}; give each its own")


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
    return Violation(rule.id, rule.key, rule.kind, rule.decision, rule.decision_title, edge.source.path or "",
                     edge.line, edge.target_name, edge.kind, reason)


def _cycles(rule: Rule, edges: list[Edge]) -> list[Violation]:
    """One violation per knot of mutually dependent modules, named by its sorted members and shown as
    the shortest loop from the first of them: the same whichever module the graph is read from."""
    import networkx as nx  # imported on first use: only cycle rules need it

    graph = nx.DiGraph()
    shown: dict[tuple[str, str], Edge] = {}  # per module pair, the edge a report points at: the first
    for edge in edges:
        source, target = edge.source, edge.target
        if target.path is None or source.path == target.path:
            continue
        if matches(rule.sources, source) and matches(rule.sources, target):
            pair = (source.module or source.path, target.module or target.path)
            if pair[0] == pair[1]:
                continue
            graph.add_edge(*pair)
            if pair not in shown or _report_order(edge) < _report_order(shown[pair]):
                shown[pair] = edge
    found = []
    for component in nx.strongly_connected_components(graph):
        if len(component) < 2:
            continue
        members = tuple(sorted(component))
        loop = _shortest_loop(graph, members)
        hops = tuple(shown[pair] for pair in zip(loop, loop[1:]))
        noun = "import cycle" if all(h.kind.startswith("import") for h in hops) else "dependency cycle"
        message = f"{noun}: {' -> '.join(loop)}"
        on_loop = set(loop)
        rest = [m for m in members if m not in on_loop]
        if rest:  # the knot's other modules, a few by name: a knot can span hundreds
            more = f" and {len(rest) - _NAMED_IN_KNOT} more" if len(rest) > _NAMED_IN_KNOT else ""
            message += f" (with {', '.join(rest[:_NAMED_IN_KNOT])}{more} in the same knot)"
        first = hops[0]
        found.append(Violation(
            rule.id, rule.key, rule.kind, rule.decision, rule.decision_title, first.source.path or "", first.line,
            " -> ".join(loop), first.kind, message, cycle=tuple(loop), members=members, edges=hops,
        ))
    return found


def _report_order(edge: Edge) -> tuple[int, bool, str]:
    """Of the edges between two modules, a report shows the first, an import before a call on its line."""
    return (edge.line, not edge.kind.startswith("import"), edge.kind)


def _shortest_loop(graph, members: tuple[str, ...]) -> list[str]:
    """The shortest path from members[0] back to itself, breadth first in name order."""
    start, inside = members[0], set(members)
    parent: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for following in sorted(graph.successors(node)):
            if following == start:
                path = [node]
                while parent[path[-1]] is not None:
                    path.append(parent[path[-1]])  # type: ignore[arg-type]  # checked just above
                return [*reversed(path), start]
            if following in inside and following not in parent:
                parent[following] = node
                queue.append(following)
    raise AssertionError(f"{start} is in a strongly connected component, so a loop leads back to it")
