"""Recovery capacity: how many crews work at once, in total or per team.

>>> Capacity.parse("5").crew_labels()
['team-1', 'team-2', 'team-3', 'team-4', 'team-5']
>>> Capacity.parse("dba=2,network=1,*=1").crews()
[('dba-1', 'dba'), ('dba-2', 'dba'), ('network', 'network'), ('any', None)]
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import overload

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

    def crews(self, limit: int | None = None) -> list[tuple[str, str | None]]:
        """``(label, team)`` per crew; team None means the crew takes any step.

        With ``limit``, at most that many crews of each team (and of the total) are listed,
        labelled as they are without it: a plan of ``limit`` steps never has more than
        ``limit`` crews of one kind at work, and always takes the lowest-numbered free one,
        so the crews beyond never work (``--teams 100000000`` need not make 10^8 labels).

        >>> Capacity.parse("1000").crews(limit=2)
        [('team-1', None), ('team-2', None)]
        """
        most = limit if limit is not None else self.size
        if self.total is not None:
            return [(_label("team", i, self.total), None) for i in range(min(self.total, most))]
        out: list[tuple[str, str | None]] = []
        for name in sorted(self.teams, key=lambda s: (s == ANY_TEAM, s)):
            count = self.teams[name]
            base = "any" if name == ANY_TEAM else name
            team = None if name == ANY_TEAM else name
            out.extend((_label(base, i, count), team) for i in range(min(count, most)))
        return out

    @property
    def size(self) -> int:
        """How many crews there are in all."""
        return self.total if self.total is not None else sum(self.teams.values())

    def crew_labels(self) -> list[str]:
        """The crews' labels, as steps show them in ``team``."""
        return [label for label, _ in self.crews()]

    def labels(self) -> CrewLabels:
        """The crews' labels as a sequence that spells each out only when read, so that a
        capacity of 10^8 crews costs nothing until someone prints them all."""
        return CrewLabels(self)

    def named_teams(self) -> list[str]:
        """The teams that have crews of their own, sorted (``"*"`` is not one)."""
        return sorted(t for t in self.teams if t != ANY_TEAM)


class CrewLabels(Sequence[str]):
    """Every crew's label, in :meth:`Capacity.crews` order, made on demand.

    >>> labels = Capacity.parse("dba=2,*=3").labels()
    >>> len(labels), labels[1], labels[-1], labels == ["dba-1", "dba-2", "any-1", "any-2", "any-3"]
    (5, 'dba-2', 'any-3', True)
    """

    __slots__ = ("_blocks", "_ends")

    def __init__(self, capacity: Capacity) -> None:
        if capacity.total is not None:
            self._blocks = [("team", capacity.total)]
        else:
            names = sorted(capacity.teams, key=lambda s: (s == ANY_TEAM, s))
            self._blocks = [("any" if n == ANY_TEAM else n, capacity.teams[n]) for n in names]
        self._ends = list(accumulate(count for _, count in self._blocks))

    def __len__(self) -> int:
        return self._ends[-1] if self._ends else 0

    @overload
    def __getitem__(self, i: int) -> str: ...

    @overload
    def __getitem__(self, i: slice) -> list[str]: ...

    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(i)
        b = bisect_right(self._ends, i)
        base, count = self._blocks[b]
        return _label(base, i - (self._ends[b - 1] if b else 0), count)

    def __iter__(self) -> Iterator[str]:
        for base, count in self._blocks:
            for i in range(count):
                yield _label(base, i, count)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=False))

    def __hash__(self) -> int:
        return hash(tuple(self._blocks))

    def __repr__(self) -> str:
        shown = ", ".join(repr(x) for x in self[:5])
        return f"CrewLabels([{shown}{', …' if len(self) > 5 else ''}], {len(self)} crews)"


def _label(base: str, i: int, count: int) -> str:
    return base if count == 1 else f"{base}-{i + 1}"
