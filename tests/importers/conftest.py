"""Fixtures for the importer tests: a CLI runner in a clean directory, a store of each
backend, and impact helpers.

Backends: ``sqlite`` (a fresh file under ``tmp_path``) always; ``neo4j`` only when
``IMPACTGRAPH_TEST_NEO4J`` holds a server URL, its model wiped before each test.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from impactgraph.cli.main import cli
from impactgraph.engine.propagate import propagate
from impactgraph.engine.scenario import Failure, Scenario
from impactgraph.graph import Graph
from impactgraph.model import Model
from impactgraph.store import open_store

Run = Callable[..., Result]
NEO4J_ENV = "IMPACTGRAPH_TEST_NEO4J"


@pytest.fixture(params=["sqlite", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty store of each backend (a Neo4j server's model is wiped first)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'estate.db'}"
    url = os.environ.get(NEO4J_ENV)
    if not url:
        pytest.skip(f"set {NEO4J_ENV}=neo4j://user:password@127.0.0.1:PORT to run against Neo4j")
    store = open_store(url)
    try:
        store.wipe()
    finally:
        store.close()
    return url


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Run:
    """Run ``impactgraph ARGS…`` in-process in a clean directory with no store configured."""
    monkeypatch.delenv("IMPACTGRAPH_STORE", raising=False)
    monkeypatch.delenv("NEO4J_URI", raising=False)
    monkeypatch.delenv("IMPACTGRAPH_DEBUG", raising=False)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args: str | Path) -> Result:
        return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)

    return invoke


def worst_states(model: Model, *failed: str) -> dict[str, str]:
    """Each component that is not UP at some moment when ``failed`` fail at 0 for ever, with
    its worst state (the engine's answer on the model's graph)."""
    scenario = Scenario(failures=tuple(Failure(f) for f in failed))
    impact = propagate(Graph.from_model(model), scenario)
    return {
        cid: "DOWN" if any(iv.state.value == "DOWN" for iv in ivs) else "DEGRADED"
        for cid, ivs in impact.timelines.items()
    }


def edges(model: Model) -> set[tuple[str, str, str]]:
    """The model's dependencies as (from, to, type)."""
    return {(d.source, d.target, d.type) for d in model.dependencies}
