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

import gc
import os
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from impactgraph.engine import _kernel
from impactgraph.engine.impact import Impact, Records, summarise
from impactgraph.engine.scenario import RootFailure, Scenario, resolve
from impactgraph.graph import Graph

I64 = npt.NDArray[np.int64]

#: graphs at least this large use the compiled kernel (when numba is installed)
JIT_THRESHOLD = 20_000


@dataclass(frozen=True)
class Topology:
    """The graph renumbered for the kernel: nodes in topological order of the strongly
    connected components of the influence graph (so that an instant's work walks memory
    forwards), with the CSR arrays permuted to match.

    ``order[new] = old`` and ``inv[old] = new``; ``rank[new]`` is the SCC's rank (non-decreasing)
    and ``scc_ptr`` delimits each SCC's (consecutive) new numbers.
    """

    order: I64
    inv: I64
    rank: I64
    scc_ptr: I64
    arrays: dict[str, npt.NDArray[Any]]


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


def topology(graph: Graph) -> Topology:
    """The kernel's view of the graph (computed once per graph, cached on it).

    Influence runs from a dependency to its dependents and from a member to its groups.
    """
    cached = graph._lists.get("__topology__")
    if isinstance(cached, Topology):
        return cached
    n = graph.n
    src = np.concatenate(
        [
            np.repeat(np.arange(n, dtype=np.int64), np.diff(graph.dnt_ptr)),
            np.repeat(np.arange(n, dtype=np.int64), np.diff(graph.grp_ptr)),
        ]
    )
    dst = np.concatenate([graph.dnt_idx, graph.grp_idx]).astype(np.int64)
    by_src = np.argsort(src, kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=ptr[1:])
    comp, ncomp = _pick(n)["scc"](n, ptr, dst[by_src])
    rank_old = (ncomp - 1) - np.asarray(comp, dtype=np.int64)  # Tarjan numbers sinks first
    order = np.argsort(rank_old, kind="stable").astype(np.int64)
    inv = np.empty(n, dtype=np.int64)
    inv[order] = np.arange(n, dtype=np.int64)
    rank = rank_old[order]
    sizes = np.bincount(rank_old, minlength=ncomp)
    scc_ptr = np.zeros(ncomp + 1, dtype=np.int64)
    np.cumsum(sizes, out=scc_ptr[1:])
    g = graph
    arrays: dict[str, npt.NDArray[Any]] = {}
    (arrays["dep_ptr"], arrays["dep_idx"], arrays["dep_hard"], arrays["dep_tol"]) = _permute_csr(
        g.dep_ptr, order, inv, g.dep_idx, g.dep_hard, g.dep_tol
    )
    (arrays["dnt_ptr"], arrays["dnt_idx"], arrays["dnt_hard"], arrays["dnt_tol"]) = _permute_csr(
        g.dnt_ptr, order, inv, g.dnt_idx, g.dnt_hard, g.dnt_tol
    )
    (arrays["mem_ptr"], arrays["mem_idx"], arrays["mem_standby"], arrays["mem_act"]) = _permute_csr(
        g.mem_ptr, order, inv, g.mem_idx, g.mem_standby, g.mem_activation
    )
    arrays["grp_ptr"], arrays["grp_idx"] = _permute_csr(g.grp_ptr, order, inv, g.grp_idx)
    arrays["min_up"] = g.min_up[order]
    # causes break ties by id, whatever order the model listed (or a store read) things in
    by_id = sorted(range(n), key=g.ids.__getitem__)
    id_rank = np.empty(n, dtype=np.int64)
    id_rank[np.asarray(by_id, dtype=np.int64)] = np.arange(n, dtype=np.int64)
    arrays["id_rank"] = id_rank[order]
    topo = Topology(order=order, inv=inv, rank=rank, scc_ptr=scc_ptr, arrays=arrays)
    graph._lists["__topology__"] = topo
    return topo


def _failure_arrays(n: int, roots: list[RootFailure]) -> tuple[I64, I64, I64, I64]:
    """Merged failure intervals per node as CSR (ptr, start, end) and the failed nodes."""
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
    return ptr, fstart, fend, np.asarray(sorted(merged), dtype=np.int64)


