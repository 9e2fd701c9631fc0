"""The timeline of an impact as a Gantt chart: the picture a business continuity report needs.

One row per business service hit (by tier, then onset) and, with ``options.components``, per
component hit (in reading order: onset, then outwards from the root); DOWN and DEGRADED bars
over time, the RTO of each row marked at onset + RTO (red when the row is still DOWN then),
the horizon inside which money lost is counted as a dashed line.

>>> from impactgraph.model import Component, Dependency, Kind, Model
>>> from impactgraph.graph import Graph
>>> from impactgraph.engine.propagate import propagate
>>> from impactgraph.engine.scenario import Failure, Scenario
>>> g = Graph.from_model(Model.build(
...     [Component(id="dc1", kind=Kind.SITE),
...      Component(id="shop", kind=Kind.BUSINESS_SERVICE, rto="1h")],
...     [Dependency(source="shop", target="dc1")]))
>>> d = timeline_diagram(g, propagate(g, Scenario(failures=(Failure("dc1", duration=7200),))))
>>> sorted(d.shown), "section shop" in d.mermaid
(['shop'], True)
"""

from __future__ import annotations

from impactgraph.durations import format_duration
from impactgraph.engine.impact import Impact, Interval, State
from impactgraph.graph import Graph
from impactgraph.model import Kind
from impactgraph.render.diagrams.diagram import Diagram, DiagramOptions
from impactgraph.render.diagrams.estate import scenario_text
from impactgraph.render.diagrams.gantt import Bar, Chart, Mark, Row, chart_dot, chart_mermaid
from impactgraph.render.diagrams.placement import focused
from impactgraph.render.diagrams.style import (
    DEGRADED,
    DOWN,
    EMPHASIS,
    MUTED,
    STATE_PAINT,
    TEXT,
    LegendItem,
)
from impactgraph.render.timeline import cause_text, ordered, span_text

LEGEND = (
    LegendItem("DOWN", DOWN),
    LegendItem("DEGRADED", DEGRADED),
    LegendItem("RTO (onset + RTO; red: still DOWN then)", glyph="◆", colour=EMPHASIS),
    LegendItem("horizon (money lost is counted inside it)", glyph="┆", colour=MUTED),
    LegendItem("until recovered", glyph="∞"),
)


def timeline_diagram(
    graph: Graph, impact: Impact, options: DiagramOptions | None = None
) -> Diagram:
    """The impact's Gantt chart (rows limited to ``options.max_nodes``, 0 for all)."""
    options = options or DiagramOptions()
    timelines = impact.timelines
    wanted = focused(graph, (graph.index[c] for c in timelines), options.focus, options.depth)
    business = [h.id for h in impact.summary.business_services if graph.index[h.id] in wanted]
    others: list[str] = []
    if options.components:
        others = [
            cid
            for cid in ordered(timelines)
            if graph.index[cid] in wanted
            and graph.kind_of(graph.index[cid]) is not Kind.BUSINESS_SERVICE
        ]
    ids = business + others
    notes = []
    if not business:
        notes.append(
            "no business service is hit"
            + ("" if others else "; --components shows every component")
        )
    if 0 < options.max_nodes < len(ids):
        notes.append(
            f"{len(ids) - options.max_nodes:,} more rows not shown (more than "
            f"{options.max_nodes:,}; --focus ID or --max-nodes N)"
        )
        ids = ids[: options.max_nodes]
    rto = graph.attr("rto")
    rows = tuple(_row(cid, timelines[cid], rto[graph.index[cid]]) for cid in ids)
    horizon = Mark(impact.horizon, f"horizon {format_duration(impact.horizon)}", MUTED)
    chart = Chart(
        f"Impact timeline: {scenario_text(impact)}", rows, (horizon,), tuple(notes), LEGEND
    )
    return Diagram(
        "timeline", chart_dot(chart), chart_mermaid(chart), shown=frozenset(ids), notes=chart.notes
    )


def _row(cid: str, ivs: list[Interval], rto: int | None) -> Row:
    bars = tuple(
        Bar(
            iv.start,
            iv.end,
            STATE_PAINT[iv.state],
            task=f"{iv.state.value} {span_text(iv.start, iv.end)}",
            tooltip=f"{cid}: {iv.state.value} {span_text(iv.start, iv.end)}"
            f" ← {cause_text(iv.cause)}",
        )
        for iv in ivs
    )
    marks: tuple[Mark, ...] = ()
    if rto is not None:
        at = ivs[0].start + rto
        late = any(iv.state is State.DOWN and iv.contains(at) for iv in ivs)
        marks = (
            Mark(
                at,
                f"RTO {format_duration(rto)} at {format_duration(at)}",
                EMPHASIS if late else TEXT,
            ),
        )
    return Row(cid, cid, bars, marks, component=cid)
