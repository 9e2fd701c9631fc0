"""Steps every graph picture shares: which node stands for a component (itself, or the
collapsed node holding it), the edges between the components drawn, and the finished
:class:`~.diagram.Diagram` of a scene."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from impactgraph.durations import format_duration
from impactgraph.graph import Graph
from impactgraph.render.diagrams.collapse import Collapsed
from impactgraph.render.diagrams.diagram import Diagram
from impactgraph.render.diagrams.dot import scene_dot
from impactgraph.render.diagrams.mermaid import scene_mermaid
from impactgraph.render.diagrams.scene import Edge, Scene, synthetic_prefix


class Keys:
    """The scene key of each component drawn: its id, or its collapsed node's key."""

    def __init__(self, graph: Graph, drawn: Collection[int], collapsed: Collapsed | None) -> None:
        self._ids = graph.ids
        self._buckets = collapsed.buckets if collapsed is not None else {}
        self.prefix = synthetic_prefix(graph.ids[v] for v in drawn)

    def __call__(self, v: int) -> str:
        bucket = self._buckets.get(v)
        return self._ids[v] if bucket is None else self.prefix + bucket.title


def edge_label(graph: Graph, e: int) -> str:
    """A dependency's type (unless ``depends_on``) and tolerance: ``located_at τ 4h``."""
    words = []
    etype = graph.edge_types[int(graph.dependencies.type[e])]
    if etype != "depends_on":
        words.append(etype)
    if int(graph.dependencies.tol[e]):
        words.append(f"τ {format_duration(int(graph.dependencies.tol[e]))}")
    return " ".join(words)


def in_id_order(graph: Graph, nodes: Iterable[int]) -> list[int]:
    """The nodes (once each) in the order of their ids, whatever order the model listed them
    in: a picture of an estate read from a file, SQLite or Neo4j is the same text."""
    rank = graph.id_rank()
    return sorted(set(nodes), key=lambda v: int(rank[v]))


def graph_edges(
    graph: Graph,
    drawn: Sequence[int],
    keys: Keys,
    emphasised: Collection[tuple[int, int]],
    merge: bool,
) -> tuple[Edge, ...]:
    """Dependency and member edges between the components drawn, ``emphasised`` pairs
    ``(a, b)`` (a → b) drawn thick. With ``merge`` (collapsed), the edges between two nodes
    become one, labelled with how many it stands for."""
    inside = set(drawn)
    dep, mem = graph.dependencies, graph.members
    edges: list[Edge] = []
    rank = graph.id_rank()
    for v in drawn:
        lo, hi = int(dep.ptr[v]), int(dep.ptr[v + 1])
        for e in sorted(range(lo, hi), key=lambda e: (int(rank[dep.idx[e]]), int(dep.type[e]))):
            w = int(dep.idx[e])
            if w in inside:
                edges.append(
                    Edge(
                        keys(v),
                        keys(w),
                        edge_label(graph, e),
                        soft=not bool(dep.hard[e]),
                        emphasis=(v, w) in emphasised,
                    )
                )
        lo, hi = int(mem.ptr[v]), int(mem.ptr[v + 1])
        for m in sorted(range(lo, hi), key=lambda m: int(rank[mem.idx[m]])):
            w = int(mem.idx[m])
            if w in inside:
                standby = bool(mem.standby[m])
                label = f"standby {format_duration(int(mem.activation[m]))}" if standby else ""
                edges.append(
                    Edge(keys(v), keys(w), label, member=True, emphasis=(v, w) in emphasised)
                )
    return _merged(edges) if merge else tuple(edges)


def _merged(edges: Sequence[Edge]) -> tuple[Edge, ...]:
    """One edge per pair of nodes (self-loops dropped): a member edge if all are, dashed if
    none is hard, emphasised if any is, labelled ×N for N edges."""
    pairs: dict[tuple[str, str], list[Edge]] = {}
    for edge in edges:
        if edge.source != edge.target:
            pairs.setdefault((edge.source, edge.target), []).append(edge)
    out = []
    for (source, target), group in pairs.items():
        member = all(e.member for e in group)
        out.append(
            Edge(
                source,
                target,
                f"×{len(group):,}" if len(group) > 1 else group[0].label,
                soft=not member and all(e.soft or e.member for e in group),
                member=member,
                emphasis=any(e.emphasis for e in group),
            )
        )
    return tuple(out)


def scene_diagram(kind: str, graph: Graph, scene: Scene, collapsed: Collapsed | None) -> Diagram:
    """The diagram of a scene: its DOT and Mermaid, what it shows and what it collapsed."""
    held: dict[str, list[str]] = {}
    if collapsed is not None:
        rank = graph.id_rank()
        for v, bucket in sorted(collapsed.buckets.items(), key=lambda item: int(rank[item[0]])):
            held.setdefault(bucket.title, []).append(graph.ids[v])
    return Diagram(
        kind,
        scene_dot(scene),
        scene_mermaid(scene),
        shown=frozenset(n.component for n in scene.nodes if n.component is not None),
        collapsed={title: tuple(ids) for title, ids in held.items()},
        notes=scene.notes,
    )
