"""Recovery capacity: how many crews work at once, in total or per team.

>>> Capacity.parse("5").crew_labels()
['team-1', 'team-2', 'team-3', 'team-4', 'team-5']
>>> Capacity.parse("dba=2,network=1,*=1").crews()
[('dba-1', 'dba'), ('dba-2', 'dba'), ('network', 'network'), ('any', None)]
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from impactgraph.errors import CapacityError

#: a per-team capacity under this name is a pool of crews that take any step
ANY_TEAM = "*"


@dataclass(frozen=True)
class Capacity:
    """How many steps can run at once: ``total`` crews that take any step, or crews per team.

    With ``teams``, a crew of team X takes steps of components whose ``team`` is X and steps
    of components with no team or a team not named here; crews under ``"*"`` take any step.

    >>> Capacity.parse("dba=2,network=1").crew_labels()
    ['dba-1', 'dba-2', 'network']
    """

    total: int | None = None
    teams: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if (self.total is None) == (not self.teams):
            raise CapacityError("capacity: give either a total number of teams or teams by name")
        if self.total is not None and self.total < 1:
            raise CapacityError(
                f"capacity: the number of teams must be at least 1, not {self.total}"
            )
        for name, count in self.teams.items():
            if count < 1:
                raise CapacityError(f"capacity: team {name!r} needs at least 1 crew, not {count}")

    @classmethod
    def parse(cls, text: str) -> Capacity:
        """``"5"`` (five teams, any step) or ``"dba=2,network=1[,*=3]"`` (crews per team)."""
        text = text.strip()
        if re.fullmatch(r"\d+", text):
            return cls(total=int(text))
        teams: dict[str, int] = {}
        for part in text.split(","):
            name, sep, count = part.strip().partition("=")
            name = name.strip()
            if not sep or not name or not re.fullmatch(r"\d+", count.strip()):
                raise CapacityError(
                    f"capacity {text!r}: write a number (5) or team=crews pairs "
                    "(dba=2,network=1); '*=N' adds crews that take any step"
                )
            if name in teams:
                raise CapacityError(f"capacity {text!r}: team {name!r} is given twice")
            teams[name] = int(count)
        return cls(teams=teams)

    def crews(self) -> list[tuple[str, str | None]]:
        """``(label, team)`` per crew; team None means the crew takes any step."""
        if self.total is not None:
            return [(_label("team", i, self.total), None) for i in range(self.total)]
        out: list[tuple[str, str | None]] = []
        for name in sorted(self.teams, key=lambda s: (s == ANY_TEAM, s)):
            count = self.teams[name]
            base = "any" if name == ANY_TEAM else name
            team = None if name == ANY_TEAM else name
            out.extend((_label(base, i, count), team) for i in range(count))
        return out

    def crew_labels(self) -> list[str]:
        """The crews' labels, as steps show them in ``team``."""
        return [label for label, _ in self.crews()]

    def named_teams(self) -> list[str]:
        """The teams that have crews of their own, sorted (``"*"`` is not one)."""
        return sorted(t for t in self.teams if t != ANY_TEAM)


def _label(base: str, i: int, count: int) -> str:
    return base if count == 1 else f"{base}-{i + 1}"
