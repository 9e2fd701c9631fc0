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

import gc
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial
from operator import itemgetter
from typing import Any, Literal, NamedTuple, Protocol

import numpy as np
import numpy.typing as npt

from impactgraph.engine._plan_kernel import _csr, _kernels, topological_components
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


I64 = npt.NDArray[np.int64]
B1 = npt.NDArray[np.bool_]


# ---------------------------------------------------------------------------------------------
# reading the impact


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
            to = -1 if iv.end is None else iv.end
            through = -1 if iv.cause.via is None else index[iv.cause.via]
            code = STATE_CODES.index(iv.state), RULE_CODES.index(iv.cause.rule)
            rows.append((v, iv.start, to, *code, through))
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
    ptr: I64  # rows of node v: ptr[v]:ptr[v + 1]
    down_inf: B1
    not_up_inf: B1  # DOWN or DEGRADED until ∞
    onset: I64  # start of the DOWN interval lasting to ∞
    restore: B1  # DOWN until ∞ because it failed itself
    back_at: I64  # end of the last DOWN interval (0 if never DOWN)

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
    onset = np.zeros(n, dtype=np.int64)
    onset[lnode[dinf]] = rec.start[last[dinf]]
    restore = np.zeros(n, dtype=np.bool_)
    restore[lnode[dinf & (rec.rule[last] == _FAILED)]] = True
    for f in impact.failures:
        if f.end is None and down_inf[f.node]:
            restore[f.node] = True
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


def _values(column: Sequence[Any], nodes: list[int]) -> list[Any]:
    """``column[v]`` for every node, fast."""
    if len(nodes) > 1:
        return list(itemgetter(*nodes)(column))
    return [column[v] for v in nodes]


def _column(
    graph: Graph, column: Sequence[Any], name: str, default: float, dtype: Any = np.int64
) -> npt.NDArray[Any]:
    """An attribute column as an array (``default`` for None), made once per graph and column
    and cached on the graph, so that repeated plans index arrays instead of lists."""
    key = f"plan-column:{name}"
    cached = graph._lists.get(key)
    if cached is None or cached[0] is not column:
        values = np.fromiter(
            (default if x is None else x for x in column), dtype=dtype, count=len(column)
        )
        cached = (column, values)
        graph._lists[key] = cached
    return cached[1]


def _id_rank(graph: Graph) -> I64:
    """Each node's position among the ids in sorted order (cached on the graph)."""
    cached = graph._lists.get("plan-id-rank")
    if cached is None:
        cached = np.empty(graph.n, dtype=np.int64)
        cached[np.argsort(_sortable(graph.ids), kind="stable")] = np.arange(graph.n)
        graph._lists["plan-id-rank"] = cached
    return cached


def _sortable(ids: list[str]) -> npt.NDArray[Any]:
    """Ids as an array that sorts like the strings (bytes when ASCII: faster to sort)."""
    try:
        return np.array(ids, dtype="S")
    except UnicodeEncodeError:
        return np.asarray(ids)


def _ints(values: list[Any], default: int) -> I64:
    return np.asarray([default if x is None else x for x in values], dtype=np.int64)


# ---------------------------------------------------------------------------------------------
# the recovery network: units (a step, a bootstrap, or a DOWN group) and who waits for whom


