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
  final before it is read.
* A cycle (an SCC of more than one node) takes the least solution at each instant it is
  touched: a cycle never sustains an outage on its own (SPEC rule 6). It is kept
  incrementally, so that an instant costs what changes, not the size of the SCC:

  - Events that reach a cycle also say which node they are about and whether the change can
    only raise its state (a failure starting, an input rising, a tolerance running out) or may
    lower it (a failure ending, an input falling, a standby member going from DEGRADED to DOWN,
    a standby coming in to a DOWN group).
  - Each non-UP node of a cycle keeps what its state rests on inside the SCC (``sup``): the
    dependency that raised it, the group rule, or nothing inside (its failure, an input outside,
    which send events when they change). Chains of supports never go round.
  - A node whose state may fall keeps it if it still rests on something that holds (its
    failure, an input outside, or one inside whose chain of supports reaches outside within
    ``CHAIN`` steps without passing through it or a deleted node); else it is deleted (set to
    UP), and so, in turn, is whatever rested on it and finds nothing else (delete and
    re-derive, as in DRed). What is left rests on what holds, so it lies below the least
    solution, and every other change can only worsen: the least solution is reached by rising
    from there, with a worklist over the marked and deleted nodes and what their rises touch,
    smallest id first (so the causes do not depend on the order of the input).
  - A deleted node that comes back to the state it had gets its since-time back, and the
    member counts of big groups and ``t*`` follow every state written, as in a solve from UP.
  - Rule 4 is not monotone in one place: a standby that goes from DEGRADED to DOWN stops
    counting, which may lower its group. Met inside the SCC, the incremental solve is undone
    and the instant solved from UP, in two strata as the reference defines the least
    solution (DOWN first, which never depends on DEGRADED, then DEGRADED): O(SCC).
  - A deletion costs what rested on the lost state and finds nothing else to rest on, which
    can be much of the SCC even where few states change (a chain of supports longer than
    ``CHAIN`` counts as nothing else).
"""

from __future__ import annotations

import heapq
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from impactgraph.engine._jit import INF as _INF
from impactgraph.engine._jit import borrow
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
    #: for each dependents edge and each groups edge, the rank of the node it leads to, and
    #: whether that rank is a cycle: read in edge order, so that scheduling what a change
    #: touches reads no per-node array at random
    dnt_rank: I64
    dnt_cyc: npt.NDArray[np.bool_]
    grp_rank: I64
    grp_cyc: npt.NDArray[np.bool_]


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


class Scratch(NamedTuple):
    """What solving one cycle at one instant keeps per node, indexed by ``v − lo`` (the node's
    place in its SCC ``lo:hi``) and sized for the largest SCC, so that a solve costs what it
    touches, not the size of the SCC. ``stamp[i]`` is the solve that last touched the node; the
    ``old_*`` fields are its state and since-times before that solve, ``rule``/``via`` the cause
    of its last rise in it, ``inq`` whether it waits in the worklist."""

    stamp: I64
    old_down: I64
    old_bad: I64
    via: I64
    old_state: I8
    rule: I8
    inq: npt.NDArray[np.bool_]


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


def _is_standby(m, gv, g):
    """Whether ``m`` is a standby member of group ``gv`` (O(standbys of ``gv``))."""
    sb = g.standby
    for i in range(sb[gv], sb[gv + 1]):  # noqa: SIM110 - numba compiles loops, not any()
        if g.mem_idx[sb[i]] == m:
            return True
    return False


def _touch(v, lo, sid, c, s, touched):
    """Keep ``v``'s state and since-times as they were before solve ``sid`` (once per solve)."""
    i = v - lo
    if s.stamp[i] != sid:
        s.stamp[i] = sid
        s.old_state[i] = c.state[v]
        s.old_down[i] = c.down_since[v]
        s.old_bad[i] = c.bad_since[v]
        s.rule[i] = R_NONE
        s.via[i] = -1
        touched.append(np.int64(v))


#: how far :func:`_resupport` follows a chain of supports before it gives up on it
CHAIN = 32


def _rests(b, d, lo, sid, sup, s):
    """Whether node ``b`` of the SCC from ``lo`` rests, through at most ``CHAIN`` supports
    (``sup``), on something outside the SCC, without passing through ``d`` or a node deleted
    in solve ``sid``. (A chain that ends at a group rule is not followed: a group rests on all
    its members.)"""
    x = b
    for _ in range(CHAIN):
        if x == d or s.stamp[x - lo] == sid:
            return False
        p = sup[x]
        if p == -1:
            return True
        if p == -2:
            return False
        x = lo + p
    return False


