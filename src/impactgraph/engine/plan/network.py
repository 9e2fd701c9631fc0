"""The recovery network: units of work and who waits for whom, as named arrays.

A **unit** is one step (a component DOWN until ∞), one bootstrap step (components DOWN until
∞ in a dependency cycle, SPEC §4 rule 4) or one lone DOWN group (a **gate**: back when
``min_up`` of its members count again). Units are numbered dependencies first, so a unit
only ever waits for units with lower numbers.

The arrays are grouped in named tuples that the kernels take as they are:
:class:`Units` (what each unit is and when it may start), :class:`Waits` (who waits for
whom, by the waiting unit and again by the awaited one) and :class:`Gates` (the member
counts of DOWN groups).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from impactgraph.engine._jit import INF
from impactgraph.engine._scc import topological_components
from impactgraph.engine.plan.reading import Reading, standby_clock
from impactgraph.graph import B1, I64, KIND_CODE, Graph, csr, derived
from impactgraph.model import Kind

F64 = npt.NDArray[np.float64]
GROUP = KIND_CODE[Kind.GROUP]
#: the tier of a step without one: after every tiered step
NO_TIER = 99


class Units(NamedTuple):
    """Per unit: its graph nodes are ``nodes[ptr[u]:ptr[u + 1]]``."""

    ptr: I64
    nodes: I64
    steps: I64  # how many non-group components it brings back (0: a gate)
    release: I64  # earliest start: onset, and the ends of finite hard outages below
    duration: I64
    own_deadline: I64  # onset + rto of its own (INF: none)
    tier: I64  # the lowest tier of its components (NO_TIER: none)
    rate: F64  # the largest impact_per_hour of its components
    id_rank: I64  # the rank of its first id among the plan's ids


class Waits(NamedTuple):
    """Who waits for whom. Edges of unit ``u`` are ``ptr[u]:ptr[u + 1]``; ``unit`` is the
    unit at the other end. A member edge (``is_member``) counts towards a gate's ``min_up``
    no earlier than ``counts_from`` (a standby: ``t* + activation``); the other edges block."""

    ptr: I64
    unit: I64
    is_member: B1
    counts_from: I64


class Gates(NamedTuple):
    """Lone DOWN groups, back when ``min_up`` members count. Members not DOWN until ∞ count at
    a fixed time: ``fixed_at[fixed_ptr[u]:fixed_ptr[u + 1]]`` (graph node ``fixed_node``)."""

    is_gate: B1
    min_up: I64
    fixed_ptr: I64
    fixed_at: I64
    fixed_node: I64


@dataclass(frozen=True)
class Network:
    """The units, their waits (by waiting unit, and by awaited unit), and the gates."""

    units: Units
    waits: Waits  # by the waiting unit: ``unit`` is what it waits for
    waiters: Waits  # by the awaited unit: ``unit`` is who waits for it
    gates: Gates
    unit_of: I64  # graph node → unit, −1 for nodes without one
    is_group: B1  # per graph node
    warnings: tuple[str, ...]

    @property
    def m(self) -> int:
        """The number of units."""
        return len(self.units.release)

    def nodes(self, u: int) -> list[int]:
        """The graph nodes of unit ``u``."""
        ptr, nodes = self._lists
        return nodes[ptr[u] : ptr[u + 1]]

    def steps(self, u: int) -> list[int]:
        """The components unit ``u``'s step brings back (none for a gate)."""
        return [v for v in self.nodes(u) if not self.is_group[v]]

    def first_nodes(self) -> I64:
        """The first graph node of every unit."""
        return self.units.nodes[self.units.ptr[:-1]] if self.m else np.zeros(0, dtype=np.int64)

    @cached_property
    def _lists(self) -> tuple[list[int], list[int]]:
        return self.units.ptr.tolist(), self.units.nodes.tolist()


