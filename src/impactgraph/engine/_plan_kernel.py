"""The recovery planner's array kernels: plain loops over arrays, compiled by numba on large
plans (the same code either way). :mod:`impactgraph.engine.plan` prepares their inputs and
reads their outputs; nothing here knows about ids or pydantic.
"""

from __future__ import annotations

import heapq
import os
from typing import Any

import numpy as np
import numpy.typing as npt

from impactgraph.engine import _kernel

_INF = 1 << 62
_NO_TIER = 99

I64 = npt.NDArray[np.int64]
B1 = npt.NDArray[np.bool_]
_FINISH, _GATE, _COUNT, _READY = 0, 1, 2, 3


def _hpush(h: I64, size: I64, row: int, x: int) -> None:
    """Push ``x`` on the binary min-heap in row ``row`` of ``h``."""
    i = size[row]
    size[row] = i + 1
    while i > 0:
        p = (i - 1) >> 1
        if h[row, p] <= x:
            break
        h[row, i] = h[row, p]
        i = p
    h[row, i] = x


def _hpop(h: I64, size: I64, row: int) -> int:
    """Pop the smallest value of the heap in row ``row``."""
    top = h[row, 0]
    n = size[row] - 1
    size[row] = n
    if n > 0:
        x = h[row, n]
        i = 0
        while True:
            c = 2 * i + 1
            if c >= n:
                break
            if c + 1 < n and h[row, c + 1] < h[row, c]:
                c += 1
            if h[row, c] >= x:
                break
            h[row, i] = h[row, c]
            i = c
        h[row, i] = x
    return int(top)


def _member_counts(
    u: int, pptr: I64, pred: I64, pmem: B1, poff: I64, fptr: I64, ftime: I64, back: I64
) -> tuple[I64, I64]:
    """When each member of gate ``u`` counts, sorted; tags: the pred edge, or −1 − fixed row."""
    nf = fptr[u + 1] - fptr[u]
    nm = 0
    for e in range(pptr[u], pptr[u + 1]):
        if pmem[e]:
            nm += 1
    times = np.empty(nf + nm, dtype=np.int64)
    tags = np.empty(nf + nm, dtype=np.int64)
    j = 0
    for r in range(fptr[u], fptr[u + 1]):
        times[j] = ftime[r]
        tags[j] = -1 - r
        j += 1
    for e in range(pptr[u], pptr[u + 1]):
        if pmem[e]:
            b = back[pred[e]]
            times[j] = b if b > poff[e] else poff[e]
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


def _k_critical_path(
    m: int,
    release: I64,
    dur: I64,
    pptr: I64,
    pred: I64,
    pmem: B1,
    poff: I64,
    gate: B1,
    k: I64,
    fptr: I64,
    ftime: I64,
    inf: int,
) -> tuple[I64, I64]:
    """Unlimited capacity: every unit starts as soon as rule 1 allows."""
    start = np.zeros(m, dtype=np.int64)
    back = np.zeros(m, dtype=np.int64)
    for u in range(m):
        t = release[u]
        for e in range(pptr[u], pptr[u + 1]):
            if not pmem[e]:
                b = back[pred[e]]
                if b > t:
                    t = b
        if gate[u]:
            times, _ = _member_counts(u, pptr, pred, pmem, poff, fptr, ftime, back)
            c = times[k[u] - 1] if len(times) >= k[u] else inf
            if c > t:
                t = c
        start[u] = t
        back[u] = t + dur[u]
    return start, back


def _k_deadlines(
    m: int,
    own: I64,
    dur: I64,
    pptr: I64,
    pred: I64,
    pmem: B1,
    poff: I64,
    gate: B1,
    k: I64,
    fptr: I64,
    ftime: I64,
    back: I64,
    inf: int,
) -> I64:
    """SPEC §4 rule 2 from the top down; a gate passes its deadline to the members it needs."""
    dl = own.copy()
    for u in range(m - 1, -1, -1):
        d = dl[u]
        if d == inf:
            continue
        x = d - dur[u]
        if gate[u]:
            _, tags = _member_counts(u, pptr, pred, pmem, poff, fptr, ftime, back)
            for i in range(min(k[u], len(tags))):
                e = tags[i]
                if e >= 0 and x < dl[pred[e]]:
                    dl[pred[e]] = x
        for e in range(pptr[u], pptr[u + 1]):
            if not pmem[e] and x < dl[pred[e]]:
                dl[pred[e]] = x
    return dl


