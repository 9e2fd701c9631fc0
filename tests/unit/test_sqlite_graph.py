"""``SqliteStore.read_graph`` (straight from rows to arrays) equals the graph of ``read()``."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from contract.estates import random_estate, spec_example
from impactgraph.engine.propagate import propagate
from impactgraph.engine.scenario import Failure, Scenario
from impactgraph.errors import StoreIntegrityError
from impactgraph.graph import ATTRIBUTES, Graph
from impactgraph.modelfile import load_model_file
from impactgraph.store.sqlite import SqliteStore

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _edges(g: Graph) -> set[tuple[str, str, str, bool, int]]:
    dep = g.dependencies
    return {
        (g.ids[a], g.ids[b], g.edge_types[t], bool(h), int(tol))
        for a, b, t, h, tol in zip(
            g.edge_sources(), dep.idx, dep.type, dep.hard, dep.tol, strict=True
        )
    }


def _members(g: Graph) -> dict[str, tuple[int, list[tuple[str, bool, int]]]]:
    mem = g.members
    return {
        g.ids[v]: (
            int(g.min_up[v]),
            [
                (g.ids[int(mem.idx[e])], bool(mem.standby[e]), int(mem.activation[e]))
                for e in range(int(mem.ptr[v]), int(mem.ptr[v + 1]))
            ],
        )
        for v in range(g.n)
        if mem.ptr[v + 1] > mem.ptr[v]
    }


MODELS = {
    "spec": spec_example,
    "estate": lambda: load_model_file(EXAMPLES / "estate.yaml"),
    **{f"random-{seed}": (lambda seed=seed: random_estate(seed)) for seed in range(4)},
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_read_graph_equals_graph_of_read(tmp_path: Path, name: str) -> None:
    store = SqliteStore(tmp_path / "s.db")
    store.load(MODELS[name]())
    slow = Graph.from_model(store.read())
    fast = store.read_graph()
    assert fast.ids == slow.ids
    assert fast.kind.tolist() == slow.kind.tolist()
    assert fast.min_up.tolist() == slow.min_up.tolist()
    assert _edges(fast) == _edges(slow)
    assert _members(fast) == _members(slow)
    for field in ATTRIBUTES:
        assert fast.attr(field) == slow.attr(field), field
    store.close()


@pytest.mark.parametrize(
    ("table", "column", "value", "where"),
    [
        ("components", "kind", "spaceship", "id = 'dc1'"),
        ("dependencies", "strength", "medium", "source = 'host1' AND target = 'dc1'"),
        ("members", "mode", "asleep", "member = 'db-standby'"),
    ],
)
def test_a_value_impactgraph_does_not_know_is_an_integrity_error(
    tmp_path: Path, table: str, column: str, value: str, where: str
) -> None:
    store = SqliteStore(tmp_path / "s.db")
    store.load(spec_example())
    db = sqlite3.connect(tmp_path / "s.db")
    with db:
        db.execute(
            f"UPDATE {table} SET {column} = ? WHERE {where}",
            (value,),
        )
    db.close()
    for read in (store.read, store.read_graph):
        with pytest.raises(StoreIntegrityError, match=f"the store holds {column} '{value}'"):
            read()
    store.close()


@pytest.mark.parametrize("target", ["dc-london", "kind:supplier", "tag:database"])
def test_same_answer_from_the_file_and_from_the_store(tmp_path: Path, target: str) -> None:
    """Causes included: the store reads edges back in another order than the file lists them."""
    model = load_model_file(EXAMPLES / "estate.yaml")
    store = SqliteStore(tmp_path / "s.db")
    store.load(model)
    scenario = Scenario((Failure(target, duration=7200), Failure("dc-slough", at=3600)))
    from_file = propagate(Graph.from_model(model), scenario).as_dict()
    assert propagate(store.read_graph(), scenario).as_dict() == from_file
    assert propagate(Graph.from_model(store.read()), scenario).as_dict() == from_file
    store.close()
