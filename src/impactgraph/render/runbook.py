"""Recovery plans for people and tools: a runbook in Markdown, a rich table, JSON and CSV.

The Markdown runbook is what a planner pastes into the continuity plan: a summary, the business
services against their RTOs, each breach with the chain that made it late, then the steps wave
by wave with owners and times (``T+`` from the start of the incident).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from impactgraph.engine.plan import Plan, ServiceRecovery, Step
from impactgraph.model import format_duration
from impactgraph.render.formats import to_json

PLAN_CSV_HEADER = ("component", "action", "start", "finish", "team", "wave", "deadline", "slack")


def _t(seconds: int | None) -> str:
    return "—" if seconds is None else "T+" + format_duration(seconds)


def _d(seconds: int | None) -> str:
    return "—" if seconds is None else format_duration(seconds)


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _md_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out.extend("| " + " | ".join(_cell(c) for c in row) + " |" for row in rows)
    return out


def plan_json(plan: Plan) -> str:
    """The SPEC §5 recovery plan answer."""
    return to_json(plan.as_dict())


def plan_csv(plan: Plan) -> str:
    """One row per component brought back (times in seconds; empty deadline/slack: none)."""
    lines = [",".join(PLAN_CSV_HEADER)]
    for row in (r for s in plan.steps for r in s.as_rows()):
        cells = ["" if row[k] is None else str(row[k]) for k in PLAN_CSV_HEADER]
        lines.append(",".join(f'"{c}"' if ("," in c or '"' in c) else c for c in cells))
    return "\n".join(lines) + "\n"


def _breach_text(s: ServiceRecovery) -> str:
    if s.breach is None:
        return "no RTO"
    return "met" if s.breach == 0 else f"**late {format_duration(s.breach)}**"


def _services_table(services: Sequence[ServiceRecovery]) -> list[str]:
    rows = [
        (
            s.id,
            s.tier or "—",
            _d(s.rto),
            _t(s.onset),
            _t(s.recovered_at),
            _t(s.up_at),
            _breach_text(s),
        )
        for s in services
    ]
    return _md_table(
        ("business service", "tier", "RTO", "down from", "recovered", "UP again", "RTO met?"), rows
    )


def _step_rows(steps: Sequence[Step]) -> list[tuple[object, ...]]:
    return [
        (
            ", ".join(s.components),
            s.action,
            s.owner or "—",
            s.team or "—",
            _t(s.start),
            _t(s.finish),
            _d(s.duration),
            _t(s.deadline),
            "—"
            if s.slack is None
            else ("−" if s.slack < 0 else "") + format_duration(abs(s.slack)),
        )
        for s in steps
    ]


def plan_markdown(plan: Plan, title: str = "Recovery runbook") -> str:
    """The runbook: summary, business services, breaches with their chains, steps by wave."""
    t = plan.totals
    crews = (
        "unlimited (every step as early as its dependencies allow)"
        if plan.crews is None
        else f"{len(plan.crews)} ({', '.join(plan.crews)})"
    )
    out = [
        f"# {title}",
        "",
        f"- steps: {len(plan.steps)}; everything back at {_t(t.makespan)}",
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
                f"- **{s.id}** (tier {s.tier or '—'}, RTO {_d(s.rto)}): recovered at "
                f"{_t(s.recovered_at)}, {format_duration(s.breach or 0)} late — "
                + " → ".join(s.critical_chain)
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
            f"## Wave {wave} — {len(steps)} step(s) from {_t(first)}",
            "",
            *_md_table(header, _step_rows(steps)),
            "",
        ]
    if plan.warnings:
        out += ["## Warnings", "", *(f"- {w}" for w in plan.warnings), ""]
    return "\n".join(out)


def print_plan(console: Console, plan: Plan, limit: int | None = 200) -> None:
    """Steps (the first ``limit``), business services and totals as rich tables."""
    steps = plan.steps if limit is None else plan.steps[:limit]
    if not steps:
        console.print(
            "No recovery steps: nothing stays DOWN until recovered (every outage ends on its own)."
        )
    table = Table(title="Recovery steps (in start order)", title_justify="left")
    for col in (
        "#",
        "component",
        "action",
        "owner",
        "team",
        "wave",
        "start",
        "finish",
        "deadline",
        "slack",
    ):
        table.add_column(col, justify="right" if col in ("#", "wave") else "left")
    for i, (s, row) in enumerate(zip(steps, _step_rows(steps), strict=True), 1):
        comp, action, owner, team, start, finish, _, deadline, slack = row
        style = "red" if s.slack is not None and s.slack < 0 else None
        table.add_row(
            str(i),
            str(comp),
            str(action),
            str(owner),
            str(team),
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
        svc = Table(title="Business services", title_justify="left")
        for col in (
            "service",
            "tier",
            "RTO",
            "down from",
            "recovered",
            "UP again",
            "breach",
            "critical chain",
        ):
            svc.add_column(col)
        for b in plan.business_services:
            svc.add_row(
                b.id,
                str(b.tier or "—"),
                _d(b.rto),
                _t(b.onset),
                _t(b.recovered_at),
                _t(b.up_at),
                _breach_text(b).replace("*", ""),
                " → ".join(b.critical_chain),
                style="red" if b.breach else None,
            )
        console.print(svc)
    t = plan.totals
    console.print(
        f"makespan {_t(t.makespan)} · {t.breaches} RTO breach(es), "
        f"{format_duration(t.breach_seconds)} late in total · money lost until "
        f"recovered {t.money_lost:,.2f}"
    )
    for w in plan.warnings:
        console.print(f"[yellow]warning:[/yellow] {w}")
