"""The planner's array kernels for unlimited crews and for the critical chains: plain loops over
the named arrays of :mod:`~impactgraph.engine.plan.network`, in the subset of Python that numba
compiles (:func:`impactgraph.engine._jit.kernels` chooses interpreted or compiled).

Units are numbered dependencies first, so one pass upwards (or downwards, for deadlines)
settles every unit: what a unit waits for is final before the unit is looked at.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from impactgraph.engine._jit import INF

if TYPE_CHECKING:
    from impactgraph.engine.plan.network import Gates, Waits
    from impactgraph.graph import B1, I64, Adjacency

#: the helpers first, then the kernels (the order :func:`_jit.kernels` compiles them in)
NAMES = (
    "member_counts",
    "critical_path",
    "deadlines",
    "waves",
    "binding",
    "induced",
    "latest_below",
)


def member_counts(u: int, waits: Waits, gates: Gates, back: I64) -> tuple[I64, I64]:
    """When each member of gate ``u`` counts, sorted; tags: the wait edge, or −1 − fixed row."""
    ptr, unit, is_member, counts_from = waits
    fixed_lo, fixed_hi = gates.fixed_ptr[u], gates.fixed_ptr[u + 1]
    nm = 0
    for e in range(ptr[u], ptr[u + 1]):
        if is_member[e]:
            nm += 1
    times = np.empty(fixed_hi - fixed_lo + nm, dtype=np.int64)
    tags = np.empty(fixed_hi - fixed_lo + nm, dtype=np.int64)
    j = 0
    for r in range(fixed_lo, fixed_hi):
        times[j] = gates.fixed_at[r]
        tags[j] = -1 - r
        j += 1
    for e in range(ptr[u], ptr[u + 1]):
        if is_member[e]:
            b = back[unit[e]]
            times[j] = b if b > counts_from[e] else counts_from[e]
            tags[j] = e
            j += 1
    for i in range(1, j):  # insertion sort: groups are small
        t, g = times[i], tags[i]
        h = i - 1
        while h >= 0 and (times[h] > t or (times[h] == t and tags[h] > g)):
            times[h + 1] = times[h]
            tags[h + 1] = tags[h]
            h -= 1
        times[h + 1] = t
        tags[h + 1] = g
    return times, tags


def critical_path(release: I64, duration: I64, waits: Waits, gates: Gates) -> tuple[I64, I64]:
    """Unlimited crews: every unit starts as soon as rule 1 allows. Returns start, back."""
    ptr, unit, is_member = waits.ptr, waits.unit, waits.is_member
    m = len(release)
    start = np.zeros(m, dtype=np.int64)
    back = np.zeros(m, dtype=np.int64)
    for u in range(m):
        t = release[u]
        for e in range(ptr[u], ptr[u + 1]):
            if not is_member[e]:
                b = back[unit[e]]
                if b > t:
                    t = b
        if gates.is_gate[u]:
            k = gates.min_up[u]
            times, _ = member_counts(u, waits, gates, back)
            c = times[k - 1] if len(times) >= k else INF
            if c > t:
                t = c
        start[u] = t
        back[u] = t + duration[u]
    return start, back


def deadlines(own: I64, duration: I64, waits: Waits, gates: Gates, back: I64) -> I64:
    """SPEC §4 rule 2 from the top down; a gate passes its deadline to the ``min_up`` members
    that ``back`` (the critical path) brings back first."""
    ptr, unit, is_member = waits.ptr, waits.unit, waits.is_member
    dl = own.copy()
    for u in range(len(own) - 1, -1, -1):
        d = dl[u]
        if d == INF:
            continue
        x = d - duration[u]
        if gates.is_gate[u]:
            _, tags = member_counts(u, waits, gates, back)
            for i in range(min(gates.min_up[u], len(tags))):
                e = tags[i]
                if e >= 0 and x < dl[unit[e]]:
                    dl[unit[e]] = x
        for e in range(ptr[u], ptr[u + 1]):
            if not is_member[e] and x < dl[unit[e]]:
                dl[unit[e]] = x
    return dl


def waves(waits: Waits, has_step: B1) -> I64:
    """The longest chain of steps below each unit (−1 below a gate with no step under it)."""
    ptr, unit = waits.ptr, waits.unit
    m = len(has_step)
    level = np.zeros(m, dtype=np.int64)
    for u in range(m):
        best = -1
        for e in range(ptr[u], ptr[u + 1]):
            if level[unit[e]] > best:
                best = level[unit[e]]
        level[u] = best + 1 if has_step[u] else best
    return level


def binding(
    waits: Waits,
    gates: Gates,
    back: I64,
    unit_ptr: I64,
    unit_nodes: I64,
    dependencies: Adjacency,
    down_inf: B1,
    back_at: I64,
    own_onset: I64,
) -> tuple[I64, I64]:
    """What held each unit back: (1, unit), (2, graph node) or (0, −1) when nothing below did.

    The dependency that came back last (units before nodes at a tie); through a gate, the
    member whose return made ``min_up``. A unit that only restores components that failed
    themselves (``own_onset`` ≥ 0) was held back only if that came after its onset.
    """
    ptr, unit, is_member = waits.ptr, waits.unit, waits.is_member
    m = len(back)
    kind = np.zeros(m, dtype=np.int64)
    which = np.full(m, -1, dtype=np.int64)
    dep_ptr, dep_idx, dep_hard = dependencies.ptr, dependencies.idx, dependencies.hard
    for u in range(m):
        best_t = -1
        best_pref = 2
        best_kind = 0
        best_which = -1
        for e in range(ptr[u], ptr[u + 1]):
            w = unit[e]
            if not is_member[e] and back[w] > best_t:
                best_t, best_pref, best_kind, best_which = back[w], 0, 1, w
        for j in range(unit_ptr[u], unit_ptr[u + 1]):
            v = unit_nodes[j]
            for e in range(dep_ptr[v], dep_ptr[v + 1]):
                d = dep_idx[e]
                if dep_hard[e] and not down_inf[d] and back_at[d] > max(best_t, 0):
                    best_t, best_pref, best_kind, best_which = back_at[d], 1, 2, d
        if gates.is_gate[u]:
            k = gates.min_up[u]
            times, tags = member_counts(u, waits, gates, back)
            if len(times) >= k:
                t, tag = times[k - 1], tags[k - 1]
                pref = 0 if tag >= 0 else 1
                if t > best_t or (t == best_t and pref < best_pref):
                    best_t, best_pref = t, pref
                    if tag >= 0:
                        best_kind, best_which = 1, unit[tag]
                    else:
                        best_kind, best_which = 2, gates.fixed_node[-1 - tag]
        if own_onset[u] >= 0 and best_t <= own_onset[u]:
            best_kind, best_which = 0, -1  # it failed itself; nothing below held it back
        kind[u] = best_kind
        which[u] = best_which
    return kind, which


def induced(nodes: I64, loc: I64, ptr: I64, idx: I64) -> tuple[I64, I64]:
    """The CSR ``ptr, idx`` restricted to ``nodes`` (``loc[v]``: the position of ``v`` in
    ``nodes``, −1 for others), renumbered by those positions."""
    out_ptr = np.zeros(len(nodes) + 1, dtype=np.int64)
    for i in range(len(nodes)):
        v = nodes[i]
        k = 0
        for e in range(ptr[v], ptr[v + 1]):
            if loc[idx[e]] >= 0:
                k += 1
        out_ptr[i + 1] = out_ptr[i] + k
    out = np.empty(out_ptr[len(nodes)], dtype=np.int64)
    j = 0
    for i in range(len(nodes)):
        v = nodes[i]
        for e in range(ptr[v], ptr[v + 1]):
            w = loc[idx[e]]
            if w >= 0:
                out[j] = w
                j += 1
    return out_ptr, out


def latest_below(comp: I64, count: int, own: I64, ptr: I64, below: I64) -> I64:
    """Per strongly connected component (numbered so that what a component needs comes
    first): the latest ``own`` time of its nodes and of everything they reach through
    ``below[ptr[v]:ptr[v + 1]]``."""
    n = len(comp)
    # the nodes of each component, by counting sort
    start = np.zeros(count + 1, dtype=np.int64)
    for v in range(n):
        start[comp[v] + 1] += 1
    for c in range(count):
        start[c + 1] += start[c]
    fill = start[:-1].copy()
    nodes = np.empty(n, dtype=np.int64)
    for v in range(n):
        nodes[fill[comp[v]]] = v
        fill[comp[v]] += 1
    latest = np.zeros(count, dtype=np.int64)
    for c in range(count):
        t = 0
        for j in range(start[c], start[c + 1]):
            v = nodes[j]
            if own[v] > t:
                t = own[v]
            for e in range(ptr[v], ptr[v + 1]):
                d = comp[below[e]]
                if d != c and latest[d] > t:
                    t = latest[d]
        latest[c] = t
    return latest
