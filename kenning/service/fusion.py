"""Weighted reciprocal rank fusion, shared by search and exists.

K and the weights are the best of a grid on benchmarks/bench_search.py (2,327 stdlib symbols,
400 docstring queries; docs/benchmarks.md): a small K (top ranks count much more than the tail),
lexical and dense equal, centrality as a light prior. An FTS list over names alone (tried at 0.3
and 0.6) did not help, so names count through the lexical name column and search's exact-name
boost.
"""

from __future__ import annotations

from collections.abc import Hashable

RRF_K = 5
WEIGHTS = {"lexical": 1.0, "dense": 1.0, "central": 0.3}


def fuse(lists: dict[str, list], weights: dict[str, float], k: int = RRF_K) -> dict[Hashable, float]:
    """Sum of weight / (k + rank) over the lists an id is in (duplicates count once per list)."""
    scores: dict[Hashable, float] = {}
    for channel, ids in lists.items():
        weight = weights.get(channel, 0.0)
        for rank, item in enumerate(dict.fromkeys(ids), start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return scores