def _resupport(d, lo, hi, t, sid, c, g, f, s, sup):
    """Whether ``d``'s state still holds at ``t`` on something that holds, and then let ``sup``
    name it: its own failure or a dependency outside the SCC (−1), else the dependency inside
    with the smallest id that :func:`_rests` on something outside. False: ``d`` must go."""
    state, down_since, bad_since, idr = c.state, c.down_since, c.bad_since, g.id_rank
    sd = state[d]
    if sd == DOWN and _failed_at(d, t, f):
        sup[d] = -1
        return True
    best = -1
    for e in range(g.dep_ptr[d], g.dep_ptr[d + 1]):
        b = g.dep_idx[e]
        sb = state[b]
        if sb == UP:
            continue
        lim = t - g.dep_tol[e]
        if sd == DOWN:
            holds = g.dep_hard[e] and sb == DOWN and down_since[b] <= lim
        elif g.dep_hard[e]:
            holds = bad_since[b] <= lim
        else:
            holds = sb == DOWN and down_since[b] <= lim
        if not holds:
            continue
        if b < lo or b >= hi:
            sup[d] = -1
            return True
        if (best < 0 or idr[b] < idr[best]) and _rests(b, d, lo, sid, sup, s):
            best = b
    if best >= 0:
        sup[d] = best - lo
        return True
    return False


def _settle(lo, hi, t, mode, sid, work, touched, c, g, f, s, sup, dnt, grp, big_ptr, big_idx):
    """Raise the nodes of the SCC ``lo:hi`` at ``t`` to a fixpoint by a worklist ``work``: a
    heap of (id rank, node), so nodes are evaluated smallest id first whatever their numbering,
    and the causes do not depend on the order of the input. A node's evaluation can only be
    raised by a rise of one of its inputs, so a rise puts the dependents and groups it touches
    inside the SCC back on the list; nothing else is looked at.

    ``mode`` 0 (incremental, see :func:`propagate_kernel`): every state rests on something
    that still holds (what did not was deleted) and every other change since the last solve
    can only worsen, so the least solution lies above: any rise is taken. Dependents behind a
    tolerance are woken only by a node back in a state it had before this instant (it gets its
    since-time back; a rise into a new state at ``t`` opens no window ``[t − τ, t]`` with
    ``τ > 0``). The nodes evaluated are touched (:func:`_touch`, for ``t*``). Returns False,
    leaving the states for the caller to undo, where rule 4 is not monotone: a standby that
    goes from DEGRADED to DOWN while a group of this SCC is DEGRADED may have been what made
    the group DEGRADED, and this solve never lowers anything.

    Modes 1 and 2 (from UP, every node touched, the least solution in two strata as
    ``tests/properties/reference.py`` defines it): 1 takes only rises to DOWN (DOWN never
    depends on DEGRADED), 2 then only rises from UP. A node that was in its state before
    gets its old since-time back, so its dependents' windows may hold at once: every
    dependent is woken.

    Every rise records in ``sup`` what the new state rests on inside the SCC (see
    :func:`propagate_kernel`): always a node that was already in its state when the rise was
    made, so chains of supports never go round.
    """
    state, down_since, bad_since, tstar = c.state, c.down_since, c.bad_since, c.tstar
    while len(work) > 0:
        _k, v = heapq.heappop(work)
        i = v - lo
        s.inq[i] = False
        cur = state[v]
        if mode == 2 and cur != UP:
            continue
        if mode == 0:
            _touch(v, lo, sid, c, s, touched)
        ns, rule, via, _ts = _evaluate(v, t, c, g, f)
        if ns <= cur or (mode == 1 and ns != DOWN):
            continue
        if mode == 0 and cur == DEGRADED:  # then ns is DOWN
            for j in range(grp.ptr[v], grp.ptr[v + 1]):
                w = grp.idx[j]
                if lo <= w < hi and state[w] == DEGRADED and _is_standby(v, w, g):
                    for k in range(len(work)):  # the caller starts afresh
                        s.inq[work[k][1] - lo] = False
                    work.clear()
                    return False
        if rule == R_GROUP and via < 0:
            via = _eval_group(v, t, c, g)[1]
        if big_ptr[v + 1] > big_ptr[v]:
            _recount(v, cur, ns, big_ptr, big_idx, tstar)
        state[v] = ns
        s.rule[i] = rule
        s.via[i] = via
        if rule == R_GROUP:
            sup[v] = -2
        elif lo <= via < hi:  # a dependency inside (a failure's via is −1)
            sup[v] = via - lo
        else:
            sup[v] = -1
        # a node back in the state it had before this instant gets its since-time back, so the
        # windows of its dependents behind a tolerance may hold at once
        back = (ns == DOWN and s.old_state[i] == DOWN) or (cur == UP and s.old_state[i] != UP)
        if ns == DOWN:
            down_since[v] = s.old_down[i] if s.old_state[i] == DOWN else t
        if bad_since[v] == INF:
            bad_since[v] = s.old_bad[i] if s.old_state[i] != UP else t
        nd = dnt.ptr[v + 1] - dnt.ptr[v]
        for j in range(nd + grp.ptr[v + 1] - grp.ptr[v]):  # dependents, then groups
            if j < nd:
                w = dnt.idx[dnt.ptr[v] + j]
                if mode == 0 and not back and dnt.tol[dnt.ptr[v] + j] > 0:
                    continue
            else:
                w = grp.idx[grp.ptr[v] + j - nd]
            if w < lo or w >= hi or s.inq[w - lo]:
                continue
            sw = state[w]
            if mode == 2 and sw != UP:
                continue
            # a DOWN node cannot rise; a DOWN group may still reach its t* (mode 0 only:
            # the from-UP solves look at every group's t* afterwards)
            if sw == DOWN and (mode != 0 or j < nd or tstar[w] >= 0):
                continue
            s.inq[w - lo] = True
            heapq.heappush(work, (np.int64(g.id_rank[w]), np.int64(w)))
    return True


