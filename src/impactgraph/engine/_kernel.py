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

import numpy as np

INF = np.int64(2**62)
UP = np.int8(0)
DEGRADED = np.int8(1)
DOWN = np.int8(2)

R_NONE = 0
R_FAILED = 1
R_HARD = 2
R_SOFT = 3
R_GROUP = 4


def strong_components(n, ptr, idx):
    """Iterative Tarjan. Returns (scc id per node, number of SCCs); ids in reverse topological
    order (an SCC gets its id after every SCC it reaches)."""
    index = np.full(n, -1, dtype=np.int64)
    low = np.zeros(n, dtype=np.int64)
    onstack = np.zeros(n, dtype=np.bool_)
    comp = np.full(n, -1, dtype=np.int64)
    stack = np.empty(n, dtype=np.int64)
    call_v = np.empty(n, dtype=np.int64)
    call_e = np.empty(n, dtype=np.int64)
    sp = 0
    counter = 0
    ncomp = 0
    for root in range(n):
        if index[root] != -1:
            continue
        depth = 0
        call_v[0] = root
        call_e[0] = ptr[root]
        index[root] = counter
        low[root] = counter
        counter += 1
        stack[sp] = root
        sp += 1
        onstack[root] = True
        while depth >= 0:
            v = call_v[depth]
            e = call_e[depth]
            if e < ptr[v + 1]:
                call_e[depth] = e + 1
                w = idx[e]
                if index[w] == -1:
                    index[w] = counter
                    low[w] = counter
                    counter += 1
                    stack[sp] = w
                    sp += 1
                    onstack[w] = True
                    depth += 1
                    call_v[depth] = w
                    call_e[depth] = ptr[w]
                elif onstack[w] and index[w] < low[v]:
                    low[v] = index[w]
            else:
                if low[v] == index[v]:
                    while True:
                        sp -= 1
                        w = stack[sp]
                        onstack[w] = False
                        comp[w] = ncomp
                        if w == v:
                            break
                    ncomp += 1
                depth -= 1
                if depth >= 0:
                    u = call_v[depth]
                    if low[v] < low[u]:
                        low[u] = low[v]
    return comp, ncomp


def _failed_at(v, t, fptr, fstart, fend):
    for i in range(fptr[v], fptr[v + 1]):  # noqa: SIM110 - numba compiles loops, not any()
        if fstart[i] <= t < fend[i]:
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


def _eval_group(g, t, state, down_since, bad_since, tstar, min_up, mem_ptr, mem_idx,
                mem_standby, mem_act, idr):  # fmt: skip
    """Rule 4. Returns (state, via, t* candidate)."""
    k = min_up[g]
    active_up = 0
    for e in range(mem_ptr[g], mem_ptr[g + 1]):
        if not mem_standby[e] and state[mem_idx[e]] != DOWN:
            active_up += 1
    ts = tstar[g]
    if ts < 0 and active_up < k:
        ts = t
    count = 0
    down_via = -1  # the member that went DOWN last
    active_down_via = -1  # the active member that went DOWN last
    deg_via = -1  # the counting member that became DEGRADED last
    for e in range(mem_ptr[g], mem_ptr[g + 1]):
        m = mem_idx[e]
        sm = state[m]
        if sm == DOWN:
            if _later(m, down_since[m], down_via, down_since[max(down_via, 0)], idr):
                down_via = m
            if not mem_standby[e] and _later(
                m, down_since[m], active_down_via, down_since[max(active_down_via, 0)], idr
            ):
                active_down_via = m
            continue
        if (not mem_standby[e]) or (ts >= 0 and t >= ts + mem_act[e]):
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