@dataclass
class _Network:
    """Everything the kernels need, per unit (units numbered in topological order)."""

    m: int
    unit_of: I64  # graph node → unit, −1 for nodes without one
    unit_ptr: I64  # graph nodes of unit u: unit_nodes[unit_ptr[u]:unit_ptr[u + 1]]
    unit_nodes: I64
    n_steps: I64  # how many non-group nodes each unit brings back (0: a group, no step)
    is_group: B1  # per graph node
    gate: B1  # a lone DOWN group: back when min_up members count
    k: I64
    dur: I64
    release: I64  # earliest start: onset, and ends of finite hard outages below
    own_deadline: I64
    tier: I64
    rate: npt.NDArray[np.float64]
    id_rank: I64
    pptr: I64
    pred: I64
    pmem: B1
    poff: I64  # a standby member counts from t* + activation
    sptr: I64
    succ: I64
    smem: B1
    soff: I64
    fptr: I64  # gate u: members not DOWN at ∞ count at ftime[fptr[u]:fptr[u + 1]]
    ftime: I64
    fnode: I64

    def steps(self, u: int) -> list[int]:
        """The components unit ``u``'s step brings back (none for a group)."""
        return [v for v in self.nodes(u) if not self.is_group[v]]

    def nodes(self, u: int) -> list[int]:
        """The graph nodes of unit ``u``."""
        ptr, nodes = self._lists
        return nodes[ptr[u] : ptr[u + 1]]

    @cached_property
    def _lists(self) -> tuple[list[int], list[int]]:
        return self.unit_ptr.tolist(), self.unit_nodes.tolist()


