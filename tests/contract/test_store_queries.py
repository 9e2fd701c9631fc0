"""The contract of the stores' questions: ``read_graph`` and ``reachable``, on every backend.

``read_graph()`` must give the graph of the model that was loaded (compared by id, so that the
store's order does not matter), build no pydantic component, and make the engine answer as
it does on the file. ``reachable()`` must give what the engine's walk gives on the same model:
the same components at the same depths, with their kind and name, shallowest first.
"""

from __future__ import annotations

import random
import subprocess
import sys
from collections import defaultdict
from typing import Any

import pytest

from impactgraph.engine.explain import Reached, reachable
from impactgraph.engine.propagate import propagate
from impactgraph.engine.scenario import Failure, Scenario
from impactgraph.errors import InputError, UnknownComponentError
from impactgraph.graph import ATTRIBUTES, Graph
from impactgraph.model import Dependency, Model
from impactgraph.store import Store

from .estates import random_estate, spec_example

MODELS = {"spec": spec_example, **{f"random-{s}": (lambda s=s: random_estate(s)) for s in range(4)}}


def by_id(g: Graph) -> dict[str, Any]:
    """Everything a graph says, keyed by component id (node numbers aside)."""
    dep, mem = g.dependencies, g.members
    return {
        "kind": {cid: g.kind_of(v) for cid, v in g.index.items()},
        "min_up": {cid: int(g.min_up[v]) for cid, v in g.index.items()},
        "edges": {
            (g.ids[int(a)], g.ids[int(b)], g.edge_types[int(t)], bool(h), int(tol))
            for a, b, t, h, tol in zip(
                g.edge_sources(), dep.idx, dep.type, dep.hard, dep.tol, strict=True
            )
        },
        "members": {
            g.ids[v]: [
                (g.ids[int(mem.idx[e])], bool(mem.standby[e]), int(mem.activation[e]))
                for e in range(int(mem.ptr[v]), int(mem.ptr[v + 1]))
            ]
            for v in range(g.n)
        },
        "groups_of": {g.ids[v]: sorted(g.ids[w] for w in g.groups_of(v)) for v in range(g.n)},
        "attrs": {name: dict(zip(g.ids, g.attr(name), strict=True)) for name in ATTRIBUTES},
    }


