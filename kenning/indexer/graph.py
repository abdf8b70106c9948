"""The dependency graph over symbols and files (networkx): impact, centrality, repo map.

Nodes are symbol qualified names plus one `file:<path>` node per file for module-level code
and imports. Edges point from the user to the thing used (caller -> callee, importer ->
imported, subclass -> base), so "what depends on X" is X's ancestors.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING


from kenning.models import CHARS_PER_TOKEN, Symbol

if TYPE_CHECKING:
    import networkx as nx

FILE_PREFIX = "file:"


def file_node(path: str) -> str:
    return FILE_PREFIX + path


def build_graph(symbols: Iterable[Symbol], edges: Iterable[tuple[str, str | None, str, str, str]]) -> nx.MultiDiGraph:
    """edges: (file path, source symbol or None, target, target path, kind)."""
    import networkx as nx  # imported on first use: most commands never build a graph

    graph = nx.MultiDiGraph()
    for symbol in symbols:
        graph.add_node(symbol.qualified_name, path=symbol.path)
        graph.add_node(file_node(symbol.path), path=symbol.path)
        # A file contains its symbols: the file depends on what they depend on.
        graph.add_edge(file_node(symbol.path), symbol.qualified_name, kind="contains")
    for path, source, target, target_path, kind in edges:
        origin = source if source else file_node(path)
        if origin == target:
            continue
        if target not in graph and target_path:
            # An import resolved to a module: stand for it by its file.
            target = file_node(target_path)
        graph.add_edge(origin, target, kind=kind)
    return graph


def impact(graph: nx.MultiDiGraph, targets: list[str], max_depth: int | None = None) -> dict[str, int]:
    """Everything that depends on `targets`, directly or not, with its distance."""
    import networkx as nx

    reverse = graph.reverse(copy=False)
    found: dict[str, int] = {}
    for target in targets:
        if target not in graph:
            continue
        lengths = nx.single_source_shortest_path_length(reverse, target, cutoff=max_depth)
        for node, distance in lengths.items():
            if node == target or node.startswith(FILE_PREFIX) or node in targets:
                continue
            if distance and (node not in found or distance < found[node]):
                found[node] = distance
    return found


@dataclass(frozen=True, slots=True)
class MapEntry:
    path: str
    symbols: tuple[Symbol, ...]


def repo_map(symbols: Iterable[Symbol], ranks: dict[str, float], budget_tokens: int) -> tuple[str, list[MapEntry]]:
    """The most central symbols with their signatures, grouped by file, within a token budget."""
    ranked = sorted(
        (s for s in symbols if s.kind != "constant"),
        key=lambda s: (-ranks.get(s.qualified_name, 0.0), s.path, s.start_line),
    )
    chosen: dict[str, list[Symbol]] = defaultdict(list)
    used = 0
    for symbol in ranked:
        line_cost = (len(symbol.signature) + 8) // CHARS_PER_TOKEN + 1
        header_cost = 0 if symbol.path in chosen else (len(symbol.path) + 2) // CHARS_PER_TOKEN + 1
        if used + line_cost + header_cost > budget_tokens:
            if used >= budget_tokens * 0.95:
                break
            continue
        chosen[symbol.path].append(symbol)
        used += line_cost + header_cost
    entries = [
        MapEntry(path, tuple(sorted(items, key=lambda s: s.start_line)))
        for path, items in sorted(chosen.items(), key=lambda kv: -max(ranks.get(s.qualified_name, 0) for s in kv[1]))
    ]
    lines: list[str] = []
    for entry in entries:
        lines.append(f"{entry.path}:")
        for symbol in entry.symbols:
            indent = "    " if symbol.parent else "  "
            lines.append(f"{indent}{symbol.start_line}: {symbol.signature}")
    return "\n".join(lines), entries
