"""Weighted reciprocal rank fusion, shared by search and exists.

K and the weights are the best of a grid on benchmarks/bench_search.py (2,327 stdlib symbols,
400 docstring queries; docs/benchmarks.md): a small K (top ranks count much more than the tail),
lexical and dense equal, centrality as a light prior. An FTS list over names alone (tried at 0.3
and 0.6) did not help, so names count through the lexical name column and search's exact-name
boost. `ranked_scores` is search's whole order (fusion, data definitions demoted, exact name
first), shared with the benchmark so it measures what search returns.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping

RRF_K = 5
# "module": files as units (result_grouping, module_units). On bench_repo_search's tune half, 0.5 / 0.7 / 1.0
# gave nDCG@10 0.785 / 0.780 / 0.778 overall and 0.569 / 0.578 / 0.590 on module questions; below 1.0 a
# facade that only re-exports loses to the functions it re-exports, so it stays at 1.0.
WEIGHTS = {"lexical": 1.0, "dense": 1.0, "central": 0.3, "module": 1.0}
# A constant named like the query (`_leading_whitespace_re`) must not outrank the function that
# does what the query says; data definitions keep half their fused score.
DATA_KINDS = frozenset({"constant", "field"})
DATA_FACTOR = 0.5
EXACT_NAME_BONUS = 1.0
# Code in test files answers "what does X" less often than the code it tests: a test keeps this share of
# its fused score (bench_repo_search's tune half, module weight 1.0: nDCG@10 0.757 without, 0.775 at 0.5,
# 0.778 at 0.3; with the module weight at 0.5, a central weight of 0 instead of 0.3 cost 0.006).
TEST_FACTOR = 0.3


def fuse(lists: dict[str, list], weights: dict[str, float], k: int = RRF_K) -> dict[Hashable, float]:
    """Sum of weight / (k + rank) over the lists an id is in (duplicates count once per list)."""
    scores: dict[Hashable, float] = {}
    for channel, ids in lists.items():
        weight = weights.get(channel, 0.0)
        for rank, item in enumerate(dict.fromkeys(ids), start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return scores


def ranked_scores(lists: dict[str, list], kinds: Mapping[Hashable, str], exact: Iterable = (),
                  weights: dict[str, float] = WEIGHTS, tests: Iterable = ()) -> dict[Hashable, float]:
    """What search orders by (and the benchmarks measure): fused lists, data definitions and `tests`
    demoted, and a symbol whose name is exactly the query first (typing a name is the strongest signal
    there is)."""
    scores = fuse(lists, weights)
    for item in scores:
        if kinds.get(item) in DATA_KINDS:
            scores[item] *= DATA_FACTOR
    for item in tests:
        if item in scores:
            scores[item] *= TEST_FACTOR
    for item in exact:
        scores[item] = scores.get(item, 0.0) + EXACT_NAME_BONUS
    return scores
