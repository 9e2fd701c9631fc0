"""The schedule of a recovery plan (SPEC §4) as a Gantt chart: a row per crew (split into
lanes where steps run side by side, as with unlimited capacity), each step a bar, its deadline
a diamond, when everything is back a dashed line.

Readable when large: past ``options.max_nodes`` steps the chart is cut, like every other
picture. Each team keeps its share of the bars (shared fairly: a team with few steps keeps
them all, the others as many each as the limit leaves), chosen in this order: its first
:data:`FIRST_STEPS` steps (what the crew starts with), then its steps on the critical chain of
a business service that misses its RTO, then its other late steps, then the rest in start
order; the steps left out are drawn as one dashed bar per team, ``+ 120 more steps (7 late)``,
from the first of them to the last, red when any of them is late. Shown bars and ``+ more``
bars together are at most ``max_nodes``, and the picture's notes say what was cut and how.

>>> from impactgraph.model import Component, Dependency, Kind, Model
>>> from impactgraph.graph import Graph
>>> from impactgraph.engine.plan import plan
>>> from impactgraph.engine.propagate import propagate
>>> from impactgraph.engine.scenario import Failure, Scenario
>>> g = Graph.from_model(Model.build(
...     [Component(id="dc1", kind=Kind.SITE, recovery_time="4h")]
...     + [Component(id=f"app{i}", kind=Kind.SERVICE, restart_time="30m") for i in range(5)],
...     [Dependency(source=f"app{i}", target="dc1") for i in range(5)]))
>>> impact = propagate(g, Scenario(failures=(Failure("dc1"),)))
>>> d = schedule_diagram(g, impact, plan(g, impact), DiagramOptions(max_nodes=4))
>>> sorted(d.shown), dict(d.collapsed)
(['app0', 'app1', 'dc1'], {'unassigned · 3 more steps': ('app2', 'app3', 'app4')})
>>> d.notes[0].split(";")[0]
"collapsed by team: 3 of 6 steps in 1 '+ more steps' bar (more than 4 to draw)"
"""

from __future__ import annotations

from collections.abc import Sequence

from impactgraph.engine.impact import Impact
from impactgraph.engine.plan import Plan, Step
from impactgraph.graph import Graph
from impactgraph.render.diagrams.build import in_id_order
from impactgraph.render.diagrams.diagram import Diagram, DiagramOptions
from impactgraph.render.diagrams.gantt import Bar, Chart, Mark, Row, chart_dot, chart_mermaid, lanes
from impactgraph.render.diagrams.placement import focused
from impactgraph.render.diagrams.recovery import plan_title, step_paint
from impactgraph.render.diagrams.style import (
    EMPHASIS,
    LATE,
    MUTED,
    NO_DEADLINE,
    ON_TIME,
    LegendItem,
    Paint,
)
from impactgraph.render.runbook import moment

#: the steps each team keeps first when the chart is cut: what its crew starts with
FIRST_STEPS = 3

SCHEDULE_LEGEND = (
    LegendItem("step finishing after its deadline", LATE),
    LegendItem("step finishing by its deadline", ON_TIME),
    LegendItem("step no RTO reaches", NO_DEADLINE),
    LegendItem("deadline (red: missed)", glyph="◆", colour=EMPHASIS),
    LegendItem("everything back", glyph="┆", colour=MUTED),
)
#: the legend entry of a cut chart
MORE_LEGEND = LegendItem(
    "+ N more steps: a team's steps not drawn (dashed; red: some late)", glyph="┅", colour=MUTED
)


def schedule_diagram(
    graph: Graph, impact: Impact, plan: Plan, options: DiagramOptions | None = None
) -> Diagram:
    """The plan's steps per team as a Gantt chart, cut past ``options.max_nodes`` steps (see
    the module's docstring)."""
    options = options or DiagramOptions()
    every = (graph.index[c] for s in plan.steps for c in s.components)
    wanted = focused(graph, every, options.focus, options.depth)
    by_team: dict[str, list[Step]] = {}
    for step in plan.steps:
        if any(graph.index[c] in wanted for c in step.components):
            by_team.setdefault(step.team or "unassigned", []).append(step)
    teams = sorted(by_team, key=lambda t: (min(s.start for s in by_team[t]), t))
    total = sum(len(steps) for steps in by_team.values())
    limit = options.max_nodes
    cut = 0 < limit < total
    shares = _shares([len(by_team[t]) for t in teams], limit) if cut else None
    critical = {c for b in plan.business_services if b.breach for c in b.critical_chain}
    rows: list[Row] = []
    hidden: dict[str, list[Step]] = {}  # the title of each '+ more' bar, and its steps
    left_out: list[str] = []  # teams with no bar of their own (more teams than the limit)
    for i, team in enumerate(teams):
        steps = by_team[team]
        if shares is not None and shares[i] < 0:
            left_out.append(team)
            continue
        share = len(steps) if shares is None else shares[i]
        shown, rest = _chosen(steps, share, critical)
        rows += _team_rows(team, shown)
        if rest:
            title = f"{team} · {len(rest):,} more steps"
            hidden[title] = rest
            rows.append(Row("" if shown else team, team, (_more_bar(team, rest),)))
    if left_out:
        steps = [s for team in left_out for s in by_team[team]]
        name = f"{len(left_out):,} more team{'s' if len(left_out) != 1 else ''}"
        title = f"{name} · {len(steps):,} steps"
        hidden[title] = steps
        rows.append(Row(f"+ {name}", name, (_more_bar(name, steps, more=False),)))
    notes = []
    if cut:
        count = sum(len(steps) for steps in hidden.values())
        bars = len(hidden)
        notes.append(
            f"collapsed by team: {count:,} of {total:,} steps in {bars:,} '+ more steps' "
            f"bar{'s' if bars != 1 else ''} (more than {limit:,} to draw); each team keeps, "
            f"as room allows, its first {FIRST_STEPS} steps, then those on the critical "
            "chains of late business services, then its other late steps (--focus ID or "
            "--max-nodes N)"
        )
    back = Mark(plan.totals.makespan, f"everything back {moment(plan.totals.makespan)}", MUTED)
    legend = (*SCHEDULE_LEGEND, MORE_LEGEND) if hidden else SCHEDULE_LEGEND
    title = plan_title("Recovery schedule", impact, plan)
    chart = Chart(title, tuple(rows), (back,), tuple(notes), legend)
    shown_ids = frozenset(bar.component for row in rows for bar in row.bars if bar.component)
    collapsed = {
        title: tuple(
            graph.ids[v]
            for v in in_id_order(graph, (graph.index[c] for s in steps for c in s.components))
        )
        for title, steps in hidden.items()
    }
    return Diagram(
        "schedule",
        chart_dot(chart),
        chart_mermaid(chart),
        shown_ids,
        collapsed=collapsed,
        notes=chart.notes,
    )


