"""List scheduling with a limited number of crews (SPEC §4 rule 3), as an array kernel in the
subset of Python that numba compiles (:func:`impactgraph.engine._jit.kernels`).

Time moves from event to event. At each instant the kernel first **settles** what happens
then (a step finishes and frees its crew, a unit becomes ready, a gate's member counts, and
everything those make ready in turn), then **assigns**: while a crew is free, the best ready
unit some free crew may take goes to it. A step of 0 seconds is done the moment it is taken:
assigning stops there, its finish is settled at the same instant (its crew is free again,
what it unblocks is ready, a group it completes is back), and only then does the next free
crew choose, so every step ready at an instant competes at that instant however it became
ready. Ready units wait in one heap per pool, keyed by their rank in the priority order;
free crews in one heap per category.
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

if TYPE_CHECKING:
    from impactgraph.engine.plan.network import Gates, Waits
    from impactgraph.graph import I64

#: the helpers first, then the kernel (the order :func:`_jit.kernels` compiles them in)
NAMES = ("heap_push", "heap_pop", "list_schedule")

#: event codes, in the order they are handled at one instant
FINISH, GATE_BACK, COUNT, READY = 0, 1, 2, 3


class Priority(NamedTuple):
    """The order steps are taken in: ``unit_at[rank[u]] == u``; ``pool`` per unit: 0 for a
    step any crew may take, p > 0 for a step of named team p, −1 for a unit without a step
    (a DOWN group, or a cycle of groups only): no crew does it, it is back once it may be."""

    rank: I64
    unit_at: I64
    pool: I64


class Crews(NamedTuple):
    """``category`` per crew: 0 takes any step, p > 0 is a crew of named team p."""

    category: I64
    pools: int  # named teams + 1


class Heaps(NamedTuple):
    """One binary min-heap per row of ``rows``, holding ``size[row]`` values."""

    rows: I64
    size: I64


def heap_push(h: Heaps, row: int, x: int) -> None:
    """Push ``x`` on the heap in row ``row``."""
    rows, size = h
    i = size[row]
    size[row] = i + 1
    while i > 0:
        p = (i - 1) >> 1
        if rows[row, p] <= x:
            break
        rows[row, i] = rows[row, p]
        i = p
    rows[row, i] = x


def heap_pop(h: Heaps, row: int) -> int:
    """Pop the smallest value of the heap in row ``row``."""
    rows, size = h
    top = rows[row, 0]
    n = size[row] - 1
    size[row] = n
    if n > 0:
        x = rows[row, n]
        i = 0
        while True:
            c = 2 * i + 1
            if c >= n:
                break
            if c + 1 < n and rows[row, c + 1] < rows[row, c]:
                c += 1
            if rows[row, c] >= x:
                break
            rows[row, i] = rows[row, c]
            i = c
        rows[row, i] = x
    return int(top)


def list_schedule(
    release: I64,
    duration: I64,
    waits: Waits,
    waiters: Waits,
    gates: Gates,
    priority: Priority,
    crews: Crews,
) -> tuple[I64, I64, I64]:
    """Start, back and crew of every unit (−1 for a unit that never becomes ready)."""
    # one loop with the arrays in locals: helpers taking the tuples would cost reference
    # counting on every call in the compiled code
    m = len(release)
    min_up = gates.min_up  # 0 but for gates
    w_ptr, w_unit, w_member, w_from = waiters
    rank, unit_at, pool = priority
    category = crews.category
    start = np.full(m, -1, dtype=np.int64)
    back = np.full(m, -1, dtype=np.int64)
    crew_of = np.full(m, -1, dtype=np.int64)
    rel = release.copy()  # raised as what a unit waits for comes back
    pending = np.zeros(m, dtype=np.int64)  # blocking waits not yet back
    counted = np.zeros(m, dtype=np.int64)  # members counted (gates)
    queued = np.zeros(m, dtype=np.bool_)  # made ready (or back, for a gate) already
    for u in range(m):
        for e in range(waits.ptr[u], waits.ptr[u + 1]):
            if not waits.is_member[e]:
                pending[u] += 1
    events = [(np.int64(0), np.int64(0), np.int64(0))]
    events.pop()
    ready = Heaps(np.empty((crews.pools, max(m, 1)), np.int64), np.zeros(crews.pools, np.int64))
    n_crews = len(category)
    free = Heaps(
        np.empty((crews.pools, max(n_crews, 1)), np.int64), np.zeros(crews.pools, np.int64)
    )
    for c in range(n_crews):
        heap_push(free, category[c], c)
    for u in range(m):
        for r in range(gates.fixed_ptr[u], gates.fixed_ptr[u + 1]):
            heapq.heappush(events, (gates.fixed_at[r], np.int64(COUNT), np.int64(u)))
        if pending[u] == 0 and min_up[u] == 0:
            queued[u] = True
            how = READY if pool[u] >= 0 else GATE_BACK
            heapq.heappush(events, (rel[u], np.int64(how), np.int64(u)))
    back_now = np.empty(max(m, 1), dtype=np.int64)  # back at t, waiters not yet told
    touched = np.empty(max(len(w_unit), 1), dtype=np.int64)  # waiters to look at now
    n_free = n_crews
    while len(events) > 0:
        t = int(events[0][0])

        # settle: every event at t, and everything it sets off at t
        while len(events) > 0 and events[0][0] == t:
            _, code, x = heapq.heappop(events)
            u = int(x)
            n_back = 0
            n_touched = 0
            if code == FINISH:
                heap_push(free, category[crew_of[u]], crew_of[u])
                n_free += 1
                back_now[0] = u
                n_back = 1
            elif code == READY:
                heap_push(ready, pool[u], rank[u])
            elif code == GATE_BACK:
                back_now[0] = u
                n_back = 1
            else:  # a member counts
                counted[u] += 1
                touched[0] = u
                n_touched = 1
            while True:
                for i in range(n_touched):  # in edge order; may add to back_now, never here
                    w = touched[i]
                    if queued[w] or pending[w] > 0 or counted[w] < min_up[w]:
                        continue
                    queued[w] = True
                    if pool[w] < 0:  # no crew: back as soon as it may be
                        if rel[w] > t:
                            heapq.heappush(events, (rel[w], np.int64(GATE_BACK), np.int64(w)))
                        else:
                            back_now[n_back] = w
                            n_back += 1
                    elif rel[w] > t:
                        heapq.heappush(events, (rel[w], np.int64(READY), np.int64(w)))
                    else:
                        heap_push(ready, pool[w], rank[w])
                n_touched = 0
                if n_back == 0:
                    break
                n_back -= 1  # v is back at t: tell whoever waits for it
                v = back_now[n_back]
                back[v] = t
                if start[v] < 0:
                    start[v] = t
                for e in range(w_ptr[v], w_ptr[v + 1]):
                    w = w_unit[e]
                    if w_member[e]:
                        if w_from[e] > t:
                            heapq.heappush(events, (w_from[e], np.int64(COUNT), np.int64(w)))
                            continue
                        counted[w] += 1
                    else:
                        pending[w] -= 1
                        if t > rel[w]:
                            rel[w] = t
                    touched[n_touched] = w
                    n_touched += 1

        # assign: while crews are free, the best ready unit some free crew may take goes to a
        # crew of its own team, else of another named team (for steps of pool 0), else to one
        # that takes anything; lowest number first
        while n_free > 0:
            best_rank = -1
            best_pool = -1
            best_crew = -1
            for p in range(crews.pools):
                if ready.size[p] == 0 or (best_pool >= 0 and ready.rows[p, 0] >= best_rank):
                    continue
                crew = -1
                if p > 0:
                    if free.size[p] > 0:
                        crew = free.rows[p, 0]
                else:  # named crews first, so that crews taking anything stay free
                    for cat in range(1, crews.pools):
                        if free.size[cat] > 0 and (crew < 0 or free.rows[cat, 0] < crew):
                            crew = free.rows[cat, 0]
                if crew < 0 and free.size[0] > 0:
                    crew = free.rows[0, 0]
                if crew >= 0:
                    best_rank, best_pool, best_crew = ready.rows[p, 0], p, crew
            if best_pool < 0:
                break
            u = unit_at[heap_pop(ready, best_pool)]
            heap_pop(free, category[best_crew])
            n_free -= 1
            crew_of[u] = best_crew
            start[u] = t
            heapq.heappush(events, (t + duration[u], np.int64(FINISH), np.int64(u)))
            if duration[u] == 0:
                break  # it is done at t: settle that (its crew, what it unblocks) first
    return start, back, crew_of
