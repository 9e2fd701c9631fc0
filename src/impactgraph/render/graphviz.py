"""Diagrams to stdout or a file (``impactgraph diagram``), and the plain DOT picture of an
estate that this module has always offered (:func:`diagram_dot`).

The pictures themselves are made in :mod:`impactgraph.render.diagrams`; ids and labels are
escaped there, in :mod:`impactgraph.render.diagrams.escape` (quotes and backslashes escaped,
``&`` written as ``&amp;``, control characters shown as visible symbols, so that ``dot``
never chokes on a NUL and the SVG it writes is always well-formed XML).

>>> from impactgraph.model import Component, Dependency, Kind, Model
>>> from impactgraph.graph import Graph
>>> g = Graph.from_model(Model.build(
...     [Component(id="dc1", kind=Kind.SITE), Component(id="host1", kind=Kind.INFRASTRUCTURE)],
...     [Dependency(source="host1", target="dc1", type="located_at")]))
>>> print("\\n".join(diagram_dot(g).splitlines()[-4:]))
  "dc1" [label="dc1", shape=house];
  "host1" [label="host1", shape=box3d];
  "host1" -> "dc1" [label="located_at"];
}
"""

from __future__ import annotations

import sys
from collections.abc import Collection
from pathlib import Path

from impactgraph.engine.impact import Impact
from impactgraph.errors import InputError
from impactgraph.graph import Graph
from impactgraph.render.diagrams import Diagram, DiagramOptions, estate_diagram
from impactgraph.render.diagrams.diagram import IMAGE_FORMATS, TEXT_FORMATS, render_image
from impactgraph.render.diagrams.dot import scene_dot
from impactgraph.render.diagrams.estate import dependency_scene
from impactgraph.render.diagrams.placement import neighbourhood
from impactgraph.render.formats import write, write_bytes, write_output

__all__ = ["IMAGE_FORMATS", "diagram_dot", "drawn", "render_image", "show_diagram"]


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
        only = {graph.ids[v] for v in neighbourhood(graph, around, depth)}
    if impacted and impact is not None:
        hit = set(impact.timelines)
        only = hit if only is None else only & hit
    return only


def diagram_dot(
    graph: Graph, impact: Impact | None = None, only: Collection[str] | None = None
) -> str:
    """The estate (or the components in ``only``) as Graphviz DOT source, uncollapsed,
    coloured by ``impact`` if given."""
    if only is None:
        return estate_diagram(graph, DiagramOptions(max_nodes=0), impact).dot
    keep = {graph.index[cid] for cid in only}
    options = DiagramOptions(max_nodes=0)
    scene, _ = dependency_scene(graph, impact, keep, options, "Estate", overview=True)
    return scene_dot(scene)


def show_diagram(diagram: Diagram, fmt: str, output: Path | None) -> None:
    """Write a diagram as ``fmt`` (``dot``, ``mermaid`` or an image laid out by Graphviz) to
    ``output``, else to stdout (an image only when stdout is not a terminal)."""
    if fmt in TEXT_FORMATS:
        text = diagram.dot + "\n" if fmt == "dot" else diagram.mermaid
        if output is None:
            write(text)
        else:
            write_output(output, text)
        return
    image = diagram.image(fmt)
    if output is not None:
        write_output(output, image)
    elif sys.stdout.isatty():
        raise InputError(f"a {fmt} image would garble the terminal; give --output FILE")
    else:
        write_bytes(image)
