"""Fixtures of the HTTP API tests: a store per backend, the app over it, a client, and a key
per role.

Backends: ``sqlite`` (a fresh file under ``tmp_path``) always; ``neo4j`` only when
``IMPACTGRAPH_TEST_NEO4J`` holds a server URL; the server's model is wiped before each test
(its API keys stay, each test makes its own).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

from fastapi import FastAPI  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from impactgraph.api import Settings, create_app  # noqa: E402
from impactgraph.apikeys import ROLES, create_key  # noqa: E402
from impactgraph.store import Store, open_store  # noqa: E402

NEO4J_ENV = "IMPACTGRAPH_TEST_NEO4J"
ROOT = Path(__file__).resolve().parents[2]
ESTATE = ROOT / "examples" / "estate.yaml"

#: the SPEC §3 worked example as a model document (JSON form)
SPEC_DOCUMENT = {
    "version": 1,
    "components": [
        {"id": "dc1", "kind": "site"},
        {"id": "dc2", "kind": "site"},
        {"id": "san1", "kind": "infrastructure", "needs": [{"id": "dc1", "type": "located_at"}]},
        {
            "id": "host1",
            "kind": "infrastructure",
            "needs": [{"id": "dc1", "type": "located_at"}, "san1"],
        },
        {"id": "host2", "kind": "infrastructure", "needs": [{"id": "dc2", "type": "located_at"}]},
        {"id": "db-primary", "kind": "service", "needs": [{"id": "host1", "type": "runs_on"}]},
        {"id": "db-standby", "kind": "service", "needs": [{"id": "host2", "type": "runs_on"}]},
        {
            "id": "db-cluster",
            "kind": "group",
            "min_up": 1,
            "members": ["db-primary", {"id": "db-standby", "mode": "standby", "activation": "30m"}],
        },
        {"id": "fraud-svc", "kind": "service", "needs": [{"id": "host1", "type": "runs_on"}]},
        {
            "id": "payments-api",
            "kind": "service",
            "needs": [
                {"id": "host2", "type": "runs_on"},
                "db-cluster",
                {"id": "fraud-svc", "strength": "soft"},
            ],
        },
        {
            "id": "card-payments",
            "kind": "business_service",
            "tier": 1,
            "rto": "4h",
            "needs": ["payments-api"],
        },
        {
            "id": "settlement-batch",
            "kind": "service",
            "needs": [{"id": "host1", "type": "runs_on"}],
        },
        {
            "id": "reporting",
            "kind": "business_service",
            "tier": 2,
            "needs": [{"id": "settlement-batch", "tolerance": "4h"}],
        },
    ],
}


@pytest.fixture(params=["sqlite", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty store of each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'api.db'}"
    url = os.environ.get(NEO4J_ENV)
    if not url:
        pytest.skip(f"set {NEO4J_ENV}=neo4j://user:password@127.0.0.1:PORT to run against Neo4j")
    return url


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An open store whose model is empty."""
    s = open_store(store_url)
    try:
        if not store_url.startswith("sqlite:"):
            s.wipe()
        yield s
    finally:
        s.close()


@pytest.fixture
def settings() -> Settings:
    """The server's settings (defaults; tests that need other limits make their own)."""
    return Settings(key_cache_seconds=0)


@pytest.fixture
def app(store: Store, settings: Settings) -> FastAPI:
    """The API over ``store``."""
    return create_app(settings, store=store)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """A client of ``app`` (no key: pass ``headers=auth[role]``)."""
    with TestClient(app) as c:
        yield c


@pytest.fixture
def keys(store: Store) -> dict[str, str]:
    """A key of each role, by role."""
    return {role: create_key(store, role, f"test {role}")[0] for role in ROLES}


@pytest.fixture
def auth(keys: dict[str, str]) -> dict[str, dict[str, str]]:
    """The ``Authorization`` header of each role's key, by role."""
    return {role: {"Authorization": f"Bearer {key}"} for role, key in keys.items()}


@pytest.fixture
def spec_loaded(client: TestClient, auth: dict[str, dict[str, str]]) -> int:
    """The SPEC example put in the store through the API; its version."""
    r = client.put("/v1/model", json=SPEC_DOCUMENT, headers=auth["editor"])
    assert r.status_code == 200, r.text
    version: int = r.json()["version"]
    return version
