"""The engine's answer on the graph Neo4j reads back equals its answer on the graph SQLite reads
back and on the file's own graph (issue 5 target), causes and summary included; and the graph
itself is the SQLite store's, array for array (issue 12)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from contract.estates import random_estate, spec_example
from impactgraph.engine.propagate import propagate
from impactgraph.engine.scenario import Failure, Scenario
from impactgraph.graph import ATTRIBUTES, Graph
from impactgraph.model import Model
from impactgraph.modelfile import load_model_file
from impactgraph.store import _neo4j_rows
from impactgraph.store.neo4j import Neo4jStore
from impactgraph.store.sqlite import SqliteStore

ROOT = Path(__file__).resolve().parents[2]
ESTATE = ROOT / "examples" / "estate.yaml"
sys.path.insert(0, str(ROOT / "benchmarks"))

import estate_gen  # noqa: E402

pytestmark = pytest.mark.neo4j

MODELS = {
    "spec": spec_example,
    "estate": lambda: load_model_file(ESTATE),
    **{f"random-{seed}": (lambda seed=seed: random_estate(seed)) for seed in range(3)},
}


def _scenarios(model: Model) -> list[Scenario]:
    ids = sorted(c.id for c in model.components)
    return [
        Scenario((Failure(ids[0]),)),
        Scenario((Failure(ids[len(ids) // 2], at=600, duration=7200), Failure(ids[-1]))),
        Scenario((Failure("kind:site"),))
        if any(c.kind == "site" for c in model.components)
        else Scenario((Failure(ids[1], duration=60),)),
    ]


@pytest.mark.parametrize("name", sorted(MODELS))
def test_engine_answer_from_neo4j_equals_the_sqlite_answer(
    neo4j_store: Neo4jStore, tmp_path: Path, name: str
) -> None:
    model = MODELS[name]()
    neo4j_store.load(model)
    sqlite = SqliteStore(tmp_path / "s.db")
    sqlite.load(model)
    from_neo4j = neo4j_store.read_graph()
    from_sqlite = sqlite.read_graph()
    from_file = Graph.from_model(model)
    for scenario in _scenarios(model):
        answer = propagate(from_file, scenario).as_dict()
        assert propagate(from_neo4j, scenario).as_dict() == answer
        assert propagate(from_sqlite, scenario).as_dict() == answer
    sqlite.close()


def _with_provenance(model: Model) -> Model:
    """``model`` with a source key on every third component (the last optional fields)."""
    components = [
        c.model_copy(update={"source": "csv", "external_id": f"row-{i}"}) if i % 3 == 0 else c
        for i, c in enumerate(model.components)
    ]
    return Model.build(components, model.dependencies)


def _generated() -> Model:
    """A layered estate of :mod:`estate_gen` (groups with standbys, tolerances, tags, tiers)."""
    return _with_provenance(estate_gen.generate(3000, seed=3).to_model())


GRAPH_MODELS = {
    **MODELS,
    "random-provenance": lambda: _with_provenance(random_estate(7)),
    "generated-3000": _generated,
}


def _parts(g: Graph) -> dict[str, object]:
    """Everything a graph holds, as plain values."""
    parts: dict[str, object] = {
        "ids": g.ids,
        "index": dict(g.index),
        "kind": g.kind.tolist(),
        "min_up": g.min_up.tolist(),
        "edge_types": g.edge_types,
    }
    for name in ("dependencies", "dependents", "members", "groups"):
        for field, array in getattr(g, name)._asdict().items():
            parts[f"{name}.{field}"] = array.tolist()
    for field in ATTRIBUTES:
        parts[f"attr.{field}"] = g.attr(field)
    return parts


@pytest.mark.parametrize("chunk", [7, 10_000])
@pytest.mark.parametrize("name", sorted(GRAPH_MODELS))
def test_the_graph_read_from_neo4j_is_the_sqlite_graph(
    neo4j_store: Neo4jStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    chunk: int,
) -> None:
    """Array for array and attribute for attribute, read in pages of ``chunk`` components."""
    model = GRAPH_MODELS[name]()
    monkeypatch.setattr(_neo4j_rows, "READ_CHUNK", chunk)
    neo4j_store.load(model)
    with SqliteStore(tmp_path / "s.db") as sqlite:
        sqlite.load(model)
        expected = _parts(sqlite.read_graph())
        assert neo4j_store.read() == sqlite.read()
    assert _parts(neo4j_store.read_graph()) == expected
    assert _parts(Graph.from_model(neo4j_store.read())) == expected
