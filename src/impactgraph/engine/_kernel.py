"""The propagation kernel: SPEC §3 as an exact, causal, event-driven computation over CSR arrays.

Written in the subset of Python that numba compiles, so the same code runs interpreted (small
graphs, tests, no numba) and compiled (large graphs). Nothing here knows about ids or pydantic.

How it works (why it is exact):

* States are piecewise constant over ``[from, to)`` intervals. A component's state at ``t``
  depends only on the past and on the states of its inputs *at* ``t`` (rules look at
  ``[t − τ, t]``; a group's ``t*`` is ≤ ``t``), so time is processed forward, event by event.
* A component can change state only when an input changes, when a failure starts or ends, when a
  tolerance runs out (``since + τ``) or when a standby's activation completes (``t* + a``).
  Those are the events, kept in a heap ordered by (time, topological rank).
* Within one instant, components are evaluated in topological order of the strongly connected
  components of the influence graph (dependency → dependent, member → group), so each input is
  final before it is read. A cycle is solved at that instant by Kleene iteration from UP
  (the least fixpoint): a cycle never sustains an outage on its own (SPEC rule 6).
"""

from __future__ import annotations

import heapq
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from impactgraph.engine._jit import INF as _INF
from impactgraph.graph import Adjacency, Csr, Membership

I64 = npt.NDArray[np.int64]
I8 = npt.NDArray[np.int8]

INF = np.int64(_INF)
UP = np.int8(0)
DEGRADED = np.int8(1)
DOWN = np.int8(2)

R_NONE = 0
R_FAILED = 1
R_HARD = 2
R_SOFT = 3
R_GROUP = 4

#: groups with more members than this keep member counts (:func:`_group_state`); smaller ones
#: are scanned, which is as cheap and costs nothing on member changes
BIG_GROUP = 16


class KernelGraph(NamedTuple):
    """The graph renumbered for the kernel: nodes in topological order of the strongly connected
    components of the influence graph, so the nodes of SCC ``r`` are ``scc_ptr[r]:scc_ptr[r+1]``
    and ``rank[v]`` is the SCC of ``v`` (non-decreasing in ``v``). The rules never read edge
    types, so the adjacencies' ``type`` arrays are left empty here."""

    rank: I64
    scc_ptr: I64
    dependencies: Adjacency
    dependents: Adjacency
    members: Membership
    groups: Csr
    min_up: npt.NDArray[np.int32]
    #: each node's position among the ids in sorted order: ties between causes go by id
    id_rank: I64
    #: for each member edge, its activation if it is a standby, −1 if it is active
    mem_wait: I64
    #: each group's standby member edges, as CSR in one array: ``standby[i]`` for ``i`` in
    #: ``standby[g]:standby[g + 1]``
    standby: I64
    #: member → its groups of more than ``BIG_GROUP`` members (which keep member counts)
    big_groups: Csr


class Rules(NamedTuple):
    """What SPEC §3's rules read of the graph, and nothing more: a component's dependencies
    (CSR by source), a group's members, ``min_up``, and the id ranks that break ties between
    causes. Compiled calls count a reference for every array they are handed, so the
    per-component evaluation is given this, not the whole :class:`KernelGraph`."""

    dep_ptr: I64
    dep_idx: I64
    dep_hard: npt.NDArray[np.bool_]
    dep_tol: I64
    mem_ptr: I64
    mem_idx: I64
    #: a member edge's activation if it is a standby, −1 if it is active
    mem_wait: I64
    min_up: npt.NDArray[np.int32]
    id_rank: I64
    #: each group's standby member edges (indices into ``mem_*``), as CSR in one array:
    #: ``standby[i]`` for ``i`` in ``standby[g]:standby[g + 1]``
    standby: I64


class Failures(NamedTuple):
    """Root failures, merged per node, as CSR: node ``v`` is failed over
    ``[start[i], end[i])`` for ``i`` in ``ptr[v]:ptr[v + 1]`` (``end`` = INF: ∞)."""

    ptr: I64
    start: I64
    end: I64


