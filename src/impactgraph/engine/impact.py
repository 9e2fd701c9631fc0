"""The answer to "what happens if …": timelines with causes, and their summary (SPEC §3, §5)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from impactgraph.engine.scenario import RootFailure, Scenario
from impactgraph.errors import InternalError
from impactgraph.graph import Graph
from impactgraph.model import Kind


class State(StrEnum):
    """A component's state; DOWN is worse than DEGRADED, which is worse than UP."""

    UP = "UP"
    DEGRADED = "DEGRADED"
    DOWN = "DOWN"


class Rule(StrEnum):
    """Which rule of SPEC §3 put an interval there."""

    FAILED = "failed"  # rule 1: the component itself failed
    HARD = "hard"  # rules 2/3 through a hard dependency
    SOFT = "soft"  # rule 3 through a soft dependency
    GROUP = "group"  # rule 4: the group's members


@dataclass(frozen=True)
class Cause:
    """What put an interval there: ``via`` names the component it came through (None for a root)."""

    rule: Rule
    via: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"via": self.via, "rule": self.rule.value}


@dataclass(frozen=True)
class Interval:
    """``state`` over ``[start, end)`` seconds; ``end`` None means ∞."""

    state: State
    start: int
    end: int | None
    cause: Cause

    def contains(self, t: int) -> bool:
        return self.start <= t and (self.end is None or t < self.end)

    def as_dict(self) -> dict[str, Any]:
        return {
            "state": self.state.value,
            "from": self.start,
            "to": self.end,
            "cause": self.cause.as_dict(),
        }


@dataclass(frozen=True)
class BusinessServiceHit:
    """A business service that is not UP at some moment."""

    id: str
    tier: int | None
    worst: State
    onset: int
    down_seconds: int | None  # within the horizon
    rto: int | None
    impact_per_hour: float | None
    money_lost: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "tier": self.tier,
            "worst": self.worst.value,
            "onset": self.onset,
            "down_seconds": self.down_seconds,
            "rto": self.rto,
            "impact_per_hour": self.impact_per_hour,
            "money_lost": self.money_lost,
        }


class Summary:
    """Counts (a component DOWN at some moment counts as down; DEGRADED at some moment as
    degraded; it may count in both), counts per kind, business services hit by tier, and
    money lost inside the horizon (``impact_per_hour`` × hours DOWN within ``[0, horizon)``).

    ``business_services`` may be given as a function that lists them: the list is then made
    on first use (on a large estate, thousands of objects an answer may never need)."""

    __slots__ = ("_hits", "by_kind", "degraded", "down", "money_lost")

    def __init__(
        self,
        down: int,
        degraded: int,
        by_kind: dict[str, dict[str, int]],
        business_services: list[BusinessServiceHit] | Callable[[], list[BusinessServiceHit]],
        money_lost: float,
    ) -> None:
        self.down = down
        self.degraded = degraded
        self.by_kind = by_kind
        self.money_lost = money_lost
        self._hits = business_services

    @property
    def business_services(self) -> list[BusinessServiceHit]:
        """The business services hit, by tier (none last), then onset, then id."""
        if callable(self._hits):
            self._hits = self._hits()
        return self._hits

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Summary) and self.as_dict() == other.as_dict()

    __hash__ = None  # type: ignore[assignment]  # mutable on first use, like the list it holds

    def __repr__(self) -> str:
        return (
            f"Summary(down={self.down}, degraded={self.degraded}, by_kind={self.by_kind!r}, "
            f"business_services={self.business_services!r}, money_lost={self.money_lost!r})"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "down": self.down,
            "degraded": self.degraded,
            "by_kind": self.by_kind,
            "business_services": [b.as_dict() for b in self.business_services],
            "money_lost": self.money_lost,
        }


@dataclass(frozen=True)
class Records:
    """Timelines in columns, one row per non-UP interval, sorted by node then time.

    ``end`` is −1 for ∞; ``rule`` indexes :data:`RULE_CODES`; ``via`` is a node index or −1.
    """

    node: npt.NDArray[np.int64]
    start: npt.NDArray[np.int64]
    end: npt.NDArray[np.int64]
    state: npt.NDArray[np.int8]
    rule: npt.NDArray[np.int8]
    via: npt.NDArray[np.int64]
    ids: Sequence[str]


RULE_CODES: tuple[Rule | None, ...] = (None, Rule.FAILED, Rule.HARD, Rule.SOFT, Rule.GROUP)
STATE_CODES = (State.UP, State.DEGRADED, State.DOWN)


