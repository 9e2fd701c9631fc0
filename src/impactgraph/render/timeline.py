"""Words for timelines, causes and hops, shared by every renderer.

>>> from impactgraph.engine.impact import Cause, Interval, Rule, State
>>> ivs = [Interval(State.DOWN, 0, 1800, Cause(Rule.GROUP, "db-primary")),
...        Interval(State.DEGRADED, 1800, None, Cause(Rule.GROUP, "db-primary"))]
>>> timeline_text(ivs)
'DOWN 0s–30m, DEGRADED 30m–∞'
>>> causes_text(ivs)
'db-primary (group)'
"""

from __future__ import annotations

from collections.abc import Sequence

from impactgraph.durations import format_duration
from impactgraph.engine.explain import Hop, edges_between
from impactgraph.engine.impact import Cause, Interval, Rule, State
from impactgraph.engine.scenario import RootFailure
from impactgraph.graph import Graph


def span_text(start: int, end: int | None) -> str:
    """``[start, end)`` as ``0s–30m`` (``∞`` for an open end).

    >>> span_text(0, None), span_text(3600, 10800)
    ('0s–∞', '1h–3h')
    """
    return f"{format_duration(start)}–{format_duration(end)}"


def kind_text(graph: Graph, component: str) -> str:
    """The kind of a component as written in a model (``""`` for an id the graph lacks)."""
    v = graph.index.get(component)
    return "" if v is None else graph.kind_of(v).value


def timeline_text(intervals: Sequence[Interval]) -> str:
    """A timeline in one line: ``DOWN 0s–30m, DEGRADED 30m–∞``."""
    return ", ".join(f"{iv.state.value} {span_text(iv.start, iv.end)}" for iv in intervals)


def cause_text(cause: Cause, component: str | None = None, graph: Graph | None = None) -> str:
    """One cause: ``payments-api (hard)`` or ``failed`` for a root failure; with the graph and
    the component it explains, the dependency's type too: ``host1 (hard, runs_on)``.

    >>> cause_text(Cause(Rule.FAILED)), cause_text(Cause(Rule.SOFT, "fraud-svc"))
    ('failed', 'fraud-svc (soft)')
    """
    if cause.rule is Rule.FAILED or cause.via is None:
        return cause.rule.value
    words = [cause.rule.value]
    if (
        graph is not None
        and component in graph.index
        and cause.via in graph.index
        and cause.rule is not Rule.GROUP
    ):
        assert component is not None
        words += edge_types(graph, component, cause.via)
    return f"{cause.via} ({', '.join(words)})"


def causes_text(
    intervals: Sequence[Interval], component: str | None = None, graph: Graph | None = None
) -> str:
    """The distinct causes of a timeline, in order of first appearance, comma-separated."""
    seen: list[str] = []
    for iv in intervals:
        text = cause_text(iv.cause, component, graph)
        if text not in seen:
            seen.append(text)
    return ", ".join(seen)


def causal_depth(timelines: dict[str, list[Interval]], component: str) -> int:
    """Hops from a component back to its root failure along the first interval's causes."""
    depth, seen, cid = 0, {component}, component
    while True:
        cause = timelines[cid][0].cause
        if cause.via is None or cause.via not in timelines or cause.via in seen:
            return depth
        cid = cause.via
        seen.add(cid)
        depth += 1


def ordered(timelines: dict[str, list[Interval]]) -> list[str]:
    """Component ids in reading order: by onset, then from the root failure outwards, then id."""
    return sorted(
        timelines,
        key=lambda cid: (timelines[cid][0].start, causal_depth(timelines, cid), cid),
    )


def snapshot_at(
    snapshot: dict[str, Interval], timelines: dict[str, list[Interval]]
) -> list[tuple[str, Interval]]:
    """An impact's snapshot (:meth:`~impactgraph.engine.impact.Impact.snapshot`) in reading order.

    >>> from impactgraph.engine.impact import Cause, Interval, Rule, State
    >>> tl = {"a": [Interval(State.DOWN, 0, 60, Cause(Rule.FAILED))]}
    >>> [cid for cid, _ in snapshot_at({"a": tl["a"][0]}, tl)]
    ['a']
    """
    return [(cid, snapshot[cid]) for cid in ordered(timelines) if cid in snapshot]


def edge_types(graph: Graph, source: str, target: str) -> list[str]:
    """Types of the dependencies ``source → target`` (empty for a group's member edge), and
    the smallest tolerance where it is not 0: ``['depends_on', 'tolerance 1h']``."""
    found = edges_between(graph, source, target)
    words = sorted({e.type for e in found})
    tolerance = min((e.tolerance for e in found), default=0)
    if tolerance:
        words.append(f"tolerance {format_duration(tolerance)}")
    return words


def hop_reason(hop: Hop) -> str:
    """Why a hop is in its state: ``← host1 (hard, runs_on)``, ``← db-primary (group)``,
    ``← settlement-batch (hard, depends_on, tolerance 4h)`` or ``failed`` for the root.

    >>> from impactgraph.engine.explain import Hop, edges_between
    >>> from impactgraph.engine.impact import Rule, State
    >>> hop_reason(Hop("reporting", State.DOWN, 14400, None, Rule.HARD, "settlement-batch",
    ...                14400, "depends_on"))
    '← settlement-batch (hard, depends_on, tolerance 4h)'
    """
    if hop.rule is Rule.FAILED or hop.via is None:
        return "failed"
    words = [hop.rule.value]
    if hop.rule is not Rule.GROUP and hop.edge_type:
        words.append(hop.edge_type)
    if hop.tolerance:
        words.append(f"tolerance {format_duration(hop.tolerance)}")
    return f"← {hop.via} ({', '.join(words)})"


def longest_down(intervals: Sequence[Interval]) -> int | None:
    """The longest DOWN interval in seconds (``None`` for one that lasts until recovered, 0 for
    none); compare it with an RTO.

    >>> from impactgraph.engine.impact import Cause, Interval, Rule, State
    >>> longest_down([Interval(State.DOWN, 0, 1800, Cause(Rule.FAILED))])
    1800
    """
    longest = 0
    for iv in intervals:
        if iv.state is State.DOWN:
            if iv.end is None:
                return None
            longest = max(longest, iv.end - iv.start)
    return longest


def exceeds(longest: int | None, rto: int | None) -> bool:
    """Whether a DOWN stretch is longer than the RTO (∞ exceeds every RTO).

    >>> exceeds(None, 3600), exceeds(1800, 3600), exceeds(1800, None)
    (True, False, False)
    """
    return rto is not None and (longest is None or longest > rto)


def failures_text(failures: Sequence[RootFailure], limit: int = 5) -> str:
    """The root failures in words, the first ``limit`` of them: ``dc1 DOWN 0s–∞; …``.

    >>> failures_text([RootFailure(0, "dc1", 0, None), RootFailure(1, "dc2", 0, 3600)], limit=1)
    'dc1 DOWN 0s–∞ and 1 more'
    """
    text = "; ".join(f"{f.id} DOWN {span_text(f.at, f.end)}" for f in failures[:limit])
    if len(failures) > limit:
        text += f" and {len(failures) - limit} more"
    return text or "no failures"
