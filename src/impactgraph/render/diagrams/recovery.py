"""Pictures of a recovery plan (SPEC §4): the components to bring back ranked by wave, and
the schedule of steps per team as a Gantt chart.

In :func:`recovery_diagram` each step's component is labelled with its action, start–finish
and team, red when it finishes after its deadline and green when on time; waves are drawn as
ranks, wave 0 at the top; the critical chain of each business service that misses its RTO is
drawn thick. :func:`schedule_diagram` draws a row per crew (split into lanes where steps run
side by side, as with unlimited capacity), each step a bar, its deadline a diamond.

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
>>> sorted(schedule_diagram(g, impact, plan(g, impact)).shown)
['app', 'dc1', 'shop']
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
from impactgraph.render.diagrams.gantt import Bar, Chart, Mark, Row, chart_dot, chart_mermaid, lanes
from impactgraph.render.diagrams.placement import focused
from impactgraph.render.diagrams.scene import Edge, Node, Rank, Scene
from impactgraph.render.diagrams.style import (
    EDGE_LEGEND,
    EMPHASIS,
    LATE,
    MUTED,
    NO_DEADLINE,
    ON_TIME,
    RECOVERY_LEGEND,
    LegendItem,
    Paint,
)
from impactgraph.render.runbook import moment

SCHEDULE_LEGEND = (
    LegendItem("step finishing after its deadline", LATE),
    LegendItem("step finishing by its deadline", ON_TIME),
    LegendItem("step no RTO reaches", NO_DEADLINE),
    LegendItem("deadline (red: missed)", glyph="◆", colour=EMPHASIS),
    LegendItem("everything back", glyph="┆", colour=MUTED),
)


def _paint(step: Step) -> Paint:
    slack = step.slack
    return NO_DEADLINE if slack is None else (LATE if slack < 0 else ON_TIME)


def _title(kind: str, impact: Impact, plan: Plan) -> str:
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
                _service_paint(service) if step is None else _paint(step),
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
            if (step := step_of.get(graph.ids[v])) is not None and _paint(step) is LATE
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
        title=_title("Recovery plan", impact, plan),
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


def schedule_diagram(
    graph: Graph, impact: Impact, plan: Plan, options: DiagramOptions | None = None
) -> Diagram:
    """The plan's steps per team as a Gantt chart (rows limited to ``options.max_nodes``)."""
    options = options or DiagramOptions()
    every = (graph.index[c] for s in plan.steps for c in s.components)
    wanted = focused(graph, every, options.focus, options.depth)
    by_team: dict[str, list[Bar]] = {}
    step_of: dict[Bar, Step] = {}
    for step in plan.steps:
        if not any(graph.index[c] in wanted for c in step.components):
            continue
        names = ", ".join(step.components)
        deadline = "" if step.deadline is None else f", deadline {moment(step.deadline)}"
        bar = Bar(
            step.start,
            step.finish,
            _paint(step),
            task=f"{step.action} {names}",
            text=names,
            tooltip=f"{names}: {step.action} {moment(step.start)}–{moment(step.finish)}{deadline}",
            component=step.component,
        )
        step_of[bar] = step
        by_team.setdefault(step.team or "unassigned", []).append(bar)
    rows: list[Row] = []
    for team in _team_order(plan, by_team):
        for i, lane in enumerate(lanes(by_team[team])):
            marks = tuple(
                _deadline(step_of[bar]) for bar in lane if step_of[bar].deadline is not None
            )
            rows.append(Row(team if i == 0 else "", team, tuple(lane), marks))
    notes = []
    if 0 < options.max_nodes < len(rows):
        notes.append(
            f"{len(rows) - options.max_nodes:,} more rows not shown (more than "
            f"{options.max_nodes:,}; --teams N, --focus ID or --max-nodes N)"
        )
        rows = rows[: options.max_nodes]
    back = Mark(plan.totals.makespan, f"everything back {moment(plan.totals.makespan)}", MUTED)
    title = _title("Recovery schedule", impact, plan)
    chart = Chart(title, tuple(rows), (back,), tuple(notes), SCHEDULE_LEGEND)
    shown = frozenset(bar.component for row in rows for bar in row.bars if bar.component)
    return Diagram("schedule", chart_dot(chart), chart_mermaid(chart), shown, notes=chart.notes)


def _deadline(step: Step) -> Mark:
    assert step.deadline is not None
    missed = step.slack is not None and step.slack < 0
    text = f"deadline of {', '.join(step.components)}: {moment(step.deadline)}"
    return Mark(step.deadline, text, EMPHASIS if missed else MUTED)


def _team_order(plan: Plan, by_team: dict[str, list[Bar]]) -> list[str]:
    """Teams by their first step, then name."""
    return sorted(by_team, key=lambda t: (min(b.start for b in by_team[t]), t))
