"""A :class:`~.scene.Scene` as a Mermaid flowchart, for Markdown documents and wikis.

The same picture as the DOT writer's, in Mermaid's words: ``flowchart BT``; clusters and ranks
as ``subgraph``; each node a shape per kind with a quoted label; soft dependencies ``-.->``,
group members ``-.-o``, cause paths and critical chains ``==>`` coloured by ``linkStyle``;
the palette's colours as ``classDef`` (``down``, ``degraded``, ``up`` …) given with ``class``
lines; the title in the front matter; notes and legend in a ``legend`` subgraph. Every id
comes from :func:`~.escape.mermaid_id` and every label from :func:`~.escape.mermaid_label`,
so any component id is safe.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from impactgraph.render.diagrams.escape import mermaid_id, mermaid_label
from impactgraph.render.diagrams.scene import Cluster, Node, Scene
from impactgraph.render.diagrams.style import (
    EMPHASIS,
    FOCUS,
    MERMAID_SHAPE,
    PAINTS,
    LegendItem,
)
from impactgraph.render.formats import visible

#: marks drawn on top of a node's paint (a class each)
EXTRA_CLASSES = (
    "classDef root stroke-width:4px",
    "classDef emphasis stroke-width:3px",
    f"classDef focus stroke:{FOCUS},stroke-width:3px",
)


def scene_mermaid(scene: Scene) -> str:
    """The scene as a Mermaid flowchart."""
    ids = {
        node.key: mermaid_id("c", node.key) if node.component is not None else f"g_{i}"
        for i, node in enumerate(scene.nodes)
    }
    lines = [*_front_matter(scene.title), "flowchart BT"]
    lines += _legend(scene.notes, scene.legend)
    by_key = {node.key: node for node in scene.nodes}
    placed: set[str] = set()
    subgraphs = iter(range(1, 1 << 62))

    def subgraph(label: str, keys: Sequence[str], nested: Iterable[Cluster], indent: str) -> None:
        lines.append(f"{indent}subgraph s_{next(subgraphs)}[{mermaid_label(label)}]")
        for key in keys:
            if key not in placed:
                placed.add(key)
                lines.append(f"{indent}  {_node(by_key[key], ids[key])}")
        for sub in nested:
            subgraph(sub.label, sub.nodes, sub.clusters, indent + "  ")
        lines.append(f"{indent}end")

    for cluster in scene.clusters:
        subgraph(cluster.label, cluster.nodes, cluster.clusters, "  ")
    for rank in scene.ranks:
        subgraph(rank.label, rank.nodes, (), "  ")
    lines += [f"  {_node(node, ids[node.key])}" for node in scene.nodes if node.key not in placed]
    emphasised: list[str] = []
    for link, edge in enumerate(e for e in scene.edges if not e.invisible):
        if edge.member:
            arrow = "-.-o"
        elif edge.soft:
            arrow = "-.->"
        else:
            arrow = "==>" if edge.emphasis else "-->"
        if edge.emphasis:
            emphasised.append(str(link))
        text = f"|{mermaid_label(edge.label)}|" if edge.label else ""
        lines.append(f"  {ids[edge.source]} {arrow}{text} {ids[edge.target]}")
    lines += _classes(scene.nodes, ids)
    if emphasised:
        lines.append(f"  linkStyle {','.join(emphasised)} stroke:{EMPHASIS},stroke-width:3px")
    return "\n".join(lines) + "\n"


def _front_matter(title: str) -> list[str]:
    # a JSON string is a YAML double-quoted scalar: nothing in the title can end it
    if not title:
        return []
    return ["---", f"title: {json.dumps(visible(title), ensure_ascii=False)}", "---"]


def _node(node: Node, node_id: str) -> str:
    opening, closing = MERMAID_SHAPE[node.shape]
    return f"{node_id}{opening}{mermaid_label(*node.lines)}{closing}"


def _legend(notes: Sequence[str], legend: Sequence[LegendItem]) -> list[str]:
    if not (notes or legend):
        return []
    lines = ['  subgraph l_legend["legend"]']
    for i, note in enumerate(notes):
        lines.append(f"    l_n{i}[{mermaid_label(note)}]")
    thick = []
    for i, item in enumerate(legend):
        text = item.text if item.paint is not None else f"{item.glyph} {item.text}"
        paint = f":::{item.paint.name}" if item.paint is not None else ""
        lines.append(f"    l_{i}[{mermaid_label(text)}]{paint}")
        if item.border > 1:
            thick.append(f"l_{i}")
    lines.append("  end")
    return lines + ([f"  class {','.join(thick)} root"] if thick else [])


def _classes(nodes: Sequence[Node], ids: dict[str, str]) -> list[str]:
    members: dict[str, list[str]] = {}
    for node in nodes:
        marks = [node.paint.name] if node.paint is not None else []
        marks += [m for m, on in (("root", node.root), ("emphasis", node.emphasis)) if on]
        marks += ["focus"] if node.focus else []
        for mark in marks:
            members.setdefault(mark, []).append(ids[node.key])
    lines = [f"  {paint.mermaid_class()}" for paint in PAINTS]
    lines += [f"  {line}" for line in EXTRA_CLASSES]
    lines += [f"  class {','.join(keys)} {mark}" for mark, keys in members.items()]
    return lines
