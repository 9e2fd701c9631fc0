"""Graphviz diagrams of an estate, optionally coloured by a scenario's impact.

Arrows point the way the model reads: ``a → b`` is "a needs b". Shapes say the kind, dashed
arrows are soft dependencies, dotted ones group membership; with an impact, DOWN components
are red and DEGRADED ones amber, each labelled with its timeline.

Ids and labels are written by :func:`_q`, the one escaping layer for DOT: quotes and
backslashes escaped, ``&`` written as ``&amp;`` (Graphviz reads entities in every string, so
an id ``&amp;`` is shown as typed), control characters shown as visible symbols (so that
``dot`` never chokes on a NUL and the SVG it writes is always well-formed XML). Should two ids
become one name that way, every node is named by its number instead.

>>> from impactgraph.model import Component, Dependency, Kind, Model
>>> from impactgraph.graph import Graph
>>> g = Graph.from_model(Model.build(
...     [Component(id="dc1", kind=Kind.SITE), Component(id="host1", kind=Kind.INFRASTRUCTURE)],
...     [Dependency(source="host1", target="dc1", type="located_at")]))
>>> print(diagram_dot(g))  # doctest: +NORMALIZE_WHITESPACE
digraph impactgraph {
  rankdir=BT; node [fontname="Helvetica", fontsize=10]; edge [fontname="Helvetica", fontsize=8];
  "dc1" [label="dc1", shape=house];
  "host1" [label="host1", shape=box3d];
  "host1" -> "dc1" [label="located_at"];
}
"""

from __future__ import annotations

import sys
from collections.abc import Collection, Mapping
from pathlib import Path

from impactgraph.durations import format_duration
from impactgraph.engine.explain import reachable
from impactgraph.engine.impact import Impact, State
from impactgraph.errors import InputError, InternalError, SetupError, UnknownComponentError
from impactgraph.graph import Graph
from impactgraph.model import Kind
from impactgraph.render.formats import visible, write, write_bytes, write_output
from impactgraph.render.timeline import timeline_text

IMAGE_FORMATS = ("svg", "png", "pdf")

SHAPE = {
    Kind.BUSINESS_SERVICE: 'shape=box, style="rounded,bold"',
    Kind.SERVICE: "shape=box",
    Kind.INFRASTRUCTURE: "shape=box3d",
    Kind.SITE: "shape=house",
    Kind.SUPPLIER: "shape=component",
    Kind.GROUP: "shape=ellipse, style=dashed",
}
FILL = {State.DOWN: ("#f4c7c3", "#c5221f"), State.DEGRADED: ("#fde9b8", "#b06000")}


def _q(*lines: str) -> str:
    """A DOT double-quoted string of ``lines`` that Graphviz shows as written.

    >>> print(_q('a"b', "&amp;"), _q("bell\\x07"))
    "a\\"b\\n&amp;amp;" "bell␇"
    """
    escaped = (
        visible(line).replace("&", "&amp;").replace("\\", "\\\\").replace('"', '\\"')
        for line in lines
    )
    return '"' + "\\n".join(escaped) + '"'


def _names(graph: Graph, keep: Collection[str]) -> Mapping[str, str]:
    """The DOT name of each id drawn: the id itself, escaped, or ``n<number>`` for all of them
    should escaping make two ids one."""
    names = {cid: _q(cid) for cid in graph.ids if cid in keep}
    if len(set(names.values())) < len(names):
        names = {cid: f"n{graph.index[cid]}" for cid in names}
    return names


def drawn(
    graph: Graph,
    impact: Impact | None,
    around: str | None = None,
    depth: int | None = None,
    impacted: bool = False,
) -> set[str] | None:
    """The ids to draw (None for all): ``around`` and what it needs and what needs it, within
    ``depth`` hops; with ``impacted``, only what the impact takes down or degrades."""
    only: set[str] | None = None
    if around is not None:
        if around not in graph.index:
            raise UnknownComponentError(around, "not in the model")
        only = {around}
        for upward in (True, False):
            found = reachable(graph, around, upward=upward, depth=depth, types=None, strength=None)
            only.update(r.id for r in found)
    if impacted and impact is not None:
        hit = set(impact.timelines)
        only = hit if only is None else only & hit
    return only


