"""Fixtures for tests against the real Neo4j server of ``scripts/neo4j-local``.

They run when ``IMPACTGRAPH_TEST_NEO4J`` holds the server's URL (the README's test command
starts the server and sets it) and are skipped otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from impactgraph.store.neo4j import Neo4jStore

NEO4J_ENV = "IMPACTGRAPH_TEST_NEO4J"


@pytest.fixture(scope="session")
def neo4j_url() -> str:
    """The URL of the running test server (with credentials)."""
    url = os.environ.get(NEO4J_ENV)
    if not url:
        pytest.skip(f"set {NEO4J_ENV} (scripts/neo4j-local start prints the URL)")
    return url


@pytest.fixture
def neo4j_store(neo4j_url: str) -> Iterator[Neo4jStore]:
    """An open store on the test server, wiped first."""
    store = Neo4jStore(neo4j_url)
    try:
        store.wipe()
        yield store
    finally:
        store.close()