def _borrowed(g, f):
    """``g`` and ``f`` with every array borrowed (:func:`~impactgraph.engine._jit.borrow`): the
    kernel's calls then count no references (the caller holds the arrays for the call)."""
    a, m, b = g.dependencies, g.members, g.big_groups
    dnt, grp = g.dependents, g.groups
    bg = KernelGraph(
        borrow(g.rank),
        borrow(g.scc_ptr),
        Adjacency(borrow(a.ptr), borrow(a.idx), borrow(a.hard), borrow(a.tol), borrow(a.type)),
        Adjacency(
            borrow(dnt.ptr), borrow(dnt.idx), borrow(dnt.hard), borrow(dnt.tol), borrow(dnt.type)
        ),
        Membership(borrow(m.ptr), borrow(m.idx), borrow(m.standby), borrow(m.activation)),
        Csr(borrow(grp.ptr), borrow(grp.idx)),
        borrow(g.min_up),
        borrow(g.id_rank),
        borrow(g.mem_wait),
        borrow(g.standby),
        Csr(borrow(b.ptr), borrow(b.idx)),
        borrow(g.dnt_rank),
        borrow(g.dnt_cyc),
        borrow(g.grp_rank),
        borrow(g.grp_cyc),
    )
    return bg, Failures(borrow(f.ptr), borrow(f.start), borrow(f.end))


def new_clock(g: KernelGraph) -> Clock:
    """The :class:`Clock` for a run over ``g``: all UP, no ``t*``, member counts 0 (made by
    the caller, which holds it for the run: the kernel borrows its arrays)."""
    n = len(g.rank)
    big = len(g.big_groups.idx) > 0
    tstar = np.full(n + (2 * n if big else 0), -1, dtype=np.int64)
    tstar[n:] = 0  # the member counts: all UP
    return Clock(
        np.zeros(n, dtype=np.int8),
        np.full(n, INF, dtype=np.int64),
        np.full(n, INF, dtype=np.int64),
        tstar,
    )