def diagram_dot(
    graph: Graph, impact: Impact | None = None, only: Collection[str] | None = None
) -> str:
    """The estate (or the components in ``only``) as Graphviz DOT source."""
    keep = set(graph.ids) if only is None else set(only)
    lines = [
        "digraph impactgraph {",
        '  rankdir=BT; node [fontname="Helvetica", fontsize=10]; '
        'edge [fontname="Helvetica", fontsize=8];',
    ]
    name = _names(graph, keep)
    for v, cid in enumerate(graph.ids):
        if cid not in keep:
            continue
        attrs = [f"label={_q(cid)}", SHAPE[graph.kind_of(v)]]
        ivs = impact.timelines.get(cid) if impact is not None else None
        if ivs:
            worst = State.DOWN if any(iv.state is State.DOWN for iv in ivs) else State.DEGRADED
            fill, pen = FILL[worst]
            attrs[0] = f"label={_q(cid, timeline_text(ivs))}"
            style = (
                "filled,rounded,bold"
                if graph.kind_of(v) is Kind.BUSINESS_SERVICE
                else ("filled,dashed" if graph.kind_of(v) is Kind.GROUP else "filled")
            )
            attrs[1] = SHAPE[graph.kind_of(v)].split(",")[0]
            attrs += [f'style="{style}"', f'fillcolor="{fill}"', f'color="{pen}"']
        lines.append(f"  {name[cid]} [{', '.join(attrs)}];")
    for v, cid in enumerate(graph.ids):
        if cid not in keep:
            continue
        for e in range(int(graph.dependencies.ptr[v]), int(graph.dependencies.ptr[v + 1])):
            target = graph.ids[int(graph.dependencies.idx[e])]
            if target not in keep:
                continue
            words = []
            etype = graph.edge_types[int(graph.dependencies.type[e])]
            if etype != "depends_on":
                words.append(etype)
            if int(graph.dependencies.tol[e]):
                words.append(f"τ {format_duration(int(graph.dependencies.tol[e]))}")
            attrs = [f"label={_q(' '.join(words))}"] if words else []
            if not bool(graph.dependencies.hard[e]):
                attrs.append("style=dashed")
            suffix = f" [{', '.join(attrs)}]" if attrs else ""
            lines.append(f"  {name[cid]} -> {name[target]}{suffix};")
        for m in range(int(graph.members.ptr[v]), int(graph.members.ptr[v + 1])):
            member = graph.ids[int(graph.members.idx[m])]
            if member not in keep:
                continue
            attrs = ["style=dotted", "arrowhead=odiamond"]
            if bool(graph.members.standby[m]):
                act = format_duration(int(graph.members.activation[m]))
                attrs.insert(0, f"label={_q('standby ' + act)}")
            lines.append(f"  {name[cid]} -> {name[member]} [{', '.join(attrs)}];")
    lines.append("}")
    return "\n".join(lines)


def render_image(dot: str, fmt: str) -> bytes:
    """Lay out DOT source with Graphviz's ``dot`` program into svg, png or pdf."""
    import graphviz

    try:
        out: bytes = graphviz.Source(dot).pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        raise SetupError(
            "Graphviz's 'dot' program is not installed; install graphviz, or use --format dot"
        ) from None
    except graphviz.CalledProcessError as e:
        # every id and label is escaped: dot refusing the source is a bug of ours
        stderr = e.stderr.decode("utf-8", "replace") if isinstance(e.stderr, bytes) else ""
        raise InternalError(f"Graphviz's dot refused the diagram: {stderr.strip()}") from None
    return out


def show_diagram(dot: str, fmt: str, output: Path | None) -> None:
    """Write DOT source (``fmt`` ``dot``) or the image Graphviz lays out from it to ``output``,
    else to stdout (an image only when stdout is not a terminal)."""
    if fmt == "dot":
        if output is None:
            write(dot + "\n")
        else:
            write_output(output, dot + "\n")
        return
    image = render_image(dot, fmt)
    if output is not None:
        write_output(output, image)
    elif sys.stdout.isatty():
        raise InputError(f"a {fmt} image would garble the terminal; give --output FILE")
    else:
        write_bytes(image)
