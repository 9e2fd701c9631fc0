"""A brute-force reference of the recovery planner, from SPEC §4 and docs/recovery.md only.

It knows nothing of the planner: no heaps, no arrays, no kernels. It reads the impact answer
(the SPEC §5 JSON, or an ``Impact``), decides who gets a step and what blocks it, and then
runs an event-by-event list scheduler in whole seconds: at each instant it settles every
completion, then gives ONE ready step to ONE free crew, and starts over at the same instant
(so a zero-length step, or a chain of them, unblocks its dependents before anyone else
chooses), until no free crew may take a ready step; then the clock moves to the next moment
something can change. Unlimited capacity is the same loop with a crew for every step.

Readings where the docs leave room (the property test reports disagreements on them):

* A missing ``tier`` ranks after every tier; a missing ``impact_per_hour`` counts as 0.
* Through a DOWN group the deadline goes to the ``min_up`` members that count first in the
  unlimited plan (their finish, end of outage, or ``t* + activation`` for a standby).
* A step's wave counts every step below it that blocks it (through a group: all members).
* A bootstrap step's owner is the one ``team`` its components name, those without a team
  not counting; when they name several, it has none (any crew may take it).
"""

from __future__ import annotations

import math
from typing import Any

from impactgraph.model import Kind, MemberMode, Model, Strength

INF = math.inf


def _as_answer(impact: Any) -> dict[str, Any]:
    return impact.as_dict() if hasattr(impact, "as_dict") else impact


