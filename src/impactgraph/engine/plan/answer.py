"""The recovery plan answer: steps, business services against their RTOs, totals.

>>> s = Step(("db",), "restore", 0, 3600, "team-1", 0, 7200)
>>> s.slack, s.as_rows()[0]["component"]
(3600, 'db')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

Action = Literal["restore", "restart", "bootstrap"]


class Step(NamedTuple):
    """One recovery step. A bootstrap step brings back several components (a cycle) at once."""

    components: tuple[str, ...]
    action: Action
    start: int
    finish: int
    team: str | None
    wave: int
    deadline: int | None
    owner: str | None = None  # the components' own ``team`` attribute

    @property
    def component(self) -> str:
        """The component (the first one, for a bootstrap step)."""
        return self.components[0]

    @property
    def duration(self) -> int:
        return self.finish - self.start

    @property
    def slack(self) -> int | None:
        """``deadline − finish`` (negative: late); None without a deadline."""
        return None if self.deadline is None else self.deadline - self.finish

    def as_rows(self) -> list[dict[str, Any]]:
        """SPEC §5 step objects: one per component (a bootstrap step repeats its times)."""
        return [
            {
                "component": c,
                "action": self.action,
                "start": self.start,
                "finish": self.finish,
                "team": self.team,
                "wave": self.wave,
                "deadline": self.deadline,
                "slack": self.slack,
            }
            for c in self.components
        ]


@dataclass(frozen=True)
class ServiceRecovery:
    """When a business service is back, against its RTO, and the chain that made it so."""

    id: str
    tier: int | None
    rto: int | None
    onset: int
    recovered_at: int
    up_at: int
    breach: int | None
    critical_chain: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "tier": self.tier,
            "rto": self.rto,
            "onset": self.onset,
            "recovered_at": self.recovered_at,
            "up_at": self.up_at,
            "breach": self.breach,
            "critical_chain": list(self.critical_chain),
        }


@dataclass(frozen=True)
class Totals:
    """Makespan, RTO breaches, and money lost until each component is recovered."""

    makespan: int
    breaches: int
    breach_seconds: int
    money_lost: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "makespan": self.makespan,
            "breaches": self.breaches,
            "breach_seconds": self.breach_seconds,
            "money_lost": self.money_lost,
        }


@dataclass(frozen=True)
class Plan:
    """A recovery plan: steps in start order, business services, totals and warnings."""

    steps: list[Step]
    business_services: list[ServiceRecovery]
    totals: Totals
    warnings: list[str]
    #: every crew's label (None: unlimited capacity); spelled out on demand, so that
    #: ``len(crews)`` of 10^8 crews is cheap (only as many as there are steps ever work)
    crews: Sequence[str] | None = None

    def as_dict(self) -> dict[str, Any]:
        """The SPEC §5 recovery plan answer (times in seconds)."""
        return {
            "steps": [row for s in self.steps for row in s.as_rows()],
            "business_services": [b.as_dict() for b in self.business_services],
            "totals": self.totals.as_dict(),
            "warnings": list(self.warnings),
        }

    def step_of(self, component_id: str) -> Step | None:
        """The step that brings ``component_id`` back (None if it has none)."""
        for s in self.steps:
            if component_id in s.components:
                return s
        return None
