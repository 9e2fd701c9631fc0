"""Recovery plan (SPEC §4): the order to bring things back, who does what when, which RTOs slip.

``plan(graph, impact, capacity)`` turns a scenario's answer into steps. Every component that
stays DOWN until ∞ (and is not a group) gets one step: **restore** when it failed itself
(``recovery_time``), **restart** when it went down through its dependencies
(``restart_time``, default 0). Components in a dependency cycle that are all DOWN share one
**bootstrap** step. Where SPEC §4 is silent the rules are written down in
``docs/recovery.md``; in short:

* a step starts no earlier than the onset of its last DOWN interval (the one lasting to ∞),
  and only when every hard dependency that was DOWN is back: a dependency with a step when
  that step finishes, one whose outage ends on its own at the end of its last DOWN interval,
  a group when ``min_up`` of its members count again (a recovered standby counts from
  ``t* + activation`` at the earliest);
* ``deadline = onset + rto`` where onset is the start of the DOWN interval lasting to ∞;
  dependencies inherit ``deadline(a) − duration(a)`` over hard edges, and through a DOWN
  group to every DOWN member;
* capacity ``None`` is unlimited (critical path); :class:`Capacity` gives crews that take
  ready steps earliest deadline first (ties: lower tier, larger ``impact_per_hour``, id).

>>> from impactgraph.model import Component, Dependency, Kind, Model
>>> from impactgraph.engine.propagate import propagate
>>> from impactgraph.engine.scenario import Failure, Scenario
>>> g = Graph.from_model(Model.build(
...     [Component(id="dc1", kind=Kind.SITE, recovery_time="4h"),
...      Component(id="app", kind=Kind.SERVICE, restart_time="30m"),
...      Component(id="shop", kind=Kind.BUSINESS_SERVICE, rto="4h")],
...     [Dependency(source="app", target="dc1"), Dependency(source="shop", target="app")]))
>>> p = plan(g, propagate(g, Scenario(failures=(Failure("dc1"),))))
>>> [(s.component, s.action, s.start, s.finish, s.deadline) for s in p.steps]
[('dc1', 'restore', 0, 14400, 12600), ('app', 'restart', 14400, 16200, 14400), \
('shop', 'restart', 16200, 16200, 14400)]
>>> p.business_services[0].breach, p.business_services[0].critical_chain
(1800, ['dc1', 'app', 'shop'])
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

from impactgraph.engine.impact import Impact, Interval, Rule, State
from impactgraph.errors import InputError
from impactgraph.graph import KIND_CODE, Graph
from impactgraph.model import Component, Kind, Model

Action = Literal["restore", "restart", "bootstrap"]
Policy = Literal["deadline", "topological"]

#: a per-team capacity under this name is a pool of crews that take any step
ANY_TEAM = "*"
_INF = 1 << 62
_NO_TIER = 99
_GROUP = KIND_CODE[Kind.GROUP]
_BUSINESS = KIND_CODE[Kind.BUSINESS_SERVICE]

# ---------------------------------------------------------------------------------------------
# inputs


@dataclass(frozen=True)
class Capacity:
    """How many steps can run at once: ``total`` crews that take any step, or crews per team.

    With ``teams``, a crew of team X takes steps of components whose ``team`` is X and steps
    of components with no team or a team not named here; crews under ``"*"`` take any step.

    >>> Capacity.parse("5").crew_labels()
    ['team-1', 'team-2', 'team-3', 'team-4', 'team-5']
    >>> Capacity.parse("dba=2,network=1").crew_labels()
    ['dba-1', 'dba-2', 'network']
    """

    total: int | None = None
    teams: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if (self.total is None) == (not self.teams):
            raise InputError("capacity: give either a total number of teams or teams by name")
        if self.total is not None and self.total < 1:
            raise InputError(f"capacity: the number of teams must be at least 1, not {self.total}")
        for name, count in self.teams.items():
            if count < 1:
                raise InputError(f"capacity: team {name!r} needs at least 1 crew, not {count}")

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
                raise InputError(
                    f"--teams {text!r}: write a number (5) or team=crews pairs "
                    "(dba=2,network=1); '*=N' adds crews that take any step"
                )
            if name in teams:
                raise InputError(f"--teams {text!r}: team {name!r} is given twice")
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


def _label(base: str, i: int, count: int) -> str:
    return base if count == 1 else f"{base}-{i + 1}"


class ComponentColumns(Protocol):
    """Recovery attributes per node index (``None`` where a component has none).

    :func:`model_columns` reads them from ``graph.model``; generators of very large estates
    pass their own columns instead of building pydantic objects.
    """

    @property
    def recovery_time(self) -> Sequence[int | None]: ...
    @property
    def restart_time(self) -> Sequence[int | None]: ...
    @property
    def rto(self) -> Sequence[int | None]: ...
    @property
    def tier(self) -> Sequence[int | None]: ...
    @property
    def impact_per_hour(self) -> Sequence[float | None]: ...
    @property
    def team(self) -> Sequence[str | None]: ...


class _ModelColumn(Sequence[Any]):
    """One attribute of the model's components, read on demand by node index."""

    def __init__(self, model: Model, ids: list[str], name: str) -> None:
        self._comps = model.components
        self._model = model
        self._ids = ids
        self._name = name

    def _component(self, v: int) -> Component:
        comps = self._comps
        if v < len(comps) and comps[v].id == self._ids[v]:
            return comps[v]
        return self._model.by_id[self._ids[v]]

    def __getitem__(self, v: Any) -> Any:
        return getattr(self._component(v), self._name)

    def __len__(self) -> int:
        return len(self._ids)


