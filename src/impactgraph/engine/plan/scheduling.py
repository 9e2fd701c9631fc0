"""When each unit starts and is back: critical path, deadlines, waves, and list scheduling
with limited crews (SPEC §4 rules 1–3), and the steps of the answer in start order."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from operator import itemgetter
from typing import Any, Literal, NamedTuple

import numpy as np

from impactgraph.engine import _jit
from impactgraph.engine._jit import INF
from impactgraph.engine.plan import _kernels, _list_kernel
from impactgraph.engine.plan._list_kernel import Crews, Priority
from impactgraph.engine.plan.answer import Step
from impactgraph.engine.plan.capacity import Capacity
from impactgraph.engine.plan.network import Network
from impactgraph.engine.plan.reading import Reading
from impactgraph.errors import InternalError
from impactgraph.graph import B1, I64, Graph

#: ``deadline``: earliest deadline first (SPEC); ``topological``: the naive baseline (by wave,
#: then id, deadlines ignored)
Policy = Literal["deadline", "topological"]


class Schedule(NamedTuple):
    """Per unit: when it starts and is back, its wave, deadline, owner and crew."""

    start: I64
    back: I64
    waves: I64
    deadline: I64  # INF: no RTO reaches it
    owner: list[str | None]  # the ``team`` attribute of its components (None for a gate)
    crew: list[str | None]  # the crew label, or the owner with unlimited capacity
    crews: Sequence[str] | None  # every crew's label, made on demand (None: unlimited)
    warnings: list[str]


def schedule(graph: Graph, net: Network, capacity: Capacity | None, policy: Policy) -> Schedule:
    """Start and back of every unit: at the critical-path earliest time without ``capacity``,
    else by list scheduling in the order ``policy`` gives."""
    units, waits, gates = net.units, net.waits, net.gates
    kern: Any = _jit.kernels(_kernels, _kernels.NAMES, net.m)
    earliest, earliest_back = kern.critical_path(units.release, units.duration, waits, gates)
    deadline = kern.deadlines(units.own_deadline, units.duration, waits, gates, earliest_back)
    has_step = units.steps > 0
    waves = np.maximum(kern.waves(waits, has_step), 0)
    owner = _owners(graph, net, has_step)
    if capacity is None:
        _never(graph, net, earliest_back)
        return Schedule(earliest, earliest_back, waves, deadline, owner, owner, None, [])

    # a crew beyond the number of steps never works (the lowest-numbered free crew of a kind
    # is always taken): only those that may are simulated, with their own labels
    crews = capacity.crews(limit=max(1, int(np.count_nonzero(has_step))))
    labels = [label for label, _ in crews]  # those that may work
    named = capacity.named_teams()
    team_pool = {name: i + 1 for i, name in enumerate(named)}
    warnings: list[str] = []
    if capacity.teams:
        unnamed: dict[str, int] = {}
        for o in owner:
            if o and o not in team_pool:
                unnamed[o] = unnamed.get(o, 0) + 1
        for o, cnt in sorted(unnamed.items()):
            warnings.append(
                f"team {o!r} has no crews in the capacity; its {cnt} step(s) go to any crew"
            )
    m = net.m
    if policy == "topological":  # generations (waves), then id: first come, first served
        unit_at = np.lexsort((np.arange(m), units.id_rank, waves))
    else:
        unit_at = np.lexsort((np.arange(m), units.id_rank, -units.rate, units.tier, deadline))
    rank = np.empty(m, dtype=np.int64)
    rank[unit_at] = np.arange(m, dtype=np.int64)
    priority = Priority(
        rank=rank,
        unit_at=unit_at.astype(np.int64),
        pool=np.where(
            has_step,
            np.asarray([team_pool.get(o, 0) if o else 0 for o in owner], dtype=np.int64),
            -1,
        ),
    )
    category = np.asarray([0 if t is None else team_pool[t] for _, t in crews], np.int64)
    lists: Any = _jit.kernels(_list_kernel, _list_kernel.NAMES, m)
    start, back, crew_of = lists.list_schedule(
        units.release,
        units.duration,
        waits,
        net.waiters,
        gates,
        priority,
        Crews(category, len(named) + 1),
    )
    _never(graph, net, back)
    crew = [labels[c] if c >= 0 else None for c in crew_of.tolist()]
    return Schedule(start, back, waves, deadline, owner, crew, capacity.labels(), warnings)


def _never(graph: Graph, net: Network, back: I64) -> None:
    """Raise if some unit is never back (−1) or back at "never" (``INF``). Neither can happen
    for an impact of this graph: every DOWN group has ``min_up`` members that come back (a
    standby's failover is only waited for by a group outside a cycle, and only when its
    active members went DOWN), so "never" is a bug, not a time to print."""
    if net.m and (back.min() < 0 or back.max() >= INF):
        stuck = np.flatnonzero((back < 0) | (back >= INF))[:5]
        names = sorted(graph.ids[net.nodes(int(u))[0]] for u in stuck)
        raise InternalError(
            "plan: these would never be back (the impact does not match the graph?): "
            + ", ".join(names)
        )


def _owners(graph: Graph, net: Network, has_step: B1) -> list[str | None]:
    """The ``team`` attribute of each unit's component. A bootstrap belongs to the one team its
    components name (those without a team do not count); when they name several, to none:
    like a step without a team, any crew may take it."""
    team_attr = graph.attr("team")
    owner = [
        o if h else None
        for o, h in zip(values(team_attr, net.first_nodes()), has_step.tolist(), strict=True)
    ]
    for u in np.flatnonzero(np.diff(net.units.ptr) > 1).tolist():
        named = {team_attr[v] for v in net.steps(u) if team_attr[v]}
        owner[u] = named.pop() if len(named) == 1 else None
    return owner


def steps(graph: Graph, reading: Reading, net: Network, plan: Schedule) -> list[Step]:
    """The steps in start order (at one moment the lower wave first, then by id)."""
    units, ids = net.units, graph.ids
    has_step = units.steps > 0
    order = np.lexsort((units.id_rank, plan.waves, plan.start))
    sel = order[has_step[order]]
    firsts = net.first_nodes()[sel]
    comps: list[tuple[str, ...]] = list(zip(values(ids, firsts)))
    actions = np.where(reading.restore[firsts], "restore", "restart").tolist()
    for i in np.flatnonzero(np.diff(units.ptr)[sel] > 1).tolist():
        comps[i] = tuple(sorted(ids[v] for v in net.steps(int(sel[i]))))
        actions[i] = "bootstrap"
    return list(
        map(
            partial(tuple.__new__, Step),
            zip(
                comps,
                actions,
                plan.start[sel].tolist(),
                plan.back[sel].tolist(),
                values(plan.crew, sel),
                plan.waves[sel].tolist(),
                [None if d == INF else d for d in plan.deadline[sel].tolist()],
                values(plan.owner, sel),
                strict=True,
            ),
        )
    )


def values(column: Any, at: I64) -> list[Any]:
    """``column[i]`` for every index in ``at``, fast."""
    idx = at.tolist()
    if len(idx) > 1:
        return list(itemgetter(*idx)(column))
    return [column[i] for i in idx]