def _network(
    graph: Graph, reading: _Reading, cols: ComponentColumns, warnings: list[str]
) -> _Network:
    n = graph.n
    ids = graph.ids
    down_inf = reading.down_inf
    p_nodes = np.flatnonzero(down_inf)
    p_list = p_nodes.tolist()
    m0 = len(p_list)
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

    # member edges of DOWN groups; members not DOWN at ∞ count at a fixed time
    mem_ptr, mem_idx = graph.lists("mem_ptr"), graph.lists("mem_idx")
    standby, activation = graph.lists("mem_standby"), graph.lists("mem_activation")
    min_up = graph.min_up
    mem_pre: list[int] = []
    mem_post: list[int] = []
    mem_off: list[int] = []
    f_node: list[int] = []
    f_group: list[int] = []
    f_time: list[int] = []
    dinf_l = down_inf.tolist()
    back_at = reading.back_at
    for g in p_nodes[is_group[p_nodes]].tolist():
        lo, hi = mem_ptr[g], mem_ptr[g + 1]
        tstar = _tstar(graph, reading, g, int(min_up[g])) if any(standby[lo:hi]) else 0
        for e in range(lo, hi):
            mbr = mem_idx[e]
            off = min(_INF, tstar + activation[e]) if standby[e] else 0
            if dinf_l[mbr]:
                mem_pre.append(mbr)
                mem_post.append(g)
                mem_off.append(off)
            else:
                f_node.append(mbr)
                f_group.append(g)
                f_time.append(max(int(back_at[mbr]), off))
    n_dep = int(both.sum())
    pre = np.concatenate([loc[dst[both]], loc[np.asarray(mem_pre, dtype=np.int64)]])
    post = np.concatenate([loc[src[both]], loc[np.asarray(mem_post, dtype=np.int64)]])
    is_mem = np.concatenate([np.zeros(n_dep, dtype=np.bool_), np.ones(len(mem_pre), np.bool_)])
    off_arr = np.concatenate([np.zeros(n_dep, dtype=np.int64), np.asarray(mem_off, np.int64)])

    kern = _kernels(m0)
    comp, m = topological_components(m0, pre, post, kern["scc"])
    unit_ptr, order = _csr(comp, m)
    unit_nodes = p_nodes[order]
    size = np.diff(unit_ptr)
    grp_p = is_group[p_nodes]
    gate = (size == 1) & is_group[unit_nodes[np.minimum(unit_ptr[:-1], max(m0 - 1, 0))]]
    unit_of = np.full(n, -1, dtype=np.int64)
    unit_of[p_nodes] = comp

    # unit-level edges (inside a cycle: dropped; a group inside a cycle waits for all members)
    # unit-level edges; inside a cycle they are dropped. A group inside a cycle is back with
    # the bootstrap if enough of its members are in the cycle too; else the bootstrap waits
    # for all its other members (and those not DOWN at ∞ by their return; see release)
    upre, upost = comp[pre], comp[post]
    inside = np.zeros(m0, dtype=np.int64)
    np.add.at(inside, post[is_mem & (upre == upost)], 1)
    short = inside < min_up[p_nodes]  # per local node: a group short of members in its cycle
    keep = (upre != upost) & ~(is_mem & ~gate[upost] & ~short[post])
    upre, upost, is_mem, off_arr = upre[keep], upost[keep], is_mem[keep], off_arr[keep]
    is_mem &= gate[upost]
    off_arr = np.where(is_mem, off_arr, 0)
    pptr, porder = _csr(upost, m)
    sptr, sorder = _csr(upre, m)

    # per node, then per unit: duration, release, own deadline, tier, impact, id rank
    restore = reading.restore[p_nodes]
    rec = _column(graph, cols.recovery_time, "recovery_time", -1)[p_nodes]
    rst = _column(graph, cols.restart_time, "restart_time", 0)[p_nodes]
    step_node = ~grp_p
    missing = [ids[p_list[i]] for i in np.nonzero(restore & step_node & (rec < 0))[0].tolist()]
    dur_node = np.where(restore, np.maximum(rec, 0), rst) * step_node
    dur = np.bincount(comp, weights=dur_node, minlength=m).astype(np.int64)
    onset = reading.onset[p_nodes]
    release = np.zeros(m, dtype=np.int64)
    np.maximum.at(release, comp, np.maximum(np.where(step_node, onset, 0), release_node[p_nodes]))
    rto = _column(graph, cols.rto, "rto", -1)[p_nodes]
    own = np.full(m, _INF, dtype=np.int64)
    np.minimum.at(own, comp, np.where(rto >= 0, onset + rto, _INF))
    tier = np.full(m, _NO_TIER, dtype=np.int64)
    np.minimum.at(
        tier,
        comp,
        np.where(step_node, _column(graph, cols.tier, "tier", _NO_TIER)[p_nodes], _NO_TIER),
    )
    rate_node = _column(graph, cols.impact_per_hour, "impact_per_hour", 0.0, np.float64)[p_nodes]
    rate = np.zeros(m, dtype=np.float64)
    np.maximum.at(rate, comp, rate_node * step_node)
    node_rank = np.empty(m0, dtype=np.int64)
    node_rank[np.argsort(_id_rank(graph)[p_nodes], kind="stable")] = np.arange(m0)
    id_rank = np.full(m, m0, dtype=np.int64)
    np.minimum.at(id_rank, comp, node_rank)

    fg = loc[np.asarray(f_group, dtype=np.int64)]
    f_unit = comp[fg] if len(fg) else fg
    f_times = np.asarray(f_time, dtype=np.int64)
    in_cycle = ~gate[f_unit] & short[fg] if len(fg) else np.zeros(0, dtype=np.bool_)
    np.maximum.at(release, f_unit[in_cycle], f_times[in_cycle])
    f_gate = gate[f_unit] if len(fg) else np.zeros(0, dtype=np.bool_)
    f_unit, f_times = f_unit[f_gate], f_times[f_gate]
    f_node_arr = np.asarray(f_node, dtype=np.int64)[f_gate]
    fptr, forder = _csr(f_unit, m)
    cyclic = np.flatnonzero(size > 1).tolist()
    n_steps = np.bincount(comp, weights=step_node, minlength=m).astype(np.int64)
    for cid in sorted(missing):
        warnings.append(f"{cid}: recovery_time is missing; its restore counts as 0")
    for u in cyclic:
        names = ", ".join(sorted(ids[v] for v in unit_nodes[unit_ptr[u] : unit_ptr[u + 1]]))
        warnings.append(
            f"dependency cycle, all DOWN: {names} are brought back together "
            "in one bootstrap step (its duration is the sum of theirs)"
        )
    first = unit_nodes[np.minimum(unit_ptr[:-1], max(m0 - 1, 0))]
    return _Network(
        m=m,
        unit_of=unit_of,
        unit_ptr=unit_ptr,
        unit_nodes=unit_nodes,
        n_steps=n_steps,
        is_group=is_group,
        gate=gate,
        k=np.where(gate, min_up[first], 0).astype(np.int64),
        dur=dur,
        release=release,
        own_deadline=own,
        tier=tier,
        rate=rate,
        id_rank=id_rank,
        pptr=pptr,
        pred=upre[porder],
        pmem=is_mem[porder],
        poff=off_arr[porder],
        sptr=sptr,
        succ=upost[sorder],
        smem=is_mem[sorder],
        soff=off_arr[sorder],
        fptr=fptr,
        ftime=f_times[forder],
        fnode=f_node_arr[forder],
    )