class Clock(NamedTuple):
    """Each node's state at the current instant and since when (INF: not in that state), each
    group's ``t*`` (−1 until reached): ``tstar[g]``, and, if some group has more than
    ``BIG_GROUP`` members, for each such group ``tstar[n + 2g]`` and ``tstar[n + 2g + 1]``: how
    many of its members are DEGRADED and DOWN at this instant (kept right on every state write
    by :func:`_recount`), so that rule 4 costs O(standbys), not O(members), per evaluation.
    (In one array with ``t*``: compiled calls pay for every array they are handed.)"""

    state: I8
    down_since: I64
    bad_since: I64
    tstar: I64


def _failed_at(v, t, f):
    for i in range(f.ptr[v], f.ptr[v + 1]):  # noqa: SIM110 - numba compiles loops, not any()
        if f.start[i] <= t < f.end[i]:
            return True
    return False


def _later(m, since_m, best, since_best, idr):
    """Whether member ``m`` (in its state since ``since_m``) explains a group better than
    ``best``: the one that changed last tipped it; ties go to the smaller id."""
    if best < 0:
        return True
    if since_m != since_best:
        return since_m > since_best
    return idr[m] < idr[best]


def _recount(v, old, ns, gptr, gidx, tstar):
    """``v`` goes from ``old`` to ``ns``: the member counts (:class:`Clock`) of its groups in
    ``gidx[gptr[v]:gptr[v + 1]]`` (the big ones) follow."""
    n = len(gptr) - 1
    for j in range(gptr[v], gptr[v + 1]):
        at = n + 2 * gidx[j]
        if old == DEGRADED:
            tstar[at] -= 1
        elif old == DOWN:
            tstar[at + 1] -= 1
        if ns == DEGRADED:
            tstar[at] += 1
        elif ns == DOWN:
            tstar[at + 1] += 1


def _group_state(gv, t, c, g):
    """Rule 4 for group ``gv`` at ``t`` from the member counts, scanning only the standbys.
    Returns (state, t* candidate): the same as :func:`_eval_group`, without the cause."""
    state, sb = c.state, g.standby
    s0 = sb[gv]
    s1 = sb[gv + 1]
    sb_down = 0
    sb_bad = 0
    for i in range(s0, s1):
        sm = state[g.mem_idx[sb[i]]]
        if sm == DOWN:
            sb_down += 1
        elif sm == DEGRADED:
            sb_bad += 1
    active = g.mem_ptr[gv + 1] - g.mem_ptr[gv] - (s1 - s0)
    at = len(g.min_up) + 2 * gv  # the member counts (:class:`Clock`)
    active_up = active - (c.tstar[at + 1] - sb_down)
    k = g.min_up[gv]
    ts = c.tstar[gv]
    if ts < 0 and active_up < k:
        ts = t
    count = active_up
    bad = c.tstar[at] - sb_bad > 0  # an active member DEGRADED (active ones all count)
    if ts >= 0:
        for i in range(s0, s1):
            e = sb[i]
            sm = state[g.mem_idx[e]]
            if sm != DOWN and t >= ts + g.mem_wait[e]:
                count += 1
                if sm == DEGRADED:
                    bad = True
    if count < k:
        return DOWN, ts
    if active_up < active or bad:
        return DEGRADED, ts
    return UP, ts


def _group(gv, t, c, g):
    """Rule 4 for group ``gv`` at ``t``: (state, via, t* candidate), via −1 for a big group
    (its cause is :func:`_eval_group`'s, a scan the caller makes only to record a change)."""
    if g.mem_ptr[gv + 1] - g.mem_ptr[gv] > BIG_GROUP:
        gs, ts = _group_state(gv, t, c, g)
        return gs, -1, ts
    return _eval_group(gv, t, c, g)


