"""Business services in a plan: when each is recovered and UP again, its breach of the RTO, the
critical chain that made it late; and the money lost until the plan brings things back."""

from __future__ import annotations

from typing import Any

import numpy as np

from impactgraph.engine import _jit, _scc
from impactgraph.engine.plan import _kernels
from impactgraph.engine.plan.answer import ServiceRecovery
from impactgraph.engine.plan.network import NO_TIER, Network
from impactgraph.engine.plan.reading import DOWN, FAILED, Reading
from impactgraph.graph import I64, KIND_CODE, Graph, csr, derived
from impactgraph.model import Kind

BUSINESS = KIND_CODE[Kind.BUSINESS_SERVICE]

#: a link of a critical chain: ``("unit", u)`` (a step or gate) or ``("node", v)`` (an outage
#: that ended on its own)
Link = tuple[str, int]


def services(graph: Graph, reading: Reading, net: Network, back: I64) -> list[ServiceRecovery]:
    """Every business service that is DOWN at some moment, against its RTO: tier first, then
    the largest breach."""
    rec = reading.rec
    was_down = np.zeros(graph.n, dtype=np.bool_)
    was_down[rec.node[rec.state == DOWN]] = True
    hit = np.flatnonzero(was_down & (graph.kind == BUSINESS)).tolist()
    if not hit:
        return []
    up = up_times(graph, reading, net, back)
    chains = Chains(graph, reading, net, back)
    rto_of, tier_of = graph.attr("rto"), graph.attr("tier")
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
        rto = rto_of[v]
        out.append(
            ServiceRecovery(
                id=graph.ids[v],
                tier=tier_of[v],
                rto=rto,
                onset=onset,
                recovered_at=recovered,
                up_at=up_at,
                breach=None if rto is None else max(0, recovered - (onset + rto)),
                critical_chain=chains.chain(v),
            )
        )
    out.sort(
        key=lambda s: (
            NO_TIER if s.tier is None else s.tier,
            -(s.breach or 0),
            s.recovered_at,
            s.id,
        )
    )
    return out


def up_times(graph: Graph, reading: Reading, net: Network, back: I64) -> I64:
    """When each component not UP at ∞ is UP again: the latest moment its own step (or gate)
    and everything it needs (hard or soft) or has as a member that was not UP at ∞ are back
    (−1 for components UP at ∞). A cycle is condensed first: it is back as a whole."""
    not_up = reading.not_up_inf
    q = np.flatnonzero(not_up)
    loc = np.full(graph.n, -1, dtype=np.int64)
    loc[q] = np.arange(len(q), dtype=np.int64)
    own = np.zeros(len(q), dtype=np.int64)
    stepped = net.unit_of[q] >= 0
    own[stepped] = back[net.unit_of[q[stepped]]]
    kern: Any = _jit.kernels(_kernels, _kernels.NAMES, len(q))
    ptr, below = kern.induced(q, loc, *_needs(graph))  # what each needs, among those
    scc: Any = _jit.kernels(_scc, ("strong_components",), len(q))
    comp, count = scc.strong_components(len(q), ptr, below)  # ids: what it needs first
    latest = kern.latest_below(comp, count, own, ptr, below)
    up = np.full(graph.n, -1, dtype=np.int64)
    up[q] = latest[comp]
    return up


def _needs(graph: Graph) -> tuple[I64, I64]:
    """Every dependency (hard or soft) and member edge as CSR by the component that needs it
    (once per graph)."""

    def build(g: Graph) -> tuple[I64, I64]:
        members = np.repeat(np.arange(g.n, dtype=np.int64), np.diff(g.members.ptr))
        ptr, order = csr(np.concatenate([g.edge_sources(), members]), g.n)
        return ptr, np.concatenate([g.dependencies.idx, g.members.idx])[order]

    return derived(graph, "plan-needs", build)