def _k_waves(m: int, pptr: I64, pred: I64, has_step: B1) -> I64:
    """The longest chain of DOWN dependencies (steps) below each unit; a group adds none."""
    level = np.zeros(m, dtype=np.int64)
    for u in range(m):
        best = -1
        for e in range(pptr[u], pptr[u + 1]):
            if level[pred[e]] > best:
                best = level[pred[e]]
        level[u] = best + 1 if has_step[u] else best
    return level


def _settle(w: int, pend: I64, gate: B1, counted: I64, k: I64, queued: B1, rel: I64, t: int) -> int:
    """What to do with unit ``w`` now: 0 wait, 1 back later, 2 back now, 3 ready later, 4 ready."""
    if queued[w] or pend[w] > 0 or (gate[w] and counted[w] < k[w]):
        return 0
    queued[w] = True
    if gate[w]:
        return 1 if rel[w] > t else 2
    return 3 if rel[w] > t else 4


def _k_schedule(
    m: int,
    rank: I64,
    unit_at: I64,
    pool_of: I64,
    n_pools: int,
    crew_cat: I64,
    release: I64,
    dur: I64,
    pptr: I64,
    pmem: B1,
    sptr: I64,
    succ: I64,
    smem: B1,
    soff: I64,
    gate: B1,
    k: I64,
    fptr: I64,
    ftime: I64,
) -> tuple[I64, I64, I64]:
    """List scheduling: a free crew takes the ready unit of lowest ``rank`` it may take.

    Pool 0 holds steps any crew may take; pool p > 0 those of team p, taken by its crews
    (category p) and by crews that take anything (category 0). Returns start, back, crew.
    """
    start = np.full(m, -1, dtype=np.int64)
    back = np.full(m, -1, dtype=np.int64)
    crew_of = np.full(m, -1, dtype=np.int64)
    rel = release.copy()
    pend = np.zeros(m, dtype=np.int64)
    counted = np.zeros(m, dtype=np.int64)
    queued = np.zeros(m, dtype=np.bool_)
    for u in range(m):
        for e in range(pptr[u], pptr[u + 1]):
            if not pmem[e]:
                pend[u] += 1
    events = [(np.int64(0), np.int64(0), np.int64(0))]
    events.pop()
    ready = np.empty((n_pools, max(m, 1)), dtype=np.int64)
    n_ready = np.zeros(n_pools, dtype=np.int64)
    n_crews = len(crew_cat)
    free = np.empty((n_pools, max(n_crews, 1)), dtype=np.int64)
    n_free_in = np.zeros(n_pools, dtype=np.int64)
    for c in range(n_crews):
        _hpush(free, n_free_in, crew_cat[c], c)
    n_free = n_crews
    for u in range(m):
        for r in range(fptr[u], fptr[u + 1]):
            heapq.heappush(events, (ftime[r], np.int64(_COUNT), np.int64(u)))
        if not gate[u] and pend[u] == 0:
            queued[u] = True
            heapq.heappush(events, (rel[u], np.int64(_READY), np.int64(u)))
    stack = np.empty(max(m, 1), dtype=np.int64)
    while len(events) > 0:
        t = int(events[0][0])
        while len(events) > 0 and events[0][0] == t:
            _, code, x = heapq.heappop(events)
            u = int(x)
            sp = 0
            if code == _FINISH:
                _hpush(free, n_free_in, crew_cat[crew_of[u]], crew_of[u])
                n_free += 1
                stack[sp] = u
                sp += 1
            elif code == _READY:
                _hpush(ready, n_ready, pool_of[u], rank[u])
            elif code == _GATE:
                stack[sp] = u
                sp += 1
            else:  # a member counts
                counted[u] += 1
                what = _settle(u, pend, gate, counted, k, queued, rel, t)
                if what == 2:
                    stack[sp] = u
                    sp += 1
                elif what == 1:
                    heapq.heappush(events, (rel[u], np.int64(_GATE), np.int64(u)))
            while sp > 0:  # u is back at t: tell whoever waits for it
                sp -= 1
                v = stack[sp]
                back[v] = t
                if start[v] < 0:
                    start[v] = t
                for e in range(sptr[v], sptr[v + 1]):
                    w = succ[e]
                    if smem[e]:
                        if soff[e] > t:
                            heapq.heappush(events, (soff[e], np.int64(_COUNT), np.int64(w)))
                            continue
                        counted[w] += 1
                    else:
                        pend[w] -= 1
                        if t > rel[w]:
                            rel[w] = t
                    what = _settle(w, pend, gate, counted, k, queued, rel, t)
                    if what == 1:
                        heapq.heappush(events, (rel[w], np.int64(_GATE), np.int64(w)))
                    elif what == 2:
                        stack[sp] = w
                        sp += 1
                    elif what == 3:
                        heapq.heappush(events, (rel[w], np.int64(_READY), np.int64(w)))
                    elif what == 4:
                        _hpush(ready, n_ready, pool_of[w], rank[w])
        while n_free > 0:
            best_rank = -1
            best_pool = -1
            best_crew = -1
            for pool in range(n_pools):
                if n_ready[pool] == 0 or (best_pool >= 0 and ready[pool, 0] >= best_rank):
                    continue
                crew = -1
                if pool > 0:
                    if n_free_in[pool] > 0:
                        crew = free[pool, 0]
                else:  # named crews first, so that crews taking anything stay free
                    for cat in range(1, n_pools):
                        if n_free_in[cat] > 0 and (crew < 0 or free[cat, 0] < crew):
                            crew = free[cat, 0]
                if crew < 0 and n_free_in[0] > 0:
                    crew = free[0, 0]
                if crew >= 0:
                    best_rank, best_pool, best_crew = ready[pool, 0], pool, crew
            if best_pool < 0:
                break
            u = unit_at[_hpop(ready, n_ready, best_pool)]
            _hpop(free, n_free_in, crew_cat[best_crew])
            n_free -= 1
            crew_of[u] = best_crew
            start[u] = t
            heapq.heappush(events, (t + dur[u], np.int64(_FINISH), np.int64(u)))
    return start, back, crew_of