def _eval_group(gv, t, c, g):
    """Rule 4 for group ``gv`` at ``t`` by a scan of all members. Returns (state, via,
    t* candidate). O(members): the kernel calls it only for the cause of a change it records
    (:func:`_group_state` gives the state)."""
    state, down_since, bad_since, idr = c.state, c.down_since, c.bad_since, g.id_rank
    mptr, midx, wait = g.mem_ptr, g.mem_idx, g.mem_wait
    k = g.min_up[gv]
    active_up = 0
    for e in range(mptr[gv], mptr[gv + 1]):
        if wait[e] < 0 and state[midx[e]] != DOWN:
            active_up += 1
    ts = c.tstar[gv]
    if ts < 0 and active_up < k:
        ts = t
    count = 0
    down_via = -1  # the member that went DOWN last
    active_down_via = -1  # the active member that went DOWN last
    deg_via = -1  # the counting member that became DEGRADED last
    for e in range(mptr[gv], mptr[gv + 1]):
        m = midx[e]
        sm = state[m]
        if sm == DOWN:
            if _later(m, down_since[m], down_via, down_since[max(down_via, 0)], idr):
                down_via = m
            if wait[e] < 0 and _later(
                m, down_since[m], active_down_via, down_since[max(active_down_via, 0)], idr
            ):
                active_down_via = m
            continue
        if wait[e] < 0 or (ts >= 0 and t >= ts + wait[e]):
            count += 1
            if sm == DEGRADED and _later(m, bad_since[m], deg_via, bad_since[max(deg_via, 0)], idr):
                deg_via = m
    if count < k:
        return DOWN, down_via, ts
    if active_down_via >= 0:
        return DEGRADED, active_down_via, ts
    if deg_via >= 0:
        return DEGRADED, deg_via, ts
    return UP, -1, ts


def _evaluate(v, t, c, g, f):
    """Rules 1–5 for one component at ``t``. Returns (state, rule, via, t* candidate).

    Among several causes of the worst state the component's own failure comes first, then the
    dependency with the smallest id (so the answer does not depend on the order edges were
    listed or stored in), then the group rule. For the group rule (``R_GROUP``) of a big group
    the via is left at −1: finding the member costs a scan of all members, which the caller
    makes (:func:`_eval_group`, same instant, same states) only when it records the change.
    """
    ts = c.tstar[v]
    gs = UP
    gvia = -1
    if g.min_up[v] > 0:  # t* depends on the members only, whatever else holds the group down
        if g.mem_ptr[v + 1] - g.mem_ptr[v] > BIG_GROUP:
            gs, ts = _group_state(v, t, c, g)
        else:
            gs, gvia, ts = _eval_group(v, t, c, g)
    if _failed_at(v, t, f):
        return DOWN, R_FAILED, -1, ts
    state, down_since, bad_since, idr = c.state, c.down_since, c.bad_since, g.id_rank
    dptr, didx, dhard, dtol = g.dep_ptr, g.dep_idx, g.dep_hard, g.dep_tol
    down_via = -1
    deg_via = -1
    deg_rule = R_NONE
    for e in range(dptr[v], dptr[v + 1]):
        b = didx[e]
        sb = state[b]
        if sb == UP:
            continue
        lim = t - dtol[e]
        if dhard[e]:
            if sb == DOWN and down_since[b] <= lim:
                if down_via < 0 or idr[b] < idr[down_via]:
                    down_via = b
            elif bad_since[b] <= lim and (deg_via < 0 or idr[b] < idr[deg_via]):
                deg_via = b
                deg_rule = R_HARD
        elif sb == DOWN and down_since[b] <= lim and (deg_via < 0 or idr[b] < idr[deg_via]):
            deg_via = b
            deg_rule = R_SOFT
    if down_via >= 0:
        return DOWN, R_HARD, down_via, ts
    if gs == DOWN:
        return DOWN, R_GROUP, gvia, ts
    if deg_via >= 0:
        return DEGRADED, deg_rule, deg_via, ts
    if gs == DEGRADED:
        return DEGRADED, R_GROUP, gvia, ts
    return UP, R_NONE, -1, ts


