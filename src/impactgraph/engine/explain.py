"""Why is it down? Walk causes back to the root failure; and transitive reachability.

>>> from impactgraph.model import Component, Dependency, Kind, Model
>>> from impactgraph.graph import Graph
>>> g = Graph.from_model(Model.build(
...     [Component(id="dc1", kind=Kind.SITE), Component(id="host1", kind=Kind.INFRASTRUCTURE),
...      Component(id="app", kind=Kind.SERVICE)],
...     [Dependency(source="host1", target="dc1", type="located_at"),
...      Dependency(source="app", target="host1", type="runs_on")]))
>>> dependents(g, "dc1")
[('host1', 1), ('app', 2)]
>>> reachable(g, "app", upward=False)
[Reached(id='host1', depth=1, kind='infrastructure', name=None), \
Reached(id='dc1', depth=2, kind='site', name=None)]
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection
from dataclasses import dataclass
from typing import NamedTuple

from impactgraph.engine.impact import Impact, Interval, Rule, State
from impactgraph.errors import QueryError, UnknownComponentError
from impactgraph.graph import Graph

MEMBER = "member"
"""The pseudo edge type of group membership (``group → member``) in reachability filters."""


class Reached(NamedTuple):
    """A component reached by a dependency walk, ``depth`` hops from where it started."""

    id: str
    depth: int
    kind: str
    name: str | None


@dataclass(frozen=True)
class Hop:
    """One step of an explanation: ``component`` was ``state`` over ``[start, end)`` because of
    ``rule`` through ``via`` (None at the root failure); ``tolerance`` is the edge's."""

    component: str
    state: State
    start: int
    end: int | None
    rule: Rule
    via: str | None
    tolerance: int = 0
    edge_type: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "component": self.component,
            "state": self.state.value,
            "from": self.start,
            "to": self.end,
            "rule": self.rule.value,
            "via": self.via,
            "tolerance": self.tolerance,
            "type": self.edge_type,
        }


def _interval_at(ivs: list[Interval], t: int) -> Interval | None:
    for iv in ivs:
        if iv.contains(t):
            return iv
    return None


class Edge(NamedTuple):
    """One dependency edge between two components, as :func:`edges_between` finds it."""

    type: str
    hard: bool
    tolerance: int


def edges_between(graph: Graph, source: str, target: str) -> list[Edge]:
    """The dependencies ``source → target`` (several types may link the same two components)."""
    v, w = graph.index[source], graph.index[target]
    dep = graph.dependencies
    return [
        Edge(graph.edge_types[int(dep.type[e])], bool(dep.hard[e]), int(dep.tol[e]))
        for e in range(int(dep.ptr[v]), int(dep.ptr[v + 1]))
        if dep.idx[e] == w
    ]


def _edge(graph: Graph, a: str, b: str, rule: Rule) -> tuple[int, str | None]:
    """Tolerance and type of the edge a → b that the rule used (the smallest tolerance)."""
    if rule is Rule.GROUP:
        return 0, MEMBER
    used = [e for e in edges_between(graph, a, b) if e.hard == (rule is Rule.HARD)]
    best = min(used, key=lambda e: e.tolerance, default=None)
    return (0, None) if best is None else (best.tolerance, best.type)


def explain(impact: Impact, graph: Graph, component_id: str, at: int | None = None) -> list[Hop]:
    """The chain of causes from ``component_id`` back to a root failure.

    Starts from the component's interval containing ``at`` (default: its first DOWN interval,
    or its first interval) and follows each cause to the interval of the ``via`` component that
    held at that moment. The first hop is the component asked about, the last a root failure.
    A component that stays UP is an :class:`~impactgraph.errors.QueryError`.
    """
    if component_id not in graph.index:
        raise UnknownComponentError(component_id)
    ivs = impact.timelines.get(component_id)
    if not ivs:
        raise QueryError(f"component {component_id!r} stays UP in this scenario")
    if at is None:
        first = next((iv for iv in ivs if iv.state is State.DOWN), ivs[0])
    else:
        found = _interval_at(ivs, at)
        if found is None:
            raise QueryError(f"component {component_id!r} is UP at {at}s")
        first = found
    hops: list[Hop] = []
    cur_id, iv = component_id, first
    seen: set[str] = set()
    while True:
        via = iv.cause.via
        tol, etype = (0, None)
        if via is not None:
            tol, etype = _edge(graph, cur_id, via, iv.cause.rule)
        hops.append(Hop(cur_id, iv.state, iv.start, iv.end, iv.cause.rule, via, tol, etype))
        seen.add(cur_id)
        if via is None or via in seen:
            return hops
        nxt = _interval_at(impact.timelines.get(via, []), iv.start)
        if nxt is None:  # cannot happen for a consistent answer; stop rather than loop
            return hops
        cur_id, iv = via, nxt


