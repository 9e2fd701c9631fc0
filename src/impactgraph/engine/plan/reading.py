"""What a scenario's answer says per component: DOWN until ∞ and since when, or when it was back.

The planner reads the impact's interval columns (:class:`~impactgraph.engine.impact.Records`),
never its timeline objects, except for an impact built by hand without columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from impactgraph.engine._jit import INF
from impactgraph.engine.impact import RULE_CODES, STATE_CODES, Impact, Records, Rule, State
from impactgraph.graph import B1, I64, Graph

DOWN = STATE_CODES.index(State.DOWN)
FAILED = RULE_CODES.index(Rule.FAILED)


@dataclass(frozen=True)
class Reading:
    """The impact per node; ``rec`` rows of node ``v`` are ``ptr[v]:ptr[v + 1]``."""

    rec: Records
    ptr: I64
    down_inf: B1  # DOWN until ∞
    not_up_inf: B1  # DOWN or DEGRADED until ∞
    onset: I64  # start of the DOWN interval lasting to ∞
    restore: B1  # DOWN until ∞ because it failed itself
    back_at: I64  # end of the last DOWN interval (0 if never DOWN, or DOWN until ∞)

    def last_down(self, v: int) -> int:
        """The row of ``v``'s last DOWN interval, −1 if it is never DOWN."""
        state = self.rec.state
        for r in range(int(self.ptr[v + 1]) - 1, int(self.ptr[v]) - 1, -1):
            if state[r] == DOWN:
                return r
        return -1


def read_impact(graph: Graph, impact: Impact) -> Reading:
    """The per-node facts the planner needs from ``impact``."""
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
    dinf = forever & (state[last] == DOWN)
    down_inf = np.zeros(n, dtype=np.bool_)
    down_inf[lnode[dinf]] = True
    onset = np.zeros(n, dtype=np.int64)
    onset[lnode[dinf]] = rec.start[last[dinf]]
    restore = np.zeros(n, dtype=np.bool_)
    restore[lnode[dinf & (rec.rule[last] == FAILED)]] = True
    for f in impact.failures:
        if f.end is None and down_inf[f.node]:
            restore[f.node] = True
    back_at = np.zeros(n, dtype=np.int64)
    finite_down = (state == DOWN) & (end >= 0)
    np.maximum.at(back_at, node[finite_down], end[finite_down])
    back_at[down_inf] = 0
    return Reading(rec, ptr, down_inf, not_up_inf, onset, restore, back_at)


def standby_clock(graph: Graph, reading: Reading, g: int) -> int:
    """``t*`` of group ``g``: the first moment fewer than ``min_up`` of its active members are
    not DOWN (SPEC §3 rule 4); a standby counts from ``t* + activation``."""
    k = int(graph.min_up[g])
    members = graph.members
    lo, hi = int(members.ptr[g]), int(members.ptr[g + 1])
    actives = [int(members.idx[e]) for e in range(lo, hi) if not members.standby[e]]
    if len(actives) < k:
        return 0
    rec, ptr = reading.rec, reading.ptr
    events: list[tuple[int, int]] = []
    for v in actives:
        for r in range(int(ptr[v]), int(ptr[v + 1])):
            if rec.state[r] == DOWN:
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
    return INF


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
