"""cypher/blast_radius, dependencies and shortest_path against the engine and networkx.

Random models with groups, custom types, soft edges and cycles are loaded into the real
server; the queries' answers must equal the engine's reachability
(:func:`impactgraph.engine.explain.dependents` / ``dependencies``) and a plain networkx BFS,
as sets of ``(id, depth)``; so must :meth:`Neo4jStore.reachable`, which runs them.
"""

from __future__ import annotations

import random
from pathlib import Path

import networkx as nx
import pytest

from impactgraph.engine.explain import dependencies, dependents
from impactgraph.graph import Graph
from impactgraph.model import Model
from impactgraph.store.neo4j import Neo4jStore

from .estates import random_model

pytestmark = pytest.mark.neo4j

Reach = set[tuple[str, int]]


def needs_graph(model: Model, types: set[str] | None, strength: str | None) -> nx.DiGraph:
    """a → b for every kept edge "a needs b" (a group needs its members; membership is hard)."""
    g = nx.DiGraph()
    g.add_nodes_from(c.id for c in model.components)
    for d in model.dependencies:
        if (types is None or d.type in types) and strength in (None, d.strength.value):
            g.add_edge(d.source, d.target)
    for c in model.components:
        for m in c.members:
            if (types is None or "member" in types) and strength in (None, "hard"):
                g.add_edge(c.id, m.id)
    return g


def bfs(g: nx.DiGraph, start: str, depth: int | None) -> Reach:
    found = nx.single_source_shortest_path_length(g, start, cutoff=depth)
    return {(n, d) for n, d in found.items() if n != start}


FILTERS = [
    (None, None, None),
    (2, None, None),
    (None, {"runs_on", "member"}, None),
    (None, None, "hard"),
    (3, {"depends_on", "calls", "member"}, "soft"),
]


@pytest.mark.parametrize("seed", range(4))
def test_blast_radius_and_dependencies_equal_the_engine_and_networkx(
    neo4j_store: Neo4jStore, seed: int
) -> None:
    model = random_model(seed, n=40)
    neo4j_store.load(model)
    graph = Graph.from_model(model)
    rnd = random.Random(seed)
    for component in rnd.sample([c.id for c in model.components], k=6):
        for depth, types, strength in FILTERS:
            params = {
                "id": component,
                "depth": depth,
                "types": sorted(types) if types else None,
                "strength": strength,
            }
            up = {(r["id"], r["depth"]) for r in neo4j_store.query("blast_radius", **params)}
            down = {(r["id"], r["depth"]) for r in neo4j_store.query("dependencies", **params)}
            forward = needs_graph(model, types, strength)
            assert up == bfs(forward.reverse(copy=False), component, depth), params
            assert down == bfs(forward, component, depth), params
            assert up == set(dependents(graph, component, depth, types, strength)), params
            assert down == set(dependencies(graph, component, depth, types, strength)), params
            kw = {"depth": depth, "types": types, "strength": strength}
            reached = neo4j_store.reachable(component, upward=True, **kw)
            assert {(r.id, r.depth) for r in reached} == up, params
            reached = neo4j_store.reachable(component, upward=False, **kw)
            assert {(r.id, r.depth) for r in reached} == down, params


@pytest.mark.parametrize("seed", range(3))
def test_shortest_path_is_a_shortest_chain_of_needs(neo4j_store: Neo4jStore, seed: int) -> None:
    model = random_model(100 + seed, n=30)
    neo4j_store.load(model)
    forward = needs_graph(model, None, None)
    hops = {(d.source, d.target, d.type) for d in model.dependencies} | {
        (c.id, m.id, "member") for c in model.components for m in c.members
    }
    rnd = random.Random(seed)
    ids = [c.id for c in model.components]
    checked = 0
    for _ in range(40):
        source, target = rnd.sample(ids, k=2)
        rows = neo4j_store.query("shortest_path", source=source, target=target)
        if not nx.has_path(forward, source, target):
            assert rows == []
            continue
        (row,) = rows
        chain, types = row["ids"], row["types"]
        assert chain[0] == source and chain[-1] == target
        assert len(chain) - 1 == nx.shortest_path_length(forward, source, target)
        assert {(a, b, t) for a, b, t in zip(chain, chain[1:], types, strict=False)} <= hops
        checked += 1
    assert checked > 5


def test_the_spec_example_blast_radius_of_dc1(neo4j_store: Neo4jStore) -> None:
    from impactgraph.modelfile import load_model_file

    neo4j_store.load(load_model_file(Path(__file__).parents[2] / "examples/spec-example.yaml"))
    rows = neo4j_store.query("blast_radius", id="dc1", depth=None, types=None, strength=None)
    assert {(r["id"], r["depth"]) for r in rows} == {
        ("san1", 1),
        ("host1", 1),
        ("db-primary", 2),
        ("fraud-svc", 2),
        ("settlement-batch", 2),
        ("db-cluster", 3),
        ("payments-api", 3),
        ("reporting", 3),
        ("card-payments", 4),
    }
    hard = neo4j_store.query(
        "blast_radius", id="fraud-svc", depth=None, types=None, strength="hard"
    )
    assert hard == []  # payments-api needs fraud-svc softly
