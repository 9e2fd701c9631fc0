"""A :class:`~.scene.Scene` as Graphviz DOT, and the title/notes/legend block every Graphviz
picture (the Gantt charts too) carries as its graph label.

Layout of the source, so that it reads like the estate: the graph label, then the clusters
(sites, group enclosures) listing their members, the ranks (recovery waves), the far edge
(suppliers), then every node with its attributes and every edge, one per line. Nodes are
named by their id (escaped by :func:`~.escape.dot_string`); should escaping make two names
one, or an id clash with a name of ours, every component is named by its number instead.
Each node's SVG ``id`` is its component id: the default ``id="\\N"`` (the node's name), or
an explicit ``id`` where ``\\N`` would give another (:func:`_renamed`, or a numbered name).
"""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Iterator, Mapping, Sequence

from impactgraph.render.diagrams.escape import dot_html, dot_string
from impactgraph.render.diagrams.scene import Cluster, Edge, Node, Scene
from impactgraph.render.diagrams.style import (
    DOT_SHAPE,
    EDGE_FONT_SIZE,
    EMPHASIS,
    EMPHASIS_WIDTH,
    FOCUS,
    FONT,
    FONT_SIZE,
    MUTED,
    TEXT,
    UP,
    LegendItem,
)

HEADER = (
    f'  rankdir=BT; fontname="{FONT}"; fontsize={FONT_SIZE}; '
    f'node [fontname="{FONT}", fontsize={FONT_SIZE}, id="\\N"]; '
    f'edge [fontname="{FONT}", fontsize={EDGE_FONT_SIZE}];'
)
#: legend entries side by side in one row of the graph label
LEGEND_PER_ROW = 3


def scene_dot(scene: Scene) -> str:
    """The scene as DOT source (``digraph impactgraph { … }``)."""
    names, numbered = _names(scene)
    lines = ["digraph impactgraph {", HEADER]
    label = graph_label(scene.title, scene.notes, scene.legend)
    if label:
        lines.append(f"  labelloc=t; labeljust=l; label={label};")
    counter = itertools.count(1)
    for cluster in scene.clusters:
        lines += _cluster(cluster, names, counter, "  ")
    for k, rank in enumerate(scene.ranks):
        members = " ".join(f"{names[key]};" for key in rank.nodes)
        heading = f'_w{k} [label={dot_string(rank.label)}, shape=plaintext, fontcolor="{MUTED}"];'
        lines.append(f"  {{ rank=same; {heading} {members} }}")
    if scene.far:
        lines.append("  { rank=max; " + " ".join(f"{names[key]};" for key in scene.far) + " }")
    for node in scene.nodes:
        lines.append(f"  {names[node.key]} [{', '.join(_node_attrs(node, numbered))}];")
    for k in range(1, len(scene.ranks)):
        lines.append(f"  _w{k} -> _w{k - 1} [style=invis];")
    rank_of = {key: k for k, rank in enumerate(scene.ranks) for key in rank.nodes}
    rank_of.update((key, -1) for key in scene.far)
    for edge in scene.edges:
        flat = rank_of.get(edge.source, -2) == rank_of.get(edge.target, -3)
        attrs = _edge_attrs(edge, flat)
        suffix = f" [{', '.join(attrs)}]" if attrs else ""
        lines.append(f"  {names[edge.source]} -> {names[edge.target]}{suffix};")
    lines.append("}")
    return "\n".join(lines)


def _names(scene: Scene) -> tuple[dict[str, str], bool]:
    """Node key → DOT name, and whether components are named by number."""
    names = {
        node.key: dot_string(node.key) if node.component is not None else f"_c{i}"
        for i, node in enumerate(scene.nodes)
    }
    ours = {f'"_w{k}"' for k in range(len(scene.ranks))} | {
        f'"{name}"' for name in names.values() if not name.startswith('"')
    }
    quoted = [name for name in names.values() if name.startswith('"')]
    if len(set(quoted)) == len(quoted) and not ours & set(quoted):
        return names, False
    return {
        node.key: f"n{i}" if node.component is not None else names[node.key]
        for i, node in enumerate(scene.nodes)
    }, True


def _cluster(
    cluster: Cluster, names: Mapping[str, str], counter: Iterator[int], indent: str
) -> list[str]:
    style = '"dashed,rounded"' if cluster.group else '"rounded"'
    inner = indent + "  "
    lines = [
        f"{indent}subgraph cluster_{next(counter)} {{",
        f'{inner}label={dot_string(cluster.label)}; style={style}; color="{UP.pen}"; '
        f'fontcolor="{MUTED}";',
    ]
    if cluster.nodes:
        lines.append(inner + " ".join(f"{names[key]};" for key in cluster.nodes))
    for sub in cluster.clusters:
        lines += _cluster(sub, names, counter, inner)
    lines.append(f"{indent}}}")
    return lines