def check_reach(
    edge_types: Collection[str], types: Collection[str] | None, strength: str | None
) -> None:
    """Refuse a walk's filters that the model cannot take: a strength other than hard or soft,
    a dependency type the model has no edge of (``edge_types``; ``member`` is always known)."""
    if strength not in (None, "hard", "soft"):
        raise QueryError(f"strength must be 'hard' or 'soft', not {strength!r}")
    known = set(edge_types) | {MEMBER}
    bad = sorted(set(types or ()) - known)
    if bad:
        raise QueryError(
            f"unknown dependency type(s) {', '.join(bad)}; the model has "
            + ", ".join(sorted(known))
        )


def _walk(
    graph: Graph,
    component_id: str,
    upward: bool,
    depth: int | None,
    types: Collection[str] | None,
    strength: str | None,
) -> list[tuple[str, int]]:
    if component_id not in graph.index:
        raise UnknownComponentError(component_id, "not in the model")
    check_reach(graph.edge_types, types, strength)
    codes = None if not types else {i for i, t in enumerate(graph.edge_types) if t in types}
    with_members = not types or MEMBER in types
    # upward, who needs me: dependents, and groups I am a member of; downward, the reverse
    adj = graph.dependents if upward else graph.dependencies
    ptr, idx, hard, typ = adj.ptr, adj.idx, adj.hard, adj.type
    mptr, midx = (graph.groups.ptr, graph.groups.idx) if upward else graph.members[:2]
    start = graph.index[component_id]
    dist = {start: 0}
    out: list[tuple[str, int]] = []
    todo = deque([start])
    while todo:
        v = todo.popleft()
        d = dist[v]
        if depth is not None and d >= depth:
            continue
        nbrs: list[int] = []
        for e in range(int(ptr[v]), int(ptr[v + 1])):
            if codes is not None and int(typ[e]) not in codes:
                continue
            if strength is not None and bool(hard[e]) != (strength == "hard"):
                continue
            nbrs.append(int(idx[e]))
        if with_members and strength != "soft":
            nbrs.extend(int(x) for x in midx[int(mptr[v]) : int(mptr[v + 1])])
        for w in nbrs:
            if w not in dist:
                dist[w] = d + 1
                out.append((graph.ids[w], d + 1))
                todo.append(w)
    return out


def dependents(
    graph: Graph,
    component_id: str,
    depth: int | None = None,
    types: Collection[str] | None = None,
    strength: str | None = None,
) -> list[tuple[str, int]]:
    """Everything that needs ``component_id``, transitively: ``(id, depth)`` in BFS order.

    ``types`` keeps only edges of those dependency types (``member`` for group membership);
    ``strength`` keeps only ``hard`` or ``soft`` edges (membership counts as hard).
    """
    return _walk(graph, component_id, True, depth, types, strength)


def dependencies(
    graph: Graph,
    component_id: str,
    depth: int | None = None,
    types: Collection[str] | None = None,
    strength: str | None = None,
) -> list[tuple[str, int]]:
    """Everything ``component_id`` needs, transitively (a group needs its members)."""
    return _walk(graph, component_id, False, depth, types, strength)


def reachable(
    graph: Graph,
    component_id: str,
    *,
    upward: bool,
    depth: int | None = None,
    types: Collection[str] | None = None,
    strength: str | None = None,
) -> list[Reached]:
    """What needs ``component_id`` (``upward``) or what it needs, transitively, in BFS order,
    with each component's kind and name (the rows ``impactgraph deps`` prints)."""
    names = graph.attr("name")
    index = graph.index
    return [
        Reached(cid, d, graph.kind_of(index[cid]).value, names[index[cid]])
        for cid, d in _walk(graph, component_id, upward, depth, types, strength)
    ]