def _evaluate(v, t, state, down_since, bad_since, tstar, fptr, fstart, fend,
              dep_ptr, dep_idx, dep_hard, dep_tol,
              min_up, mem_ptr, mem_idx, mem_standby, mem_act, idr):  # fmt: skip
    """Rules 1–5 for one component at ``t``. Returns (state, rule, via, t* candidate).

    Among several causes of the worst state the component's own failure comes first, then the
    dependency with the smallest id (so the answer does not depend on the order edges were
    listed or stored in), then the group rule.
    """
    ts = tstar[v]
    gs = UP
    gvia = -1
    if min_up[v] > 0:  # t* depends on the members only, whatever else holds the group down
        gs, gvia, ts = _eval_group(v, t, state, down_since, bad_since, tstar, min_up, mem_ptr,
                                   mem_idx, mem_standby, mem_act, idr)  # fmt: skip
    if _failed_at(v, t, fptr, fstart, fend):
        return DOWN, R_FAILED, -1, ts
    down_via = -1
    deg_via = -1
    deg_rule = R_NONE
    for e in range(dep_ptr[v], dep_ptr[v + 1]):
        b = dep_idx[e]
        sb = state[b]
        if sb == UP:
            continue
        lim = t - dep_tol[e]
        if dep_hard[e]:
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


