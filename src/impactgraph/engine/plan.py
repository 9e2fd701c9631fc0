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
  group to the ``min_up`` members the critical path brings back first;
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

from impactgraph.engine.impact import RULE_CODES, STATE_CODES, Impact, Records, Rule, State
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
    return _ModelColumns(
        *(
            _ModelColumn(m, ids, name)
            for name in ("recovery_time", "restart_time", "rto", "tier", "impact_per_hour", "team")
        )
    )


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
    crews: list[str] | None = None  # None: unlimited capacity

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
    """Everything the schedulers need, per unit, in plain lists; units in topological order."""

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
    fixed_counts: list[list[tuple[int, int]]]  # gate: (time, node) members not DOWN at ∞ count
    unit_of: dict[int, int]  # graph node → unit


_UP, _DEGRADED, _DOWN = (STATE_CODES.index(x) for x in (State.UP, State.DEGRADED, State.DOWN))
_FAILED = RULE_CODES.index(Rule.FAILED)


def _records(graph: Graph, impact: Impact) -> Records:
    """The impact's intervals as columns sorted by node then time (built if it has none)."""
    if impact.records is not None:
        return impact.records
    index = graph.index
    rows: list[tuple[int, int, int, int, int, int]] = []
    for cid, ivs in impact.timelines.items():
        v = index[cid]
        for iv in ivs:
            rows.append(
                (
                    v,
                    iv.start,
                    -1 if iv.end is None else iv.end,
                    STATE_CODES.index(iv.state),
                    RULE_CODES.index(iv.cause.rule),
                    -1 if iv.cause.via is None else index[iv.cause.via],
                )
            )
    rows.sort()
    cols = list(zip(*rows, strict=True)) if rows else [()] * 6
    node, start, end, state, rule, via = (np.asarray(c, dtype=np.int64) for c in cols)
    return Records(
        node=node,
        start=start,
        end=end,
        state=state.astype(np.int8),
        rule=rule.astype(np.int8),
        via=via,
        ids=graph.ids,
    )


@dataclass
class _Reading:
    """What the impact says, per node: DOWN until ∞ (and since when), or when it was back."""

    rec: Records
    ptr: npt.NDArray[np.int64]  # rows of node v: ptr[v]:ptr[v + 1]
    down_inf: npt.NDArray[np.bool_]
    not_up_inf: npt.NDArray[np.bool_]  # DOWN or DEGRADED until ∞
    onset: dict[int, int]  # start of the DOWN interval lasting to ∞
    restore: set[int]  # DOWN until ∞ because it failed itself
    back_at: npt.NDArray[np.int64]  # end of the last DOWN interval (0 if never DOWN)

    def last_down(self, v: int) -> int:
        """The row of ``v``'s last DOWN interval, −1 if it is never DOWN."""
        state = self.rec.state
        for r in range(int(self.ptr[v + 1]) - 1, int(self.ptr[v]) - 1, -1):
            if state[r] == _DOWN:
                return r
        return -1


def _read(graph: Graph, impact: Impact) -> _Reading:
    n = graph.n
    rec = _records(graph, impact)
    node, end, state = rec.node, rec.end, rec.state
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(node, minlength=n), out=ptr[1:])
    last = ptr[1:][ptr[1:] > ptr[:-1]] - 1  # last row of every listed node
    lnode = node[last]
    forever = end[last] < 0
    not_up_inf = np.zeros(n, dtype=np.bool_)
    not_up_inf[lnode[forever]] = True
    dinf = forever & (state[last] == _DOWN)
    down_inf = np.zeros(n, dtype=np.bool_)
    down_inf[lnode[dinf]] = True
    onset = dict(zip(lnode[dinf].tolist(), rec.start[last[dinf]].tolist(), strict=True))
    restore = set(lnode[dinf & (rec.rule[last] == _FAILED)].tolist())
    restore.update(f.node for f in impact.failures if f.end is None and down_inf[f.node])
    back_at = np.zeros(n, dtype=np.int64)
    finite_down = (state == _DOWN) & (end >= 0)
    np.maximum.at(back_at, node[finite_down], end[finite_down])
    back_at[down_inf] = 0
    return _Reading(rec, ptr, down_inf, not_up_inf, onset, restore, back_at)


