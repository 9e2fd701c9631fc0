"""A picture does not depend on the order the model lists things in: the same estate read
from a file, SQLite or Neo4j (which list by id) draws the same DOT and Mermaid text."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from impactgraph.engine.plan import plan
from impactgraph.engine.propagate import propagate
from impactgraph.engine.scenario import Failure, Scenario
from impactgraph.graph import Graph
from impactgraph.model import Model
from impactgraph.modelfile import load_model_file
from impactgraph.render.diagrams import KINDS, DiagramOptions, draw

ESTATE = Path(__file__).resolve().parents[2] / "examples" / "estate.yaml"


def _pictures(model: Model, kind: str, options: DiagramOptions) -> tuple[str, str]:
    graph = Graph.from_model(model)
    impact = propagate(graph, Scenario(failures=(Failure("dc-london"),)))
    answer = plan(graph, impact, None) if kind in ("recovery", "schedule") else None
    d = draw(kind, graph, options, impact, answer)
    return d.dot, d.mermaid


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("max_nodes", [300, 25])
def test_the_same_estate_in_any_order_draws_the_same_picture(kind: str, max_nodes: int) -> None:
    model = load_model_file(ESTATE)
    rnd = random.Random(7)
    components, dependencies = list(model.components), list(model.dependencies)
    rnd.shuffle(components)
    rnd.shuffle(dependencies)
    shuffled = Model.build(components, dependencies)
    options = DiagramOptions(max_nodes=max_nodes)
    assert _pictures(shuffled, kind, options) == _pictures(model, kind, options)
