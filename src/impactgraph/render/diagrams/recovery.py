"""The picture of a recovery plan (SPEC §4): the components to bring back ranked by wave, and
what the plan's pictures share (a step's paint, the title).

In :func:`recovery_diagram` each step's component is labelled with its action, start–finish
and team, red when it finishes after its deadline and green when on time; waves are drawn as
ranks, wave 0 at the top; the critical chain of each business service that misses its RTO is
drawn thick. The schedule of the same plan as a Gantt chart is in :mod:`.schedule`.

>>> from impactgraph.model import Component, Dependency, Kind, Model
>>> from impactgraph.graph import Graph
>>> from impactgraph.engine.plan import plan
>>> from impactgraph.engine.propagate import propagate
>>> from impactgraph.engine.scenario import Failure, Scenario
>>> g = Graph.from_model(Model.build(
...     [Component(id="dc1", kind=Kind.SITE, recovery_time="4h"),
...      Component(id="app", kind=Kind.SERVICE, restart_time="30m"),
...      Component(id="shop", kind=Kind.BUSINESS_SERVICE, rto="4h")],
...     [Dependency(source="app", target="dc1"), Dependency(source="shop", target="app")]))
>>> impact = propagate(g, Scenario(failures=(Failure("dc1"),)))
>>> d = recovery_diagram(g, impact, plan(g, impact))
>>> [line.strip() for line in d.dot.splitlines() if "rank=same" in line][0]
'{ rank=same; _w0 [label="wave 0 · from T+0s", shape=plaintext, fontcolor="#5f6368"]; "dc1"; }'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from itertools import pairwise

from impactgraph.durations import format_duration
from impactgraph.engine.impact import Impact
from impactgraph.engine.plan import Plan, ServiceRecovery, Step
from impactgraph.graph import Graph
from impactgraph.render.diagrams.build import Keys, graph_edges, in_id_order, scene_diagram
from impactgraph.render.diagrams.collapse import collapse
from impactgraph.render.diagrams.diagram import Diagram, DiagramOptions
from impactgraph.render.diagrams.estate import scenario_text
from impactgraph.render.diagrams.placement import focused
from impactgraph.render.diagrams.scene import Edge, Node, Rank, Scene
from impactgraph.render.diagrams.style import (
    EDGE_LEGEND,
    LATE,
    NO_DEADLINE,
    ON_TIME,
    RECOVERY_LEGEND,
    Paint,
)
from impactgraph.render.runbook import moment


def step_paint(step: Step) -> Paint:
    """Red for a step finishing after its deadline, green by it, grey without one."""
    slack = step.slack
    return NO_DEADLINE if slack is None else (LATE if slack < 0 else ON_TIME)


def plan_title(kind: str, impact: Impact, plan: Plan) -> str:
    """``Recovery plan: dc1 lost — 42 steps, everything back at T+3d, 2 RTO breach(es)``."""
    totals = plan.totals
    return (
        f"{kind}: {scenario_text(impact)} — {len(plan.steps):,} steps, everything back at "
        f"{moment(totals.makespan)}, {totals.breaches:,} RTO breach(es)"
    )


def recovery_diagram(
    graph: Graph, impact: Impact, plan: Plan, options: DiagramOptions | None = None
) -> Diagram:
    """The components a plan brings back, ranked by wave (see the module's docstring)."""
    options = options or DiagramOptions()
    step_of = {c: s for s in plan.steps for c in s.components}
    services = {b.id: b for b in plan.business_services}
    chains = {
        (graph.index[a], graph.index[b])
        for s in plan.business_services
        if s.breach
        for b, a in pairwise(s.critical_chain)  # b needed by a, from the root up
    }
    wanted = {*step_of, *services, *(c for b in plan.business_services for c in b.critical_chain)}
    drawn = in_id_order(
        graph, focused(graph, (graph.index[c] for c in wanted), options.focus, options.depth)
    )
    on_chain = {v for pair in chains for v in pair}

    def wave_of(v: int) -> str | None:
        step = step_of.get(graph.ids[v])
        return None if step is None else f"wave {step.wave}"

    chained = [graph.index[c] for b in plan.business_services if b.breach for c in b.critical_chain]
    keep = [*chained, *(graph.index[c] for c in services)]
    collapsed = collapse(graph, drawn, keep, options.collapse, options.max_nodes, wave_of)
    keys = Keys(graph, drawn, collapsed)
    names = graph.attr("name")
    nodes: list[Node] = []
    ranks: dict[int, list[str]] = {}
    for v in drawn:
        if collapsed is not None and v in collapsed.buckets:
            continue
        cid = graph.ids[v]
        step, service = step_of.get(cid), services.get(cid)
        nodes.append(
            Node(
                cid,
                (cid, *_lines(step, service)),
                graph.kind_of(v),
                _service_paint(service) if step is None else step_paint(step),
                component=cid,
                emphasis=v in on_chain,
                focus=cid == options.focus,
                tooltip=names[v],
            )
        )
        if step is not None:
            ranks.setdefault(step.wave, []).append(cid)
    notes = []
    if collapsed is not None:
        notes.append(collapsed.note)
        late = {
            bucket
            for v, bucket in collapsed.buckets.items()
            if (step := step_of.get(graph.ids[v])) is not None and step_paint(step) is LATE
        }
        for bucket, count in collapsed.groups.items():
            key = keys.prefix + bucket.title
            nodes.append(Node(key, bucket.lines(count), paint=LATE if bucket in late else ON_TIME))
            if bucket.tag is not None:  # components with a step, collapsed per wave
                ranks.setdefault(int(bucket.tag.split()[-1]), []).append(key)
    first: dict[int, int] = {}
    for s in plan.steps:
        first[s.wave] = min(first.get(s.wave, s.start), s.start)
    rank_rows = tuple(
        Rank(f"wave {w} · from {moment(first[w])}", tuple(ranks[w])) for w in sorted(ranks)
    )
    edges = _ranked(graph_edges(graph, drawn, keys, chains, merge=collapsed is not None), ranks)
    scene = Scene(
        tuple(nodes),
        edges,
        ranks=rank_rows,
        title=plan_title("Recovery plan", impact, plan),
        notes=tuple(notes),
        legend=(*RECOVERY_LEGEND, *EDGE_LEGEND),
    )
    return scene_diagram("recovery", graph, scene, collapsed)


def _ranked(edges: Sequence[Edge], ranks: dict[int, list[str]]) -> tuple[Edge, ...]:
    """The edges, those that would run against the waves (to a later or the same wave, or a
    group's member edge) drawn without ranking their ends, so that wave 0 stays on top."""
    wave = {key: w for w, keys in ranks.items() for key in keys}

    def along(edge: Edge) -> bool:
        if edge.member:
            return False
        if edge.source in wave and edge.target in wave:
            return wave[edge.source] > wave[edge.target]
        return True

    return tuple(e if along(e) else replace(e, constraint=False) for e in edges)


def _lines(step: Step | None, service: ServiceRecovery | None) -> tuple[str, ...]:
    lines: list[str] = []
    if step is not None:
        lines.append(f"{step.action} {moment(step.start)}–{moment(step.finish)}")
        lines.append(step.team or "unassigned")
        slack = step.slack
        if slack is not None:
            lines.append(
                f"late {format_duration(-slack)}"
                if slack < 0
                else f"slack {format_duration(slack)}"
            )
    if service is not None:
        rto = f", RTO {format_duration(service.rto)}" if service.rto is not None else ""
        lines.append(f"recovered {moment(service.recovered_at)}{rto}")
        if service.breach:
            lines.append(f"RTO missed by {format_duration(service.breach)}")
    return tuple(lines)


def _service_paint(service: ServiceRecovery | None) -> Paint:
    if service is None or service.breach is None:
        return NO_DEADLINE
    return LATE if service.breach else ON_TIME
