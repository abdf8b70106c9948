"""Draw a small layered networkx graph as inline SVG, laid out by networkx, with no script.

Nodes carry ``layer`` (column), ``label`` and optionally ``role``/``external``; edges may carry
``violations`` (messages), drawn red and listed in the edge's tooltip.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

import networkx as nx
from markupsafe import Markup

BOX_HEIGHT = 28
COLUMN_GAP = 80
ROW_GAP = 14
MARGIN = 16
CHAR_WIDTH = 7.2  # 12px monospace
MAX_LABEL = 34
MIN_BOX, MAX_BOX = 110, MAX_LABEL * CHAR_WIDTH + 16


def draw(graph: nx.DiGraph, title: str, href: Callable[[str], str | None] = lambda _: None) -> Markup:
    if graph.number_of_nodes() == 0:
        return Markup("")
    width = min(MAX_BOX, max(MIN_BOX, max(len(_short(graph.nodes[n]["label"])) for n in graph) * CHAR_WIDTH + 16))
    boxes = _place(graph, width)
    right = max(x for x, _ in boxes.values()) + width + MARGIN + COLUMN_GAP // 2
    bottom = max(y for _, y in boxes.values()) + BOX_HEIGHT + MARGIN
    parts = [
        f'<svg class="graph" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {right:.0f} {bottom:.0f}"'
        f' width="{right:.0f}" height="{bottom:.0f}" aria-labelledby="graph-title">',
        f'<title id="graph-title">{escape(title)}</title>',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9"'
        ' orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker>'
        '<marker id="arrow-bad" viewBox="0 0 10 10" refX="10" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9"'
        ' orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead bad"/></marker></defs>',
    ]
    for source, target, data in graph.edges(data=True):
        parts.append(_edge(boxes[source], boxes[target], width, source, target, data.get("violations") or []))
    for node, data in graph.nodes(data=True):
        parts.append(_node(node, data, boxes[node], width, href(node)))
    parts.append("</svg>")
    return Markup("".join(parts))


def _place(graph: nx.DiGraph, width: float) -> dict[str, tuple[float, float]]:
    """Top-left corners: networkx's multipartite layout gives columns by layer and order within them."""
    layout = nx.multipartite_layout(graph, subset_key="layer")
    columns = sorted({round(x, 6) for x, _ in layout.values()})
    boxes = {}
    for number, column in enumerate(columns):
        # networkx puts y up; SVG puts it down, so the first node of a layer goes on top.
        members = sorted((n for n, (x, _) in layout.items() if round(x, 6) == column), key=lambda n: -layout[n][1])
        for row, node in enumerate(members):
            boxes[node] = (MARGIN + number * (width + COLUMN_GAP), MARGIN + row * (BOX_HEIGHT + ROW_GAP))
    return boxes


def _node(node: str, data: dict, corner: tuple[float, float], width: float, link: str | None) -> str:
    x, y = corner
    role = "external" if data.get("external") else data.get("role", "module")
    label = data["label"]
    shape = (f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{BOX_HEIGHT}" rx="5"/>'
             f'<text x="{x + 8:.1f}" y="{y + BOX_HEIGHT / 2 + 4:.1f}">{escape(_short(label))}</text>')
    body = f'<title>{escape(label)}</title>{shape}'
    if link:
        body = f'<a href="{escape(link)}">{body}</a>'
    return f'<g class="node {role}" data-node="{escape(node)}">{body}</g>'


def _edge(start: tuple[float, float], end: tuple[float, float], width: float, source: str, target: str,
          violations: list[str]) -> str:
    (x1, y1), (x2, y2) = start, end
    y1, y2 = y1 + BOX_HEIGHT / 2, y2 + BOX_HEIGHT / 2
    if x2 > x1:  # forward: right side to left side
        x1 += width
        bend = (x2 - x1) / 2
        d = f"M{x1:.1f},{y1:.1f} C{x1 + bend:.1f},{y1:.1f} {x2 - bend:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
    else:  # same column or backwards (a cycle): loop out to the right of both
        x1, x2 = x1 + width, x2 + width
        out = max(x1, x2) + COLUMN_GAP / 2
        d = f"M{x1:.1f},{y1:.1f} C{out:.1f},{y1:.1f} {out:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
    bad = bool(violations)
    note = f"{source} → {target}" + "".join(f"\n{v}" for v in violations)
    return (f'<path class="edge{" violation" if bad else ""}" d="{d}"'
            f' marker-end="url(#{"arrow-bad" if bad else "arrow"})"><title>{escape(note)}</title></path>')


def _short(label: str) -> str:
    """Long qualified names keep their end, which names the thing."""
    return label if len(label) <= MAX_LABEL else "…" + label[-(MAX_LABEL - 1):]