def recovery_network(graph: Graph, reading: Reading) -> Network:
    """Units and waits for everything DOWN until ∞ in ``reading`` (SPEC §4 rules 1 and 4)."""
    n, ids = graph.n, graph.ids
    down_inf = reading.down_inf
    p_nodes = np.flatnonzero(down_inf)
    m0 = len(p_nodes)
    loc = np.full(n, -1, dtype=np.int64)
    loc[p_nodes] = np.arange(m0, dtype=np.int64)
    is_group = graph.kind == GROUP

    # hard dependency edges v needs d, both DOWN until ∞; and finite outages below
    src, dst = graph.edge_sources(), graph.dependencies.idx
    hard_from_p = down_inf[src] & graph.dependencies.hard
    both = hard_from_p & down_inf[dst]
    release_node = np.zeros(n, dtype=np.int64)
    finite = hard_from_p & ~down_inf[dst]
    np.maximum.at(release_node, src[finite], reading.back_at[dst[finite]])

    member = _member_waits(graph, reading, p_nodes[is_group[p_nodes]].tolist())
    n_dep = int(both.sum())
    pre = np.concatenate([loc[dst[both]], loc[member.member]])
    post = np.concatenate([loc[src[both]], loc[member.group]])
    is_mem = np.concatenate([np.zeros(n_dep, dtype=np.bool_), np.ones(len(member.group), np.bool_)])
    counts_from = np.concatenate([np.zeros(n_dep, dtype=np.int64), member.counts_from])

    comp, m = topological_components(m0, pre, post)
    unit_ptr, order = csr(comp, m)
    unit_nodes = p_nodes[order]
    size = np.diff(unit_ptr)
    first = unit_nodes[np.minimum(unit_ptr[:-1], max(m0 - 1, 0))]
    gate = (size == 1) & is_group[first]
    unit_of = np.full(n, -1, dtype=np.int64)
    unit_of[p_nodes] = comp

    # Edges inside a cycle are dropped. A group inside a cycle is back with the bootstrap if
    # enough of its members are in the cycle too; else the bootstrap waits for all its other
    # members: those DOWN until ∞ until they are back (blocking waits, no failover delay), the
    # others until the end of their outage (see the release in _gates).
    upre, upost = comp[pre], comp[post]
    inside = np.zeros(m0, dtype=np.int64)
    np.add.at(inside, post[is_mem & (upre == upost)], 1)
    short = inside < graph.min_up[p_nodes]  # per local node: a group short of members
    keep = (upre != upost) & ~(is_mem & ~gate[upost] & ~short[post])
    upre, upost, is_mem, counts_from = upre[keep], upost[keep], is_mem[keep], counts_from[keep]
    is_mem &= gate[upost]
    counts_from = np.where(is_mem, counts_from, 0)
    by_waiter, w_order = csr(upost, m)
    by_awaited, a_order = csr(upre, m)

    units, missing = _unit_columns(
        graph, reading, p_nodes, comp, unit_ptr, unit_nodes, release_node
    )
    gates = _gates(member, loc, comp, gate, short, units.release, m, graph.min_up[first])
    warnings = [f"{ids[v]}: recovery_time is missing; its restore counts as 0" for v in missing]
    for u in np.flatnonzero(size > 1).tolist():
        names = ", ".join(sorted(ids[v] for v in unit_nodes[unit_ptr[u] : unit_ptr[u + 1]]))
        warnings.append(
            f"dependency cycle, all DOWN: {names} are brought back together "
            + (
                "in one bootstrap step (its duration is the sum of theirs)"
                if units.steps[u]
                else "(groups only: no step; they are back once what they need is back)"
            )
        )
    return Network(
        units=units,
        waits=Waits(by_waiter, upre[w_order], is_mem[w_order], counts_from[w_order]),
        waiters=Waits(by_awaited, upost[a_order], is_mem[a_order], counts_from[a_order]),
        gates=gates,
        unit_of=unit_of,
        is_group=is_group,
        warnings=tuple(warnings),
    )


class _MemberWaits(NamedTuple):
    """Member edges of DOWN groups: those DOWN until ∞ wait (``group``, ``member``,
    ``counts_from``); the others count at a fixed time (``fixed_*``): ``fixed_at`` for a gate
    (a standby no earlier than its failover), ``fixed_back`` (the end of the member's outage)
    for a bootstrap that waits for the members of a group short of them."""

    group: I64
    member: I64
    counts_from: I64
    fixed_group: I64
    fixed_node: I64
    fixed_at: I64
    fixed_back: I64


def _member_waits(graph: Graph, reading: Reading, down_groups: list[int]) -> _MemberWaits:
    ptr, idx, standby, activation = derived(
        graph, "plan-member-lists", lambda g: tuple(a.tolist() for a in g.members)
    )
    down_inf, back_at = reading.down_inf.tolist(), reading.back_at
    cols: tuple[list[int], ...] = ([], [], [], [], [], [], [])
    group, member, counts_from, fixed_group, fixed_node, fixed_at, fixed_back = cols
    for g in down_groups:
        lo, hi = ptr[g], ptr[g + 1]
        tstar = standby_clock(graph, reading, g) if any(standby[lo:hi]) else 0
        for e in range(lo, hi):
            mbr = idx[e]
            off = min(INF, tstar + activation[e]) if standby[e] else 0
            if down_inf[mbr]:
                group.append(g)
                member.append(mbr)
                counts_from.append(off)
            else:
                fixed_group.append(g)
                fixed_node.append(mbr)
                fixed_at.append(max(int(back_at[mbr]), off))
                fixed_back.append(int(back_at[mbr]))
    return _MemberWaits(*(np.asarray(c, dtype=np.int64) for c in cols))