def propagate_kernel(
    n,
    rank,
    comp,
    scc_ptr,
    scc_nodes,
    fptr,
    fstart,
    fend,
    dep_ptr,
    dep_idx,
    dep_hard,
    dep_tol,
    dnt_ptr,
    dnt_idx,
    dnt_hard,
    dnt_tol,
    min_up,
    mem_ptr,
    mem_idx,
    mem_standby,
    mem_act,
    grp_ptr,
    grp_idx,
    fail_nodes,
    idr,
):
    """Run the event loop. Returns change records (node, time, state, rule, via), in time order
    per node, and ``t*`` per group (−1 where never reached).

    ``rank[v]`` is the topological rank of v's SCC; ``scc_nodes[scc_ptr[r]:scc_ptr[r+1]]`` are
    the nodes of the SCC of rank r (``comp`` is kept for callers; it equals ``rank``).
    """
    state = np.zeros(n, dtype=np.int8)
    down_since = np.full(n, INF, dtype=np.int64)
    bad_since = np.full(n, INF, dtype=np.int64)
    tstar = np.full(n, -1, dtype=np.int64)
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
    for v in fail_nodes:
        for i in range(fptr[v], fptr[v + 1]):
            future.append((np.int64(fstart[i]), np.int64(rank[v])))
            if fend[i] < INF:
                future.append((np.int64(fend[i]), np.int64(rank[v])))
    heapq.heapify(future)
    nscc = len(scc_ptr) - 1
    queued = np.full(nscc, -1, dtype=np.int64)  # the instant a rank was last queued at
    # the current instant: a flag per rank, scanned upwards (every rank an instant queues lies
    # above the one being processed: topological order), eight flags at a time where empty
    pending = np.zeros(((nscc + 7) // 8 + 1) * 8, dtype=np.uint8)
    words = pending.view(np.uint64)
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
                if r0 < lo_r:
                    lo_r = r0
                if r0 > hi_r:
                    hi_r = r0
        c = lo_r
        while c <= hi_r:
            if pending[c] == 0:
                if (c & 7) == 0 and words[c >> 3] == 0:
                    c += 8
                else:
                    c += 1
                continue
            pending[c] = 0
            changed.clear()
            lo = scc_ptr[c]
            hi = scc_ptr[c + 1]
            if hi - lo == 1:
                v = scc_nodes[lo]
                ns, rule, via, ts = _evaluate(
                    v,
                    t,
                    state,
                    down_since,
                    bad_since,
                    tstar,
                    fptr,
                    fstart,
                    fend,
                    dep_ptr,
                    dep_idx,
                    dep_hard,
                    dep_tol,
                    min_up,
                    mem_ptr,
                    mem_idx,
                    mem_standby,
                    mem_act,
                    idr,
                )
                if min_up[v] > 0 and tstar[v] < 0 <= ts:
                    tstar[v] = ts
                    for e in range(mem_ptr[v], mem_ptr[v + 1]):
                        if mem_standby[e] and mem_act[e] > 0:
                            heapq.heappush(future, (np.int64(ts + mem_act[e]), np.int64(c)))
                old = state[v]
                if ns != old:
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
                rules = np.zeros(hi - lo, dtype=np.int8)
                vias = np.full(hi - lo, -1, dtype=np.int64)
                for i in range(lo, hi):
                    v = scc_nodes[i]
                    prev_state[v] = state[v]
                    saved_down[i - lo] = down_since[v]
                    saved_bad[i - lo] = bad_since[v]
                    state[v] = UP
                    down_since[v] = INF
                    bad_since[v] = INF
                again = True
                while again:
                    again = False
                    for i in range(lo, hi):
                        v = scc_nodes[i]
                        ns, rule, via, ts = _evaluate(
                            v,
                            t,
                            state,
                            down_since,
                            bad_since,
                            tstar,
                            fptr,
                            fstart,
                            fend,
                            dep_ptr,
                            dep_idx,
                            dep_hard,
                            dep_tol,
                            min_up,
                            mem_ptr,
                            mem_idx,
                            mem_standby,
                            mem_act,
                            idr,
                        )
                        if ns > state[v]:
                            state[v] = ns
                            rules[i - lo] = rule
                            vias[i - lo] = via
                            if ns == DOWN:
                                down_since[v] = saved_down[i - lo] if prev_state[v] == DOWN else t
                            if bad_since[v] == INF:
                                bad_since[v] = saved_bad[i - lo] if prev_state[v] != UP else t
                            again = True
                for i in range(lo, hi):
                    v = scc_nodes[i]
                    if min_up[v] > 0 and tstar[v] < 0:
                        _s, _v, ts = _eval_group(v, t, state, down_since, bad_since, tstar,
                                                 min_up, mem_ptr, mem_idx, mem_standby,
                                                 mem_act, idr)  # fmt: skip
                        if ts >= 0:
                            tstar[v] = ts
                            for e in range(mem_ptr[v], mem_ptr[v + 1]):
                                if mem_standby[e] and mem_act[e] > 0:
                                    heapq.heappush(future, (np.int64(ts + mem_act[e]), np.int64(c)))
                    if state[v] != prev_state[v]:
                        out_node.append(np.int64(v))
                        out_t.append(np.int64(t))
                        out_state.append(np.int8(state[v]))
                        out_rule.append(np.int8(rules[i - lo]))
                        out_via.append(np.int64(vias[i - lo]))
                        changed.append(np.int64(v))
            # schedule what the changes touch: now (same instant) or when a tolerance runs out
            for v in changed:
                ns = state[v]
                old = prev_state[v]
                for e in range(dnt_ptr[v], dnt_ptr[v + 1]):
                    a = dnt_idx[e]
                    ra = rank[a]
                    tau = dnt_tol[e]
                    if (tau == 0 or ns < old) and queued[ra] != t:
                        queued[ra] = t
                        pending[ra] = 1
                        hi_r = max(hi_r, ra)
                    # the tolerance starts running when the dependency goes DOWN (any edge) or
                    # starts to be DOWN-or-DEGRADED (hard edges)
                    if tau > 0 and (
                        (ns == DOWN and old != DOWN)
                        or (dnt_hard[e] and ns == DEGRADED and old == UP)
                    ):
                        heapq.heappush(future, (np.int64(t + tau), np.int64(ra)))
                for e in range(grp_ptr[v], grp_ptr[v + 1]):
                    rg = rank[grp_idx[e]]
                    if queued[rg] != t:
                        queued[rg] = t
                        pending[rg] = 1
                        hi_r = max(hi_r, rg)
            c += 1
    return (
        np.array(out_node, dtype=np.int64),
        np.array(out_t, dtype=np.int64),
        np.array(out_state, dtype=np.int8),
        np.array(out_rule, dtype=np.int8),
        np.array(out_via, dtype=np.int64),
        tstar,
    )
