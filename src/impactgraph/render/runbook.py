"""Recovery plans for people and tools: a runbook in Markdown, a rich table, JSON and CSV.

The Markdown runbook is what a planner pastes into the continuity plan: a summary, the business
services against their RTOs, each breach with the chain that made it late, then the steps wave
by wave with owners and times (``T+`` from the start of the incident).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from impactgraph.durations import format_duration
from impactgraph.engine.plan import Plan, ServiceRecovery, Step
from impactgraph.engine.scenario import Scenario
from impactgraph.render.formats import (
    Markdown,
    csv_text,
    markdown_table,
    markdown_text,
    plain,
    show,
    to_json,
)

PLAN_CSV_HEADER = ("component", "action", "start", "finish", "team", "wave", "deadline", "slack")


def moment(seconds: int | None) -> str:
    """A moment of a plan, counted from the failure: ``T+3d`` (``—`` for none)."""
    return "—" if seconds is None else "T+" + format_duration(seconds)


def _d(seconds: int | None) -> str:
    return "—" if seconds is None else format_duration(seconds)


def show_plan(plan: Plan, scenario: Scenario, fmt: str, limit: int | None = 200) -> None:
    """Print a recovery plan; the table shows the first ``limit`` steps, the Markdown runbook
    is titled after the scenario."""
    lost = scenario.name or ", ".join(f.target for f in scenario.failures) + " lost"
    show(
        fmt,
        {
            "json": lambda: to_json(plan.as_dict()),
            "csv": lambda: plan_csv(plan),
            "markdown": lambda: plan_markdown(plan, "Recovery runbook: " + lost) + "\n",
        },
        lambda console: print_plan(console, plan, limit),
    )


def plan_csv(plan: Plan) -> str:
    """One row per component brought back (times in seconds; empty deadline/slack: none)."""
    rows = (r for s in plan.steps for r in s.as_rows())
    return csv_text(PLAN_CSV_HEADER, ([row[k] for k in PLAN_CSV_HEADER] for row in rows))


def _breach_text(s: ServiceRecovery) -> str:
    if s.breach is None:
        return "no RTO"
    return "met" if s.breach == 0 else Markdown(f"**late {format_duration(s.breach)}**")


def _services_table(services: Sequence[ServiceRecovery]) -> list[str]:
    rows = [
        (
            s.id,
            s.tier or "—",
            _d(s.rto),
            moment(s.onset),
            moment(s.recovered_at),
            moment(s.up_at),
            _breach_text(s),
        )
        for s in services
    ]
    return markdown_table(
        ("business service", "tier", "RTO", "down from", "recovered", "UP again", "RTO met?"), rows
    )


def _step_rows(steps: Sequence[Step]) -> list[tuple[object, ...]]:
    return [
        (
            ", ".join(s.components),
            s.action,
            s.owner or "—",
            s.team or "—",
            moment(s.start),
            moment(s.finish),
            _d(s.duration),
            moment(s.deadline),
            "—"
            if s.slack is None
            else ("−" if s.slack < 0 else "") + format_duration(abs(s.slack)),
        )
        for s in steps
    ]


#: crew labels a runbook names before it says how many more there are
CREWS_NAMED = 20


def _first_labels(labels: Sequence[str]) -> str:
    """The crews' labels, the first :data:`CREWS_NAMED` of them and a count of the rest."""
    named = ", ".join(labels[i] for i in range(min(len(labels), CREWS_NAMED)))
    rest = len(labels) - CREWS_NAMED
    return named if rest <= 0 else f"{named}, … and {rest:,} more"