def _gates(
    member: _MemberWaits,
    loc: I64,
    comp: I64,
    gate: B1,
    short: B1,
    release: I64,
    m: int,
    min_up_first: npt.NDArray[Any],
) -> Gates:
    """The gates; a bootstrap holding a group short of members waits for its fixed members
    to the end of their outage, without a standby's failover (``release`` is raised in
    place)."""
    fg = loc[member.fixed_group]
    f_unit = comp[fg] if len(fg) else fg
    at = member.fixed_at
    in_cycle = ~gate[f_unit] & short[fg] if len(fg) else np.zeros(0, dtype=np.bool_)
    np.maximum.at(release, f_unit[in_cycle], member.fixed_back[in_cycle])
    f_gate = gate[f_unit] if len(fg) else np.zeros(0, dtype=np.bool_)
    f_unit, at, node = f_unit[f_gate], at[f_gate], member.fixed_node[f_gate]
    fixed_ptr, order = csr(f_unit, m)
    return Gates(
        is_gate=gate,
        min_up=np.where(gate, min_up_first, 0).astype(np.int64),
        fixed_ptr=fixed_ptr,
        fixed_at=at[order],
        fixed_node=node[order],
    )


def _unit_columns(
    graph: Graph,
    reading: Reading,
    p_nodes: I64,
    comp: I64,
    unit_ptr: I64,
    unit_nodes: I64,
    release_node: I64,
) -> tuple[Units, list[int]]:
    """Duration, release, own deadline, tier, impact and id rank per unit, and the nodes
    restored without a ``recovery_time``."""
    m = len(unit_ptr) - 1
    restore = reading.restore[p_nodes]
    step_node = graph.kind[p_nodes] != GROUP
    rec = plan_column(graph, "recovery_time", -1)[p_nodes]
    rst = plan_column(graph, "restart_time", 0)[p_nodes]
    missing = p_nodes[restore & step_node & (rec < 0)].tolist()
    dur_node = np.where(restore, np.maximum(rec, 0), rst) * step_node
    onset = reading.onset[p_nodes]
    release = np.zeros(m, dtype=np.int64)
    np.maximum.at(release, comp, np.maximum(np.where(step_node, onset, 0), release_node[p_nodes]))
    rto = plan_column(graph, "rto", -1)[p_nodes]
    own = np.full(m, INF, dtype=np.int64)
    np.minimum.at(own, comp, np.where(rto >= 0, onset + rto, INF))
    tier = np.full(m, NO_TIER, dtype=np.int64)
    tier_node = plan_column(graph, "tier", NO_TIER)[p_nodes]
    np.minimum.at(tier, comp, np.where(step_node, tier_node, NO_TIER))
    rate = np.zeros(m, dtype=np.float64)
    np.maximum.at(rate, comp, graph.rates()[p_nodes] * step_node)
    m0 = len(p_nodes)
    node_rank = np.empty(m0, dtype=np.int64)
    node_rank[np.argsort(graph.id_rank()[p_nodes], kind="stable")] = np.arange(m0)
    rank = np.full(m, m0, dtype=np.int64)
    np.minimum.at(rank, comp, node_rank)
    units = Units(
        ptr=unit_ptr,
        nodes=unit_nodes,
        steps=np.bincount(comp, weights=step_node, minlength=m).astype(np.int64),
        release=release,
        duration=np.bincount(comp, weights=dur_node, minlength=m).astype(np.int64),
        own_deadline=own,
        tier=tier,
        rate=rate,
        id_rank=rank,
    )
    return units, sorted(missing, key=graph.ids.__getitem__)


def plan_column(graph: Graph, name: str, default: int) -> I64:
    """An integer attribute column as an array (``default`` for None), once per graph."""

    def build(g: Graph) -> I64:
        col = g.attr(name)
        return np.fromiter((default if x is None else x for x in col), np.int64, count=len(col))

    return derived(graph, f"plan-column:{name}:{default}", build)
