"""``SqliteStore.read_graph`` (straight from rows to arrays) equals the graph of ``read()``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from contract.estates import random_estate, spec_example
from impactgraph.engine.propagate import propagate
from impactgraph.engine.scenario import Failure, Scenario
from impactgraph.graph import Graph
from impactgraph.model import Component, Model
from impactgraph.modelfile import load_model_file
from impactgraph.store.sqlite import SqliteStore

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _edges(g: Graph) -> set[tuple[str, str, str, bool, int]]:
    src = np.repeat(np.arange(g.n), np.diff(g.dep_ptr))
    return {
        (g.ids[a], g.ids[b], g.edge_types[t], bool(h), int(tol))
        for a, b, t, h, tol in zip(src, g.dep_idx, g.dep_type, g.dep_hard, g.dep_tol, strict=True)
    }


def _members(g: Graph) -> dict[str, tuple[int, list[tuple[str, bool, int]]]]:
    return {
        g.ids[v]: (
            int(g.min_up[v]),
            [
                (g.ids[int(g.mem_idx[e])], bool(g.mem_standby[e]), int(g.mem_activation[e]))
                for e in range(int(g.mem_ptr[v]), int(g.mem_ptr[v + 1]))
            ],
        )
        for v in range(g.n)
        if g.mem_ptr[v + 1] > g.mem_ptr[v]
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
    assert _edges(fast) == _edges(slow)
    assert _members(fast) == _members(slow)
    for field in Component.model_fields:
        if field not in ("id", "kind", "min_up", "members"):
            assert fast.attr(field) == slow.attr(field), field
    for cid in slow.ids[:20]:
        a, b = fast.component(cid), slow.component(cid)
        assert a is not None and b is not None
        assert a.model_dump() == b.model_dump(), cid
    model = fast.model
    assert isinstance(model, Model)
    assert set(model.components) == set(slow.model.components)  # type: ignore[union-attr]
    assert set(model.dependencies) == set(slow.model.dependencies)  # type: ignore[union-attr]
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
