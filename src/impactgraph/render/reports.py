"""Impacts, snapshots, explanation chains and dependency lists in every ``--format``.

JSON of an impact is exactly :meth:`Impact.as_dict` (SPEC §5). CSV has one row per interval
(times in seconds, an empty ``to`` for ∞); Markdown is the table a planner pastes into a report;
``table`` is the rich table of :mod:`impactgraph.render.table`.
"""

from __future__ import annotations

from collections.abc import Sequence

from impactgraph.durations import format_duration
from impactgraph.engine.explain import Hop, Reached
from impactgraph.engine.impact import Impact, Interval, State
from impactgraph.graph import Graph
from impactgraph.render import table
from impactgraph.render.formats import (
    Markdown,
    csv_text,
    markdown_cell,
    markdown_table,
    markdown_text,
    show,
    to_json,
)
from impactgraph.render.timeline import (
    causes_text,
    exceeds,
    failures_text,
    hop_reason,
    kind_text,
    longest_down,
    ordered,
    span_text,
    timeline_text,
)

INTERVAL_CSV_HEADER = ("component", "kind", "state", "from", "to", "rule", "via")
DEPS_CSV_HEADER = ("component", "kind", "depth", "name")
CHAIN_CSV_HEADER = ("component", "state", "from", "to", "rule", "via", "type", "tolerance")


def _money(value: float) -> str:
    return f"{value:,.2f}"


def _interval_row(graph: Graph, cid: str, iv: Interval) -> tuple[object, ...]:
    """An interval as a CSV row of :data:`INTERVAL_CSV_HEADER` (empty ``to`` for ∞)."""
    end = "" if iv.end is None else iv.end
    via = iv.cause.via or ""
    return (cid, kind_text(graph, cid), iv.state.value, iv.start, end, iv.cause.rule.value, via)


# ---- impact ---------------------------------------------------------------------------------


def show_impact(impact: Impact, graph: Graph, fmt: str, limit: int | None = None) -> None:
    """Print an impact; the table shows the first ``limit`` components."""
    show(
        fmt,
        {
            "json": lambda: to_json(impact.as_dict()),
            "csv": lambda: impact_csv(impact, graph),
            "markdown": lambda: impact_markdown(impact, graph),
        },
        lambda console: table.print_impact(console, impact, graph, limit),
    )


def impact_csv(impact: Impact, graph: Graph) -> str:
    """One row per interval: component, kind, state, from, to (seconds; empty = ∞), rule, via."""
    return csv_text(
        INTERVAL_CSV_HEADER,
        (
            _interval_row(graph, cid, iv)
            for cid in ordered(impact.timelines)
            for iv in impact.timelines[cid]
        ),
    )


def _longest(impact: Impact, cid: str, rto: int | None) -> str:
    longest = longest_down(impact.timelines.get(cid, []))
    text = format_duration(longest)
    return Markdown(f"**{text}** (over RTO)") if exceeds(longest, rto) else text


def impact_markdown(impact: Impact, graph: Graph) -> str:
    """A report section: the timelines, counts by kind and the business services hit."""
    s = impact.summary
    lines = [
        f"## {markdown_cell(impact.scenario.name or 'Impact')}",
        "",
        f"Failures: {markdown_text(failures_text(impact.failures, limit=20))}. "
        f"Horizon: {format_duration(impact.horizon)}.",
        "",
    ]
    rows = [
        (
            cid,
            kind_text(graph, cid),
            timeline_text(impact.timelines[cid]),
            causes_text(impact.timelines[cid], cid, graph),
        )
        for cid in ordered(impact.timelines)
    ]
    lines += markdown_table(("component", "kind", "timeline", "cause"), rows)
    lines += ["", f"**{s.down} down, {s.degraded} degraded.**", ""]
    lines += markdown_table(
        ("kind", "down", "degraded"),
        [(k, v.get("down", 0), v.get("degraded", 0)) for k, v in s.by_kind.items()],
    )
    if s.business_services:
        lines += ["", "Business services hit:", ""]
        lines += markdown_table(
            (
                "tier",
                "business service",
                "worst",
                "onset",
                "down in horizon",
                "longest DOWN",
                "RTO",
                "money lost",
            ),
            [
                (
                    b.tier if b.tier is not None else "",
                    b.id,
                    b.worst.value,
                    format_duration(b.onset),
                    format_duration(b.down_seconds or 0),
                    _longest(impact, b.id, b.rto),
                    format_duration(b.rto) if b.rto is not None else "",
                    _money(b.money_lost),
                )
                for b in s.business_services
            ],
        )
    horizon = format_duration(impact.horizon)
    lines += ["", f"Money lost within {horizon}: {_money(s.money_lost)}", ""]
    return "\n".join(lines)


