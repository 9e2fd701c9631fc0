"""Rich tables for people: impacts, snapshots, explanation chains, dependency lists.

Every cell or title that carries user text goes through :func:`~impactgraph.render.formats.plain`
(printed literally, control characters visible).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console, JustifyMethod
from rich.table import Table
from rich.text import Text

from impactgraph.durations import format_duration
from impactgraph.engine.explain import Hop, Reached
from impactgraph.engine.impact import Impact, Interval, State
from impactgraph.graph import Graph
from impactgraph.render import timeline
from impactgraph.render.formats import plain

STATE_STYLE = {State.DOWN: "bold red", State.DEGRADED: "yellow", State.UP: "green"}


def _timeline(intervals: Sequence[Interval]) -> Text:
    out = Text()
    for i, iv in enumerate(intervals):
        if i:
            out.append(", ")
        out.append(iv.state.value, style=STATE_STYLE[iv.state])
        out.append(f" {timeline.span_text(iv.start, iv.end)}")
    return out


def print_impact(console: Console, impact: Impact, graph: Graph, limit: int | None = None) -> None:
    """The timeline table (the first ``limit`` rows), then the summary: counts by kind,
    business services hit, money lost."""
    s = impact.summary
    title = impact.scenario.name or "Impact"
    table = Table(
        title=plain(f"{title}: {timeline.failures_text(impact.failures)}"), title_justify="left"
    )
    table.add_column("component", no_wrap=True)
    table.add_column("kind")
    table.add_column("timeline")
    table.add_column("cause")
    rows = timeline.ordered(impact.timelines)
    for cid in rows[:limit]:
        ivs = impact.timelines[cid]
        table.add_row(
            plain(cid),
            timeline.kind_text(graph, cid),
            _timeline(ivs),
            plain(timeline.causes_text(ivs, cid, graph)),
        )
    if limit is not None and len(rows) > limit:
        table.caption = (
            f"… and {len(rows) - limit} more; --limit 0 shows all, --format csv suits large answers"
        )
        table.caption_justify = "left"
    console.print(table)
    if not impact.timelines:
        console.print("Nothing goes down.")
        return
    console.print(f"{s.down} down, {s.degraded} degraded.")
    kinds = Table(title="By kind", title_justify="left")
    kinds.add_column("kind")
    kinds.add_column("down", justify="right")
    kinds.add_column("degraded", justify="right")
    for k, counts in s.by_kind.items():
        kinds.add_row(k, str(counts.get("down", 0)), str(counts.get("degraded", 0)))
    console.print(kinds)
    horizon = format_duration(impact.horizon)
    if s.business_services:
        bs = Table(title="Business services hit", title_justify="left")
        columns: tuple[tuple[str, JustifyMethod], ...] = (
            ("tier", "right"),
            ("business service", "left"),
            ("worst", "left"),
            ("onset", "right"),
            (f"down within {horizon}", "right"),
            ("longest DOWN", "right"),
            ("RTO", "right"),
            ("money lost", "right"),
        )
        for name, justify in columns:
            bs.add_column(name, justify=justify)
        for b in s.business_services:
            longest = timeline.longest_down(impact.timelines.get(b.id, []))
            over = "bold red" if timeline.exceeds(longest, b.rto) else ""
            bs.add_row(
                "" if b.tier is None else str(b.tier),
                plain(b.id),
                Text(b.worst.value, style=STATE_STYLE[b.worst]),
                format_duration(b.onset),
                format_duration(b.down_seconds or 0),
                Text(format_duration(longest), style=over),
                "" if b.rto is None else format_duration(b.rto),
                f"{b.money_lost:,.2f}",
            )
        console.print(bs)
    console.print(f"Money lost within {horizon}: {s.money_lost:,.2f}")


def print_snapshot(
    console: Console, at: int, rows: Sequence[tuple[str, Interval]], graph: Graph
) -> None:
    """Components not UP at one moment, with the interval that holds it."""
    down = sum(1 for _, iv in rows if iv.state is State.DOWN)
    table = Table(
        title=f"At {format_duration(at)}: {down} down, {len(rows) - down} degraded",
        title_justify="left",
    )
    for name in ("component", "kind", "state", "since", "until", "cause"):
        table.add_column(name, no_wrap=name == "component")
    for cid, iv in rows:
        table.add_row(
            plain(cid),
            timeline.kind_text(graph, cid),
            Text(iv.state.value, style=STATE_STYLE[iv.state]),
            format_duration(iv.start),
            format_duration(iv.end),
            plain(timeline.causes_text([iv], cid, graph)),
        )
    console.print(table)


def print_chain(console: Console, hops: Sequence[Hop]) -> None:
    """One line per hop, from the asked component down to the root failure::

    card-payments  DOWN 0s–30m  ← payments-api (hard, depends_on)
    dc1            DOWN 0s–∞    failed
    """
    spans = [f"{h.state.value} {timeline.span_text(h.start, h.end)}" for h in hops]
    names = [plain(h.component) for h in hops]
    name_w = max((len(n) for n in names), default=0)
    span_w = max((len(x) for x in spans), default=0)
    for h, name, span in zip(hops, names, spans, strict=True):
        line = name + " " * (name_w + 2 - len(name))
        line.append(h.state.value, style=STATE_STYLE[h.state])
        line.append(span[len(h.state.value) :].ljust(span_w - len(h.state.value) + 2))
        line.append_text(plain(timeline.hop_reason(h)))
        console.print(line, soft_wrap=True)


def print_deps(console: Console, title: str, rows: Sequence[Reached]) -> None:
    """Components reached from one component, with their depth."""
    table = Table(title=plain(title), title_justify="left")
    table.add_column("depth", justify="right")
    table.add_column("component", no_wrap=True)
    table.add_column("kind")
    table.add_column("name")
    for r in rows:
        table.add_row(str(r.depth), plain(r.id), r.kind, plain(r.name or ""))
    console.print(table)
