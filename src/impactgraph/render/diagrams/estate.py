"""Pictures of the dependency graph: the estate overview and the impact of a scenario.

Arrows read "needs" (a → b: a needs b), so what is needed is drawn above what needs it.
In the overview, components are clustered by the site they belong to (:mod:`.placement`),
groups whose members share a site are drawn as their members' enclosure, suppliers at the top
edge; the impact picture leaves clusters out, to stay compact. With an impact,
DOWN components are red, DEGRADED amber and the UP context grey, each labelled with its
timeline (in the impact picture, its onset and RTO too); failed roots have a double border;
the cause path from each business service hit back to its root is drawn thick. Past
``max_nodes`` the picture collapses (:mod:`.collapse`) and says so.

>>> from impactgraph.model import Component, Dependency, Kind, Model
>>> from impactgraph.graph import Graph
>>> from impactgraph.engine.propagate import propagate
>>> from impactgraph.engine.scenario import Failure, Scenario
>>> g = Graph.from_model(Model.build(
...     [Component(id="dc1", kind=Kind.SITE), Component(id="host1", kind=Kind.INFRASTRUCTURE),
...      Component(id="shop", kind=Kind.BUSINESS_SERVICE, rto="1h")],
...     [Dependency(source="host1", target="dc1", type="located_at"),
...      Dependency(source="shop", target="host1")]))
>>> d = impact_diagram(g, propagate(g, Scenario(failures=(Failure("dc1"),))))
>>> print(d.dot.splitlines()[-2])
  "shop" -> "host1" [penwidth=2.5, color="#a50e0e"];
>>> sorted(d.shown)
['dc1', 'host1', 'shop']
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from impactgraph.durations import format_duration
from impactgraph.engine.explain import explain
from impactgraph.engine.impact import Impact, Interval, State
from impactgraph.graph import Graph
from impactgraph.model import Kind
from impactgraph.render.diagrams.build import Keys, graph_edges, in_id_order, scene_diagram
from impactgraph.render.diagrams.collapse import Collapsed, collapse
from impactgraph.render.diagrams.diagram import Diagram, DiagramOptions
from impactgraph.render.diagrams.placement import (
    around,
    enclosures,
    focused,
    site_of,
)
from impactgraph.render.diagrams.scene import Cluster, Node, Scene
from impactgraph.render.diagrams.style import EDGE_LEGEND, IMPACT_LEGEND, STATE_PAINT
from impactgraph.render.timeline import failures_text, timeline_text


def estate_diagram(
    graph: Graph, options: DiagramOptions | None = None, impact: Impact | None = None
) -> Diagram:
    """The estate (or the neighbourhood of ``options.focus``) clustered by site; with an
    ``impact``, every component drawn coloured by it."""
    options = options or DiagramOptions()
    drawn = focused(graph, range(graph.n), options.focus, options.depth)
    title = "Estate" if impact is None else f"Impact on the estate: {scenario_text(impact)}"
    scene, collapsed = dependency_scene(graph, impact, drawn, options, title, overview=True)
    return scene_diagram("estate", graph, scene, collapsed)


def impact_diagram(graph: Graph, impact: Impact, options: DiagramOptions | None = None) -> Diagram:
    """What a scenario takes DOWN or DEGRADED, with the UP components within
    ``options.context`` hops around it (None: the whole estate)."""
    options = options or DiagramOptions()
    hit = [graph.index[cid] for cid in impact.timelines]
    base = range(graph.n) if options.context is None else around(graph, hit, options.context)
    drawn = focused(graph, base, options.focus, options.depth)
    title = f"Impact: {scenario_text(impact)}"
    scene, collapsed = dependency_scene(graph, impact, drawn, options, title)
    return scene_diagram("impact", graph, scene, collapsed)


def scenario_text(impact: Impact) -> str:
    """A scenario in a title: its name and its root failures."""
    failed = failures_text(impact.failures)
    return f"{impact.scenario.name} ({failed})" if impact.scenario.name else failed


def dependency_scene(
    graph: Graph,
    impact: Impact | None,
    drawn: Collection[int],
    options: DiagramOptions,
    title: str = "",
    *,
    overview: bool = False,
) -> tuple[Scene, Collapsed | None]:
    """The scene of the components ``drawn`` (node indices), coloured by ``impact``. As an
    ``overview``, clustered by site with suppliers at the edge and each component hit
    labelled with its timeline; else unclustered, with the onset and RTO too."""
    order = in_id_order(graph, drawn)
    timelines = impact.timelines if impact is not None else {}
    roots = {f.node for f in impact.failures} if impact is not None else set()
    focus = graph.index.get(options.focus) if options.focus is not None else None

    def state_of(v: int) -> State | None:
        if impact is None:
            return None
        ivs = timelines.get(graph.ids[v])
        if not ivs:
            return State.UP
        return State.DOWN if any(iv.state is State.DOWN for iv in ivs) else State.DEGRADED

    def tag_of(v: int) -> str | None:
        state = state_of(v)
        return None if state is None else state.value

    causes = cause_edges(graph, impact) if impact is not None else set()
    on_path = {v for pair in causes for v in pair}
    hits = [graph.index[h.id] for h in impact.summary.business_services] if impact else []
    business = [v for v in order if graph.kind_of(v) is Kind.BUSINESS_SERVICE]
    first = [focus] if focus is not None else []
    keep = [*first, *in_id_order(graph, roots), *hits, *business]
    collapsed = collapse(graph, order, keep, options.collapse, options.max_nodes, tag_of)
    keys = Keys(graph, order, collapsed)
    names = graph.attr("name")
    nodes: list[Node] = []
    for v in order:
        if collapsed is not None and v in collapsed.buckets:
            continue
        cid, state = graph.ids[v], state_of(v)
        ivs = timelines.get(cid)
        nodes.append(
            Node(
                key=cid,
                lines=(cid, *_impact_lines(graph, v, ivs, not overview)) if ivs else (cid,),
                shape=graph.kind_of(v),
                paint=STATE_PAINT[state] if state is not None else None,
                component=cid,
                root=v in roots,
                emphasis=v in on_path,
                focus=v == focus,
                tooltip=names[v],
            )
        )
    notes = []
    if collapsed is not None:
        notes.append(collapsed.note)
        for bucket, count in collapsed.groups.items():
            paint = STATE_PAINT[State(bucket.tag)] if bucket.tag is not None else None
            nodes.append(Node(keys.prefix + bucket.title, bucket.lines(count), paint=paint))
    if options.focus is not None:
        reach = "all the way" if options.depth is None else f"within {options.depth} hop(s)"
        notes.append(f"around {options.focus}: what it needs and what needs it, {reach}")
    edges = graph_edges(graph, order, keys, causes, merge=collapsed is not None)
    clusters, far = _clusters(graph, order) if overview and collapsed is None else ((), ())
    legend = (*IMPACT_LEGEND, *EDGE_LEGEND) if impact is not None else EDGE_LEGEND
    scene = Scene(tuple(nodes), edges, clusters, (), far, title, tuple(notes), legend)
    return scene, collapsed


def _impact_lines(graph: Graph, v: int, ivs: Sequence[Interval], detail: bool) -> tuple[str, ...]:
    """The timeline and (``detail``) the onset and RTO of a component hit."""
    if not detail:
        return (timeline_text(ivs),)
    onset = f"onset {format_duration(ivs[0].start)}"
    rto = graph.attr("rto")[v]
    if rto is not None:
        onset += f", RTO {format_duration(rto)}"
    return timeline_text(ivs), onset


def cause_edges(graph: Graph, impact: Impact) -> set[tuple[int, int]]:
    """``(a, b)`` for every edge a → b on the cause path of a business service hit."""
    out: set[tuple[int, int]] = set()
    for hit in impact.summary.business_services:
        for hop in explain(impact, graph, hit.id):
            if hop.via is not None:
                out.add((graph.index[hop.component], graph.index[hop.via]))
    return out


def _clusters(graph: Graph, drawn: Sequence[int]) -> tuple[tuple[Cluster, ...], tuple[str, ...]]:
    """Site clusters (with the group enclosures inside them), top-level group enclosures, and
    the suppliers drawn at the far edge."""
    site = site_of(graph)
    inside = set(drawn)
    enclosed = enclosures(graph, inside)
    by_group: dict[int, list[int]] = {}
    for member, group in enclosed.items():
        by_group.setdefault(group, []).append(member)
    # a group enclosure holds its group node and members; it sits in the group's site cluster
    group_clusters: dict[int, list[Cluster]] = {}
    for g, members in sorted(by_group.items(), key=lambda item: graph.ids[item[0]]):
        ids = tuple(graph.ids[v] for v in in_id_order(graph, [g, *members]))
        group_clusters.setdefault(site[g], []).append(Cluster(graph.ids[g], ids, group=True))
    loose: dict[int, list[str]] = {}
    for v in drawn:
        if v not in enclosed and v not in by_group:
            loose.setdefault(site[v], []).append(graph.ids[v])
    clusters: list[Cluster] = []
    for s in sorted({*loose, *group_clusters} - {-1}, key=lambda s: graph.ids[s]):
        direct, subs = tuple(loose.get(s, ())), tuple(group_clusters.get(s, ()))
        if len(direct) > 1 or subs:
            clusters.append(Cluster(graph.ids[s], direct, subs))
    clusters += group_clusters.get(-1, [])
    far = tuple(
        graph.ids[v]
        for v in drawn
        if graph.kind_of(v) is Kind.SUPPLIER and site[v] == -1 and v not in enclosed
    )
    return tuple(clusters), far