# ---- snapshot at a moment -------------------------------------------------------------------


def show_snapshot(at: int, rows: Sequence[tuple[str, Interval]], graph: Graph, fmt: str) -> None:
    """Print the components not UP at ``at``, each with the interval that holds it."""
    show(
        fmt,
        {
            "json": lambda: snapshot_json(at, rows, graph),
            "csv": lambda: csv_text(
                INTERVAL_CSV_HEADER, (_interval_row(graph, cid, iv) for cid, iv in rows)
            ),
            "markdown": lambda: snapshot_markdown(at, rows, graph),
        },
        lambda console: table.print_snapshot(console, at, rows, graph),
    )


def snapshot_json(at: int, rows: Sequence[tuple[str, Interval]], graph: Graph) -> str:
    """``{"at": t, "components": [{"id", "kind", "state", "from", "to", "cause"}]}``."""
    return to_json(
        {
            "at": at,
            "components": [
                {
                    "id": cid,
                    "kind": kind_text(graph, cid),
                    "state": iv.state.value,
                    "from": iv.start,
                    "to": iv.end,
                    "cause": iv.cause.as_dict(),
                }
                for cid, iv in rows
            ],
        }
    )


def snapshot_markdown(at: int, rows: Sequence[tuple[str, Interval]], graph: Graph) -> str:
    """The components not UP at ``at`` as a Markdown table."""
    down = sum(1 for _, iv in rows if iv.state is State.DOWN)
    lines = [f"At {format_duration(at)}: {down} down, {len(rows) - down} degraded.", ""]
    lines += markdown_table(
        ("component", "kind", "state", "since", "until", "cause"),
        [
            (
                cid,
                kind_text(graph, cid),
                iv.state.value,
                format_duration(iv.start),
                format_duration(iv.end),
                causes_text([iv], cid, graph),
            )
            for cid, iv in rows
        ],
    )
    return "\n".join([*lines, ""])


# ---- explain --------------------------------------------------------------------------------


def show_chain(hops: Sequence[Hop], fmt: str) -> None:
    """Print the chain from the asked component to the root failure, one hop a row."""
    show(
        fmt,
        {
            "json": lambda: to_json([h.as_dict() for h in hops]),
            "csv": lambda: chain_csv(hops),
            "markdown": lambda: chain_markdown(hops),
        },
        lambda console: table.print_chain(console, hops),
    )


def chain_csv(hops: Sequence[Hop]) -> str:
    """One row per hop (times in seconds, empty ``to`` for ∞)."""
    rows = (
        (
            h.component,
            h.state.value,
            h.start,
            "" if h.end is None else h.end,
            h.rule.value,
            h.via or "",
            h.edge_type or "",
            h.tolerance,
        )
        for h in hops
    )
    return csv_text(CHAIN_CSV_HEADER, rows)


def chain_markdown(hops: Sequence[Hop]) -> str:
    """The chain as a Markdown table."""
    rows = [(h.component, h.state.value, span_text(h.start, h.end), hop_reason(h)) for h in hops]
    return "\n".join([*markdown_table(("component", "state", "when", "because"), rows), ""])


# ---- deps -----------------------------------------------------------------------------------


def show_deps(
    component: str, direction: str, depth: int | None, rows: Sequence[Reached], fmt: str
) -> None:
    """Print what ``component`` needs (``down``) or what needs it (``up``), with depths."""
    limit = f" (depth ≤ {depth})" if depth else ""
    if direction == "up":
        title = f"{len(rows)} components need {component}{limit}"
    else:
        title = f"{component} needs {len(rows)} components{limit}"
    plain = [(r.id, r.kind, r.depth, r.name or "") for r in rows]
    show(
        fmt,
        {
            "json": lambda: deps_json(component, direction, depth, rows),
            "csv": lambda: csv_text(DEPS_CSV_HEADER, plain),
            "markdown": lambda: "\n".join([*markdown_table(DEPS_CSV_HEADER, plain), ""]),
        },
        lambda console: table.print_deps(console, title, rows),
    )


def deps_json(component: str, direction: str, depth: int | None, rows: Sequence[Reached]) -> str:
    """``{"component", "direction", "depth", "components": [{"id", "kind", "depth"}]}``."""
    return to_json(
        {
            "component": component,
            "direction": direction,
            "depth": depth,
            "components": [{"id": r.id, "kind": r.kind, "depth": r.depth} for r in rows],
        }
    )