class Impact:
    """The blast radius of a scenario: a timeline for every component that is not always UP.

    ``timelines`` maps id → intervals in time order, components ordered by onset then id. The
    engine hands over columns (:class:`Records`) and the dict is built on first use, so that
    answering stays fast on large estates.
    """

    def __init__(
        self,
        scenario: Scenario,
        failures: list[RootFailure],
        summary: Summary,
        timelines: dict[str, list[Interval]] | None = None,
        records: Records | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        if timelines is None and records is None:
            raise InternalError("an Impact needs timelines or records")
        self.scenario = scenario
        self.failures = failures
        self.summary = summary
        self.records = records
        self.extra = extra or {}
        self._timelines = timelines

    @property
    def timelines(self) -> dict[str, list[Interval]]:
        if self._timelines is None:
            assert self.records is not None
            self._timelines = _timelines_from(self.records)
        return self._timelines

    @property
    def horizon(self) -> int:
        return self.scenario.horizon

    def state_at(self, component_id: str, t: int) -> State:
        """The state of a component at time ``t``."""
        for iv in self.timelines.get(component_id, ()):
            if iv.contains(t):
                return iv.state
        return State.UP

    def snapshot(self, t: int) -> dict[str, Interval]:
        """Every component that is not UP at ``t``, with the interval that holds ``t``."""
        out: dict[str, Interval] = {}
        for cid, ivs in self.timelines.items():
            for iv in ivs:
                if iv.contains(t):
                    out[cid] = iv
                    break
        return out

    def as_dict(self) -> dict[str, Any]:
        """The SPEC §5 impact answer."""
        out: dict[str, Any] = {
            "scenario": {
                "failures": [
                    {"id": f.id, "at": f.at, "duration": f.duration} for f in self.failures
                ],
                "horizon": self.scenario.horizon,
            },
            "timelines": {cid: [iv.as_dict() for iv in ivs] for cid, ivs in self.timelines.items()},
            "summary": self.summary.as_dict(),
        }
        if self.scenario.name:
            out["scenario"]["name"] = self.scenario.name
        return out


def _timelines_from(rec: Records) -> dict[str, list[Interval]]:
    ids = rec.ids
    out: dict[str, list[Interval]] = {}
    first: dict[str, int] = {}
    for v, s, e, st, r, w in zip(
        rec.node.tolist(),
        rec.start.tolist(),
        rec.end.tolist(),
        rec.state.tolist(),
        rec.rule.tolist(),
        rec.via.tolist(),
        strict=True,
    ):
        cid = ids[v]
        rule = RULE_CODES[r]
        assert rule is not None
        iv = Interval(
            STATE_CODES[st], s, None if e < 0 else e, Cause(rule, ids[w] if w >= 0 else None)
        )
        lst = out.get(cid)
        if lst is None:
            out[cid] = [iv]
            first[cid] = s
        else:
            lst.append(iv)
    return {cid: out[cid] for cid in sorted(out, key=lambda c: (first[c], c))}


def _distinct_sorted(a: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Distinct values of an already sorted array."""
    if len(a) == 0:
        return a
    keep = np.empty(len(a), dtype=np.bool_)
    keep[0] = True
    np.not_equal(a[1:], a[:-1], out=keep[1:])
    return a[keep]


def summarise(graph: Graph, scenario: Scenario, rec: Records) -> Summary:
    """Counts, business services hit and money lost (see :class:`Summary`), from columns."""
    horizon = scenario.horizon
    is_down = rec.state == 2
    down_nodes = _distinct_sorted(rec.node[is_down])  # records are sorted by node
    deg_nodes = _distinct_sorted(rec.node[~is_down])
    kinds = tuple(Kind)
    by_kind: dict[str, dict[str, int]] = {}
    for name, nodes in (("down", down_nodes), ("degraded", deg_nodes)):
        counts = np.bincount(graph.kind[nodes], minlength=len(kinds))
        for code in np.nonzero(counts)[0]:
            k = by_kind.setdefault(kinds[code].value, {"down": 0, "degraded": 0})
            k[name] = int(counts[code])
    # seconds DOWN inside [0, horizon) per record
    hi = np.where(rec.end < 0, horizon, np.minimum(rec.end, horizon))
    secs = np.where(is_down, np.maximum(0, hi - np.maximum(rec.start, 0)), 0)
    money = secs * graph.rates()[rec.node] / 3600.0
    rows = np.nonzero(graph.kind[rec.node] == kinds.index(Kind.BUSINESS_SERVICE))[0]
    return Summary(
        down=len(down_nodes),
        degraded=len(deg_nodes),
        by_kind=dict(sorted(by_kind.items())),
        business_services=lambda: _business_services(graph, rec, rows, secs[rows], money[rows]),
        money_lost=round(float(money.sum()), 2),
    )


def _business_services(
    graph: Graph,
    rec: Records,
    rows: npt.NDArray[np.intp],
    secs: npt.NDArray[np.int64],
    money: npt.NDArray[np.float64],
) -> list[BusinessServiceHit]:
    """The business services among the records' ``rows`` (with their seconds DOWN and money
    lost inside the horizon), aggregated per service, by tier (none last), onset, then id."""
    if not len(rows):
        return []
    # records are sorted by node: each service's rows are one run
    bnode = rec.node[rows]
    first = np.flatnonzero(np.concatenate(([True], bnode[1:] != bnode[:-1])))
    uniq = bnode[first]
    run = np.repeat(np.arange(len(first)), np.diff(np.append(first, len(bnode))))
    b_secs = np.add.reduceat(secs, first)
    b_money = np.bincount(run, weights=money)  # added in row order, as before
    b_onset = np.minimum.reduceat(rec.start[rows], first)
    b_worst = np.maximum.reduceat(rec.state[rows], first)
    tier, rto, rate = graph.attr("tier"), graph.attr("rto"), graph.attr("impact_per_hour")
    tiers = np.array([99 if tier[v] is None else tier[v] for v in uniq.tolist()], dtype=np.int64)
    order = np.lexsort((graph.id_rank()[uniq], b_onset, tiers))
    return [
        BusinessServiceHit(
            id=graph.ids[v],
            tier=tier[v],
            worst=State.DOWN if b_worst[i] == 2 else State.DEGRADED,
            onset=int(b_onset[i]),
            down_seconds=int(b_secs[i]),
            rto=rto[v],
            impact_per_hour=rate[v],
            money_lost=round(float(b_money[i]), 2),
        )
        for i, v in zip(order.tolist(), uniq[order].tolist(), strict=True)
    ]
