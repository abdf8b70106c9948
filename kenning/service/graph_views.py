"""Small graphs for a person to look at: one symbol's neighbourhood, and imports between top-level modules.

Both are networkx DiGraphs whose nodes carry a ``layer`` (a column to draw them in, users left
of what they use) and a ``label``; drawing them is the adapter's business. Edges point from
the user to the thing used, as in the index graph.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import TYPE_CHECKING

import networkx as nx

from kenning.errors import InvalidInput, KenningError
from kenning.indexer.graph import FILE_PREFIX, impact
from kenning.indexer.rules import Violation

if TYPE_CHECKING:
    from kenning.service.core import Service

MAX_DEPTH = 5
MAX_NODES_PER_LAYER = 15  # more would not fit a laptop screen; the page lists the totals
MAX_GROUP_DEPTH = 3


def neighbourhood(service: Service, name: str, depth: int = 2) -> nx.DiGraph:
    """A symbol (layer 0), what it uses (layer 1) and what depends on it (layer -distance, up to `depth`)."""
    if not 1 <= depth <= MAX_DEPTH:
        raise InvalidInput(f"depth must be between 1 and {MAX_DEPTH}")
    center = service.symbol(name).qualified_name
    full = service.dependency_graph()
    picture = nx.DiGraph(center=center, hidden=0)
    picture.add_node(center, layer=0, label=center, role="center")
    uses = [t for _, t, kind in full.out_edges(center, data="kind") if kind != "contains" and t != center]
    _add_layer(picture, sorted(set(uses)), 1, "callee")
    dependents = impact(full, [center], depth)
    # Module-level code using the symbol directly shows as its file: who calls it matters even outside a def.
    for source, _, kind in full.in_edges(center, data="kind"):
        if kind != "contains" and source.startswith(FILE_PREFIX):
            dependents.setdefault(source, 1)
    for distance in range(1, depth + 1):
        layer = sorted(n for n, d in dependents.items() if d == distance)
        _add_layer(picture, layer, -distance, "dependent")
    for source, target, kind in full.subgraph(picture.nodes).edges(data="kind"):
        if kind != "contains" and source != target:
            picture.add_edge(source, target, kind=kind)
    return picture


def _add_layer(picture: nx.DiGraph, nodes: list[str], layer: int, role: str) -> None:
    for node in nodes[:MAX_NODES_PER_LAYER]:
        label = node.removeprefix(FILE_PREFIX) if node.startswith(FILE_PREFIX) else node
        picture.add_node(node, layer=layer, label=label, role="file" if node.startswith(FILE_PREFIX) else role)
    picture.graph["hidden"] += max(0, len(nodes) - MAX_NODES_PER_LAYER)


def module_graph(service: Service, depth: int | None = None) -> tuple[nx.DiGraph, list[Violation], str]:
    """Imports between modules grouped to `depth` dotted parts (by default the first depth with
    more than one group), edges carrying the rule violations along them.

    Returns (graph, current violations, why rules could not be checked or '').
    """
    if depth is not None and not 1 <= depth <= MAX_GROUP_DEPTH:
        raise InvalidInput(f"depth must be between 1 and {MAX_GROUP_DEPTH}")
    modules = service.store.file_modules()
    depth = depth or _first_split(modules.values())
    group = {path: _prefix(module, depth) for path, module in modules.items() if module}
    graph = nx.DiGraph(depth=depth)
    for name, files in Counter(group.values()).items():
        graph.add_node(name, label=name, files=files, external=False)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for path, _source, _target, target_path, kind in service.store.resolved_edges():
        if kind == "import" and path in group and target_path in group and group[path] != group[target_path]:
            counts[(group[path], group[target_path])] += 1
    for (source, target), count in counts.items():
        graph.add_edge(source, target, imports=count, violations=[])
    try:
        violations = list(service.check_rules().violations)
        problem = ""
    except KenningError as e:
        violations, problem = [], str(e)
    for violation in violations:
        _mark(graph, violation, group, depth)
    _layer(graph)
    return graph, violations, problem


def _mark(graph: nx.DiGraph, violation: Violation, group: dict[str, str], depth: int) -> None:
    """Put a violation on the edge it breaks, adding the edge (or an outside module) if needed."""
    if violation.cycle:
        hops = [_prefix(m, depth) for m in violation.cycle]
        pairs = [(a, b) for a, b in zip(hops, hops[1:]) if a != b]
    else:
        source = group.get(violation.path)
        target = _group_of(violation.target, set(group.values()), depth)
        pairs = [(source, target)] if source and target != source else []
    for source, target in pairs:
        if target not in graph:
            graph.add_node(target, label=target, files=0, external=True)
        if not graph.has_edge(source, target):
            graph.add_edge(source, target, imports=0, violations=[])
        graph.edges[source, target]["violations"].append(violation.message)


def _group_of(target: str, groups: set[str], depth: int) -> str:
    """The group a violation's target (a module, a symbol, or an import as written) falls in."""
    dotted = target.replace("/", ".")
    inside = [g for g in groups if dotted == g or dotted.startswith(g + ".")]
    return max(inside, key=len) if inside else _prefix(dotted, depth)


def _layer(graph: nx.DiGraph) -> None:
    """Columns by topological generation of the condensation, so importers sit left of what they import."""
    condensed = nx.condensation(graph)
    for number, generation in enumerate(nx.topological_generations(condensed)):
        for component in generation:
            for node in condensed.nodes[component]["members"]:
                graph.nodes[node]["layer"] = number


def _first_split(modules) -> int:
    names = [m for m in modules if m]
    for depth in range(1, MAX_GROUP_DEPTH + 1):
        if len({_prefix(m, depth) for m in names}) > 1:
            return depth
    return 1


def _prefix(module: str, depth: int) -> str:
    return ".".join(module.split(".")[:depth])