@dataclass(frozen=True)
class _ModelColumns:
    recovery_time: _ModelColumn
    restart_time: _ModelColumn
    rto: _ModelColumn
    tier: _ModelColumn
    impact_per_hour: _ModelColumn
    team: _ModelColumn


def model_columns(graph: Graph) -> ComponentColumns:
    """The recovery attributes of ``graph.model``, read lazily (only for the nodes a plan uses)."""
    if graph.model is None:
        raise InputError("the graph has no model attributes (recovery_time, rto, team, ...)")
    m, ids = graph.model, graph.ids
    return _ModelColumns(*(_ModelColumn(m, ids, name) for name in (
        "recovery_time", "restart_time", "rto", "tier", "impact_per_hour", "team")))


# ---------------------------------------------------------------------------------------------
# outputs


@dataclass(frozen=True)
class Step:
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
        return [{"component": c, "action": self.action, "start": self.start,
                 "finish": self.finish, "team": self.team, "wave": self.wave,
                 "deadline": self.deadline, "slack": self.slack} for c in self.components]


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
        return {"id": self.id, "tier": self.tier, "rto": self.rto, "onset": self.onset,
                "recovered_at": self.recovered_at, "up_at": self.up_at, "breach": self.breach,
                "critical_chain": list(self.critical_chain)}


@dataclass(frozen=True)
class Totals:
    """Makespan, RTO breaches, and money lost until each component is recovered."""

    makespan: int
    breaches: int
    breach_seconds: int
    money_lost: float

    def as_dict(self) -> dict[str, Any]:
        return {"makespan": self.makespan, "breaches": self.breaches,
                "breach_seconds": self.breach_seconds, "money_lost": self.money_lost}


@dataclass(frozen=True)
class Plan:
    """A recovery plan: steps in start order, business services, totals and warnings."""

    steps: list[Step]
    business_services: list[ServiceRecovery]
    totals: Totals
    warnings: list[str]
    crews: list[str] | None = None  # None: unlimited capacity

    def as_dict(self) -> dict[str, Any]:
        """The SPEC §5 recovery plan answer (times in seconds)."""
        return {"steps": [row for s in self.steps for row in s.as_rows()],
                "business_services": [b.as_dict() for b in self.business_services],
                "totals": self.totals.as_dict(),
                "warnings": list(self.warnings)}

    def step_of(self, component_id: str) -> Step | None:
        """The step that brings ``component_id`` back (None if it has none)."""
        for s in self.steps:
            if component_id in s.components:
                return s
        return None