def _node_attrs(node: Node, numbered: bool) -> list[str]:
    shape, extra = DOT_SHAPE[node.shape]
    attrs = [f"label={dot_string(*node.lines)}", f"shape={shape}"]
    styles = [s for s in extra.split(",") if s]
    paint = node.paint
    if paint is not None:
        attrs.append(f'style="{",".join(["filled", *styles])}"')
        attrs += [f'fillcolor="{paint.fill}"', f'color="{paint.pen}"']
        if paint.font != TEXT:
            attrs.append(f'fontcolor="{paint.font}"')
    elif styles:
        attrs.append(f'style="{",".join(styles)}"')
    if node.root:
        attrs += ["peripheries=2", "penwidth=2"]
    elif node.focus:
        attrs += [f'color="{FOCUS}"', f"penwidth={EMPHASIS_WIDTH}"]
    elif node.emphasis:
        attrs.append("penwidth=2")
    if node.component is not None and (numbered or _renamed(dot_string(node.component))):
        attrs.append(f"id={dot_string(node.component)}")
    if node.tooltip:
        attrs.append(f"tooltip={dot_string(node.tooltip)}")
    return attrs


def _renamed(name: str) -> bool:
    """Whether Graphviz's ``\\N`` gives another id than the name: it keeps a backslash
    doubled, and names a node whose name starts with ``%`` by a number of its own."""
    return "\\" in name or name.startswith('"%')


def _edge_attrs(edge: Edge, flat: bool) -> list[str]:
    """An edge's attributes; the label of a ``flat`` edge (both ends in one rank) is an
    ``xlabel``, placed once the layout is done: ``dot`` lays out a labelled flat edge with a
    label node in a rank of its own, and on a large recovery picture (two collapsed nodes of
    one wave needing each other) loses the edge ("triangulation failed") and fails."""
    attrs = [f"{'xlabel' if flat else 'label'}={dot_string(edge.label)}"] if edge.label else []
    if edge.invisible:
        attrs.append("style=invis")
    elif edge.member:
        attrs += ["style=dotted", "arrowhead=odiamond"]
    elif edge.soft:
        attrs.append("style=dashed")
    if edge.emphasis:
        attrs += [f"penwidth={EMPHASIS_WIDTH}", f'color="{EMPHASIS}"']
    if not edge.constraint:
        attrs.append("constraint=false")
    return attrs


def graph_label(title: str, notes: Sequence[str], legend: Sequence[LegendItem]) -> str:
    """The title, notes and legend as a Graphviz HTML-like label (``""`` when all are empty).
    The legend has :data:`LEGEND_PER_ROW` entries a row; the title and notes are wrapped to
    about its width, since a wider row would spread the legend's columns apart."""
    if not (title or notes or legend):
        return ""
    rows_of = [legend[i : i + LEGEND_PER_ROW] for i in range(0, len(legend), LEGEND_PER_ROW)]
    width = max([60, *(sum(len(e.text) + len(e.glyph) + 6 for e in row) for row in rows_of)])
    span = 2 * max((len(row) for row in rows_of), default=1)

    def wrapped(text: str) -> str:
        lines = textwrap.wrap(text, width, break_on_hyphens=False) or [""]
        return '<BR ALIGN="LEFT"/>'.join(dot_html(line) for line in lines) + '<BR ALIGN="LEFT"/>'

    rows = []
    if title:
        rows.append(f'<TR><TD COLSPAN="{span}" ALIGN="LEFT"><B>{wrapped(title)}</B></TD></TR>')
    rows += [
        f'<TR><TD COLSPAN="{span}" ALIGN="LEFT"><FONT COLOR="{MUTED}">{wrapped(note)}</FONT>'
        "</TD></TR>"
        for note in notes
    ]
    rows += ["<TR>" + "".join(_legend_cells(item) for item in row) + "</TR>" for row in rows_of]
    return '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="3">' + "".join(rows) + "</TABLE>>"


def _legend_cells(item: LegendItem) -> str:
    if item.paint is not None:
        swatch = (
            f'<TD BGCOLOR="{item.paint.fill}" COLOR="{item.paint.pen}" BORDER="{item.border}" '
            'WIDTH="22" HEIGHT="12" FIXEDSIZE="TRUE"></TD>'
        )
    else:
        swatch = f'<TD><FONT COLOR="{item.colour}">{dot_html(item.glyph)}</FONT></TD>'
    return f'{swatch}<TD ALIGN="LEFT">{dot_html(item.text)}</TD>'