def propagate_kernel(g, f, failed, c):
    """Run the event loop over ``g`` (:class:`KernelGraph`) for failures ``f``
    (:class:`Failures`) of the nodes ``failed``, from the clock ``c`` (:func:`new_clock`; the
    run writes it). Returns change records (node, time, state, rule, via), in time order per
    node."""
    n = len(g.rank)
    g, f = _borrowed(g, f)
    rank, scc_ptr, dnt, grp = g.rank, g.scc_ptr, g.dependents, g.groups
    dep, mem = g.dependencies, g.members
    rules = Rules(dep.ptr, dep.idx, dep.hard, dep.tol, mem.ptr, mem.idx, g.mem_wait, g.min_up,
                  g.id_rank, g.standby)  # fmt: skip
    big_ptr, big_idx = g.big_groups.ptr, g.big_groups.idx
    c = Clock(borrow(c.state), borrow(c.down_since), borrow(c.bad_since), borrow(c.tstar))
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
    nscc = len(scc_ptr) - 1
    sizes = scc_ptr[1:] - scc_ptr[:-1]
    biggest = sizes.max() if nscc > 0 else 0
    cyclic = biggest > 1  # some SCC is a cycle
    # future events as (time, rank), in a heap
    future = [(np.int64(0), np.int64(0))]
    future.pop()
    # what the events of a cycle's rank are about, in a heap of (time, rank, 4 × node + kind),
    # beside ``future`` (which wakes the rank): the node to look at again, and whether the
    # change can only raise its state (kind 0: a failure starting, an input rising, a tolerance
    # running out), may lower it (1: a failure ending, an input falling, a standby member going
    # from DEGRADED to DOWN) or is a standby of this group coming in (2: lowers only a DOWN one)
    marks = [(np.int64(0), np.int64(0), np.int64(0))]
    marks.pop()
    dnt_rank, dnt_cyc, grp_rank, grp_cyc = g.dnt_rank, g.dnt_cyc, g.grp_rank, g.grp_cyc
    for v in failed:
        rv = rank[v]
        in_cycle = sizes[rv] > 1
        for i in range(f.ptr[v], f.ptr[v + 1]):
            future.append((np.int64(f.start[i]), np.int64(rv)))
            if in_cycle:
                marks.append((np.int64(f.start[i]), np.int64(rv), np.int64(4 * v)))
            if f.end[i] < INF:
                future.append((np.int64(f.end[i]), np.int64(rv)))
                if in_cycle:
                    marks.append((np.int64(f.end[i]), np.int64(rv), np.int64(4 * v + 1)))
    heapq.heapify(future)
    heapq.heapify(marks)
    side = max(biggest, 1)
    scratch = Scratch(
        np.full(side, -1, dtype=np.int64),
        np.zeros(side, dtype=np.int64),
        np.zeros(side, dtype=np.int64),
        np.zeros(side, dtype=np.int64),
        np.zeros(side, dtype=np.int8),
        np.zeros(side, dtype=np.int8),
        np.zeros(side, dtype=np.bool_),
    )
    sid = 0  # the cycle solves so far (stamps in ``scratch``)
    # for each node in a cycle, what its state rests on inside its SCC ``lo:hi``: the
    # dependency ``lo + sup[v]``, −2 the group rule (every member), −1 nothing inside (UP, a
    # failure, an input outside: those send marks when they change)
    sup = np.full(n if cyclic else 1, -1, dtype=np.int32)
    work = [(np.int64(0), np.int64(0))]  # a cycle's worklist: (id rank, node), in a heap
    work.pop()
    touched = [np.int64(0)]  # the nodes a cycle solve touched (``scratch``)
    touched.pop()
    # the current instant: a flag per rank, scanned upwards (every rank an instant queues lies
    # above the one being processed: topological order, so a flag is never set twice in one
    # instant and all are clear between instants), eight flags at a time where empty.
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
    changed = np.empty(side, dtype=np.int64)  # the nodes of a rank that changed this instant
    while len(future) > 0:
        t = future[0][0]
        lo_r = np.int64(nscc)
        hi_r = np.int64(-1)
        while len(future) > 0 and future[0][0] == t:
            _t, r0 = heapq.heappop(future)
            if pending[r0] == 0:
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
            nchg = 0
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
                    changed[nchg] = v
                    nchg += 1
            else:
                # a cycle: the least solution at this instant. The marks of this rank at this
                # instant name the nodes to look at again. Those whose state may fall lose it,
                # and so do the nodes whose state rests on one that lost it (``sup``), down the
                # chain: delete them (back to UP). What is left rests on what still holds, so
                # it lies below the least solution, and every change since the last solve that
                # is not such a loss can only worsen: the least solution is reached by rising
                # from there, looking only at the marked and deleted nodes and at what their
                # rises touch (mode 0). If rule 4 turns out not monotone on the way (a standby
                # from DEGRADED to DOWN), undo and solve from UP (modes 1, 2): O(SCC).
                sid += 1
                touched.clear()
                while len(marks) > 0 and (
                    marks[0][0] < t or (marks[0][0] == t and marks[0][1] <= r)
                ):
                    mt, mr, code = heapq.heappop(marks)
                    if mt != t or mr != r:
                        continue  # never: every mark comes with its rank's wake
                    w = code >> 2
                    kind = code & 3
                    # a standby coming in can only lower a group that is DOWN (a count rises)
                    if (
                        (kind == 1 or (kind == 2 and state[w] == DOWN))
                        and state[w] != UP
                        and scratch.stamp[w - lo] != sid
                        and not _resupport(w, lo, hi, t, sid, c, rules, f, scratch, sup)
                    ):
                        _touch(w, lo, sid, c, scratch, touched)  # to delete
                    if not scratch.inq[w - lo]:
                        scratch.inq[w - lo] = True
                        work.append((np.int64(g.id_rank[w]), np.int64(w)))
                k = 0
                while k < len(touched):  # what rests on a deleted node rests elsewhere or goes
                    d = touched[k]
                    k += 1
                    nd = dnt.ptr[d + 1] - dnt.ptr[d]
                    for j in range(nd + grp.ptr[d + 1] - grp.ptr[d]):  # dependents, groups
                        if j < nd:
                            w = dnt.idx[dnt.ptr[d] + j]
                            on = sup[w] == d - lo if lo <= w < hi else False
                        else:
                            w = grp.idx[grp.ptr[d] + j - nd]
                            on = sup[w] == -2 if lo <= w < hi else False
                        if (
                            on
                            and state[w] != UP
                            and scratch.stamp[w - lo] != sid
                            and not _resupport(w, lo, hi, t, sid, c, rules, f, scratch, sup)
                        ):
                            _touch(w, lo, sid, c, scratch, touched)
                for v in touched:
                    if big_ptr[v + 1] > big_ptr[v]:
                        _recount(v, state[v], UP, big_ptr, big_idx, tstar)
                    state[v] = UP
                    down_since[v] = INF
                    bad_since[v] = INF
                    sup[v] = -1
                    if not scratch.inq[v - lo]:
                        scratch.inq[v - lo] = True
                        work.append((np.int64(g.id_rank[v]), np.int64(v)))
                heapq.heapify(work)
                done = _settle(lo, hi, t, 0, sid, work, touched, c, rules, f, scratch, sup, dnt,
                               grp, big_ptr, big_idx)  # fmt: skip
                if not done:  # undo, then from UP (``sup`` is set again there)
                    for v in touched:
                        i = v - lo
                        if state[v] != scratch.old_state[i] and big_ptr[v + 1] > big_ptr[v]:
                            _recount(v, state[v], scratch.old_state[i], big_ptr, big_idx, tstar)
                        state[v] = scratch.old_state[i]
                        down_since[v] = scratch.old_down[i]
                        bad_since[v] = scratch.old_bad[i]
                    sid += 1
                    touched.clear()
                    for k in range(len(work)):
                        scratch.inq[work[k][1] - lo] = False
                    work.clear()
                    for v in range(lo, hi):
                        _touch(v, lo, sid, c, scratch, touched)
                        if state[v] != UP and big_ptr[v + 1] > big_ptr[v]:
                            _recount(v, state[v], UP, big_ptr, big_idx, tstar)
                        state[v] = UP
                        down_since[v] = INF
                        bad_since[v] = INF
                        sup[v] = -1
                        scratch.inq[v - lo] = True
                        work.append((np.int64(g.id_rank[v]), np.int64(v)))
                    heapq.heapify(work)
                    _settle(lo, hi, t, 1, sid, work, touched, c, rules, f, scratch, sup, dnt,
                            grp, big_ptr, big_idx)  # fmt: skip
                    for v in range(lo, hi):
                        if state[v] == UP:
                            scratch.inq[v - lo] = True
                            work.append((np.int64(g.id_rank[v]), np.int64(v)))
                    heapq.heapify(work)
                    _settle(lo, hi, t, 2, sid, work, touched, c, rules, f, scratch, sup, dnt,
                            grp, big_ptr, big_idx)  # fmt: skip
                for v in touched:
                    if g.min_up[v] > 0 and tstar[v] < 0:
                        _s, _v, ts = _group(v, t, c, rules)
                        if ts >= 0:
                            tstar[v] = ts
                            _standbys_due(v, ts, r, rules, future)
                            for e in range(mem.ptr[v], mem.ptr[v + 1]):
                                if g.mem_wait[e] > 0:  # a standby comes in (mark kind 2)
                                    heapq.heappush(
                                        marks, (np.int64(ts + g.mem_wait[e]), np.int64(r),
                                                np.int64(4 * v + 2)),
                                    )  # fmt: skip
                    i = v - lo
                    if state[v] != scratch.old_state[i]:
                        prev_state[v] = scratch.old_state[i]
                        out_node.append(np.int64(v))
                        out_t.append(np.int64(t))
                        out_state.append(np.int8(state[v]))
                        out_rule.append(np.int8(scratch.rule[i]))
                        out_via.append(np.int64(scratch.via[i]))
                        changed[nchg] = v
                        nchg += 1
            # schedule what the changes touch: now (same instant) or when a tolerance runs out
            # (and, for a cycle's rank, mark the node and whether the change may lower it)
            for jc in range(nchg):
                v = changed[jc]
                ns = state[v]
                old = prev_state[v]
                for e in range(dnt.ptr[v], dnt.ptr[v + 1]):
                    ra = dnt_rank[e]
                    tau = dnt.tol[e]
                    now = tau == 0 or ns < old
                    if now and ra != r and pending[ra] == 0:
                        pending[ra] = 1
                        blk1[ra >> 6] = 1
                        blk2[ra >> 12] = 1
                        hi_r = max(hi_r, ra)
                    # the tolerance starts running when the dependency goes DOWN (any edge) or
                    # starts to be DOWN-or-DEGRADED (hard edges)
                    runs = tau > 0 and (
                        (ns == DOWN and old != DOWN)
                        or (dnt.hard[e] and ns == DEGRADED and old == UP)
                    )
                    if runs:
                        heapq.heappush(future, (np.int64(t + tau), np.int64(ra)))
                    if dnt_cyc[e]:
                        code = 4 * dnt.idx[e]
                        if now and ra != r:
                            if ns < old:
                                code += 1
                            heapq.heappush(marks, (np.int64(t), np.int64(ra), np.int64(code)))
                        if runs:
                            heapq.heappush(
                                marks, (np.int64(t + tau), np.int64(ra), np.int64(4 * dnt.idx[e]))
                            )
                for e in range(grp.ptr[v], grp.ptr[v + 1]):
                    rg = grp_rank[e]
                    if rg != r and pending[rg] == 0:
                        pending[rg] = 1
                        blk1[rg >> 6] = 1
                        blk2[rg >> 12] = 1
                        hi_r = max(hi_r, rg)
                    if grp_cyc[e] and rg != r:
                        gw = grp.idx[e]
                        # a member's rise worsens its group, but for a standby that goes from
                        # DEGRADED to DOWN: it may have been what made the group DEGRADED
                        code = 4 * gw
                        if ns < old or (
                            old == DEGRADED and state[gw] == DEGRADED and _is_standby(v, gw, rules)
                        ):
                            code += 1
                        heapq.heappush(marks, (np.int64(t), np.int64(rg), np.int64(code)))
            r += 1
    return (
        np.array(out_node, dtype=np.int64),
        np.array(out_t, dtype=np.int64),
        np.array(out_state, dtype=np.int8),
        np.array(out_rule, dtype=np.int8),
        np.array(out_via, dtype=np.int64),
    )


def changes_by_node(node, n):
    """The stable order of change records by node (a counting sort, O(n + records)): the
    compiled kernels' stand-in for ``np.argsort(node, kind="stable")``."""
    start = np.zeros(n + 1, dtype=np.int64)
    for v in node:
        start[v + 1] += 1
    for v in range(n):
        start[v + 1] += start[v]
    order = np.empty(len(node), dtype=np.int64)
    for i in range(len(node)):
        v = node[i]
        order[start[v]] = i
        start[v] += 1
    return order


#: helpers compiled into their callers (numba hands a call every array of its tuples, seven
#: words each, on the stack: per component evaluated, that copy cost more than the rules)
INLINE = ("_failed_at", "_evaluate")

#: the kernel and the helpers it calls, helpers first (for :func:`impactgraph.engine._jit.kernels`)
KERNELS = (
    "_borrowed",
    "_failed_at",
    "_later",
    "_recount",
    "_group_state",
    "_eval_group",
    "_group",
    "_evaluate",
    "_standbys_due",
    "_is_standby",
    "_touch",
    "_rests",
    "_resupport",
    "_settle",
    "propagate_kernel",
    "changes_by_node",
)
