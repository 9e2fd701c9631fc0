"""The engine's answer on the graph Neo4j reads back equals its answer on the graph SQLite reads
back and on the file's own graph (issue 5 target), causes and summary included."""

from __future__ import annotations

from pathlib import Path

import pytest

from contract.estates import random_estate, spec_example
from impactgraph.engine.propagate import propagate
from impactgraph.engine.scenario import Failure, Scenario
from impactgraph.graph import Graph
from impactgraph.model import Model
from impactgraph.modelfile import load_model_file
from impactgraph.store.neo4j import Neo4jStore
from impactgraph.store.sqlite import SqliteStore

ESTATE = Path(__file__).resolve().parents[2] / "examples" / "estate.yaml"

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
