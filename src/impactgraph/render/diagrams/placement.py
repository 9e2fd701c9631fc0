"""Where components go in a picture: the site each belongs to, the groups drawn as the
enclosure of their members, and which components a picture draws (a neighbourhood, an
impact with its context).

A component belongs to the site it is ``located_at``, directly or through what it
``runs_on`` or is located at (a VM on a host in a rack in a site), or through a group whose
members all belong to one site (an application on a vSphere cluster in one data centre); the
nearest site wins, ties by id. Sites are computed once per graph (:func:`site_of`).

>>> from impactgraph.model import Component, Dependency, Kind, Model
>>> from impactgraph.graph import Graph
>>> g = Graph.from_model(Model.build(
...     [Component(id="dc1", kind=Kind.SITE), Component(id="host1", kind=Kind.INFRASTRUCTURE),
...      Component(id="vm1", kind=Kind.INFRASTRUCTURE), Component(id="app", kind=Kind.SERVICE)],
...     [Dependency(source="host1", target="dc1", type="located_at"),
...      Dependency(source="vm1", target="host1", type="runs_on"),
...      Dependency(source="app", target="vm1")]))
>>> [g.ids[s] if s >= 0 else None for s in site_of(g)]
['dc1', 'dc1', 'dc1', None]
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Iterable, Sequence

import numpy as np

from impactgraph.engine.explain import reachable
from impactgraph.errors import UnknownComponentError
from impactgraph.graph import KIND_CODE, Graph, derived
from impactgraph.model import Kind

#: dependency types that place a component where what it needs is
PLACING = ("located_at", "runs_on")


def site_of(graph: Graph) -> tuple[int, ...]:
    """The site (node index) each component belongs to, −1 for none; once per graph."""
    return derived(graph, "diagram-sites", _sites)


def _sites(graph: Graph) -> tuple[int, ...]:
    site = [-1] * graph.n
    placing = {i for i, t in enumerate(graph.edge_types) if t in PLACING}
    sites = np.nonzero(graph.kind == KIND_CODE[Kind.SITE])[0].tolist()
    rank = graph.id_rank()
    queue = deque(sorted(sites, key=lambda v: int(rank[v])))
    for v in queue:
        site[v] = v
    dep = graph.dependents
    while queue:
        w = queue.popleft()
        found = [
            int(dep.idx[e])
            for e in range(int(dep.ptr[w]), int(dep.ptr[w + 1]))
            if int(dep.type[e]) in placing
        ]
        for g in graph.groups_of(w):  # a group whose members are all placed, in one site
            members = {site[m] for m in graph.members_of(g)}
            if len(members) == 1 and -1 not in members:
                found.append(g)
        for v in sorted(found, key=lambda x: int(rank[x])):
            if site[v] == -1:
                site[v] = site[w]
                queue.append(v)
    return tuple(site)


def enclosures(graph: Graph, drawn: Collection[int]) -> dict[int, int]:
    """Member → the group drawn as its enclosure. A group encloses its drawn members when they
    all belong to the group's site (or none), none of them is a group and none is enclosed by
    another group already (groups by id)."""
    site = site_of(graph)
    out: dict[int, int] = {}
    groups = [v for v in drawn if graph.kind_of(v) is Kind.GROUP]
    for g in sorted(groups, key=lambda v: graph.ids[v]):
        members = [m for m in graph.members_of(g) if m in drawn]
        if (
            members
            and all(site[m] == site[g] for m in members)
            and not any(m in out or graph.kind_of(m) is Kind.GROUP for m in members)
        ):
            out.update(dict.fromkeys(members, g))
    return out


def neighbourhood(graph: Graph, focus: str, depth: int | None) -> set[int]:
    """``focus``, what it needs and what needs it, within ``depth`` hops each way."""
    if focus not in graph.index:
        raise UnknownComponentError(focus, "not in the model")
    out = {graph.index[focus]}
    for upward in (True, False):
        found = reachable(graph, focus, upward=upward, depth=depth, types=None, strength=None)
        out.update(graph.index[r.id] for r in found)
    return out


def focused(graph: Graph, base: Iterable[int], focus: str | None, depth: int | None) -> set[int]:
    """``base``, or with a ``focus`` the part of it within ``depth`` hops of the focus (which is
    always drawn)."""
    if focus is None:
        return set(base)
    near = neighbourhood(graph, focus, depth)
    return {v for v in base if v in near} | {graph.index[focus]}


def around(graph: Graph, nodes: Collection[int], hops: int) -> set[int]:
    """``nodes`` and every component within ``hops`` dependency or member edges of them, either
    way (the UP context of an impact)."""
    out = set(nodes)
    frontier: Sequence[int] = list(nodes)
    for _ in range(hops):
        nxt: list[int] = []
        for v in frontier:
            for w in (
                *graph.dependencies_of(v),
                *graph.dependents_of(v),
                *graph.members_of(v),
                *graph.groups_of(v),
            ):
                if w not in out:
                    out.add(w)
                    nxt.append(w)
        frontier = nxt
    return out
