"""Fixtures for the diagram tests: Graphviz, the SPEC example, the examples estate with its
primary data centre lost, and an estate of hostile ids."""

from __future__ import annotations

import shutil

import pytest
from diagram_support import EXAMPLES, hostile_model

from impactgraph.engine.impact import Impact
from impactgraph.engine.propagate import propagate
from impactgraph.engine.scenario import Failure, Scenario
from impactgraph.graph import Graph
from impactgraph.modelfile import load_model_file
from impactgraph.scenariofile import load_scenario_file


@pytest.fixture(scope="session")
def graphviz() -> None:
    """Graphviz's ``dot`` (installed by ``make install``; these tests read pictures back)."""
    if shutil.which("dot") is None:
        pytest.skip("needs Graphviz's dot")


@pytest.fixture(scope="session")
def spec_graph() -> Graph:
    return Graph.from_model(load_model_file(EXAMPLES / "spec-example.yaml"))


@pytest.fixture(scope="session")
def spec_impact(spec_graph: Graph) -> Impact:
    return propagate(spec_graph, Scenario(failures=(Failure("dc1"),)))


@pytest.fixture(scope="session")
def estate_graph() -> Graph:
    return Graph.from_model(load_model_file(EXAMPLES / "estate.yaml"))


@pytest.fixture(scope="session")
def dc_lost(estate_graph: Graph) -> Impact:
    scenario = load_scenario_file(EXAMPLES / "scenarios" / "primary-dc-lost.yaml")
    return propagate(estate_graph, scenario)


@pytest.fixture(scope="session")
def hostile_graph() -> Graph:
    return Graph.from_model(hostile_model())


@pytest.fixture(scope="session")
def hostile_impact(hostile_graph: Graph) -> Impact:
    return propagate(
        hostile_graph, Scenario(failures=(Failure("root"),), name='lost "root" <b>&</b>')
    )