def _shares(sizes: Sequence[int], limit: int) -> list[int]:
    """How many steps each team keeps (-1: none, its steps are in the last bar) so that the
    bars drawn, with a ``+ more`` bar for each team cut, are at most ``limit``: every team
    as many as the others up to its own count (max-min fair), the bars left over to the first
    teams. With more teams than ``limit``, the first ``limit - 1`` teams keep a ``+ more`` bar
    each and the last bar holds the other teams.

    >>> _shares([2, 50, 50], 20), _shares([5, 5, 5], 2)
    ([2, 8, 8], [0, -1, -1])
    """

    def cost(level: int) -> int:
        return sum(n if n <= level else level + 1 for n in sizes)

    if cost(0) > limit:
        return [0 if i < limit - 1 else -1 for i in range(len(sizes))]
    lo, hi = 0, max(sizes)
    while lo < hi:  # the highest level that fits
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if cost(mid) <= limit else (lo, mid - 1)
    shares = [min(n, lo) for n in sizes]
    spare = limit - cost(lo)
    for i, n in enumerate(sizes):
        if spare <= 0:
            break
        if shares[i] < n:
            shares[i] += 1
            if shares[i] < n:  # (a team now whole needs no '+ more' bar: the same count)
                spare -= 1
    return shares


def _chosen(steps: Sequence[Step], share: int, critical: set[str]) -> tuple[list[Step], list[Step]]:
    """A team's steps split into the ``share`` drawn and the rest, each in start order: its
    first steps, then those on a late critical chain, then late ones, then the others."""
    if share >= len(steps):
        return list(steps), []

    def rank(i: int) -> tuple[int, int]:
        step = steps[i]
        if i < FIRST_STEPS:
            return 0, i
        if any(c in critical for c in step.components):
            return 1, i
        slack = step.slack
        return (2 if slack is not None and slack < 0 else 3), i

    keep = set(sorted(range(len(steps)), key=rank)[:share])
    shown = [s for i, s in enumerate(steps) if i in keep]
    rest = [s for i, s in enumerate(steps) if i not in keep]
    return shown, rest


def _team_rows(team: str, steps: Sequence[Step]) -> list[Row]:
    """A team's steps as bars, in lanes where they overlap; the first lane is labelled."""
    step_of: dict[Bar, Step] = {}
    for step in steps:
        names = ", ".join(step.components)
        deadline = "" if step.deadline is None else f", deadline {moment(step.deadline)}"
        bar = Bar(
            step.start,
            step.finish,
            step_paint(step),
            task=f"{step.action} {names}",
            text=names,
            tooltip=f"{names}: {step.action} {moment(step.start)}–{moment(step.finish)}{deadline}",
            component=step.component,
        )
        step_of[bar] = step
    rows = []
    for i, lane in enumerate(lanes(list(step_of))):
        marks = tuple(_deadline(step_of[bar]) for bar in lane if step_of[bar].deadline is not None)
        rows.append(Row(team if i == 0 else "", team, tuple(lane), marks))
    return rows


def _more_bar(team: str, steps: Sequence[Step], more: bool = True) -> Bar:
    """The dashed bar standing for ``steps`` not drawn (``+ 120 more steps``, or without
    ``more`` ``120 steps``): from the first start to the last finish, red if any is late,
    green if any has a deadline, else grey."""
    late = sum(1 for s in steps if step_paint(s) is LATE)
    paint: Paint = LATE if late else NO_DEADLINE
    if not late and any(s.deadline is not None for s in steps):
        paint = ON_TIME
    start, finish = min(s.start for s in steps), max(s.finish for s in steps)
    text = f"{len(steps):,} step{'s' if len(steps) != 1 else ''}"
    if more:
        text = f"+ {len(steps):,} more step{'s' if len(steps) != 1 else ''}"
    if late:
        text += f" ({late:,} late)"
    return Bar(
        start,
        finish,
        paint,
        task=text,
        text=text,
        tooltip=f"{team}: {text} {moment(start)}–{moment(finish)}, not drawn (--max-nodes N)",
        summary=True,
    )


def _deadline(step: Step) -> Mark:
    assert step.deadline is not None
    missed = step.slack is not None and step.slack < 0
    text = f"deadline of {', '.join(step.components)}: {moment(step.deadline)}"
    return Mark(step.deadline, text, EMPHASIS if missed else MUTED)