def _tstar(graph: Graph, reading: _Reading, g: int, k: int) -> int:
    """First moment fewer than ``k`` active members of group ``g`` are not DOWN (SPEC §3 r4)."""
    lo, hi = int(graph.mem_ptr[g]), int(graph.mem_ptr[g + 1])
    actives = [int(graph.mem_idx[e]) for e in range(lo, hi) if not graph.mem_standby[e]]
    if len(actives) < k:
        return 0
    rec, ptr = reading.rec, reading.ptr
    events: list[tuple[int, int]] = []
    for v in actives:
        for r in range(int(ptr[v]), int(ptr[v + 1])):
            if rec.state[r] == _DOWN:
                events.append((int(rec.start[r]), 1))
                if rec.end[r] >= 0:
                    events.append((int(rec.end[r]), -1))
    events.sort()  # ends (−1) before starts (+1) at the same moment
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


def _network(
    graph: Graph,
    reading: _Reading,
    cols: ComponentColumns,
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
    fixed: dict[int, list[tuple[int, int]]] = {}
    for g in g_nodes:
        k = int(graph.min_up[g])
        tstar = _tstar(graph, reading, g, k)
        lo, hi = int(mem_ptr[g]), int(mem_ptr[g + 1])
        counts: list[tuple[int, int]] = []
        for e in range(lo, hi):
            mbr = int(graph.mem_idx[e])
            off = min(_INF, tstar + int(graph.mem_activation[e])) if graph.mem_standby[e] else 0
            if down_inf[mbr]:
                mem_pre.append(int(loc[mbr]))
                mem_post.append(int(loc[g]))
                mem_off.append(off)
            else:
                counts.append((max(int(reading.back_at[mbr]), off), mbr))
        fixed[int(loc[g])] = counts

    pre = np.concatenate([loc[dst[both]], np.asarray(mem_pre, dtype=np.int64)])
    post = np.concatenate([loc[src[both]], np.asarray(mem_post, dtype=np.int64)])
    is_mem = np.concatenate(
        [np.zeros(int(both.sum()), dtype=np.bool_), np.ones(len(mem_pre), dtype=np.bool_)]
    )
    off_arr = np.concatenate(
        [np.zeros(int(both.sum()), dtype=np.int64), np.asarray(mem_off, dtype=np.int64)]
    )

    sccs = strong_order(m0, pre, post)  # units are numbered in topological order
    cyclic = len(sccs) < m0
    unit_loc = np.empty(m0, dtype=np.int64)
    for u, comp in enumerate(sccs):
        unit_loc[comp] = u
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
    release_loc = release_node[p_nodes].tolist()
    release = [0] * m
    own_deadline = [_INF] * m
    missing: list[str] = []
    ids = graph.ids
    restore = reading.restore
    for u in range(m):
        total = 0
        rel = 0
        dl = _INF
        for v in nodes[u]:
            if not group_l[v]:
                if v in restore:
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
            rel = max(rel, release_loc[i])
        dur[u] = total
        own_deadline[u] = dl
        release[u] = rel
    for cid in sorted(missing):
        warnings.append(f"{cid}: recovery_time is missing; its restore counts as 0")
    for comp in nodes:
        if len(comp) > 1:
            names = ", ".join(sorted(ids[v] for v in comp))
            warnings.append(
                f"dependency cycle, all DOWN: {names} are brought back together "
                f"in one bootstrap step (its duration is the sum of theirs)"
            )
    min_up = graph.min_up
    need = [int(min_up[vs[0]]) if g else 0 for vs, g in zip(nodes, gate, strict=True)]
    fixed_counts = [fixed.get(members_loc[u][0], []) if gate[u] else [] for u in range(m)]
    return _Network(
        nodes=nodes,
        steps=steps,
        gate=gate,
        k=need,
        dur=dur,
        release=release,
        own_deadline=own_deadline,
        pred_ptr=pred_ptr,
        pred=upre[porder].tolist(),
        pred_member=is_mem[porder].tolist(),
        pred_offset=off_arr[porder].tolist(),
        succ_ptr=succ_ptr,
        succ=upost[sorder].tolist(),
        succ_member=is_mem[sorder].tolist(),
        succ_offset=off_arr[sorder].tolist(),
        fixed_counts=fixed_counts,
        unit_of={v: u for u, vs in enumerate(nodes) for v in vs},
    )


# ---------------------------------------------------------------------------------------------
# deadlines, waves and the two schedulers


def _deadlines(net: _Network, back: list[int]) -> list[int]:
    """SPEC §4 rule 2, from the top of the graph down (``_INF``: no RTO reaches the unit).

    A DOWN group passes its deadline to the ``min_up`` members that come back first on the
    critical path (``back``), not to the spares it does not need.
    """
    dl = list(net.own_deadline)
    dur, pptr, pred, member = net.dur, net.pred_ptr, net.pred, net.pred_member
    for u in range(len(dl) - 1, -1, -1):
        d = dl[u]
        if d == _INF:
            continue
        x = d - dur[u]
        needed: set[int] | None = None
        if net.gate[u]:
            counts = [(t, 0, -1) for t, _ in net.fixed_counts[u]]
            counts.extend(
                (max(back[pred[e]], net.pred_offset[e]), 1, e)
                for e in range(pptr[u], pptr[u + 1])
                if member[e]
            )
            counts.sort()
            needed = {e for _, _, e in counts[: net.k[u]] if e >= 0}
        for e in range(pptr[u], pptr[u + 1]):
            if needed is not None and member[e] and e not in needed:
                continue
            p = pred[e]
            if x < dl[p]:
                dl[p] = x
    return dl


def _waves(net: _Network) -> list[int]:
    """The longest chain of DOWN dependencies (steps) below each unit; a group adds none."""
    m = len(net.dur)
    level = [0] * m
    pptr, pred, steps = net.pred_ptr, net.pred, net.steps
    for u in range(m):
        best = -1
        for e in range(pptr[u], pptr[u + 1]):
            if level[pred[e]] > best:
                best = level[pred[e]]
        level[u] = best + 1 if steps[u] else best
    return [max(x, 0) for x in level]


def _gate_back(net: _Network, u: int, deps_back: int, back: list[int]) -> int:
    """When a DOWN group is back: its hard dependencies, and ``min_up`` members counting."""
    counts = [t for t, _ in net.fixed_counts[u]]
    for e in range(net.pred_ptr[u], net.pred_ptr[u + 1]):
        if net.pred_member[e]:
            counts.append(max(back[net.pred[e]], net.pred_offset[e]))
    counts.sort()
    k = net.k[u]
    return max(deps_back, counts[k - 1] if len(counts) >= k else _INF)


def _critical_path(net: _Network) -> tuple[list[int], list[int]]:
    """Unlimited capacity: every unit starts as soon as rule 1 allows (start, back per unit)."""
    m = len(net.dur)
    start = [0] * m
    back = [0] * m
    pptr, pred, member, gate, dur = (net.pred_ptr, net.pred, net.pred_member, net.gate, net.dur)
    release = net.release
    for u in range(m):
        t = release[u]
        for e in range(pptr[u], pptr[u + 1]):
            if not member[e]:
                b = back[pred[e]]
                if b > t:
                    t = b
        if gate[u]:
            t = _gate_back(net, u, t, back)
        start[u] = t
        back[u] = t + dur[u]
    return start, back


_FINISH, _GATE, _COUNT, _READY = 0, 1, 2, 3


def _list_schedule(
    net: _Network,
    keys: list[tuple[Any, ...]],
    pool_of: list[int],
    n_pools: int,
    crews: list[tuple[str, str | None]],
    team_pool: dict[str, int],
) -> tuple[list[int], list[int], list[int]]:
    """Crews take ready steps by ``keys`` (smallest first); no crew idles while it could work.

    Returns start, back and crew (−1 for groups) per unit.
    """
    m = len(net.dur)
    start = [-1] * m
    back = [-1] * m
    crew_of = [-1] * m
    pptr, member = net.pred_ptr, net.pred_member
    sptr, succ, smember, soffset = net.succ_ptr, net.succ, net.succ_member, net.succ_offset
    gate, k, dur = net.gate, net.k, net.dur
    rel = list(net.release)
    pend = [0] * m
    for u in range(m):
        pend[u] = sum(1 for e in range(pptr[u], pptr[u + 1]) if not member[e])
    counted = [0] * m
    queued = bytearray(m)
    events: list[tuple[int, int, int, int]] = []
    seq = 0
    heaps: list[list[tuple[Any, ...]]] = [[] for _ in range(n_pools)]
    # free crews per category: 0 = takes any step, 1 + pool index of its team otherwise
    free: list[list[int]] = [[] for _ in range(n_pools + 1)]
    cat_of = [0 if team is None else 1 + team_pool[team] for _, team in crews]
    for c in range(len(crews)):
        free[cat_of[c]].append(c)
    n_free = len(crews)

    def settle(w: int, t: int, stack: list[int]) -> None:
        nonlocal seq
        if queued[w] or pend[w] or (gate[w] and counted[w] < k[w]):
            return
        queued[w] = 1
        r = rel[w]
        if gate[w]:
            if r > t:
                seq += 1
                heapq.heappush(events, (r, seq, _GATE, w))
            else:
                stack.append(w)
        elif r > t:
            seq += 1
            heapq.heappush(events, (r, seq, _READY, w))
        else:
            heapq.heappush(heaps[pool_of[w]], keys[w])

    def come_back(u0: int, t: int) -> None:
        nonlocal seq
        stack = [u0]
        while stack:
            u = stack.pop()
            back[u] = t
            if start[u] < 0:
                start[u] = t
            for e in range(sptr[u], sptr[u + 1]):
                w = succ[e]
                if smember[e]:
                    c = soffset[e]
                    if c > t:
                        seq += 1
                        heapq.heappush(events, (c, seq, _COUNT, w))
                        continue
                    counted[w] += 1
                else:
                    pend[w] -= 1
                    if t > rel[w]:
                        rel[w] = t
                settle(w, t, stack)

    for u in range(m):
        for t_count, _ in net.fixed_counts[u]:
            seq += 1
            heapq.heappush(events, (t_count, seq, _COUNT, u))
        if not gate[u] and pend[u] == 0:
            queued[u] = 1
            seq += 1
            heapq.heappush(events, (rel[u], seq, _READY, u))

    def pick(pool: int) -> int:
        """A free crew for a step of ``pool``: its own team first, then any named, then any."""
        if pool:
            own = free[1 + pool]
            if own:
                return own[0]
        else:
            best = -1
            for cat in range(2, n_pools + 1):
                if free[cat] and (best < 0 or free[cat][0] < best):
                    best = free[cat][0]
            if best >= 0:
                return best
        return free[0][0] if free[0] else -1

    while events:
        t = events[0][0]
        while events and events[0][0] == t:
            _, _, code, u = heapq.heappop(events)
            if code == _FINISH:
                c = crew_of[u]
                heapq.heappush(free[cat_of[c]], c)
                n_free += 1
                come_back(u, t)
            elif code == _READY:
                heapq.heappush(heaps[pool_of[u]], keys[u])
            elif code == _GATE:
                come_back(u, t)
            else:  # a member counts again
                counted[u] += 1
                stack: list[int] = []
                settle(u, t, stack)
                for w in stack:
                    come_back(w, t)
        while n_free:
            best_key: tuple[Any, ...] | None = None
            best_pool = best_crew = -1
            for pool in range(n_pools):
                heap = heaps[pool]
                if heap and (best_key is None or heap[0] < best_key):
                    c = pick(pool)
                    if c >= 0:
                        best_key, best_pool, best_crew = heap[0], pool, c
            if best_key is None:
                break
            u = heapq.heappop(heaps[best_pool])[-1]
            heapq.heappop(free[cat_of[best_crew]])
            n_free -= 1
            crew_of[u] = best_crew
            start[u] = t
            seq += 1
            heapq.heappush(events, (t + dur[u], seq, _FINISH, u))
    return start, back, crew_of


# ---------------------------------------------------------------------------------------------
# business services: recovered, UP again, and the chain that made them late


def _up_times(graph: Graph, reading: _Reading, net: _Network, back: list[int]) -> dict[int, int]:
    """When each component that is not UP at ∞ is UP again: its own step (or group) is back
    and so is everything it needs (hard or soft) or has as a member that was not UP at ∞."""
    n = graph.n
    in_q = reading.not_up_inf
    qn = np.flatnonzero(in_q)
    q_nodes = qn.tolist()
    loc = np.full(n, -1, dtype=np.int64)
    loc[qn] = np.arange(len(qn), dtype=np.int64)
    src = np.concatenate(
        [
            np.repeat(np.arange(n, dtype=np.int64), np.diff(graph.dep_ptr)),
            np.repeat(np.arange(n, dtype=np.int64), np.diff(graph.mem_ptr)),
        ]
    )
    dst = np.concatenate([graph.dep_idx, graph.mem_idx])
    both = in_q[src] & in_q[dst]
    pre, post = loc[dst[both]], loc[src[both]]
    order = strong_order(len(qn), pre, post)
    ptr, porder = _csr(post, len(qn))
    preds = pre[porder].tolist()
    unit_of = net.unit_of
    own = [back[unit_of[v]] if v in unit_of else 0 for v in q_nodes]
    up = [0] * len(qn)
    for comp in order:
        t = 0
        for i in comp:
            t = max(t, own[i])
            for e in range(ptr[i], ptr[i + 1]):
                if up[preds[e]] > t:
                    t = up[preds[e]]
        for i in comp:
            up[i] = t
    return dict(zip(q_nodes, up, strict=True))


@dataclass
class _Chains:
    """Walks back from a business service to the root failure that set its recovery time."""

    graph: Graph
    reading: _Reading
    net: _Network
    back: list[int]

    def binding(self, u: int) -> tuple[str, int] | None:
        """The dependency (``("unit", u)`` or ``("node", v)``) that held unit ``u`` back."""
        net, back, g = self.net, self.back, self.graph
        cands: list[tuple[int, int, str, int]] = []  # (time, preference, what, which)
        counts: list[tuple[int, int, str, int]] = []
        for e in range(net.pred_ptr[u], net.pred_ptr[u + 1]):
            p = net.pred[e]
            if net.pred_member[e]:
                counts.append((max(back[p], net.pred_offset[e]), 0, "unit", p))
            else:
                cands.append((back[p], 0, "unit", p))
        for v in net.nodes[u]:
            for e in range(int(g.dep_ptr[v]), int(g.dep_ptr[v + 1])):
                d = int(g.dep_idx[e])
                if g.dep_hard[e] and not self.reading.down_inf[d] and self.reading.back_at[d]:
                    cands.append((int(self.reading.back_at[d]), 1, "node", d))
        if net.gate[u]:
            counts.extend((t, 1, "node", v) for t, v in net.fixed_counts[u])
            counts.sort()
            if len(counts) >= net.k[u]:
                cands.append(counts[net.k[u] - 1])
        if not cands:
            return None
        t, _, what, which = max(cands, key=lambda c: (c[0], -c[1]))
        steps = net.steps[u]
        if steps and all(v in self.reading.restore for v in steps):
            onset = max(self.reading.onset[v] for v in steps)
            if t <= onset:
                return None  # it failed itself and nothing below held it back
        return what, which

    def chain(self, v: int) -> list[str]:
        """Component ids from the root failure up to ``v``."""
        ids, net = self.graph.ids, self.net
        out: list[str] = []
        seen: set[tuple[str, int]] = set()
        here: tuple[str, int] | None = ("unit", net.unit_of[v]) if v in net.unit_of else ("node", v)
        while here is not None and here not in seen:
            seen.add(here)
            what, which = here
            if what == "unit":
                out.extend(sorted((ids[x] for x in net.nodes[which]), reverse=True))
                here = self.binding(which)
                continue
            out.append(ids[which])
            r = self.reading.last_down(which)
            rec = self.reading.rec
            if r < 0 or rec.rule[r] == _FAILED or rec.via[r] < 0:
                break
            w = int(rec.via[r])
            here = ("unit", net.unit_of[w]) if w in net.unit_of else ("node", w)
        out.reverse()
        return out


# ---------------------------------------------------------------------------------------------
# the planner


def plan(
    graph: Graph,
    impact: Impact,
    capacity: Capacity | None = None,
    *,
    columns: ComponentColumns | None = None,
    policy: Policy = "deadline",
) -> Plan:
    """The recovery plan of a scenario's answer (SPEC §4).

    Parameters
    ----------
    graph
        The estate; recovery attributes come from ``graph.model`` unless ``columns`` is given.
    impact
        ``propagate(graph, scenario)``: what is DOWN until ∞ and since when.
    capacity
        ``None`` for unlimited crews (every step starts at its critical-path earliest time),
        else :class:`Capacity` (a total, or crews per team).
    columns
        Recovery attributes per node index, for estates built without pydantic objects.
    policy
        ``"deadline"`` (SPEC: earliest deadline first, then tier, impact, id) or
        ``"topological"`` (the naive baseline: steps in topological order, first come).
    """
    cols = columns if columns is not None else model_columns(graph)
    warnings: list[str] = []
    reading = _read(graph, impact)
    net = _network(graph, reading, cols, warnings)
    m = len(net.dur)
    earliest, earliest_back = _critical_path(net)
    dl = _deadlines(net, earliest_back)
    waves = _waves(net)
    ids = graph.ids
    team_attr = cols.team
    owner = [next((t for t in (team_attr[v] for v in vs) if t), None) for vs in net.steps]

    crew_labels: list[str] | None = None
    if capacity is None:
        start, back = earliest, earliest_back
        team: list[str | None] = owner
    else:
        crews = capacity.crews()
        crew_labels = [label for label, _ in crews]
        named = sorted(n for n in capacity.teams if n != ANY_TEAM)
        team_pool = {name: i + 1 for i, name in enumerate(named)}
        pool_of = [team_pool.get(o, 0) if o else 0 for o in owner]
        if capacity.teams:
            unnamed: dict[str, int] = {}
            for o, vs in zip(owner, net.steps, strict=True):
                if vs and o and o not in team_pool:
                    unnamed[o] = unnamed.get(o, 0) + 1
            for o, cnt in sorted(unnamed.items()):
                warnings.append(
                    f"team {o!r} has no crews in the capacity; its {cnt} step(s) go to any crew"
                )
        keys = _keys(net, dl, cols, policy)
        start, back, crew_of = _list_schedule(net, keys, pool_of, len(named) + 1, crews, team_pool)
        if any(b < 0 for b in back):
            stuck = sorted(ids[net.nodes[u][0]] for u in range(m) if back[u] < 0)[:5]
            raise InputError(
                "the impact does not match the graph: these never become ready: " + ", ".join(stuck)
            )
        team = [crew_labels[c] if c >= 0 else None for c in crew_of]

    steps: list[Step] = []
    for u in range(m):
        vs = net.steps[u]
        if not vs:
            continue
        if len(net.nodes[u]) > 1:
            action: Action = "bootstrap"
        else:
            action = "restore" if vs[0] in reading.restore else "restart"
        steps.append(
            Step(
                components=tuple(sorted(ids[v] for v in vs)),
                action=action,
                start=start[u],
                finish=back[u],
                team=team[u],
                wave=waves[u],
                deadline=None if dl[u] == _INF else dl[u],
                owner=owner[u],
            )
        )
    steps.sort(key=lambda s: (s.start, s.wave, s.components))

    services = _services(graph, reading, net, back, cols)
    breached = [s.breach for s in services if s.breach]
    totals = Totals(
        makespan=max((s.finish for s in steps), default=0),
        breaches=len(breached),
        breach_seconds=sum(b for b in breached if b),
        money_lost=_money_lost(reading, net, back, cols),
    )
    return Plan(
        steps=steps, business_services=services, totals=totals, warnings=warnings, crews=crew_labels
    )


def _keys(
    net: _Network, dl: list[int], cols: ComponentColumns, policy: Policy
) -> list[tuple[Any, ...]]:
    """Priority of each unit for the list scheduler (smaller first)."""
    m = len(net.dur)
    if policy == "topological":
        return [(u,) for u in range(m)]
    tier, rate = cols.tier, cols.impact_per_hour
    ids_sorted = [vs for vs in net.steps]
    keys: list[tuple[Any, ...]] = []
    for u in range(m):
        vs = ids_sorted[u]
        tiers = [t for t in (tier[v] for v in vs) if t is not None]
        rates = [r for r in (rate[v] for v in vs) if r is not None]
        keys.append(
            (dl[u], min(tiers, default=_NO_TIER), -max(rates, default=0.0), min(vs, default=-1), u)
        )
    return keys


def _services(
    graph: Graph,
    reading: _Reading,
    net: _Network,
    back: list[int],
    cols: ComponentColumns,
) -> list[ServiceRecovery]:
    """Every business service that is DOWN at some moment, against its RTO."""
    rec = reading.rec
    down_nodes = np.unique(rec.node[rec.state == _DOWN])
    hit = down_nodes[graph.kind[down_nodes] == _BUSINESS].tolist()
    if not hit:
        return []
    up = _up_times(graph, reading, net, back)
    chains = _Chains(graph, reading, net, back)
    out: list[ServiceRecovery] = []
    for v in hit:
        if v in net.unit_of:
            onset, recovered = reading.onset[v], back[net.unit_of[v]]
        else:
            r = reading.last_down(v)
            onset, recovered = int(rec.start[r]), int(rec.end[r])
        last_end = int(rec.end[int(reading.ptr[v + 1]) - 1])
        up_at = max(recovered, up.get(v, last_end))
        rto = cols.rto[v]
        breach = None if rto is None else max(0, recovered - (onset + rto))
        out.append(
            ServiceRecovery(
                id=graph.ids[v],
                tier=cols.tier[v],
                rto=rto,
                onset=onset,
                recovered_at=recovered,
                up_at=up_at,
                breach=breach,
                critical_chain=chains.chain(v),
            )
        )
    out.sort(
        key=lambda s: (
            s.tier if s.tier is not None else _NO_TIER,
            -(s.breach or 0),
            s.recovered_at,
            s.id,
        )
    )
    return out


def _money_lost(reading: _Reading, net: _Network, back: list[int], cols: ComponentColumns) -> float:
    """``impact_per_hour`` × hours DOWN, with outages to ∞ ending when the plan brings them back."""
    rec = reading.rec
    down = np.flatnonzero(rec.state == _DOWN)
    nodes = rec.node[down]
    rate_of = cols.impact_per_hour
    unique = np.unique(nodes).tolist()
    rate = np.zeros(len(reading.down_inf), dtype=np.float64)
    for v in unique:
        r = rate_of[v]
        if r:
            rate[v] = r
    ends = rec.end[down].copy()
    forever = np.flatnonzero(ends < 0)
    unit_of = net.unit_of
    for i, v in zip(forever.tolist(), nodes[forever].tolist(), strict=True):
        ends[i] = back[unit_of[v]] if v in unit_of else rec.start[down[i]]
    secs = np.maximum(0, ends - rec.start[down])
    return round(float(np.sum(rate[nodes] * secs)) / 3600.0, 2)
