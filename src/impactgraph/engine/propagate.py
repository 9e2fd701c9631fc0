"""Blast radius: ``propagate(graph, scenario) -> Impact``, SPEC §3 exactly.

The work happens in :mod:`impactgraph.engine._kernel` (an exact event-driven computation); this
module prepares its arrays, picks the compiled or the interpreted kernel, and turns change
records into timelines with causes.

>>> from impactgraph.model import Component, Dependency, Kind, Model
>>> from impactgraph.graph import Graph
>>> from impactgraph.engine.scenario import Failure, Scenario
>>> g = Graph.from_model(Model.build(
...     [Component(id="dc1", kind=Kind.SITE), Component(id="app", kind=Kind.SERVICE)],
...     [Dependency(source="app", target="dc1", tolerance=600)]))
>>> impact = propagate(g, Scenario(failures=(Failure("dc1", duration=3600),)))
>>> [(iv.state.value, iv.start, iv.end) for iv in impact.timelines["app"]]
[('DOWN', 600, 3600)]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from impactgraph._gc import no_gc
from impactgraph.engine import _jit, _kernel
from impactgraph.engine._kernel import Failures, KernelGraph
from impactgraph.engine._scc import topological_components
from impactgraph.engine.impact import Impact, Records, summarise
from impactgraph.engine.scenario import RootFailure, Scenario, resolve
from impactgraph.graph import Adjacency, Csr, Graph, Membership, derived

I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Topology:
    """The graph renumbered for the kernel (see :class:`~impactgraph.engine._kernel.KernelGraph`):
    ``order[new] = old`` and ``inv[old] = new``."""

    order: I64
    inv: I64
    kernel_graph: KernelGraph


def _permute_csr(
    ptr: I64, order: I64, inv: I64, idx: I64, *attrs: npt.NDArray[Any]
) -> list[npt.NDArray[Any]]:
    """Renumber a CSR adjacency: rows taken in ``order``, neighbours mapped through ``inv``."""
    counts = np.diff(ptr)[order]
    new_ptr = np.zeros(len(order) + 1, dtype=np.int64)
    np.cumsum(counts, out=new_ptr[1:])
    gather = np.repeat(ptr[:-1][order] - new_ptr[:-1], counts) + np.arange(
        int(new_ptr[-1]), dtype=np.int64
    )
    return [new_ptr, inv[idx[gather]], *(a[gather] for a in attrs)]


def _untyped(columns: list[npt.NDArray[Any]]) -> Adjacency:
    """``(ptr, idx, hard, tol)`` as an :class:`Adjacency` with no edge types (empty)."""
    ptr, idx, hard, tol = columns
    return Adjacency(ptr, idx, hard, tol, np.zeros(0, dtype=np.int32))


def topology(graph: Graph) -> Topology:
    """The kernel's view of the graph, computed once per graph (kept beside it).

    Influence runs from a dependency to its dependents and from a member to its groups; nodes
    are renumbered in topological order of its strongly connected components.
    """
    return derived(graph, "propagation-topology", _topology)


def _topology(graph: Graph) -> Topology:
    n = graph.n
    g = graph
    # influence: a dependency → its dependents, a member → its groups
    pre = np.concatenate(
        [
            np.repeat(np.arange(n, dtype=np.int64), np.diff(g.dependents.ptr)),
            np.repeat(np.arange(n, dtype=np.int64), np.diff(g.groups.ptr)),
        ]
    )
    post = np.concatenate([g.dependents.idx, g.groups.idx]).astype(np.int64)
    rank_old, ncomp = topological_components(n, pre, post)
    order = np.argsort(rank_old, kind="stable").astype(np.int64)
    inv = np.empty(n, dtype=np.int64)
    inv[order] = np.arange(n, dtype=np.int64)
    scc_ptr = np.zeros(ncomp + 1, dtype=np.int64)
    np.cumsum(np.bincount(rank_old, minlength=ncomp), out=scc_ptr[1:])
    dep, dnt, mem = g.dependencies, g.dependents, g.members
    members = Membership(*_permute_csr(mem.ptr, order, inv, mem.idx, mem.standby, mem.activation))
    rank = rank_old[order]
    cycle = np.diff(scc_ptr)[rank] > 1  # each node: whether its SCC is a cycle
    dependents = _untyped(_permute_csr(dnt.ptr, order, inv, dnt.idx, dnt.hard, dnt.tol))
    groups = Csr(*_permute_csr(g.groups.ptr, order, inv, g.groups.idx))
    kg = KernelGraph(
        rank=rank,
        scc_ptr=scc_ptr,
        # the rules never read edge types: the kernel's copy leaves them out (empty)
        dependencies=_untyped(_permute_csr(dep.ptr, order, inv, dep.idx, dep.hard, dep.tol)),
        dependents=dependents,
        members=members,
        groups=groups,
        min_up=g.min_up[order],
        id_rank=g.id_rank()[order],  # causes break ties by id
        **_group_arrays(n, *members),
        dnt_rank=rank[dependents.idx],
        dnt_cyc=cycle[dependents.idx],
        grp_rank=rank[groups.idx],
        grp_cyc=cycle[groups.idx],
    )
    return Topology(order=order, inv=inv, kernel_graph=kg)


def _group_arrays(n: int, ptr: I64, idx: I64, standby: Any, activation: I64) -> dict[str, Any]:
    """What the kernel reads of the (renumbered) member edges besides the edges themselves:
    each edge's wait (activation if standby, −1 if active), each group's standby edges (CSR in
    one array) and, for each member, its groups of more than ``BIG_GROUP`` members (CSR)."""
    sb_edge = np.flatnonzero(standby).astype(np.int64)
    sb_cum = np.zeros(len(standby) + 1, dtype=np.int64)
    np.cumsum(standby, out=sb_cum[1:])
    packed = np.concatenate([sb_cum[ptr] + (n + 1), sb_edge]).astype(np.int64)
    sizes = np.diff(ptr)
    big_edge = np.repeat(sizes > _kernel.BIG_GROUP, sizes)
    big_member = idx[big_edge].astype(np.int64)
    by_member = np.argsort(big_member, kind="stable")
    big_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(big_member, minlength=n), out=big_ptr[1:])
    big_group = np.repeat(np.arange(n, dtype=np.int64), sizes)[big_edge][by_member]
    return {
        "mem_wait": np.where(standby, activation, -1).astype(np.int64),
        "standby": packed,
        "big_groups": Csr(big_ptr, big_group),
    }


def _failure_arrays(n: int, roots: list[RootFailure]) -> tuple[Failures, I64]:
    """Merged failure intervals per node as CSR, and the failed nodes."""
    per: dict[int, list[tuple[int, int]]] = {}
    for f in roots:
        per.setdefault(f.node, []).append((f.at, int(_kernel.INF) if f.end is None else f.end))
    merged: dict[int, list[list[int]]] = {}
    for v, spans in per.items():
        out: list[list[int]] = []
        for s, e in sorted(spans):
            if out and s <= out[-1][1]:  # overlapping or touching failures of one component
                out[-1][1] = max(out[-1][1], e)
            else:
                out.append([s, e])
        merged[v] = out
    counts = np.zeros(n, dtype=np.int64)
    for v, spans2 in merged.items():
        counts[v] = len(spans2)
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    fstart = np.zeros(int(ptr[-1]), dtype=np.int64)
    fend = np.zeros(int(ptr[-1]), dtype=np.int64)
    for v, spans2 in merged.items():
        for i, (s, e) in enumerate(spans2):
            fstart[ptr[v] + i] = s
            fend[ptr[v] + i] = e
    return Failures(ptr, fstart, fend), np.asarray(sorted(merged), dtype=np.int64)


def propagate(graph: Graph, scenario: Scenario) -> Impact:
    """The blast radius of ``scenario`` on ``graph`` (SPEC §3): timelines with causes, summary.

    Every component that is not UP at some moment gets a timeline: intervals ``[from, to)`` in
    seconds (``to`` None = ∞), in time order, adjacent intervals of one state merged, each with
    the cause at its start.
    """
    with no_gc():
        roots = resolve(graph, scenario)
        rec = records_from_changes(graph, *run_kernel(graph, roots))
        return Impact(
            scenario=scenario, failures=roots, records=rec, summary=summarise(graph, scenario, rec)
        )


def run_kernel(
    graph: Graph, roots: list[RootFailure]
) -> tuple[I64, I64, npt.NDArray[np.int8], npt.NDArray[np.int8], I64]:
    """Change records (node, time, state, rule, via) for resolved root failures."""
    kern: Any = _jit.kernels(_kernel, _kernel.KERNELS, graph.n)
    node, t, st, rule, via = kern.propagate_kernel(*kernel_arguments(graph, roots))
    return graph_numbering(graph, node, t, st, rule, via)


def kernel_arguments(graph: Graph, roots: list[RootFailure]) -> tuple[Any, ...]:
    """What :func:`~impactgraph.engine._kernel.propagate_kernel` takes for ``roots``: the
    renumbered graph, the failures in its numbering, a fresh clock."""
    topo = topology(graph)
    renumbered = [
        RootFailure(node=int(topo.inv[f.node]), id=f.id, at=f.at, end=f.end) for f in roots
    ]
    kg = topo.kernel_graph
    return kg, *_failure_arrays(graph.n, renumbered), _kernel.new_clock(kg)


def graph_numbering(
    graph: Graph, node: I64, t: I64, st: npt.NDArray[np.int8], rule: npt.NDArray[np.int8], via: I64
) -> tuple[I64, I64, npt.NDArray[np.int8], npt.NDArray[np.int8], I64]:
    """The kernel's change records with nodes (and vias) in the graph's own numbering."""
    order = topology(graph).order
    return order[node], t, st, rule, np.where(via >= 0, order[np.maximum(via, 0)], -1)


def records_from_changes(
    graph: Graph,
    node: I64,
    t: I64,
    st: npt.NDArray[np.int8],
    rule: npt.NDArray[np.int8],
    via: I64,
) -> Records:
    """Change records → intervals in columns: each change lasts until the node's next change;
    UP stretches are dropped. A node's changes never repeat a state, so nothing needs merging."""
    # the kernel emits in time order: sort by node, stably (counting, O(n + records), when the
    # records are many; the few of a small answer on a large graph are sorted as they are)
    if _jit.use_compiled(graph.n) and 16 * len(node) >= graph.n:
        order = _jit.kernels(_kernel, _kernel.KERNELS, graph.n).changes_by_node(node, graph.n)
    else:
        order = np.argsort(node, kind="stable")
    node, t, st, rule, via = node[order], t[order], st[order], rule[order], via[order]
    end = np.full(len(node), -1, dtype=np.int64)
    if len(node) > 1:
        same = node[1:] == node[:-1]
        end[:-1] = np.where(same, t[1:], -1)
    keep = st != 0
    return Records(
        node=node[keep],
        start=t[keep],
        end=end[keep],
        state=st[keep],
        rule=rule[keep],
        via=via[keep],
        ids=graph.ids,
    )