# ---------------------------------------------------------------------------------------------
# business services: recovered, UP again, and the chain that made them late


def _up_times(graph: Graph, reading: _Reading, net: _Network, back: I64, roots: I64) -> I64:
    """When each component reached from ``roots`` is UP again: its own step (or group) is back
    and so is everything it needs (hard or soft) or has as a member that was not UP at ∞
    (−1 for components not reached)."""
    own = np.zeros(graph.n, dtype=np.int64)
    stepped = net.unit_of >= 0
    own[stepped] = back[net.unit_of[stepped]]
    kern = _kernels(graph.n)
    return kern["_k_up"](  # type: ignore[no-any-return]
        graph.n,
        graph.dep_ptr,
        graph.dep_idx,
        graph.mem_ptr,
        graph.mem_idx,
        reading.not_up_inf,
        own,
        roots.astype(np.int64),
    )


@dataclass
class _Chains:
    """Walks back from a business service to the root failure that set its recovery time."""

    graph: Graph
    reading: _Reading
    net: _Network
    back: I64

    def __post_init__(self) -> None:
        net, g, reading = self.net, self.graph, self.reading
        restore = reading.restore[net.unit_nodes] & ~net.is_group[net.unit_nodes]
        unit_sorted = np.repeat(np.arange(net.m, dtype=np.int64), np.diff(net.unit_ptr))
        all_restore = (
            np.bincount(unit_sorted, weights=restore, minlength=net.m) == net.n_steps
        ) & (net.n_steps > 0)
        own_onset = np.full(net.m, -1, dtype=np.int64)
        np.maximum.at(own_onset, unit_sorted, reading.onset[net.unit_nodes])
        own_onset[~all_restore] = -1
        kind, which = _kernels(net.m)["_k_binding"](
            net.m,
            net.pptr,
            net.pred,
            net.pmem,
            net.poff,
            net.gate,
            net.k,
            net.fptr,
            net.ftime,
            net.fnode,
            self.back,
            net.unit_ptr,
            net.unit_nodes,
            g.dep_ptr,
            g.dep_idx,
            g.dep_hard,
            reading.down_inf,
            reading.back_at,
            own_onset,
        )
        self._kind, self._which = kind.tolist(), which.tolist()
        self._memo: dict[tuple[str, int], tuple[str, ...]] = {}

    def binding(self, u: int) -> tuple[str, int] | None:
        """The dependency (``("unit", u)`` or ``("node", v)``) that held unit ``u`` back."""
        kind = self._kind[u]
        return None if kind == 0 else ("unit" if kind == 1 else "node", self._which[u])

    def _next(self, here: tuple[str, int]) -> tuple[str, int] | None:
        what, which = here
        if what == "unit":
            return self.binding(which)
        rec = self.reading.rec
        r = self.reading.last_down(which)
        if r < 0 or rec.rule[r] == _FAILED or rec.via[r] < 0:
            return None
        w = int(rec.via[r])
        u = int(self.net.unit_of[w])
        return ("unit", u) if u >= 0 else ("node", w)

    def chain(self, v: int) -> list[str]:
        """Component ids from the root failure up to ``v`` (shared tails are walked once)."""
        ids, memo = self.graph.ids, self._memo
        u = int(self.net.unit_of[v])
        start: tuple[str, int] = ("unit", u) if u >= 0 else ("node", v)
        path: list[tuple[str, int]] = []
        on_path: set[tuple[str, int]] = set()
        here: tuple[str, int] | None = start
        while here is not None and here not in memo and here not in on_path:
            on_path.add(here)
            path.append(here)
            here = self._next(here)
        below: tuple[str, ...] = memo.get(here, ()) if here is not None else ()
        for what, which in reversed(path):
            names = (
                sorted(ids[x] for x in self.net.nodes(which)) if what == "unit" else [ids[which]]
            )
            below = (*below, *names)
            memo[(what, which)] = below
        out = list(memo[start])
        if out[-1] != ids[v]:  # a bootstrap step: the service itself closes the chain
            out.remove(ids[v])
            out.append(ids[v])
        return out


