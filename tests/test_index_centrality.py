"""Symbol centrality: the sparse PageRank equals networkx's on the same graph, and a large index's
re-index never makes an answer wait for it."""

from __future__ import annotations

import threading

import networkx as nx
import pytest

from conftest import copy_stdlib
from kenning.indexer import graph as graphs
from kenning.indexer.centrality import pagerank_ranks
from kenning.service import Service, core
from kenning.settings import Settings


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    root = copy_stdlib(tmp_path_factory.mktemp("rank"), "json", "email", "textwrap.py", "argparse.py")
    service = Service.from_settings(Settings.load(root, embed_on_index=False))
    service.index()
    yield service
    service.close()


def _networkx_ranks(service: Service) -> dict[str, float]:
    """The reference: networkx's PageRank over build_graph's graph, `contains` edges left out and
    parallel edges as weight (what kenning ranked by before the sparse version)."""
    full = graphs.build_graph(service.store.all_symbols(), service.store.resolved_edges())
    simple = nx.DiGraph()
    simple.add_nodes_from(full.nodes)
    for source, target, kind in full.edges(data="kind"):
        if kind != "contains":
            weight = simple[source][target]["weight"] + 1 if simple.has_edge(source, target) else 1
            simple.add_edge(source, target, weight=weight)
    ranks = nx.pagerank(simple, weight="weight")
    return {n: r for n, r in ranks.items() if not n.startswith(graphs.FILE_PREFIX)}


def test_sparse_pagerank_equals_networkx(service):
    expected = _networkx_ranks(service)
    got = pagerank_ranks(service.store.symbol_paths(), service.store.resolved_edges())
    assert len(expected) > 800 and got.keys() == expected.keys()
    assert max(abs(got[n] - expected[n]) for n in expected) < 1e-9
    top = sorted(expected, key=expected.get, reverse=True)[:20]
    assert sorted(got, key=got.get, reverse=True)[:20] == top


def test_empty_index_has_no_ranks():
    assert pagerank_ranks([], []) == {}


def test_large_index_answers_with_previous_ranks_while_refreshing(service, monkeypatch):
    first = service.centrality()
    assert service.centrality() is first  # cached for this index generation
    monkeypatch.setattr(core, "BACKGROUND_RANKS_SYMBOLS", 10)  # this index counts as large
    # Hold the computation at its start, as a slow one on a big index would be held.
    started, release = threading.Event(), threading.Event()
    compute = service._compute_ranks

    def held(generation):
        started.set()
        release.wait(30)
        return compute(generation)

    monkeypatch.setattr(service, "_compute_ranks", held)
    (service.root / "textwrap.py").write_text((service.root / "textwrap.py").read_text() + "\n\ndef extra():\n"
                                              "    return dedent('  x')\n")
    service.index()
    assert service.centrality() is first  # the old ranks, at once
    assert started.wait(30)
    release.set()
    for _ in range(300):
        if service._ranks.generation == service._index_generation():
            break
        threading.Event().wait(0.05)
    refreshed = service.centrality()
    assert refreshed is not first and "textwrap.extra" in refreshed


def test_symbol_counts_follow_every_commit(service, tmp_path):
    symbols, _ = service.store.search_counts()
    assert service.store.search_counts() == (symbols, 0)
    # Another process's index run (another connection) and this connection's own run both show at once.
    other = Service.from_settings(Settings.load(service.root, embed_on_index=False))
    (service.root / "textwrap.py").write_text((service.root / "textwrap.py").read_text() + "\n\ndef more():\n"
                                              "    return 2\n")
    other.index()
    other.close()
    assert service.store.search_counts()[0] == symbols + 1
    (service.root / "textwrap.py").write_text((service.root / "textwrap.py").read_text() + "\n\ndef most():\n"
                                              "    return 3\n")
    service.index()
    assert service.store.search_counts()[0] == symbols + 2