def _k_up(
    n: int,
    dep_ptr: I64,
    dep_idx: I64,
    mem_ptr: I64,
    mem_idx: I64,
    in_q: B1,
    own: I64,
    roots: I64,
) -> I64:
    """UP again: the latest ``own`` time among everything reachable from a root through
    dependencies and members inside ``in_q`` (Tarjan's SCCs, each closed once; −1: unreached).
    """
    index = np.full(n, -1, dtype=np.int64)
    low = np.zeros(n, dtype=np.int64)
    onstack = np.zeros(n, dtype=np.bool_)
    up = np.full(n, -1, dtype=np.int64)
    stack = np.empty(n, dtype=np.int64)
    call_v = np.empty(n, dtype=np.int64)
    call_e = np.empty(n, dtype=np.int64)
    sp = 0
    counter = 0
    for root in roots:
        if index[root] != -1 or not in_q[root]:
            continue
        depth = 0
        call_v[0] = root
        call_e[0] = 0
        index[root] = counter
        low[root] = counter
        counter += 1
        stack[sp] = root
        sp += 1
        onstack[root] = True
        while depth >= 0:
            v = call_v[depth]
            e = call_e[depth]
            nd = dep_ptr[v + 1] - dep_ptr[v]
            nm = mem_ptr[v + 1] - mem_ptr[v]
            if e < nd + nm:
                call_e[depth] = e + 1
                w = dep_idx[dep_ptr[v] + e] if e < nd else mem_idx[mem_ptr[v] + e - nd]
                if not in_q[w]:
                    continue
                if index[w] == -1:
                    index[w] = counter
                    low[w] = counter
                    counter += 1
                    stack[sp] = w
                    sp += 1
                    onstack[w] = True
                    depth += 1
                    call_v[depth] = w
                    call_e[depth] = 0
                elif onstack[w] and index[w] < low[v]:
                    low[v] = index[w]
            else:
                if low[v] == index[v]:  # v closes an SCC: everything it reaches is done
                    top = sp
                    t = 0
                    while True:
                        top -= 1
                        x = stack[top]
                        if own[x] > t:
                            t = own[x]
                        for f in range(dep_ptr[x], dep_ptr[x + 1]):
                            y = dep_idx[f]
                            if in_q[y] and not onstack[y] and up[y] > t:
                                t = up[y]
                        for f in range(mem_ptr[x], mem_ptr[x + 1]):
                            y = mem_idx[f]
                            if in_q[y] and not onstack[y] and up[y] > t:
                                t = up[y]
                        if x == v:
                            break
                    while sp > top:
                        sp -= 1
                        x = stack[sp]
                        onstack[x] = False
                        up[x] = t
                depth -= 1
                if depth >= 0:
                    u = call_v[depth]
                    if low[v] < low[u]:
                        low[u] = low[v]
    return up