def _services(
    graph: Graph, reading: _Reading, net: _Network, back: I64, cols: ComponentColumns
) -> list[ServiceRecovery]:
    """Every business service that is DOWN at some moment, against its RTO."""
    rec = reading.rec
    was_down = np.zeros(graph.n, dtype=np.bool_)
    was_down[rec.node[rec.state == _DOWN]] = True
    hit = np.flatnonzero(was_down & (graph.kind == _BUSINESS)).tolist()
    if not hit:
        return []
    up = _up_times(graph, reading, net, back, np.asarray(hit, dtype=np.int64))
    chains = _Chains(graph, reading, net, back)
    out: list[ServiceRecovery] = []
    for v in hit:
        u = int(net.unit_of[v])
        if u >= 0:
            onset, recovered = int(reading.onset[v]), int(back[u])
        else:
            r = reading.last_down(v)
            onset, recovered = int(rec.start[r]), int(rec.end[r])
        last_end = int(rec.end[int(reading.ptr[v + 1]) - 1])
        up_at = max(recovered, int(up[v]) if up[v] >= 0 else last_end)
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
            _NO_TIER if s.tier is None else s.tier,
            -(s.breach or 0),
            s.recovered_at,
            s.id,
        )
    )
    return out


def _money_lost(reading: _Reading, net: _Network, back: I64, cols: ComponentColumns) -> float:
    """``impact_per_hour`` × hours DOWN, with outages to ∞ ending when the plan brings them back."""
    rec = reading.rec
    down = np.flatnonzero(rec.state == _DOWN)
    nodes = rec.node[down]
    mask = np.zeros(len(reading.down_inf), dtype=np.bool_)
    mask[nodes] = True
    unique = np.flatnonzero(mask).tolist()
    rate = np.zeros(len(reading.down_inf), dtype=np.float64)
    rate[unique] = [r or 0.0 for r in _values(cols.impact_per_hour, unique)]
    ends = rec.end[down].copy()
    forever = ends < 0
    if net.m:
        ends[forever] = back[net.unit_of[nodes[forever]]]
    secs = np.maximum(0, ends - rec.start[down])
    return round(float(np.sum(rate[nodes] * secs)) / 3600.0, 2)


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
        ``"topological"`` (the naive baseline: steps by wave then id, ignoring deadlines).
    """
    paused = gc.isenabled()
    gc.disable()  # hundreds of thousands of acyclic objects: no cycle hunting meanwhile
    try:
        return _plan(graph, impact, capacity, columns, policy)
    finally:
        if paused:
            gc.enable()


def _plan(
    graph: Graph,
    impact: Impact,
    capacity: Capacity | None,
    columns: ComponentColumns | None,
    policy: Policy,
) -> Plan:
    cols = columns if columns is not None else model_columns(graph)
    warnings: list[str] = []
    reading = _read(graph, impact)
    net = _network(graph, reading, cols, warnings)
    m = net.m
    kern = _kernels(m)
    args = (net.pptr, net.pred, net.pmem, net.poff, net.gate, net.k, net.fptr, net.ftime)
    earliest, earliest_back = kern["_k_critical_path"](m, net.release, net.dur, *args, _INF)
    dl = kern["_k_deadlines"](m, net.own_deadline, net.dur, *args, earliest_back, _INF)
    has_step = net.n_steps > 0
    waves = np.maximum(kern["_k_waves"](m, net.pptr, net.pred, has_step), 0)
    ids = graph.ids
    team_attr = cols.team
    first = net.unit_nodes[net.unit_ptr[:-1]] if m else np.zeros(0, dtype=np.int64)
    owner = [
        o if h else None
        for o, h in zip(_values(team_attr, first.tolist()), has_step.tolist(), strict=True)
    ]
    for u in np.flatnonzero(np.diff(net.unit_ptr) > 1).tolist():  # bootstrap: first with a team
        owner[u] = next((team_attr[v] for v in net.steps(u) if team_attr[v]), None)

    crew_labels: list[str] | None = None
    if capacity is None:
        start, back = earliest, earliest_back
        team: list[str | None] = owner
    else:
        crews = capacity.crews()
        crew_labels = [label for label, _ in crews]
        named = sorted(t for t in capacity.teams if t != ANY_TEAM)
        team_pool = {name: i + 1 for i, name in enumerate(named)}
        pool_of = np.asarray([team_pool.get(o, 0) if o else 0 for o in owner], dtype=np.int64)
        if capacity.teams:
            unnamed: dict[str, int] = {}
            for o in owner:
                if o and o not in team_pool:
                    unnamed[o] = unnamed.get(o, 0) + 1
            for o, cnt in sorted(unnamed.items()):
                warnings.append(
                    f"team {o!r} has no crews in the capacity; its {cnt} step(s) go to any crew"
                )
        if policy == "topological":  # generations (waves), then id: first come, first served
            unit_at = np.lexsort((np.arange(m), net.id_rank, waves))
        else:
            unit_at = np.lexsort((np.arange(m), net.id_rank, -net.rate, net.tier, dl))
        rank = np.empty(m, dtype=np.int64)
        rank[unit_at] = np.arange(m, dtype=np.int64)
        crew_cat = np.asarray([0 if t is None else team_pool[t] for _, t in crews], np.int64)
        start, back, crew_of = kern["_k_schedule"](
            m,
            rank,
            unit_at.astype(np.int64),
            pool_of,
            len(named) + 1,
            crew_cat,
            net.release,
            net.dur,
            net.pptr,
            net.pmem,
            net.sptr,
            net.succ,
            net.smem,
            net.soff,
            net.gate,
            net.k,
            net.fptr,
            net.ftime,
        )
        if m and back.min() < 0:
            stuck = sorted(ids[net.nodes(u)[0]] for u in np.flatnonzero(back < 0)[:5])
            raise InputError(
                "the impact does not match the graph: these never become ready: " + ", ".join(stuck)
            )
        team = [crew_labels[c] if c >= 0 else None for c in crew_of.tolist()]

    order = np.lexsort((net.id_rank, waves, start))
    sel = order[has_step[order]]
    firsts = first[sel]
    comps: list[tuple[str, ...]] = list(zip(_values(ids, firsts.tolist())))
    restore = reading.restore[firsts]
    actions = np.where(restore, "restore", "restart").tolist()
    for i in np.flatnonzero(np.diff(net.unit_ptr)[sel] > 1).tolist():
        comps[i] = tuple(sorted(ids[v] for v in net.steps(int(sel[i]))))
        actions[i] = "bootstrap"
    sel_l = sel.tolist()
    steps = list(
        map(
            partial(tuple.__new__, Step),
            zip(
                comps,
                actions,
                start[sel].tolist(),
                back[sel].tolist(),
                _values(team, sel_l),
                waves[sel].tolist(),
                [None if d == _INF else d for d in dl[sel].tolist()],
                _values(owner, sel_l),
                strict=True,
            ),
        )
    )

    services = _services(graph, reading, net, back, cols)
    breached = [s.breach for s in services if s.breach]
    totals = Totals(
        makespan=int(back[has_step].max()) if len(steps) else 0,
        breaches=len(breached),
        breach_seconds=sum(b for b in breached if b),
        money_lost=_money_lost(reading, net, back, cols),
    )
    return Plan(
        steps=steps, business_services=services, totals=totals, warnings=warnings, crews=crew_labels
    )