_COMPILED: dict[str, Callable[..., Any]] = {}


def _pick(n: int) -> dict[str, Callable[..., Any]]:
    """The compiled kernel for large graphs (when numba is there), else the interpreted one."""
    flag = os.environ.get("IMPACTGRAPH_JIT", "auto").lower()
    use_jit = flag in ("1", "true", "yes") or (flag == "auto" and n >= JIT_THRESHOLD)
    if use_jit:
        if not _COMPILED:
            try:
                import numba
            except ImportError:  # pragma: no cover - numba is a declared dependency
                use_jit = False
            else:
                _COMPILED.update(_compile(numba))
        if use_jit:
            return _COMPILED
    return {"kernel": _PLAIN_KERNEL, "scc": _PLAIN_SCC}


def _compile(numba: Any) -> dict[str, Callable[..., Any]]:
    """Compile the kernel without touching the interpreted one: copies of the functions get
    their own globals, in which the helpers they call are compiled too."""
    scope: dict[str, Any] = dict(vars(_kernel))

    def jit(name: str) -> Any:
        f = getattr(_kernel, name)
        copy = types.FunctionType(f.__code__, scope, f.__name__, f.__defaults__, f.__closure__)
        copy.__module__ = f.__module__
        copy.__qualname__ = f.__qualname__
        scope[name] = numba.njit(cache=True)(copy)
        return scope[name]

    for name in ("_failed_at", "_later", "_eval_group", "_evaluate"):
        jit(name)
    return {"kernel": jit("propagate_kernel"), "scc": jit("strong_components")}


_PLAIN_KERNEL = _kernel.propagate_kernel
_PLAIN_SCC = _kernel.strong_components


def propagate(graph: Graph, scenario: Scenario) -> Impact:
    """The blast radius of ``scenario`` on ``graph`` (SPEC §3): timelines with causes, summary.

    Every component that is not UP at some moment gets a timeline: intervals ``[from, to)`` in
    seconds (``to`` None = ∞), in time order, adjacent intervals of one state merged, each with
    the cause at its start.
    """
    paused = gc.isenabled()
    gc.disable()  # no reference cycles are made here; a collection would only rescan the graph
    try:
        roots = resolve(graph, scenario)
        rec = records_from_changes(graph, *run_kernel(graph, roots))
        return Impact(
            scenario=scenario, failures=roots, records=rec, summary=summarise(graph, scenario, rec)
        )
    finally:
        if paused:
            gc.enable()


def run_kernel(
    graph: Graph, roots: list[RootFailure]
) -> tuple[I64, I64, npt.NDArray[np.int8], npt.NDArray[np.int8], I64]:
    """Change records (node, time, state, rule, via) for resolved root failures."""
    topo = topology(graph)
    a = topo.arrays
    renumbered = [
        RootFailure(node=int(topo.inv[f.node]), id=f.id, at=f.at, end=f.end) for f in roots
    ]
    fptr, fstart, fend, fail_nodes = _failure_arrays(graph.n, renumbered)
    kernels = _pick(graph.n)
    node, t, st, rule, via, _tstar = kernels["kernel"](
        graph.n, topo.rank, topo.rank, topo.scc_ptr, np.arange(graph.n, dtype=np.int64),
        fptr, fstart, fend,
        a["dep_ptr"], a["dep_idx"], a["dep_hard"], a["dep_tol"],
        a["dnt_ptr"], a["dnt_idx"], a["dnt_hard"], a["dnt_tol"],
        a["min_up"], a["mem_ptr"], a["mem_idx"], a["mem_standby"], a["mem_act"],
        a["grp_ptr"], a["grp_idx"], fail_nodes, a["id_rank"],
    )  # fmt: skip
    via = np.where(via >= 0, topo.order[np.maximum(via, 0)], -1)
    return topo.order[node], t, st, rule, via


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
    order = np.argsort(node, kind="stable")  # the kernel emits in time order
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