def scenarios(model: Model) -> list[Scenario]:
    ids = sorted(c.id for c in model.components)
    return [
        Scenario((Failure(ids[0]),)),
        Scenario((Failure(ids[len(ids) // 2], at=600, duration=7200), Failure(ids[-1]))),
        Scenario((Failure("kind:site", duration=3600),)),
    ]


def by_depth(rows: list[Reached]) -> dict[int, set[tuple[str, str, str | None]]]:
    out: dict[int, set[tuple[str, str, str | None]]] = defaultdict(set)
    for r in rows:
        out[r.depth].add((r.id, r.kind, r.name))
    return dict(out)


# ---- read_graph -------------------------------------------------------------------------------


def test_an_empty_store_reads_as_an_empty_graph(store: Store) -> None:
    graph = store.read_graph()
    assert (graph.n, graph.edge_count, graph.edge_types) == (0, 0, ())


@pytest.mark.parametrize("name", sorted(MODELS))
def test_read_graph_is_the_graph_of_the_loaded_model(store: Store, name: str) -> None:
    model = MODELS[name]()
    store.load(model)
    graph = store.read_graph()
    assert sorted(graph.ids) == sorted(c.id for c in model.components)
    assert by_id(graph) == by_id(Graph.from_model(model))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_the_engine_answers_on_read_graph_as_on_the_file(store: Store, name: str) -> None:
    model = MODELS[name]()
    store.load(model)
    from_store, from_file = store.read_graph(), Graph.from_model(model)
    for scenario in scenarios(model):
        assert propagate(from_store, scenario).as_dict() == propagate(from_file, scenario).as_dict()


#: run in a process of its own: a class's ``__new__`` cannot be put back once replaced
NO_COMPONENT = """
import sys
from impactgraph.model import Component
from impactgraph.store import open_store

def refuse(*args, **kwargs):
    raise AssertionError("read_graph built a Component")

store = open_store(sys.argv[1])
Component.__new__ = refuse
print(store.read_graph().n)
"""


def test_read_graph_builds_no_pydantic_component(store: Store, store_url: str) -> None:
    model = random_estate(5)
    store.load(model)
    done = subprocess.run(
        [sys.executable, "-c", NO_COMPONENT, store_url], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == len(model.components)


def test_read_graph_follows_writes(store: Store) -> None:
    store.load(spec_example())
    store.delete_components(["reporting"])
    assert "reporting" not in store.read_graph().index


# ---- reachable --------------------------------------------------------------------------------

FILTERS: list[dict[str, Any]] = [
    {},
    {"depth": 1},
    {"depth": 2, "strength": "hard"},
    {"types": ["runs_on", "member"]},
    {"types": {"depends_on", "located_at"}, "strength": "soft"},
    {"depth": 3, "types": ("member",)},
]


@pytest.mark.parametrize("name", sorted(MODELS))
def test_reachable_equals_the_engine_on_the_same_model(store: Store, name: str) -> None:
    model = MODELS[name]()
    store.load(model)
    graph = Graph.from_model(model)
    rnd = random.Random(name)
    for component in rnd.sample(sorted(graph.ids), k=min(6, graph.n)):
        for upward in (True, False):
            for kw in FILTERS:
                if set(kw.get("types", ())) - set(graph.edge_types) - {"member"}:
                    continue  # an unknown type is refused (tested below)
                got = store.reachable(component, upward=upward, **kw)
                want = reachable(graph, component, upward=upward, **kw)
                assert by_depth(got) == by_depth(want), (component, upward, kw)
                assert [r.depth for r in got] == sorted(r.depth for r in got)  # BFS order
                assert len({r.id for r in got}) == len(got)


def test_the_spec_blast_radius_of_dc1(store: Store) -> None:
    model = spec_example()
    store.load(model)
    expected = {
        1: {"host1", "san1"},
        2: {"db-primary", "fraud-svc", "settlement-batch"},
        3: {"db-cluster", "payments-api", "reporting"},
        4: {"card-payments"},
    }
    assert by_depth(store.reachable("dc1", upward=True)) == {
        depth: {(i, model.by_id[i].kind.value, model.by_id[i].name) for i in ids}
        for depth, ids in expected.items()
    }
    # payments-api needs fraud-svc softly
    assert store.reachable("fraud-svc", upward=True, strength="hard") == []


def test_reachable_follows_writes(store: Store) -> None:
    store.load(spec_example())
    before = {r.id for r in store.reachable("dc1", upward=True)}
    store.delete_components(["reporting"])
    assert {r.id for r in store.reachable("dc1", upward=True)} == before - {"reporting"}
    store.upsert_dependencies([Dependency(source="dc2", target="dc1", type="supplied_by")])
    after = store.reachable("dc1", upward=True, depth=1)
    assert ("dc2", 1) in {(r.id, r.depth) for r in after}


@pytest.mark.parametrize(
    ("kw", "error", "match"),
    [
        ({"component_id": "ghost"}, UnknownComponentError, "ghost"),
        ({"component_id": "dc1", "types": ["teleports_to"]}, InputError, "teleports_to"),
        ({"component_id": "dc1", "strength": "medium"}, InputError, "medium"),
    ],
)
def test_reachable_refuses_what_the_model_does_not_have(
    store: Store, kw: dict[str, Any], error: type[Exception], match: str
) -> None:
    store.load(spec_example())
    with pytest.raises(error, match=match):
        store.reachable(upward=True, **kw)
    graph = store.read_graph()
    with pytest.raises(error, match=match):
        reachable(graph, upward=True, **kw)