# ---------------------------------------------------------------------------------------------
# ordering: Kahn, and Tarjan for what Kahn cannot peel


def _csr(keys: npt.NDArray[np.int64], n: int) -> tuple[list[int], npt.NDArray[np.int64]]:
    order = np.argsort(keys, kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=n), out=ptr[1:])
    return ptr.tolist(), order


def strong_order(
    m: int, pre: npt.NDArray[np.int64], post: npt.NDArray[np.int64]
) -> list[list[int]]:
    """Strongly connected components of ``pre → post`` edges, each before those it reaches.

    Kahn's algorithm peels the acyclic part; Tarjan's runs only on what is left.

    >>> strong_order(4, np.array([0, 1, 2, 2]), np.array([1, 2, 1, 3]))
    [[0], [1, 2], [3]]
    """
    ptr, order = _csr(pre, m)
    nxt = post[order].tolist()
    indeg = np.bincount(post, minlength=m).tolist() if len(post) else [0] * m
    peeled = [v for v in range(m) if indeg[v] == 0]
    for v in peeled:  # grows while we walk it
        for e in range(ptr[v], ptr[v + 1]):
            w = nxt[e]
            indeg[w] -= 1
            if indeg[w] == 0:
                peeled.append(w)
    out = [[v] for v in peeled]
    if len(peeled) == m:
        return out
    done = bytearray(m)
    for v in peeled:
        done[v] = 1
    # iterative Tarjan on the rest; it emits components after those they reach
    num = [-1] * m
    low = [0] * m
    on = bytearray(m)
    stack: list[int] = []
    found: list[list[int]] = []
    counter = 0
    for root in range(m):
        if done[root] or num[root] >= 0:
            continue
        work = [(root, ptr[root])]
        num[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on[root] = 1
        while work:
            v, e = work[-1]
            end = ptr[v + 1]
            while e < end:
                w = nxt[e]
                e += 1
                if done[w]:
                    continue
                if num[w] < 0:
                    work[-1] = (v, e)
                    num[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on[w] = 1
                    work.append((w, ptr[w]))
                    break
                if on[w] and num[w] < low[v]:
                    low[v] = num[w]
            else:
                work.pop()
                if work:
                    u = work[-1][0]
                    if low[v] < low[u]:
                        low[u] = low[v]
                if low[v] == num[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on[w] = 0
                        comp.append(w)
                        if w == v:
                            break
                    found.append(sorted(comp))
    out.extend(reversed(found))
    return out


# ---------------------------------------------------------------------------------------------
# the recovery network: units (a step, a bootstrap, or a DOWN group) and who waits for whom


@dataclass
class _Network:
    """Everything the schedulers need, per unit, in plain lists."""

    nodes: list[list[int]]  # graph nodes of each unit
    steps: list[list[int]]  # the non-group nodes (the components the step brings back)
    gate: list[bool]  # a lone DOWN group: back when min_up members count
    k: list[int]
    dur: list[int]
    release: list[int]  # earliest start: onset, and ends of finite hard outages below
    own_deadline: list[int]
    pred_ptr: list[int]
    pred: list[int]
    pred_member: list[bool]
    pred_offset: list[int]  # a standby member counts from t* + activation
    succ_ptr: list[int]
    succ: list[int]
    succ_member: list[bool]
    succ_offset: list[int]
    fixed_counts: list[list[int]]  # gate: when members that are not DOWN at ∞ count
    order: list[int]  # topological, dependencies first
    unit_of: dict[int, int]  # graph node → unit


def _last_down(ivs: list[Interval]) -> Interval | None:
    for iv in reversed(ivs):
        if iv.state is State.DOWN:
            return iv
    return None


def _tstar(graph: Graph, timelines: Mapping[str, list[Interval]], g: int, k: int) -> int:
    """First moment fewer than ``k`` active members of group ``g`` are not DOWN (SPEC §3 r4)."""
    ids = graph.ids
    lo, hi = int(graph.mem_ptr[g]), int(graph.mem_ptr[g + 1])
    actives = [int(graph.mem_idx[e]) for e in range(lo, hi) if not graph.mem_standby[e]]
    if len(actives) < k:
        return 0
    events: list[tuple[int, int]] = []
    for v in actives:
        for iv in timelines.get(ids[v], ()):
            if iv.state is State.DOWN:
                events.append((iv.start, 1))
                if iv.end is not None:
                    events.append((iv.end, -1))
    events.sort(key=lambda x: (x[0], x[1]))  # ends before starts at the same moment
    down = 0
    i = 0
    while i < len(events):
        t = events[i][0]
        while i < len(events) and events[i][0] == t:
            down += events[i][1]
            i += 1
        if len(actives) - down < k:
            return t
    return _INF


@dataclass
class _Reading:
    """What the impact says, per node: DOWN until ∞ (and since when), or when it was back."""

    down_inf: npt.NDArray[np.bool_]
    onset: dict[int, int]  # start of the DOWN interval lasting to ∞
    restore: set[int]  # DOWN until ∞ because it failed itself
    back_at: npt.NDArray[np.int64]  # end of the last DOWN interval (0 if never DOWN)


def _read(graph: Graph, impact: Impact) -> _Reading:
    n = graph.n
    index = graph.index
    down_inf = np.zeros(n, dtype=np.bool_)
    back_at = np.zeros(n, dtype=np.int64)
    onset: dict[int, int] = {}
    restore: set[int] = set()
    for cid, ivs in impact.timelines.items():
        v = index[cid]
        last = ivs[-1]
        if last.state is State.DOWN and last.end is None:
            down_inf[v] = True
            onset[v] = last.start
            if last.cause.rule is Rule.FAILED:
                restore.add(v)
        else:
            d = _last_down(ivs)
            if d is not None and d.end is not None:
                back_at[v] = d.end
    for f in impact.failures:
        if f.end is None and down_inf[f.node]:
            restore.add(f.node)
    return _Reading(down_inf, onset, restore, back_at)


def _network(
    graph: Graph, impact: Impact, reading: _Reading, cols: ComponentColumns,
    warnings: list[str],
) -> _Network:
    n = graph.n
    down_inf = reading.down_inf
    p_nodes = np.flatnonzero(down_inf)
    m0 = len(p_nodes)
    loc = np.full(n, -1, dtype=np.int64)
    loc[p_nodes] = np.arange(m0, dtype=np.int64)
    is_group = graph.kind == _GROUP

    # hard dependency edges v needs d, both DOWN until ∞; and finite outages below
    src = np.repeat(np.arange(n, dtype=np.int64), np.diff(graph.dep_ptr))
    dst = graph.dep_idx
    hard_from_p = down_inf[src] & graph.dep_hard
    both = hard_from_p & down_inf[dst]
    release_node = np.zeros(n, dtype=np.int64)
    finite = hard_from_p & ~down_inf[dst]
    np.maximum.at(release_node, src[finite], reading.back_at[dst[finite]])

    # member edges of DOWN groups
    g_nodes = p_nodes[is_group[p_nodes]].tolist()
    mem_ptr = graph.mem_ptr
    mem_pre: list[int] = []
    mem_post: list[int] = []
    mem_off: list[int] = []
    fixed: dict[int, list[int]] = {}
    for g in g_nodes:
        k = int(graph.min_up[g])
        tstar = _tstar(graph, impact.timelines, g, k)
        lo, hi = int(mem_ptr[g]), int(mem_ptr[g + 1])
        counts: list[int] = []
        for e in range(lo, hi):
            mbr = int(graph.mem_idx[e])
            off = min(_INF, tstar + int(graph.mem_activation[e])) if graph.mem_standby[e] else 0
            if down_inf[mbr]:
                mem_pre.append(int(loc[mbr]))
                mem_post.append(int(loc[g]))
                mem_off.append(off)
            else:
                counts.append(max(int(reading.back_at[mbr]), off))
        fixed[int(loc[g])] = counts

    pre = np.concatenate([loc[dst[both]], np.asarray(mem_pre, dtype=np.int64)])
    post = np.concatenate([loc[src[both]], np.asarray(mem_post, dtype=np.int64)])
    is_mem = np.concatenate([np.zeros(int(both.sum()), dtype=np.bool_),
                             np.ones(len(mem_pre), dtype=np.bool_)])
    off_arr = np.concatenate([np.zeros(int(both.sum()), dtype=np.int64),
                              np.asarray(mem_off, dtype=np.int64)])

    sccs = strong_order(m0, pre, post)
    cyclic = len(sccs) < m0
    if cyclic:
        unit_loc = np.empty(m0, dtype=np.int64)
        for u, comp in enumerate(sccs):
            unit_loc[comp] = u
        members_loc = sccs
    else:
        unit_loc = np.empty(m0, dtype=np.int64)
        unit_loc[np.asarray([c[0] for c in sccs], dtype=np.int64)] = np.arange(m0)
        members_loc = sccs
    m = len(members_loc)
    p_list = p_nodes.tolist()
    nodes = [[p_list[i] for i in comp] for comp in members_loc]
    group_l = is_group.tolist()
    steps = [[v for v in vs if not group_l[v]] for vs in nodes]
    gate = [len(vs) == 1 and group_l[vs[0]] for vs in nodes]

    # unit-level edges (inside a cycle: dropped; a group inside a cycle waits for all members)
    upre = unit_loc[pre] if len(pre) else pre
    upost = unit_loc[post] if len(post) else post
    keep = upre != upost
    upre, upost, is_mem, off_arr = upre[keep], upost[keep], is_mem[keep], off_arr[keep]
    if cyclic:
        gate_arr = np.asarray(gate, dtype=np.bool_)
        is_mem = is_mem & gate_arr[upost]
        off_arr = np.where(is_mem, off_arr, 0)
    pred_ptr, porder = _csr(upost, m)
    succ_ptr, sorder = _csr(upre, m)

    # per unit: duration, release, own deadline
    rec, rst, rto = cols.recovery_time, cols.restart_time, cols.rto
    onset = reading.onset
    dur = [0] * m
    release = release_node[p_nodes].tolist()
    own_deadline = [_INF] * m
    missing: list[str] = []
    ids = graph.ids
    for u in range(m):
        total = 0
        rel = 0
        dl = _INF
        for v in nodes[u]:
            if not group_l[v]:
                if v in reading.restore:
                    r = rec[v]
                    if r is None:
                        missing.append(ids[v])
                        r = 0
                else:
                    r = rst[v] or 0
                total += r
                rel = max(rel, onset[v])
            o = rto[v]
            if o is not None:
                dl = min(dl, onset[v] + o)
        for i in members_loc[u]:
            rel = max(rel, release[i])
        dur[u] = total
        own_deadline[u] = dl
        release[u] = rel  # units ≤ nodes, so writing u after reading u..  is safe
    del release[m:]
    for cid in sorted(missing):
        warnings.append(f"{cid}: recovery_time is missing; its restore counts as 0")
    for comp in nodes:
        if len(comp) > 1:
            names = ", ".join(sorted(ids[v] for v in comp))
            warnings.append(f"dependency cycle, all DOWN: {names} are brought back together "
                            f"in one bootstrap step (its duration is the sum of theirs)")
    min_up = graph.min_up
    k = [int(min_up[vs[0]]) if g else 0 for vs, g in zip(nodes, gate, strict=True)]
    fixed_counts = [fixed.get(members_loc[u][0], []) if gate[u] else [] for u in range(m)]
    order = list(range(m)) if cyclic else [int(unit_loc[c[0]]) for c in sccs]
    return _Network(
        nodes=nodes, steps=steps, gate=gate, k=k, dur=dur, release=release,
        own_deadline=own_deadline,
        pred_ptr=pred_ptr, pred=upre[porder].tolist(), pred_member=is_mem[porder].tolist(),
        pred_offset=off_arr[porder].tolist(),
        succ_ptr=succ_ptr, succ=upost[sorder].tolist(), succ_member=is_mem[sorder].tolist(),
        succ_offset=off_arr[sorder].tolist(),
        fixed_counts=fixed_counts, order=order,
        unit_of={v: u for u, vs in enumerate(nodes) for v in vs},
    )