class Reference:
    """The plan of one impact answer; ``run(capacity)`` schedules it."""

    def __init__(self, model: Model, impact: Any) -> None:
        answer = _as_answer(impact)
        self.model = model
        self.comp = {c.id: c for c in model.components}
        self.tl: dict[str, list[tuple[str, int, int | None, str]]] = {
            cid: [(i["state"], i["from"], i["to"], i["cause"]["rule"]) for i in ivs]
            for cid, ivs in answer["timelines"].items()
        }
        forever = {f["id"] for f in answer["scenario"]["failures"] if f["duration"] is None}
        self.hard = {c.id: [] for c in model.components}
        for d in model.dependencies:
            if d.strength is Strength.HARD and d.target not in self.hard[d.source]:
                self.hard[d.source].append(d.target)
        self.down_inf = {
            c for c, ivs in self.tl.items() if ivs[-1][0] == "DOWN" and ivs[-1][2] is None
        }
        self.onset = {c: self.tl[c][-1][1] for c in self.down_inf}
        self.warnings: list[str] = []
        # who gets a step, and how long it takes
        self.action: dict[str, str] = {}
        self.duration: dict[str, int] = {}
        for c in sorted(self.down_inf):
            comp = self.comp[c]
            if comp.kind is Kind.GROUP:
                continue
            if c in forever or self.tl[c][-1][3] == "failed":
                self.action[c] = "restore"
                if comp.recovery_time is None:
                    self.warnings.append(f"{c}: recovery_time is missing")
                self.duration[c] = comp.recovery_time or 0
            else:
                self.action[c] = "restart"
                self.duration[c] = comp.restart_time or 0
        # cycles: strongly connected sets of components DOWN until ∞ (hard and member edges)
        self.unit_of: dict[str, int] = {}  # component (or group in a cycle) → step index
        self.units: list[list[str]] = []  # every node of the step, groups in a cycle included
        reach = {c: self._reach(c) for c in sorted(self.down_inf)}
        for c in sorted(self.down_inf):
            if c in self.unit_of:
                continue
            scc = sorted(x for x in reach[c] if c in reach[x])
            if len(scc) == 1 and self.comp[c].kind is Kind.GROUP:
                continue  # a group outside any cycle: no step
            # a cycle of groups only is a unit too, but no step: it is back when ready
            for x in scc:
                self.unit_of[x] = len(self.units)
            self.units.append(scc)

    # ---- structure -----------------------------------------------------------------------

    def _below(self, x: str) -> list[str]:
        """What x needs: hard dependencies, and members for a group."""
        members = [m.id for m in self.comp[x].members]
        return self.hard[x] + [m for m in members if m not in self.hard[x]]

    def _reach(self, c: str) -> set[str]:
        seen, todo = {c}, [c]
        while todo:
            for y in self._below(todo.pop()):
                if y in self.down_inf and y not in seen:
                    seen.add(y)
                    todo.append(y)
        return seen

    def components(self, u: int) -> list[str]:
        return [x for x in self.units[u] if self.comp[x].kind is not Kind.GROUP]

    def is_bootstrap(self, u: int) -> bool:
        return len(self.units[u]) > 1

    def is_step(self, u: int) -> bool:
        return bool(self.components(u))

    def step_duration(self, u: int) -> int:
        return sum(self.duration[x] for x in self.components(u))

    def end_of_down(self, x: str) -> int:
        """End of the last DOWN interval of a component whose outage ends (0: never DOWN)."""
        ends = [e for s, _, e, _ in self.tl.get(x, []) if s == "DOWN"]
        return max(ends, default=0)

    def was_down(self, x: str) -> bool:
        return any(s == "DOWN" for s, *_ in self.tl.get(x, []))

    def tstar(self, g: str) -> int | None:
        """SPEC §3 rule 4: first moment fewer than min_up active members are not DOWN."""
        group = self.comp[g]
        active = [m.id for m in group.members if m.mode is MemberMode.ACTIVE]
        moments = sorted({0} | {iv[1] for m in active for iv in self.tl.get(m, [])})
        for t in moments:
            down = sum(
                any(s == "DOWN" and a <= t and (e is None or t < e) for s, a, e, _ in self.tl[m])
                for m in active
                if m in self.tl
            )
            if len(active) - down < (group.min_up or 1):
                return t
        return None

    def blockers(self, u: int) -> list[tuple[str, str]]:
        """(kind, id) that must be back before step u starts: 'back' or 'outage' (no failover)."""
        nodes, out = self.units[u], []
        for x in nodes:
            out += [("back", d) for d in self.hard[x] if d not in nodes and self.was_down(d)]
            group = self.comp[x]
            if group.kind is Kind.GROUP and self.is_bootstrap(u):
                inside = [m.id for m in group.members if m.id in nodes]
                if len(inside) < (group.min_up or 1):
                    out += [("outage", m.id) for m in group.members if m.id not in nodes]
        return out

    # ---- when things are back, given the finishes known so far ---------------------------

    def count_at(self, g: str, member: Any, finish: dict[int, int]) -> float:
        t = self.back(member.id, finish)
        if member.mode is MemberMode.STANDBY:
            ts = self.tstar(g)
            t = max(t, INF if ts is None else ts + member.activation)
        return t

    def back(self, x: str, finish: dict[int, int]) -> float:
        """When x no longer blocks what needs it (INF: not yet known)."""
        if x not in self.down_inf:
            return self.end_of_down(x)
        if x in self.unit_of:
            return finish.get(self.unit_of[x], INF)
        group = self.comp[x]  # a DOWN group outside cycles
        counts = sorted(self.count_at(x, m, finish) for m in group.members)
        deps = [self.back(d, finish) for d in self.hard[x] if self.was_down(d)]
        return max([counts[(group.min_up or 1) - 1], *deps])

    def ready_at(self, u: int, finish: dict[int, int]) -> float:
        t: float = max(self.onset[x] for x in self.components(u) or self.units[u])
        for _, y in self.blockers(u):  # no failover delay for "outage": back() has none
            t = max(t, self.back(y, finish))
        return t

    # ---- waves and deadlines --------------------------------------------------------------

    def units_under(self, x: str) -> set[int]:
        """Steps reached from x (DOWN until ∞) through DOWN groups outside cycles."""
        if x not in self.down_inf:
            return set()
        if x in self.unit_of and self.is_step(self.unit_of[x]):
            return {self.unit_of[x]}
        if x in self.unit_of:  # a cycle of groups only: no wave of its own
            return set().union(*(self.units_under(y) for _, y in self.blockers(self.unit_of[x])))
        return set().union(*(self.units_under(y) for y in self._below(x)))

    def wave(self, u: int) -> int:
        below = set().union(*(self.units_under(y) for _, y in self.blockers(u)))
        return max((self.wave(v) + 1 for v in below), default=0)

    def deadlines(self, unlimited: dict[int, int]) -> dict[int, int | None]:
        """deadline(b) = min(own(b), min over a needing b of deadline(a) − duration(a))."""
        dl: dict[str, float] = {}  # per node: components, groups in cycles, free groups
        for x in self.down_inf:
            rto = self.comp[x].rto
            dl[x] = INF if rto is None else self.onset[x] + rto
        changed = True
        while changed:  # brute force: relax until nothing moves (the network is acyclic)
            changed = False
            for u, nodes in enumerate(self.units):
                unit_dl = min(dl[x] for x in nodes)
                for x in nodes:
                    if dl[x] > unit_dl:
                        dl[x], changed = unit_dl, True
                latest = unit_dl - self.step_duration(u)
                for _, y in self.blockers(u):
                    if y in self.down_inf and dl[y] > latest:
                        dl[y], changed = latest, True
            for g in self.down_inf - set(self.unit_of):  # free groups: to deps and first members
                group = self.comp[g]
                order = sorted(
                    enumerate(group.members),
                    key=lambda im: (
                        self.count_at(g, im[1], unlimited),
                        im[1].id in self.down_inf,
                        im[0],
                    ),
                )
                first = [m.id for _, m in order[: group.min_up or 1]]
                for y in [*self.hard[g], *first]:
                    if y in self.down_inf and dl[y] > dl[g]:
                        dl[y], changed = dl[g], True
        out: dict[int, int | None] = {}
        for u, nodes in enumerate(self.units):
            d = min(dl[x] for x in nodes)
            out[u] = None if d == INF else int(d)
        return out

    # ---- the list scheduler ---------------------------------------------------------------

    def _key(self, u: int, dl: dict[int, int | None]) -> tuple[Any, ...]:
        comps = self.components(u)
        tiers = [self.comp[x].tier for x in comps if self.comp[x].tier is not None]
        money = max(self.comp[x].impact_per_hour or 0 for x in comps)
        d = dl[u]
        return (d is None, d or 0, min(tiers, default=INF), -money, min(comps))

    def owner(self, u: int) -> str | None:
        """The one team its components name (those without a team do not count), else None."""
        teams = {t for x in self.components(u) if (t := self.comp[x].team) is not None}
        return teams.pop() if len(teams) == 1 else None

    def _crews(self, capacity: Any) -> list[tuple[str, str | None]]:
        if capacity is None:
            return [(f"unlimited-{i}", None) for i in range(len(self.units))]
        if hasattr(capacity, "teams"):  # an impactgraph Capacity
            capacity = capacity.total if capacity.total is not None else dict(capacity.teams)
        if isinstance(capacity, int):
            return [(f"team-{i + 1}" if capacity > 1 else "team", None) for i in range(capacity)]
        crews = []
        for name in sorted(capacity, key=lambda s: (s == "*", s)):
            n = capacity[name]
            base, team = ("any", None) if name == "*" else (name, name)
            crews += [(base if n == 1 else f"{base}-{i + 1}", team) for i in range(n)]
        return crews

    def _crew_for(self, u: int, free: list[int], crews: list[tuple[str, str | None]]) -> int | None:
        """Own team, else another named team (unowned steps only), else anything; lowest first."""
        own = self.owner(u)
        named = {t for _, t in crews if t is not None}
        mine = [i for i in free if crews[i][1] is not None and crews[i][1] == own]
        others = [i for i in free if crews[i][1] is not None and own not in named]
        anyone = [i for i in free if crews[i][1] is None]
        for choice in (mine, others, anyone):
            if choice:
                return min(choice)
        return None

    def schedule(self, capacity: Any, dl: dict[int, int | None]) -> dict[int, tuple[int, int, str]]:
        crews = self._crews(capacity)
        busy_until = [0.0] * len(crews)
        done: dict[int, tuple[int, int, str]] = {}  # unit → (start, finish, crew label)
        moments = {0} | {a for ivs in self.tl.values() for _, a, _, _ in ivs}
        moments |= {e for ivs in self.tl.values() for _, _, e, _ in ivs if e is not None}
        for g in self.down_inf:
            ts = self.tstar(g) if self.comp[g].kind is Kind.GROUP else None
            if ts is not None:
                moments |= {ts + m.activation for m in self.comp[g].members}
        t = 0
        while len(done) < len(self.units):
            while True:  # at instant t, one choice at a time, settling everything in between
                finish = {u: f for u, (_, f, _) in done.items() if f <= t}
                free = [i for i, b in enumerate(busy_until) if b <= t]
                ready = [
                    u
                    for u in range(len(self.units))
                    if u not in done and self.ready_at(u, finish) <= t
                ]
                for u in [u for u in ready if not self.is_step(u)]:  # no crew needed
                    done[u] = (t, t, "")
                if any(not self.is_step(u) for u in ready):
                    continue
                ready.sort(key=lambda u: self._key(u, dl))
                picked = next(
                    ((u, c) for u in ready if (c := self._crew_for(u, free, crews)) is not None),
                    None,
                )
                if picked is None:
                    break
                u, c = picked
                end = t + self.step_duration(u)
                busy_until[c] = end
                done[u] = (t, end, crews[c][0])
            later = [int(b) for b in busy_until if b > t] + [m for m in moments if m > t]
            later += [f for _, f, _ in done.values() if f > t]
            if not later:
                break  # some step can never start (its blockers never come back)
            t = min(later)
        return done

    def run(self, capacity: Any = None) -> dict[str, Any]:
        """Steps and business services: the parts of SPEC §5 the property test compares."""
        no_deadline = dict.fromkeys(range(len(self.units)))
        unlimited = {u: f for u, (_, f, _) in self.schedule(None, no_deadline).items()}
        dl = self.deadlines(unlimited)
        done = self.schedule(capacity, dl)
        steps = []
        for u in filter(self.is_step, range(len(self.units))):
            comps = self.components(u)
            start, finish, crew = done.get(u, (None, None, None))
            steps.append(
                {
                    "components": tuple(comps),
                    "action": "bootstrap" if self.is_bootstrap(u) else self.action[comps[0]],
                    "start": start,
                    "finish": finish,
                    "wave": self.wave(u),
                    "deadline": dl[u],
                    "team": self.owner(u) if capacity is None else crew,
                }
            )
        services = {}
        for c in self.model.components:
            if c.kind is not Kind.BUSINESS_SERVICE or not self.was_down(c.id):
                continue
            onset = [a for s, a, _, _ in self.tl[c.id] if s == "DOWN"][-1]
            if c.id in self.unit_of:
                rec = done.get(self.unit_of[c.id], (None, None))[1]
            else:
                rec = self.end_of_down(c.id)
            breach = None
            if c.rto is not None and rec is not None:
                breach = max(0, rec - (onset + c.rto))
            services[c.id] = {"onset": onset, "recovered_at": rec, "breach": breach}
        return {"steps": steps, "business_services": services, "warnings": self.warnings}


def reference_plan(model: Model, impact: Any, capacity: Any = None) -> dict[str, Any]:
    """The reference plan: capacity None (unlimited), an int (crews), or {team: crews}."""
    return Reference(model, impact).run(capacity)


#: no time in a plan answer may come near the planner's internal "never" (2**62)
NEVER = 2**62


def leaks(value: Any) -> list[Any]:
    """Numbers ≥ :data:`NEVER` anywhere in a JSON answer."""
    if isinstance(value, dict):
        return [x for v in value.values() for x in leaks(v)]
    if isinstance(value, list | tuple):
        return [x for v in value for x in leaks(v)]
    return [value] if isinstance(value, int | float) and value >= NEVER else []
