"""Fixtures of the store contract suite: one ``store`` per backend, and the models to put in it.

Backends: ``sqlite`` (a fresh file under ``tmp_path``) always; ``neo4j`` only when
``IMPACTGRAPH_TEST_NEO4J`` holds a server URL (``neo4j://user:password@127.0.0.1:7687``); the
server's store is wiped before each test.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from impactgraph.model import Model
from impactgraph.store import Store, open_store

from .estates import random_estate, spec_example

NEO4J_ENV = "IMPACTGRAPH_TEST_NEO4J"


@pytest.fixture(
    params=["sqlite", pytest.param("neo4j", marks=pytest.mark.neo4j)],
)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty store of each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'contract.db'}"
    url = os.environ.get(NEO4J_ENV)
    if not url:
        pytest.skip(f"set {NEO4J_ENV}=neo4j://user:password@127.0.0.1:PORT to run against Neo4j")
    return url


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An open, empty store (wiped first, for servers that outlive the test)."""
    s = open_store(store_url)
    try:
        if not store_url.startswith("sqlite:"):
            s.wipe()
        yield s
    finally:
        s.close()


@pytest.fixture
def spec_model() -> Model:
    """The SPEC §3 worked example."""
    return spec_example()


@pytest.fixture
def estate() -> Callable[..., Model]:
    """A factory of small seeded random models: ``estate(seed, n=40, odd_ids=True)``."""
    return random_estate
