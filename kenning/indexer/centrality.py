"""PageRank centrality of symbols straight from the edge list, on a scipy sparse matrix.

Search and the repo map need only the ranks, not a graph object: building a networkx graph of a
large project took ~16 s and its PageRank ~8 s more at 177k symbols, which every re-index paid again
while searches waited. This computes the same numbers (the nodes and edges of `graph.build_graph`,
and networkx's scipy PageRank iteration, alpha 0.85) in a few seconds, mostly reading rows.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable

from kenning.indexer.graph import FILE_PREFIX

ALPHA = 0.85
MAX_ITERATIONS = 100
TOLERANCE = 1.0e-6


def pagerank_ranks(symbol_paths: Iterable[tuple[str, str]],
                   edges: Iterable[tuple[str, str | None, str, str, str]]) -> dict[str, float]:
    """Rank of every symbol: `symbol_paths` are (qualified name, path), `edges` as for `build_graph`
    (file path, source symbol or None, target, target path, kind). The nodes of `build_graph`
    (a file node per path), its edges but `contains`, parallel edges counted as weight."""
    import numpy as np
    import scipy.sparse

    ids: dict[str, int] = {}

    def node(name: str) -> int:
        found = ids.get(name)
        if found is None:
            found = ids[name] = len(ids)
        return found

    for qualified_name, path in symbol_paths:
        node(qualified_name)
        node(FILE_PREFIX + path)
    sources, targets = array("q"), array("q")
    for path, source, target, target_path, _kind in edges:
        origin = source if source else FILE_PREFIX + path
        if origin == target:
            continue
        if target not in ids and target_path:
            target = FILE_PREFIX + target_path  # an import resolved to a module stands for its file
        sources.append(node(origin))
        targets.append(node(target))
    count = len(ids)
    if count == 0:
        return {}
    weights = scipy.sparse.csr_array(
        (np.ones(len(sources)), (np.frombuffer(sources, dtype=np.int64), np.frombuffer(targets, dtype=np.int64))),
        shape=(count, count))  # duplicates are summed: parallel edges become weight
    out = weights.sum(axis=1)
    dangling = out == 0
    scale = np.divide(1.0, out, out=np.zeros(count), where=~dangling)
    transition = scipy.sparse.diags_array(scale) @ weights
    uniform = np.full(count, 1.0 / count)
    ranks = uniform.copy()
    for _ in range(MAX_ITERATIONS):
        previous = ranks
        ranks = ALPHA * (ranks @ transition + previous[dangling].sum() * uniform) + (1 - ALPHA) * uniform
        if np.abs(ranks - previous).sum() < count * TOLERANCE:
            break
    return {name: float(ranks[i]) for name, i in ids.items() if not name.startswith(FILE_PREFIX)}