def plan_markdown(plan: Plan, title: str = "Recovery runbook") -> str:
    """The runbook: summary, business services, breaches with their chains, steps by wave."""
    t = plan.totals
    crews = (
        "unlimited (every step as early as its dependencies allow)"
        if plan.crews is None
        else f"{len(plan.crews)} ({markdown_text(_first_labels(plan.crews))})"
    )
    out = [
        f"# {markdown_text(title)}",
        "",
        f"- steps: {len(plan.steps)}; everything back at {moment(t.makespan)}",
        f"- crews: {crews}",
        f"- RTO breaches: {t.breaches} (total {format_duration(t.breach_seconds)} late)",
        f"- money lost until recovered: {t.money_lost:,.2f}",
        "",
    ]
    if plan.business_services:
        out += ["## Business services", "", *_services_table(plan.business_services), ""]
    late = [s for s in plan.business_services if s.breach]
    if late:
        out += ["## Breaches and their critical chains", ""]
        for s in late:
            out.append(
                f"- **{markdown_text(s.id)}** (tier {s.tier or '—'}, RTO {_d(s.rto)}): "
                f"recovered at {moment(s.recovered_at)}, {format_duration(s.breach or 0)} late — "
                + markdown_text(" → ".join(s.critical_chain))
            )
        out.append("")
    header = (
        "component",
        "action",
        "owner",
        "team",
        "start",
        "finish",
        "takes",
        "deadline",
        "slack",
    )
    by_wave: dict[int, list[Step]] = {}
    for step in plan.steps:
        by_wave.setdefault(step.wave, []).append(step)
    if not plan.steps:
        out += ["No recovery steps: nothing stays DOWN until recovered.", ""]
    for wave in sorted(by_wave):
        steps = by_wave[wave]
        first = min(x.start for x in steps)
        out += [
            f"## Wave {wave} — {len(steps)} step(s) from {moment(first)}",
            "",
            *markdown_table(header, _step_rows(steps)),
            "",
        ]
    if plan.warnings:
        out += ["## Warnings", "", *(f"- {markdown_text(w)}" for w in plan.warnings), ""]
    return "\n".join(out)


def _table(title: str, columns: str, right: tuple[str, ...] = (), sep: str = " ") -> Table:
    """An empty rich table titled ``title`` with the ``sep``-separated ``columns``."""
    table = Table(title=plain(title), title_justify="left")
    for col in columns.split(sep):
        table.add_column(col, justify="right" if col in right else "left")
    return table


def print_plan(console: Console, plan: Plan, limit: int | None = 200) -> None:
    """Steps (the first ``limit``), business services and totals as rich tables."""
    steps = plan.steps if limit is None else plan.steps[:limit]
    if not steps:
        console.print(
            "No recovery steps: nothing stays DOWN until recovered (every outage ends on its own)."
        )
    table = _table(
        "Recovery steps (in start order)",
        "# component action owner team wave start finish deadline slack",
        right=("#", "wave"),
    )
    for i, (s, row) in enumerate(zip(steps, _step_rows(steps), strict=True), 1):
        comp, action, owner, team, start, finish, _, deadline, slack = row
        style = "red" if s.slack is not None and s.slack < 0 else None
        table.add_row(
            str(i),
            plain(comp),
            str(action),
            plain(owner),
            plain(team),
            str(s.wave),
            str(start),
            str(finish),
            str(deadline),
            str(slack),
            style=style,
        )
    if steps:
        console.print(table)
    if limit is not None and len(plan.steps) > limit:
        console.print(
            f"… and {len(plan.steps) - limit} more steps (use --format csv or json for all)"
        )
    if plan.business_services:
        svc = _table(
            "Business services",
            "service|tier|RTO|down from|recovered|UP again|breach|critical chain",
            sep="|",
        )
        for b in plan.business_services:
            svc.add_row(
                plain(b.id),
                str(b.tier or "—"),
                _d(b.rto),
                moment(b.onset),
                moment(b.recovered_at),
                moment(b.up_at),
                _breach_text(b).replace("*", ""),
                plain(" → ".join(b.critical_chain)),
                style="red" if b.breach else None,
            )
        console.print(svc)
    t = plan.totals
    console.print(
        f"makespan {moment(t.makespan)} · {t.breaches} RTO breach(es), "
        f"{format_duration(t.breach_seconds)} late in total · money lost until "
        f"recovered {t.money_lost:,.2f}"
    )
    for w in plan.warnings:
        console.print(Text("warning:", style="yellow") + " " + plain(w))
