"""Every picture kind, read back the way Graphviz lays it out (``dot -Tjson``) and as SVG:
what is drawn, in which colour, what is emphasised, collapsed and said on the picture."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from itertools import pairwise
from typing import Any

import pytest
from diagram_support import HOSTILE, dot_json, nodes_of

from impactgraph.engine.explain import explain
from impactgraph.engine.impact import Impact, State
from impactgraph.engine.plan import Capacity, plan
from impactgraph.errors import QueryError
from impactgraph.graph import Graph
from impactgraph.model import Kind
from impactgraph.render.diagrams import (
    Diagram,
    DiagramOptions,
    draw,
    estate_diagram,
    impact_diagram,
    recovery_diagram,
    schedule_diagram,
    timeline_diagram,
)
from impactgraph.render.diagrams.placement import site_of
from impactgraph.render.diagrams.style import DEGRADED, DOWN, EMPHASIS, LATE, ON_TIME, UP
from impactgraph.render.formats import visible

pytestmark = pytest.mark.usefixtures("graphviz")
SVG = "{http://www.w3.org/2000/svg}"


def worst(impact: Impact, cid: str) -> State:
    ivs = impact.timelines.get(cid, [])
    if not ivs:
        return State.UP
    return State.DOWN if any(iv.state is State.DOWN for iv in ivs) else State.DEGRADED


def edges_of(layout: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """Edges by (tail, head) node key (see :func:`nodes_of`)."""
    by_gvid = {
        obj["_gvid"]: (obj["name"] if obj.get("id", "\\N") == "\\N" else obj["id"])
        for obj in layout["objects"]
        if "nodes" not in obj and "pos" in obj
    }
    return {(by_gvid[e["tail"]], by_gvid[e["head"]]): e for e in layout.get("edges", [])}


def svg_ids(diagram: Diagram) -> set[str]:
    root = ET.fromstring(diagram.svg())  # well-formed XML, or ParseError
    return {g.get("id", "") for g in root.iter(f"{SVG}g") if "node" in g.get("class", "")}


# ---- impact ----------------------------------------------------------------------------------


def test_impact_colours_down_red_degraded_amber_and_the_up_context_grey(
    estate_graph: Graph, dc_lost: Impact
) -> None:
    d = impact_diagram(estate_graph, dc_lost)
    nodes = nodes_of(dot_json(d.dot))
    fills = {State.DOWN: set(), State.DEGRADED: set(), State.UP: set()}
    for cid in d.shown:
        fills[worst(dc_lost, cid)].add(nodes[cid]["fillcolor"])
    assert fills == {State.DOWN: {DOWN.fill}, State.DEGRADED: {DEGRADED.fill}, State.UP: {UP.fill}}
    assert len({DOWN.fill, DEGRADED.fill, UP.fill}) == 3
    assert set(dc_lost.timelines) <= d.shown  # every component hit, and context around it
    assert {"ad-slough", "active-directory"} <= d.shown


def test_impact_context_is_the_up_neighbourhood_of_what_is_hit(
    spec_graph: Graph, spec_impact: Impact
) -> None:
    hit = set(spec_impact.timelines)
    assert impact_diagram(spec_graph, spec_impact).shown == hit | {"host2", "db-standby"}
    assert impact_diagram(spec_graph, spec_impact, DiagramOptions(context=0)).shown == hit
    whole = impact_diagram(spec_graph, spec_impact, DiagramOptions(context=None)).shown
    assert whole == set(spec_graph.ids)


def test_impact_labels_onset_and_timeline_marks_roots_and_tolerances(
    spec_graph: Graph, spec_impact: Impact
) -> None:
    layout = dot_json(impact_diagram(spec_graph, spec_impact).dot)
    nodes = nodes_of(layout)
    assert nodes["reporting"]["label"] == "reporting\\nDOWN 4h–∞\\nonset 4h"
    assert nodes["card-payments"]["label"] == (
        "card-payments\\nDOWN 0s–30m, DEGRADED 30m–∞\\nonset 0s, RTO 4h"
    )
    roots = {cid for cid, n in nodes.items() if n.get("peripheries") == "2"}
    assert roots == {"dc1"}
    assert edges_of(layout)[("reporting", "settlement-batch")]["label"] == "τ 4h"


def test_impact_emphasises_the_cause_path_of_every_business_service_hit(
    spec_graph: Graph, spec_impact: Impact
) -> None:
    layout = dot_json(impact_diagram(spec_graph, spec_impact).dot)
    thick = {pair for pair, e in edges_of(layout).items() if e.get("color") == EMPHASIS}
    expected = {
        (hop.component, hop.via)
        for hit in spec_impact.summary.business_services
        for hop in explain(spec_impact, spec_graph, hit.id)
        if hop.via is not None
    }
    assert (
        thick
        == expected
        == {
            ("card-payments", "payments-api"),
            ("payments-api", "db-cluster"),
            ("db-cluster", "db-primary"),
            ("db-primary", "host1"),
            ("host1", "dc1"),
            ("reporting", "settlement-batch"),
            ("settlement-batch", "host1"),
        }
    )
    assert all(e["penwidth"] == "2.5" for pair, e in edges_of(layout).items() if pair in thick)


def test_the_legend_is_on_the_picture(spec_graph: Graph, spec_impact: Impact) -> None:
    label = dot_json(impact_diagram(spec_graph, spec_impact).dot)["label"]
    for words in ("DOWN", "DEGRADED", "UP (context)", "failed", "cause path", "soft", "τ"):
        assert words in label
    assert f'BGCOLOR="{DOWN.fill}"' in label and f'BGCOLOR="{DEGRADED.fill}"' in label
    assert "Impact: dc1 DOWN 0s–∞" in label


# ---- estate overview -------------------------------------------------------------------------


def test_estate_is_clustered_by_site_with_groups_inside_and_suppliers_at_the_edge(
    estate_graph: Graph,
) -> None:
    layout = dot_json(estate_diagram(estate_graph).dot)
    names = {o["_gvid"]: o["name"] for o in layout["objects"]}
    clusters = {
        o["label"]: {names[i] for i in o["nodes"]}
        for o in layout["objects"]
        if o["name"].startswith("cluster")
    }
    site = site_of(estate_graph)
    for label, members in clusters.items():
        v = estate_graph.index[label]
        if estate_graph.kind_of(v) is Kind.SITE:
            # every member belongs to the site, directly or through what it runs on
            assert all(site[estate_graph.index[m]] == v for m in members), label
    assert {"rack-london-a", "esx-london-01", "vm-oracle-core-london"} <= clusters["dc-london"]
    assert clusters["vsphere-london"] == {"vsphere-london", *(f"esx-london-0{i}" for i in "1234")}
    assert clusters["vsphere-london"] < clusters["dc-london"]  # the enclosure is inside its site
    height = {cid: float(n["pos"].split(",")[1]) for cid, n in nodes_of(layout).items()}
    kinds = {cid: estate_graph.kind_of(estate_graph.index[cid]) for cid in height}
    suppliers = {cid for cid, kind in kinds.items() if kind is Kind.SUPPLIER}
    outside = {s for s in suppliers if not any(s in m for m in clusters.values())}
    assert len(set(height[s] for s in outside)) == 1  # one rank, at the top edge,
    below = [h for cid, h in height.items() if kinds[cid] not in (Kind.SUPPLIER, Kind.GROUP)]
    assert min(height[s] for s in suppliers) > max(below)  # above every other component


def test_focus_keeps_the_neighbourhood(spec_graph: Graph) -> None:
    d = estate_diagram(spec_graph, DiagramOptions(focus="payments-api", depth=1))
    assert d.shown == {"payments-api", "card-payments", "host2", "db-cluster", "fraud-svc"}
    layout = dot_json(d.dot)
    assert nodes_of(layout)["payments-api"]["penwidth"] == "2.5"
    assert "around payments-api" in layout["label"]


# ---- readable when large ---------------------------------------------------------------------


def collapsed_counts(layout: dict[str, Any]) -> dict[str, int]:
    """Collapsed nodes (named ``_c…``) by title, with the count their label shows."""
    out = {}
    for name, node in nodes_of(layout).items():
        if name.startswith("_c"):
            title, count = node["label"].split("\\n")
            out[title] = int(re.sub(r"[^0-9]", "", count))
    return out


@pytest.mark.parametrize("by", ["auto", "site", "kind", "group"])
def test_past_the_limit_components_collapse_with_counts_and_the_picture_says_so(
    estate_graph: Graph, dc_lost: Impact, by: str
) -> None:
    options = DiagramOptions(max_nodes=40, collapse=by, context=None)
    d = impact_diagram(estate_graph, dc_lost, options)
    layout = dot_json(d.dot)
    counts = collapsed_counts(layout)
    assert counts == {title: len(ids) for title, ids in d.collapsed.items()}
    assert len(d.shown) + sum(counts.values()) == estate_graph.n  # everyone, once
    assert len(nodes_of(layout)) <= 40
    strategy = "site" if by == "auto" else by
    assert f"collapsed by {strategy}:" in layout["label"]
    assert "dc-london" in d.shown  # the failed root stays as it is
    for title, ids in d.collapsed.items():
        states = {worst(dc_lost, cid).value for cid in ids}
        assert len(states) == 1 and title.endswith(states.pop())  # one state per node
    if strategy == "kind":
        assert all(title.startswith("kind ") for title in counts)


def test_collapsed_nodes_keep_the_colour_of_their_state(
    estate_graph: Graph, dc_lost: Impact
) -> None:
    d = impact_diagram(estate_graph, dc_lost, DiagramOptions(max_nodes=30, context=None))
    nodes = nodes_of(dot_json(d.dot))
    paint = {"DOWN": DOWN.fill, "DEGRADED": DEGRADED.fill, "UP": UP.fill}
    for name, node in nodes.items():
        if name.startswith("_c"):
            assert node["fillcolor"] == paint[node["label"].split("\\n")[0].split(" · ")[-1]]


def test_collapsed_cause_paths_stay_emphasised(estate_graph: Graph, dc_lost: Impact) -> None:
    d = impact_diagram(estate_graph, dc_lost, DiagramOptions(max_nodes=30))
    layout = dot_json(d.dot)
    thick = {pair for pair, e in edges_of(layout).items() if e.get("color") == EMPHASIS}
    services = {b.id for b in dc_lost.summary.business_services}
    assert services <= d.shown
    assert {tail for tail, _ in thick} >= services  # a thick edge leaves each service hit


# ---- timeline --------------------------------------------------------------------------------


def test_timeline_rows_bars_rto_marks_and_horizon(spec_graph: Graph, spec_impact: Impact) -> None:
    d = timeline_diagram(spec_graph, spec_impact)
    layout = dot_json(d.dot)
    nodes = nodes_of(layout)
    assert d.shown == {"card-payments", "reporting"}
    assert {"card-payments", "reporting"} <= set(nodes)  # the row labels carry the ids
    bars = [n for n in nodes.values() if n.get("shape") == "box"]
    assert sorted(n["fillcolor"] for n in bars) == sorted([DOWN.fill, DEGRADED.fill, DOWN.fill])
    marks = [n for n in nodes.values() if n.get("shape") == "diamond"]
    assert [m["tooltip"] for m in marks] == ["RTO 4h at 4h"]  # card-payments' (reporting: none)
    horizon = [e for e in layout["edges"] if "dashed" in e.get("style", "")]
    assert len(horizon) == 1
    texts = {n["label"].rstrip("\\lr") for n in nodes.values() if n.get("shape") == "plaintext"}
    assert {"horizon 1d", "0s", "∞"} <= texts


def test_timeline_bars_are_to_scale(spec_graph: Graph, spec_impact: Impact) -> None:
    nodes = nodes_of(dot_json(timeline_diagram(spec_graph, spec_impact).dot))
    bars = {
        n["tooltip"].split(" ← ")[0]: float(n["width"])
        for n in nodes.values()
        if n.get("shape") == "box"
    }
    down, degraded = bars["card-payments: DOWN 0s–30m"], bars["card-payments: DEGRADED 30m–∞"]
    reporting = bars["reporting: DOWN 4h–∞"]
    # both open bars end at the axis end (+ the overrun): their widths differ by 4h − 30m;
    # Graphviz rounds sizes to whole points
    assert degraded - reporting == pytest.approx(down * 7, abs=8 / 72)
    assert down * 72 == pytest.approx(1800 * 640 / 86400, abs=1)


def test_timeline_with_components_and_a_row_limit(estate_graph: Graph, dc_lost: Impact) -> None:
    every = timeline_diagram(estate_graph, dc_lost, DiagramOptions(components=True))
    assert every.shown == set(dc_lost.timelines)
    cut = timeline_diagram(estate_graph, dc_lost, DiagramOptions(components=True, max_nodes=10))
    assert len(cut.shown) == 10
    assert {b.id for b in dc_lost.summary.business_services} <= cut.shown
    label = dot_json(cut.dot)["label"]
    assert f"{len(dc_lost.timelines) - 10} more rows not shown" in label


# ---- recovery --------------------------------------------------------------------------------


def test_recovery_ranks_by_wave_and_draws_late_chains_bold(
    estate_graph: Graph, dc_lost: Impact
) -> None:
    the_plan = plan(estate_graph, dc_lost, Capacity(total=3))
    d = recovery_diagram(estate_graph, dc_lost, the_plan)
    layout = dot_json(d.dot)
    nodes = nodes_of(layout)
    y = {cid: float(n["pos"].split(",")[1]) for cid, n in nodes.items()}
    by_wave: dict[int, set[float]] = {}
    for step in the_plan.steps:
        by_wave.setdefault(step.wave, set()).update(y[c] for c in step.components)
    assert all(len(heights) == 1 for heights in by_wave.values())  # a wave is one rank
    height = {wave: heights.pop() for wave, heights in by_wave.items()}
    assert [height[w] for w in sorted(height)] == sorted(height.values(), reverse=True)
    thick = {pair for pair, e in edges_of(layout).items() if e.get("color") == EMPHASIS}
    chains = {
        (a, b)
        for s in the_plan.business_services
        if s.breach
        for b, a in pairwise(s.critical_chain)
    }
    assert thick == chains and chains
    step = the_plan.step_of("dc-london")
    assert step is not None
    assert nodes["dc-london"]["label"].split("\\n")[1:3] == ["restore T+0s–T+3d", step.team]
    assert nodes["dc-london"]["fillcolor"] == LATE.fill
    assert nodes["card-payments"]["fillcolor"] == ON_TIME.fill  # met its RTO by failing over
    assert "wave 0 · from T+0s" in d.dot


def test_schedule_has_a_row_per_crew_a_bar_per_step_and_deadlines(
    estate_graph: Graph, dc_lost: Impact
) -> None:
    the_plan = plan(estate_graph, dc_lost, Capacity(total=3))
    d = schedule_diagram(estate_graph, dc_lost, the_plan)
    nodes = nodes_of(dot_json(d.dot))
    steps = {s.component for s in the_plan.steps}
    assert steps <= set(nodes)  # each bar carries its step's component id
    assert {nodes[c]["fillcolor"] for c in steps} <= {LATE.fill, ON_TIME.fill, UP.fill}
    labels = {n["label"].rstrip("\\lr") for n in nodes.values() if n.get("shape") == "plaintext"}
    assert {"team-1", "team-2", "team-3"} <= labels
    marks = [n for n in nodes.values() if n.get("shape") == "diamond"]
    assert len(marks) == sum(1 for s in the_plan.steps if s.deadline is not None)


def test_unlimited_schedule_splits_a_team_into_lanes(estate_graph: Graph, dc_lost: Impact) -> None:
    the_plan = plan(estate_graph, dc_lost)
    d = schedule_diagram(estate_graph, dc_lost, the_plan)
    assert d.shown == {s.component for s in the_plan.steps}
    layout = dot_json(d.dot)
    boxes = [n for n in nodes_of(layout).values() if n.get("shape") == "box"]
    rows: dict[float, list[tuple[float, float]]] = {}
    for box in boxes:
        x, y = (float(v) for v in box["pos"].split(","))
        half = float(box["width"]) * 36
        rows.setdefault(y, []).append((x - half, x + half))
    for spans in rows.values():  # no two bars of a lane overlap
        spans.sort()
        assert all(a[1] <= b[0] + 0.5 for a, b in pairwise(spans))


# ---- safety: hostile ids, SVG, formats ---------------------------------------------------------


@pytest.mark.parametrize("kind", ["estate", "impact", "timeline", "recovery", "schedule"])
def test_hostile_ids_stay_inert_and_every_svg_carries_the_ids(
    hostile_graph: Graph, hostile_impact: Impact, kind: str
) -> None:
    the_plan = plan(hostile_graph, hostile_impact)
    options = DiagramOptions(components=True)
    d = draw(kind, hostile_graph, options, hostile_impact, the_plan)
    dot_json(d.dot)  # Graphviz reads it without a word on stderr
    ids = svg_ids(d)
    assert {visible(cid) for cid in HOSTILE} <= ids
    assert "<script>" not in d.svg() and "\x00" not in d.svg()


def test_svg_ids_are_the_component_ids_even_when_names_are_numbered() -> None:
    from impactgraph.model import Component, Model

    graph = Graph.from_model(
        Model.build([Component(id="a\x00", kind=Kind.SITE), Component(id="a␀", kind=Kind.SITE)], [])
    )
    d = estate_diagram(graph)
    assert '  n0 [label="a␀"' in d.dot and '  n1 [label="a␀"' in d.dot
    assert svg_ids(d) == {"a␀"}


@pytest.mark.parametrize(
    ("fmt", "start"),
    [("svg", b"<?xml"), ("png", b"\x89PNG"), ("pdf", b"%PDF"), ("dot", b"digraph"),
     ("mermaid", b"---")],
)  # fmt: skip
def test_every_format(spec_graph: Graph, spec_impact: Impact, fmt: str, start: bytes) -> None:
    for kind in ("impact", "timeline"):
        out = draw(kind, spec_graph, None, spec_impact).render(fmt)
        assert out.startswith(start if kind == "impact" or fmt != "mermaid" else b"%%{init")


def test_draw_refuses_what_it_cannot_draw(spec_graph: Graph, spec_impact: Impact) -> None:
    with pytest.raises(QueryError, match="no diagram kind"):
        draw("pie", spec_graph)
    with pytest.raises(QueryError, match="needs failures"):
        draw("timeline", spec_graph)
    with pytest.raises(QueryError, match="needs a recovery plan"):
        draw("schedule", spec_graph, None, spec_impact)
    for bad in ({"collapse": "colour"}, {"max_nodes": -1}, {"depth": 0}, {"context": -2}):
        with pytest.raises(QueryError):
            DiagramOptions(**bad)  # type: ignore[arg-type]
