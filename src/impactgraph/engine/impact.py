"""The answer to "what happens if …": timelines with causes, and their summary (SPEC §3, §5)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from impactgraph.engine.scenario import RootFailure, Scenario
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
        return {"state": self.state.value, "from": self.start, "to": self.end,
                "cause": self.cause.as_dict()}


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
        return {"id": self.id, "tier": self.tier, "worst": self.worst.value, "onset": self.onset,
                "down_seconds": self.down_seconds, "rto": self.rto,
                "impact_per_hour": self.impact_per_hour, "money_lost": self.money_lost}


@dataclass(frozen=True)
class Summary:
    """Counts (a component DOWN at some moment counts as down; DEGRADED at some moment as
    degraded; it may count in both), counts per kind, business services hit by tier, and
    money lost inside the horizon (``impact_per_hour`` × hours DOWN within ``[0, horizon)``)."""

    down: int
    degraded: int
    by_kind: dict[str, dict[str, int]]
    business_services: list[BusinessServiceHit]
    money_lost: float

    def as_dict(self) -> dict[str, Any]:
        return {"down": self.down, "degraded": self.degraded, "by_kind": self.by_kind,
                "business_services": [b.as_dict() for b in self.business_services],
                "money_lost": self.money_lost}


@dataclass
class Impact:
    """The blast radius of a scenario: a timeline for every component that is not always UP."""

    scenario: Scenario
    failures: list[RootFailure]
    timelines: dict[str, list[Interval]]
    summary: Summary
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def horizon(self) -> int:
        return self.scenario.horizon

    def state_at(self, component_id: str, t: int) -> State:
        """The state of a component at time ``t``."""
        for iv in self.timelines.get(component_id, ()):
            if iv.contains(t):
                return iv.state
        return State.UP

    def as_dict(self) -> dict[str, Any]:
        """The SPEC §5 impact answer."""
        out: dict[str, Any] = {
            "scenario": {
                "failures": [{"id": f.id, "at": f.at, "duration": f.duration}
                             for f in self.failures],
                "horizon": self.scenario.horizon,
            },
            "timelines": {cid: [iv.as_dict() for iv in ivs]
                          for cid, ivs in self.timelines.items()},
            "summary": self.summary.as_dict(),
        }
        if self.scenario.name:
            out["scenario"]["name"] = self.scenario.name
        return out


def overlap(start: int, end: int | None, horizon: int) -> int:
    """Seconds of ``[start, end)`` that fall inside ``[0, horizon)``."""
    hi = horizon if end is None else min(end, horizon)
    return max(0, hi - max(start, 0))


def summarise(graph: Graph, scenario: Scenario, timelines: dict[str, list[Interval]]) -> Summary:
    """Counts, business services hit and money lost (see :class:`Summary`)."""
    horizon = scenario.horizon
    model = graph.model
    down = degraded = 0
    by_kind: dict[str, dict[str, int]] = {}
    hits: list[BusinessServiceHit] = []
    total_money = 0.0
    for cid, ivs in timelines.items():
        v = graph.index[cid]
        kind = graph.kind_of(v)
        is_down = any(iv.state is State.DOWN for iv in ivs)
        is_deg = any(iv.state is State.DEGRADED for iv in ivs)
        k = by_kind.setdefault(kind.value, {"down": 0, "degraded": 0})
        if is_down:
            down += 1
            k["down"] += 1
        if is_deg:
            degraded += 1
            k["degraded"] += 1
        comp = model.by_id.get(cid) if model is not None else None
        rate = comp.impact_per_hour if comp is not None else None
        secs = sum(overlap(iv.start, iv.end, horizon) for iv in ivs if iv.state is State.DOWN)
        money = (rate or 0.0) * secs / 3600.0
        total_money += money
        if kind is Kind.BUSINESS_SERVICE:
            hits.append(BusinessServiceHit(
                id=cid, tier=comp.tier if comp else None,
                worst=State.DOWN if is_down else State.DEGRADED,
                onset=ivs[0].start, down_seconds=secs,
                rto=comp.rto if comp else None, impact_per_hour=rate, money_lost=round(money, 2)))
    hits.sort(key=lambda h: (h.tier if h.tier is not None else 99, h.onset, h.id))
    return Summary(down=down, degraded=degraded, by_kind=dict(sorted(by_kind.items())),
                   business_services=hits, money_lost=round(total_money, 2))