class Chains:
    """Walks back from a business service to the root failure that set its recovery time."""

    def __init__(self, graph: Graph, reading: Reading, net: Network, back: I64) -> None:
        self.graph, self.reading, self.net = graph, reading, net
        units = net.units
        m = net.m
        restore = reading.restore[units.nodes] & ~net.is_group[units.nodes]
        unit_sorted = np.repeat(np.arange(m, dtype=np.int64), np.diff(units.ptr))
        all_restore = (np.bincount(unit_sorted, weights=restore, minlength=m) == units.steps) & (
            units.steps > 0
        )
        own_onset = np.full(m, -1, dtype=np.int64)
        np.maximum.at(own_onset, unit_sorted, reading.onset[units.nodes])
        own_onset[~all_restore] = -1
        kern: Any = _jit.kernels(_kernels, _kernels.NAMES, m)
        kind, which = kern.binding(
            net.waits,
            net.gates,
            back,
            units.ptr,
            units.nodes,
            graph.dependencies,
            reading.down_inf,
            reading.back_at,
            own_onset,
        )
        self._kind, self._which = kind.tolist(), which.tolist()
        # the chains walked so far, as parent pointers: a link's chain is the chain of the
        # link below it (None: nothing below) followed by its own names; each chain is
        # spelled out only when asked for, so a long chain costs its length, not its square
        self._below: dict[Link, Link | None] = {}
        self._names: dict[int, list[str]] = {}  # a bootstrap's ids, sorted (units only)

    def binding(self, u: int) -> Link | None:
        """The dependency that held unit ``u`` back (None: nothing below did)."""
        kind = self._kind[u]
        return None if kind == 0 else ("unit" if kind == 1 else "node", self._which[u])

    def _next(self, here: Link) -> Link | None:
        what, which = here
        if what == "unit":
            return self.binding(which)
        rec = self.reading.rec
        r = self.reading.last_down(which)
        if r < 0 or rec.rule[r] == FAILED or rec.via[r] < 0:
            return None
        w = int(rec.via[r])
        u = int(self.net.unit_of[w])
        return ("unit", u) if u >= 0 else ("node", w)

    def _link_names(self, here: Link) -> list[str]:
        what, which = here
        ids = self.graph.ids
        if what == "node":
            return [ids[which]]
        names = self._names.get(which)
        if names is None:
            nodes = self.net.nodes(which)
            names = [ids[int(nodes[0])]] if len(nodes) == 1 else sorted(ids[x] for x in nodes)
            self._names[which] = names
        return names

    def chain(self, v: int) -> list[str]:
        """Component ids from the root failure up to ``v`` (shared tails are walked once)."""
        ids, below = self.graph.ids, self._below
        u = int(self.net.unit_of[v])
        start: Link = ("unit", u) if u >= 0 else ("node", v)
        path: list[Link] = []
        on_path: set[Link] = set()
        here: Link | None = start
        while here is not None and here not in below and here not in on_path:
            on_path.add(here)
            path.append(here)
            here = self._next(here)
        # the walk ends at a known link, the root, or a link already on it (a loop: the
        # chain then starts at the last link walked)
        tail: Link | None = here if here is not None and here in below else None
        for link in reversed(path):
            below[link] = tail
            tail = link
        links: list[Link] = []
        at: Link | None = start
        while at is not None:
            links.append(at)
            at = below[at]
        out = [name for link in reversed(links) for name in self._link_names(link)]
        if out[-1] != ids[v]:  # a bootstrap step: the service itself closes the chain
            out.remove(ids[v])
            out.append(ids[v])
        return out


def money_lost(graph: Graph, reading: Reading, net: Network, back: I64) -> float:
    """``impact_per_hour`` × hours DOWN, with outages to ∞ ending when the plan brings them back."""
    rec = reading.rec
    down = np.flatnonzero(rec.state == DOWN)
    nodes = rec.node[down]
    ends = rec.end[down].copy()
    forever = ends < 0
    if net.m:
        ends[forever] = back[net.unit_of[nodes[forever]]]
    secs = np.maximum(0, ends - rec.start[down])
    return round(float(np.sum(graph.rates()[nodes] * secs)) / 3600.0, 2)