def _standbys_due(gv, ts, r, g, future):
    """Once a group's ``t*`` is known, its standbys count from ``t* + activation``: wake it then."""
    for e in range(g.mem_ptr[gv], g.mem_ptr[gv + 1]):
        if g.mem_wait[e] > 0:  # a standby (active: −1) that takes time to activate
            heapq.heappush(future, (np.int64(ts + g.mem_wait[e]), np.int64(r)))


def propagate_kernel(g, f, failed):
    """Run the event loop over ``g`` (:class:`KernelGraph`) for failures ``f``
    (:class:`Failures`) of the nodes ``failed``. Returns change records (node, time, state,
    rule, via), in time order per node."""
    n = len(g.rank)
    rank, scc_ptr, dnt, grp = g.rank, g.scc_ptr, g.dependents, g.groups
    dep, mem = g.dependencies, g.members
    rules = Rules(dep.ptr, dep.idx, dep.hard, dep.tol, mem.ptr, mem.idx, g.mem_wait, g.min_up,
                  g.id_rank, g.standby)  # fmt: skip
    big_ptr, big_idx = g.big_groups.ptr, g.big_groups.idx
    c = Clock(
        np.zeros(n, dtype=np.int8),
        np.full(n, INF, dtype=np.int64),
        np.full(n, INF, dtype=np.int64),
        np.full(n + (2 * n if len(big_idx) > 0 else 0), -1, dtype=np.int64),
    )
    state, down_since, bad_since, tstar = c.state, c.down_since, c.bad_since, c.tstar
    tstar[n:] = 0  # the member counts: all UP
    prev_state = np.zeros(n, dtype=np.int8)
    out_node = [np.int64(0)]
    out_t = [np.int64(0)]
    out_state = [np.int8(0)]
    out_rule = [np.int8(0)]
    out_via = [np.int64(0)]
    out_node.pop()
    out_t.pop()
    out_state.pop()
    out_rule.pop()
    out_via.pop()
    # future events as (time, rank), in a heap
    future = [(np.int64(0), np.int64(0))]
    future.pop()
    for v in failed:
        for i in range(f.ptr[v], f.ptr[v + 1]):
            future.append((np.int64(f.start[i]), np.int64(rank[v])))
            if f.end[i] < INF:
                future.append((np.int64(f.end[i]), np.int64(rank[v])))
    heapq.heapify(future)
    nscc = len(scc_ptr) - 1
    queued = np.full(nscc, -1, dtype=np.int64)  # the instant a rank was last queued at
    # the current instant: a flag per rank, scanned upwards (every rank an instant queues lies
    # above the one being processed: topological order), eight flags at a time where empty.
    # Above them, a flag per 64 ranks (blk1) and per 4096 (blk2), set with the rank's, read
    # eight at a time too: an empty stretch is skipped 8, 64, 512, 4096 or 32768 ranks at a
    # step, so an instant that queues a few far-apart ranks (a group whose members change one by
    # one) costs O(log), not O(ranks between them). A block flag is a hint: set whenever one of
    # its ranks is pending, cleared when the scan leaves the block (nothing behind the scan is
    # pending); one left set costs a look inside, never an answer.
    pending = np.zeros(((nscc + 7) // 8 + 1) * 8, dtype=np.uint8)
    words = pending.view(np.uint64)
    blk1 = np.zeros(((nscc >> 9) + 1) * 8, dtype=np.uint8)
    words1 = blk1.view(np.uint64)
    blk2 = np.zeros(((nscc >> 15) + 1) * 8, dtype=np.uint8)
    words2 = blk2.view(np.uint64)
    changed = [np.int64(0)]
    while len(future) > 0:
        t = future[0][0]
        lo_r = np.int64(nscc)
        hi_r = np.int64(-1)
        while len(future) > 0 and future[0][0] == t:
            _t, r0 = heapq.heappop(future)
            if queued[r0] != t:
                queued[r0] = t
                pending[r0] = 1
                blk1[r0 >> 6] = 1
                blk2[r0 >> 12] = 1
                if r0 < lo_r:
                    lo_r = r0
                if r0 > hi_r:
                    hi_r = r0
        r = lo_r
        while r <= hi_r:
            if (r & 63) == 0 and r > 0:  # the scan leaves a block: nothing in it is pending
                blk1[(r >> 6) - 1] = 0
                if (r & 4095) == 0:
                    blk2[(r >> 12) - 1] = 0
            if pending[r] == 0:
                if (r & 7) != 0 or words[r >> 3] != 0:
                    r += 1
                elif (r & 63) != 0 or blk1[r >> 6] != 0:
                    r += 8
                elif (r & 511) != 0 or words1[r >> 9] != 0:
                    r += 64
                elif (r & 4095) != 0 or blk2[r >> 12] != 0:
                    r += 512
                elif (r & 32767) != 0 or words2[r >> 15] != 0:
                    r += 4096
                else:
                    r += 32768
                continue
            pending[r] = 0
            changed.clear()
            lo = scc_ptr[r]
            hi = scc_ptr[r + 1]
            if hi - lo == 1:
                v = lo
                ns, rule, via, ts = _evaluate(v, t, c, rules, f)
                if g.min_up[v] > 0 and tstar[v] < 0 <= ts:
                    tstar[v] = ts
                    _standbys_due(v, ts, r, rules, future)
                old = state[v]
                if ns != old:
                    if rule == R_GROUP and via < 0:
                        via = _eval_group(v, t, c, rules)[1]
                    if big_ptr[v + 1] > big_ptr[v]:  # a member of some big group
                        _recount(v, old, ns, big_ptr, big_idx, tstar)
                    prev_state[v] = old
                    state[v] = ns
                    if ns == DOWN:
                        down_since[v] = t
                    else:
                        down_since[v] = INF
                    if ns == UP:
                        bad_since[v] = INF
                    elif old == UP:
                        bad_since[v] = t
                    out_node.append(np.int64(v))
                    out_t.append(np.int64(t))
                    out_state.append(np.int8(ns))
                    out_rule.append(np.int8(rule))
                    out_via.append(np.int64(via))
                    changed.append(np.int64(v))
            else:
                # a cycle: the least fixpoint at this instant, by Kleene iteration from UP
                saved_down = np.empty(hi - lo, dtype=np.int64)
                saved_bad = np.empty(hi - lo, dtype=np.int64)
                new_rule = np.zeros(hi - lo, dtype=np.int8)
                new_via = np.full(hi - lo, -1, dtype=np.int64)
                for v in range(lo, hi):
                    prev_state[v] = state[v]
                    saved_down[v - lo] = down_since[v]
                    saved_bad[v - lo] = bad_since[v]
                    if state[v] != UP and big_ptr[v + 1] > big_ptr[v]:
                        _recount(v, state[v], UP, big_ptr, big_idx, tstar)
                    state[v] = UP
                    down_since[v] = INF
                    bad_since[v] = INF
                # Gauss-Seidel passes over lo..hi in index order, as plain Kleene iteration
                # would make them, but a node is evaluated again only when one of its inputs
                # rose since it was last evaluated (an evaluation reads nothing else that can
                # change here): the same evaluations that raise, in the same order, so the
                # same states and causes, in O(edges of the SCC) evaluations per instant
                # instead of O(size × passes). Pass 0 visits every node; a rise then marks
                # the dependents inside the SCC: later in this pass if they come after it,
                # in the next pass otherwise.
                cur = [np.int64(0)]  # this pass, still ahead: a heap of nodes
                cur.pop()
                nxt = [np.int64(0)]  # the next pass
                nxt.pop()
                in_cur = np.zeros(hi - lo, dtype=np.bool_)
                in_nxt = np.zeros(hi - lo, dtype=np.bool_)
                v = lo
                first = True
                while True:
                    if first:
                        if v >= hi:
                            first = False
                            cur, nxt = nxt, cur
                            in_cur, in_nxt = in_nxt, in_cur
                            continue
                    else:
                        if len(cur) == 0:
                            if len(nxt) == 0:
                                break
                            cur, nxt = nxt, cur
                            in_cur, in_nxt = in_nxt, in_cur
                        v = heapq.heappop(cur)
                        in_cur[v - lo] = False
                    ns, rule, via, ts = _evaluate(v, t, c, rules, f)
                    if ns > state[v]:
                        if rule == R_GROUP and via < 0:
                            via = _eval_group(v, t, c, rules)[1]
                        if big_ptr[v + 1] > big_ptr[v]:
                            _recount(v, state[v], ns, big_ptr, big_idx, tstar)
                        state[v] = ns
                        new_rule[v - lo] = rule
                        new_via[v - lo] = via
                        if ns == DOWN:
                            down_since[v] = saved_down[v - lo] if prev_state[v] == DOWN else t
                        if bad_since[v] == INF:
                            bad_since[v] = saved_bad[v - lo] if prev_state[v] != UP else t
                        nd = dnt.ptr[v + 1] - dnt.ptr[v]
                        for j in range(nd + grp.ptr[v + 1] - grp.ptr[v]):  # dependents, groups
                            w = dnt.idx[dnt.ptr[v] + j] if j < nd else grp.idx[grp.ptr[v] + j - nd]
                            if w < lo or w >= hi:
                                continue
                            if w > v:
                                if not first and not in_cur[w - lo]:
                                    in_cur[w - lo] = True
                                    heapq.heappush(cur, np.int64(w))
                            elif not in_nxt[w - lo]:
                                in_nxt[w - lo] = True
                                heapq.heappush(nxt, np.int64(w))
                    if first:
                        v += 1
                for v in range(lo, hi):
                    if g.min_up[v] > 0 and tstar[v] < 0:
                        _s, _v, ts = _group(v, t, c, rules)
                        if ts >= 0:
                            tstar[v] = ts
                            _standbys_due(v, ts, r, rules, future)
                    if state[v] != prev_state[v]:
                        out_node.append(np.int64(v))
                        out_t.append(np.int64(t))
                        out_state.append(np.int8(state[v]))
                        out_rule.append(np.int8(new_rule[v - lo]))
                        out_via.append(np.int64(new_via[v - lo]))
                        changed.append(np.int64(v))
            # schedule what the changes touch: now (same instant) or when a tolerance runs out
            for v in changed:
                ns = state[v]
                old = prev_state[v]
                for e in range(dnt.ptr[v], dnt.ptr[v + 1]):
                    ra = rank[dnt.idx[e]]
                    tau = dnt.tol[e]
                    if (tau == 0 or ns < old) and queued[ra] != t:
                        queued[ra] = t
                        pending[ra] = 1
                        blk1[ra >> 6] = 1
                        blk2[ra >> 12] = 1
                        hi_r = max(hi_r, ra)
                    # the tolerance starts running when the dependency goes DOWN (any edge) or
                    # starts to be DOWN-or-DEGRADED (hard edges)
                    if tau > 0 and (
                        (ns == DOWN and old != DOWN)
                        or (dnt.hard[e] and ns == DEGRADED and old == UP)
                    ):
                        heapq.heappush(future, (np.int64(t + tau), np.int64(ra)))
                for e in range(grp.ptr[v], grp.ptr[v + 1]):
                    rg = rank[grp.idx[e]]
                    if queued[rg] != t:
                        queued[rg] = t
                        pending[rg] = 1
                        blk1[rg >> 6] = 1
                        blk2[rg >> 12] = 1
                        hi_r = max(hi_r, rg)
            r += 1
    return (
        np.array(out_node, dtype=np.int64),
        np.array(out_t, dtype=np.int64),
        np.array(out_state, dtype=np.int8),
        np.array(out_rule, dtype=np.int8),
        np.array(out_via, dtype=np.int64),
    )


#: the kernel and the helpers it calls, helpers first (for :func:`impactgraph.engine._jit.kernels`)
KERNELS = (
    "_failed_at",
    "_later",
    "_recount",
    "_group_state",
    "_eval_group",
    "_group",
    "_evaluate",
    "_standbys_due",
    "propagate_kernel",
)
