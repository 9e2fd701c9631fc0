"""Property: on random small estates with hostile ids and random failures, every picture kind
renders at every node limit, its SVG is well-formed with the component ids on its nodes, its
Mermaid follows the grammar, and every component it should show is there, or counted in a
collapsed node."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest
from diagram_support import dot_json, nodes_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mermaid_grammar import check_flowchart, check_gantt

from fuzz.strategies import ids
from impactgraph.engine.plan import Capacity, plan
from impactgraph.engine.propagate import propagate
from impactgraph.engine.scenario import id_target
from impactgraph.graph import Graph
from impactgraph.model import Dependency, Member, Model
from impactgraph.render.diagrams import COLLAPSE_CHOICES, KINDS, DiagramOptions, draw
from impactgraph.render.formats import visible
from properties.strategies import models, scenarios

pytestmark = pytest.mark.usefixtures("graphviz")
SVG = "{http://www.w3.org/2000/svg}"


def renamed(model: Model, names: list[str]) -> Model:
    """The model with its components' ids replaced by ``names``."""
    new = {c.id: name for c, name in zip(model.components, names, strict=True)}
    components = [
        c.model_copy(
            update={
                "id": new[c.id],
                "members": tuple(
                    Member(id=new[m.id], mode=m.mode, activation=m.activation) for m in c.members
                ),
            }
        )
        for c in model.components
    ]
    dependencies = [
        Dependency(
            source=new[d.source],
            target=new[d.target],
            type=d.type,
            strength=d.strength,
            tolerance=d.tolerance,
        )
        for d in model.dependencies
    ]
    return Model.build(components, dependencies)


@st.composite
def estates(draw: st.DrawFn) -> Model:
    model = draw(models(max_components=9))
    n = len(model.components)
    names = draw(st.lists(ids, min_size=n, max_size=n, unique_by=visible))
    return renamed(model, names)


@settings(
    deadline=None,
    max_examples=60,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_every_picture_renders_and_shows_every_component_hit(data: st.DataObject) -> None:
    model = data.draw(estates(), label="model")
    graph = Graph.from_model(model)
    drawn = data.draw(scenarios(model), label="scenario")
    # the ids look like selectors (kind:site): name each one as an id
    failures = tuple(replace(f, target=id_target(f.target)) for f in drawn.failures)
    impact = propagate(graph, replace(drawn, failures=failures))
    capacity = data.draw(st.sampled_from([None, Capacity(total=1), Capacity(total=2)]))
    the_plan = plan(graph, impact, capacity)
    options = DiagramOptions(
        max_nodes=data.draw(st.sampled_from([0, 2, 3, 300]), label="max_nodes"),
        collapse=data.draw(st.sampled_from(COLLAPSE_CHOICES), label="collapse"),
        context=data.draw(st.sampled_from([None, 0, 1]), label="context"),
        components=True,
    )
    hit = set(impact.timelines)
    for kind in KINDS:
        d = draw(kind, graph, options, impact, the_plan)
        root = ET.fromstring(d.svg())  # well-formed, or ParseError
        svg_ids = {g.get("id") for g in root.iter(f"{SVG}g")}
        assert {visible(cid) for cid in d.shown} <= svg_ids, kind
        counted = {cid for held in d.collapsed.values() for cid in held}
        assert not counted & d.shown
        if kind in ("estate", "impact", "recovery"):
            check_flowchart(d.mermaid)
            layout = dot_json(d.dot)
            counts = [
                int(n["label"].split("\\n")[-1].split()[0].replace(",", ""))
                for name, n in nodes_of(layout).items()
                if name.startswith("_c")
            ]
            assert sorted(counts) == sorted(len(held) for held in d.collapsed.values())
            if options.max_nodes:
                assert len(d.shown) + len(counts) <= max(options.max_nodes, 1 + len(counts))
        else:
            check_gantt(d.mermaid)
        expected = {
            "estate": set(graph.ids),
            "impact": hit,
            "timeline": hit,
            "recovery": {c for s in the_plan.steps for c in s.components},
            "schedule": {s.component for s in the_plan.steps},  # a bar per step
        }[kind]
        if kind == "timeline" and options.max_nodes > 0:
            # the timeline shows the first rows up to the limit, and says how many more
            assert d.shown <= expected
            assert d.shown == expected or any("more rows not shown" in n for n in d.notes)
        elif kind == "schedule":
            # a bar per step shown, a '+ more' bar per team cut: within the limit, and said
            assert d.shown <= expected <= d.shown | counted
            if options.max_nodes:
                assert len(d.shown) + len(d.collapsed) <= options.max_nodes
            cut = any(n.startswith("collapsed by team:") for n in d.notes)
            assert cut == bool(d.collapsed) == (d.shown != expected)
        else:
            assert expected <= d.shown | counted, kind
