"""Diagrams: pictures of the estate, of an impact, of its timeline and of a recovery plan.

Every function takes the graph and the engine's answers and returns a :class:`Diagram`
(Graphviz DOT and Mermaid text; ``svg``/``png``/``pdf`` laid out by Graphviz on demand). No
printing, no files, no command line: the CLI (``impactgraph diagram``) and the HTTP API serve
the same values.

============================  ===================================================================
:func:`estate_diagram`        the estate clustered by site, groups as their members' enclosure,
                              suppliers at the edge; coloured by an impact if given
:func:`impact_diagram`        DOWN red, DEGRADED amber, UP context grey, failed roots, the cause
                              path to every business service hit, a legend
:func:`timeline_diagram`      the impact as a Gantt chart: business services (and components),
                              DOWN/DEGRADED bars, RTO marks, the horizon
:func:`recovery_diagram`      the plan ranked by wave, critical chains of late services in bold
:func:`schedule_diagram`      the plan's steps per team as a Gantt chart, with deadlines
:func:`draw`                  any of them by name (:data:`KINDS`)
============================  ===================================================================

:class:`DiagramOptions` holds what is drawn (``focus``/``depth``, ``context``,
``components``) and how much (``max_nodes``, past which components are collapsed by site, kind
or group, with counts, and the picture says so). All user text goes through one escaping
layer (:mod:`.escape`) and one palette (:mod:`.style`).

>>> from impactgraph.model import Component, Dependency, Kind, Model
>>> from impactgraph.graph import Graph
>>> from impactgraph.engine.propagate import propagate
>>> from impactgraph.engine.scenario import Failure, Scenario
>>> graph = Graph.from_model(Model.build(
...     [Component(id="dc1", kind=Kind.SITE), Component(id="app", kind=Kind.SERVICE),
...      Component(id="shop", kind=Kind.BUSINESS_SERVICE, rto="1h")],
...     [Dependency(source="app", target="dc1"), Dependency(source="shop", target="app")]))
>>> impact = propagate(graph, Scenario(failures=(Failure("dc1"),)))
>>> d = draw("impact", graph, DiagramOptions(context=0), impact)
>>> d.kind, sorted(d.shown), d.dot.startswith("digraph impactgraph {")
('impact', ['app', 'dc1', 'shop'], True)
>>> d.mermaid.splitlines()[3]
'flowchart BT'
"""

from impactgraph.engine.impact import Impact
from impactgraph.engine.plan import Plan
from impactgraph.errors import QueryError
from impactgraph.graph import Graph
from impactgraph.render.diagrams.collapse import CHOICES as COLLAPSE_CHOICES
from impactgraph.render.diagrams.diagram import (
    FORMATS,
    IMAGE_FORMATS,
    MAX_NODES,
    MEDIA_TYPES,
    Diagram,
    DiagramOptions,
    render_image,
)
from impactgraph.render.diagrams.estate import estate_diagram, impact_diagram
from impactgraph.render.diagrams.recovery import recovery_diagram
from impactgraph.render.diagrams.schedule import schedule_diagram
from impactgraph.render.diagrams.timeline import timeline_diagram

__all__ = [
    "COLLAPSE_CHOICES",
    "FORMATS",
    "IMAGE_FORMATS",
    "KINDS",
    "MAX_NODES",
    "MEDIA_TYPES",
    "NEEDS_IMPACT",
    "NEEDS_PLAN",
    "Diagram",
    "DiagramOptions",
    "draw",
    "estate_diagram",
    "impact_diagram",
    "recovery_diagram",
    "render_image",
    "schedule_diagram",
    "timeline_diagram",
]

#: the picture kinds :func:`draw` knows, and those that need an impact / a recovery plan
KINDS = ("estate", "impact", "timeline", "recovery", "schedule")
NEEDS_IMPACT = frozenset(("impact", "timeline", "recovery", "schedule"))
NEEDS_PLAN = frozenset(("recovery", "schedule"))


def draw(
    kind: str,
    graph: Graph,
    options: DiagramOptions | None = None,
    impact: Impact | None = None,
    plan: Plan | None = None,
) -> Diagram:
    """The picture of ``kind`` (one of :data:`KINDS`): one door for the CLI and the HTTP API.
    ``impact`` is needed by every kind but ``estate`` (which it colours), ``plan`` by
    ``recovery`` and ``schedule``; without them, or for another kind, a
    :class:`~impactgraph.errors.QueryError`."""
    if kind == "estate":
        return estate_diagram(graph, options, impact)
    if kind not in KINDS:
        raise QueryError(f"no diagram kind {kind!r}; the kinds are {', '.join(KINDS)}")
    if impact is None:
        raise QueryError(f"a {kind} diagram needs failures (a scenario's impact)")
    if kind == "impact":
        return impact_diagram(graph, impact, options)
    if kind == "timeline":
        return timeline_diagram(graph, impact, options)
    if plan is None:
        raise QueryError(f"a {kind} diagram needs a recovery plan")
    if kind == "recovery":
        return recovery_diagram(graph, impact, plan, options)
    return schedule_diagram(graph, impact, plan, options)