def _k_binding(
    m: int,
    pptr: I64,
    pred: I64,
    pmem: B1,
    poff: I64,
    gate: B1,
    k: I64,
    fptr: I64,
    ftime: I64,
    fnode: I64,
    back: I64,
    unit_ptr: I64,
    unit_nodes: I64,
    dep_ptr: I64,
    dep_idx: I64,
    dep_hard: B1,
    down_inf: B1,
    back_at: I64,
    own_onset: I64,
) -> tuple[I64, I64]:
    """What held each unit back: (1, unit), (2, node) or (0, −1) when nothing below did.

    The dependency that came back last (units before nodes at a tie); through a group, the
    member whose return made ``min_up``. A unit that only restores components that failed
    themselves (``own_onset`` ≥ 0) was held back only if that came after its onset.
    """
    kind = np.zeros(m, dtype=np.int64)
    which = np.full(m, -1, dtype=np.int64)
    for u in range(m):
        best_t = -1
        best_pref = 2
        best_kind = 0
        best_which = -1
        for e in range(pptr[u], pptr[u + 1]):
            if not pmem[e] and back[pred[e]] > best_t:
                best_t, best_pref, best_kind, best_which = back[pred[e]], 0, 1, pred[e]
        for j in range(unit_ptr[u], unit_ptr[u + 1]):
            v = unit_nodes[j]
            for e in range(dep_ptr[v], dep_ptr[v + 1]):
                d = dep_idx[e]
                if dep_hard[e] and not down_inf[d] and back_at[d] > max(best_t, 0):
                    best_t, best_pref, best_kind, best_which = back_at[d], 1, 2, d
        if gate[u]:
            times, tags = _member_counts(u, pptr, pred, pmem, poff, fptr, ftime, back)
            if len(times) >= k[u]:
                t, tag = times[k[u] - 1], tags[k[u] - 1]
                pref = 0 if tag >= 0 else 1
                if t > best_t or (t == best_t and pref < best_pref):
                    best_t, best_pref = t, pref
                    if tag >= 0:
                        best_kind, best_which = 1, pred[tag]
                    else:
                        best_kind, best_which = 2, fnode[-1 - tag]
        if own_onset[u] >= 0 and best_t <= own_onset[u]:
            best_kind, best_which = 0, -1  # it failed itself; nothing below held it back
        kind[u] = best_kind
        which[u] = best_which
    return kind, which


_KERNELS = (
    "_hpush",
    "_hpop",
    "_member_counts",
    "_settle",
    "_k_critical_path",
    "_k_deadlines",
    "_k_waves",
    "_k_schedule",
    "_k_up",
    "_k_binding",
)
#: plans with at least this many units run the compiled kernels (when numba is installed)
JIT_THRESHOLD = 20_000
_COMPILED: dict[str, Any] = {}


def _kernels(m: int) -> dict[str, Any]:
    """The kernels, compiled by numba for large plans (``IMPACTGRAPH_JIT=0/1`` forces it)."""
    flag = os.environ.get("IMPACTGRAPH_JIT", "auto").lower()
    jit = flag in ("1", "true", "yes") or (flag == "auto" and m >= JIT_THRESHOLD)
    plain = {name: globals()[name] for name in _KERNELS}
    plain["scc"] = _kernel.strong_components
    if not jit:
        return plain
    if not _COMPILED:
        try:
            import numba
        except ImportError:  # pragma: no cover - numba is a declared dependency
            return plain
        module = globals()
        for name in _KERNELS:  # helpers first: the kernels resolve them from the module
            module[name] = numba.njit(cache=True)(plain[name])
            _COMPILED[name] = module[name]
        _COMPILED["scc"] = numba.njit(cache=True)(_kernel.strong_components)
    return _COMPILED


def topological_components(n: int, pre: I64, post: I64, scc: Any = None) -> tuple[I64, int]:
    """Strongly connected components of ``pre → post`` edges, numbered so that an edge never
    goes from a higher number to a lower one (dependencies first).

    >>> comp, count = topological_components(4, np.array([0, 1, 2, 2]), np.array([1, 2, 1, 3]))
    >>> comp.tolist(), count
    ([0, 1, 1, 2], 3)
    """
    order = np.argsort(pre, kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(pre, minlength=n), out=ptr[1:])
    comp, count = (scc or _kernel.strong_components)(n, ptr, post[order].astype(np.int64))
    return (count - 1) - np.asarray(comp, dtype=np.int64), int(count)


def _csr(keys: I64, n: int) -> tuple[I64, I64]:
    """CSR pointers and the stable order that sorts ``keys``."""
    order = np.argsort(keys, kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=n), out=ptr[1:])
    return ptr, order
