"""A deliberately simple, brute-force reference of SPEC §3 in discrete time.

It steps ``t = 0, 1, 2, …`` (one step = the greatest common divisor of every time in the model
and the scenario, so the SPEC example's half-hours are one step each) and, at each instant,
computes the least fixpoint of the rules given the history. All change points are multiples
of the step, so sampling at the steps is exact: "throughout ``[t − τ, t]``" is "at every step
in ``[t − τ, t]``", and before ``t = 0`` everything is UP.

It is slow on purpose (no events, no queues, no cleverness) and knows nothing of the engine.

Interpretations where the SPEC leaves room (also listed in the test report):

* **Stratified fixpoint per instant.** DOWN never depends on DEGRADED (rules 1, 2 and the
  DOWN half of rule 4 look only at DOWN), so an instant is solved in two stages: the least
  set of DOWN components, then — with DOWN fixed — the least set of DEGRADED ones. This
  matters because rule 4 is not monotone: a *standby* member that counts while DEGRADED
  makes its group DEGRADED, but the same standby DOWN simply stops counting, which can leave
  the group UP. A naive "states only increase" iteration could keep the group DEGRADED from
  a transient DEGRADED of the standby; the stratified answer never does.
* **Groups with fewer than ``min_up`` active members** are rejected by model validation;
  should one reach the reference anyway, its ``t*`` is −∞ (before ``t = 0`` everything is
  UP, so its standbys were already carrying it), never 0, which would put it DOWN over
  ``[0, activation)`` with no failure at all, against rule 6.
* ``t*`` is fixed the first time fewer than ``k`` active members are not DOWN and is never
  reset, even when the active members come back (the SPEC says "the first moment").
* A standby that is DOWN during its activation still counts from ``t* + activation`` on as
  soon as it is not DOWN (activation is measured from ``t*``, not from the standby's repair).
* A component may fail several times (several failures naming it); it is DOWN by rule 1
  whenever any of them holds. A zero-length failure changes nothing.

>>> from impactgraph.model import Component, Dependency, Kind, Model
>>> from impactgraph.engine.scenario import Failure, Scenario
>>> m = Model.build([Component(id="b", kind=Kind.SITE), Component(id="a", kind=Kind.SERVICE)],
...                 [Dependency(source="a", target="b", tolerance="2s")])
>>> reference_timelines(m, Scenario(failures=(Failure("b", at=1, duration=5),)))
{'b': [('DOWN', 1, 6)], 'a': [('DOWN', 3, 6)]}
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from impactgraph.engine.scenario import Scenario
from impactgraph.model import Kind, MemberMode, Model, Strength

UP, DEGRADED, DOWN = "UP", "DEGRADED", "DOWN"

#: One interval of a reference timeline: (state, from, to); to None means ∞.
RefInterval = tuple[str, int, int | None]


@dataclass(frozen=True)
class _Edge:
    target: str
    hard: bool
    tolerance: int  # in steps


@dataclass(frozen=True)
class _Member:
    id: str
    standby: bool
    activation: int  # in steps


@dataclass(frozen=True)
class _Group:
    min_up: int
    members: tuple[_Member, ...]

    @property
    def short_of_actives(self) -> bool:
        """Fewer than ``min_up`` active members exist at all (``t*`` is −∞)."""
        return sum(not m.standby for m in self.members) < self.min_up


def _times(model: Model, scenario: Scenario) -> Iterable[int]:
    for d in model.dependencies:
        yield d.tolerance
    for c in model.components:
        for m in c.members:
            yield m.activation
    for f in scenario.failures:
        yield f.at
        if f.duration is not None:
            yield f.duration


def reference_timelines(model: Model, scenario: Scenario) -> dict[str, list[RefInterval]]:
    """Every component that is not UP at some moment, with its merged intervals in seconds.

    Failure targets must be component ids (no selectors).
    """
    step = math.gcd(*_times(model, scenario)) or 1
    ids = [c.id for c in model.components]
    edges: dict[str, list[_Edge]] = {cid: [] for cid in ids}
    for d in model.dependencies:
        edges[d.source].append(_Edge(d.target, d.strength is Strength.HARD, d.tolerance // step))
    groups: dict[str, _Group] = {}
    for c in model.components:
        if c.kind is Kind.GROUP:
            groups[c.id] = _Group(
                1 if c.min_up is None else c.min_up,
                tuple(
                    _Member(m.id, m.mode is MemberMode.STANDBY, m.activation // step)
                    for m in c.members
                ),
            )
    failures: dict[str, list[tuple[int, int | None]]] = {cid: [] for cid in ids}
    for f in scenario.failures:
        if f.target not in failures:
            raise ValueError(f"the reference takes component ids only, not {f.target!r}")
        end = None if f.duration is None else (f.at + f.duration) // step
        failures[f.target].append((f.at // step, end))

    events = [f.at // step for f in scenario.failures]
    events += [(f.at + f.duration) // step for f in scenario.failures if f.duration is not None]
    tolerances = [e.tolerance for es in edges.values() for e in es]
    activations = [m.activation for g in groups.values() for m in g.members]
    # After the last event, every outage settles within the sum of all delays; the run goes
    # a window further and checks that nothing changes over that window.
    settle = max(events) + sum(tolerances) + sum(activations) + 1
    window = max(tolerances, default=0) + max(activations, default=0) + 1
    horizon = settle + window

    history: dict[str, list[str]] = {cid: [] for cid in ids}
    t_star: dict[str, int | None] = {g: None for g in groups}
    for t in range(horizon + 1):
        now = _instant(t, ids, edges, groups, failures, history, t_star)
        for cid in ids:
            history[cid].append(now[cid])
        for g, grp in groups.items():
            if t_star[g] is None and not grp.short_of_actives and _active_up(grp, now) < grp.min_up:
                t_star[g] = t
    for cid in ids:
        tail = history[cid][settle:]
        if len(set(tail)) != 1:
            raise AssertionError(f"reference did not settle for {cid}: {tail}")
    out: dict[str, list[RefInterval]] = {}
    for cid in ids:
        runs = _runs(history[cid], step)
        if runs:
            out[cid] = runs
    return out


def _active_up(group: _Group, state: dict[str, str]) -> int:
    return sum(1 for m in group.members if not m.standby and state[m.id] != DOWN)


def _instant(
    t: int,
    ids: list[str],
    edges: dict[str, list[_Edge]],
    groups: dict[str, _Group],
    failures: dict[str, list[tuple[int, int | None]]],
    history: dict[str, list[str]],
    t_star: dict[str, int | None],
) -> dict[str, str]:
    """The least fixpoint of the rules at instant ``t`` given the history before ``t``."""

    def was(cid: str, s: int, now: dict[str, str]) -> str:
        if s < 0:
            return UP
        return now[cid] if s == t else history[cid][s]

    def throughout(e: _Edge, ok: tuple[str, ...], now: dict[str, str]) -> bool:
        return all(was(e.target, s, now) in ok for s in range(t - e.tolerance, t + 1))

    def counting(g: _Group, gid: str, now: dict[str, str]) -> list[_Member]:
        """Members that count at t (rule 4), given the DOWN states in ``now``."""
        if g.short_of_actives:
            start: int | None = -(10**9)
        else:
            start = t_star[gid]
            if start is None and _active_up(g, now) < g.min_up:
                start = t  # t* is this very instant
        return [
            m
            for m in g.members
            if now[m.id] != DOWN
            and (not m.standby or (start is not None and t >= start + m.activation))
        ]

    state = {cid: UP for cid in ids}
    for cid in ids:  # rule 1
        if any(a <= t and (e is None or t < e) for a, e in failures[cid]):
            state[cid] = DOWN

    changed = True
    while changed:  # stage 1: DOWN (rules 2 and 4)
        changed = False
        for cid in ids:
            if state[cid] == DOWN:
                continue
            down = any(e.hard and throughout(e, (DOWN,), state) for e in edges[cid])
            g = groups.get(cid)
            if not down and g is not None:
                down = len(counting(g, cid, state)) < g.min_up
            if down:
                state[cid] = DOWN
                changed = True

    changed = True
    while changed:  # stage 2: DEGRADED (rules 3 and 4), DOWN now fixed
        changed = False
        for cid in ids:
            if state[cid] != UP:
                continue
            worse = any(
                throughout(e, (DOWN, DEGRADED) if e.hard else (DOWN,), state) for e in edges[cid]
            )
            g = groups.get(cid)
            if not worse and g is not None:
                worse = any(not m.standby and state[m.id] == DOWN for m in g.members) or any(
                    state[m.id] == DEGRADED for m in counting(g, cid, state)
                )
            if worse:
                state[cid] = DEGRADED
                changed = True
    return state


def _runs(states: list[str], step: int) -> list[RefInterval]:
    """Merged non-UP runs; a run that lasts to the end of the run is ``[from, ∞)``."""
    out: list[RefInterval] = []
    start = 0
    for i in range(1, len(states) + 1):
        if i == len(states) or states[i] != states[start]:
            if states[start] != UP:
                end = None if i == len(states) else i * step
                out.append((states[start], start * step, end))
            start = i
    return out
