"""Every error is an RFC 9457 problem that names what is wrong, changes nothing, and shows
nothing of the server's inside: 400, 404, 405, 409, 412, 413, 422 and 500."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from impactgraph.api import Settings, create_app
from impactgraph.store import Store

from .conftest import SPEC_DOCUMENT

Auth = dict[str, dict[str, str]]
PROBLEM = "application/problem+json"


def is_problem(r: Any, status: int, kind: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"] == PROBLEM
    body: dict[str, Any] = r.json()
    assert body["type"] == f"https://impactgraph.dev/problems/{kind}" or kind == "about:blank"
    assert body["status"] == status and body["title"]
    assert "Traceback" not in r.text
    return body


def test_stale_if_match_is_412_and_changes_nothing(
    client: TestClient, auth: Auth, spec_loaded: int, store: Store
) -> None:
    stale = {**auth["editor"], "If-Match": f'"{spec_loaded - 1}"'}
    writes = [
        ("PUT", "/v1/model", SPEC_DOCUMENT, None),
        ("POST", "/v1/model:upsert", {"components": [{"id": "dc9", "kind": "site"}]}, None),
        ("POST", "/v1/components", {"id": "dc9", "kind": "site"}, None),
        ("PATCH", "/v1/components/dc1", {"tier": 1}, None),
        ("DELETE", "/v1/components/reporting", None, None),
        ("POST", "/v1/dependencies", {"from": "reporting", "to": "dc1"}, None),
        ("DELETE", "/v1/dependency", None, {"from": "card-payments", "to": "payments-api"}),
    ]
    for method, path, body, params in writes:
        r = client.request(method, path, json=body, params=params, headers=stale)
        problem = is_problem(r, 412, "version-conflict")
        assert problem["current_version"] == spec_loaded
    assert store.version() == spec_loaded
    fresh = {**auth["editor"], "If-Match": f'"{spec_loaded}"'}
    ok = client.patch("/v1/components/dc1", json={"tier": 1}, headers=fresh)
    assert ok.status_code == 200 and int(ok.headers["Impactgraph-Model-Version"]) > spec_loaded


def test_if_match_must_be_a_version(client: TestClient, auth: Auth, spec_loaded: int) -> None:
    r = client.patch(
        "/v1/components/dc1", json={"tier": 1}, headers={**auth["editor"], "If-Match": "abc"}
    )
    assert is_problem(r, 422, "invalid-request")["errors"][0]["field"] == "If-Match"


@pytest.fixture
def small_client(store: Store) -> Iterator[TestClient]:
    """A client of an app with tiny limits: 2,000-byte bodies, 5 components."""
    settings = Settings(max_body_bytes=2000, max_components=5, key_cache_seconds=0)
    with TestClient(create_app(settings, store=store)) as c:
        yield c


def test_a_body_above_the_limit_is_413(small_client: TestClient, auth: Auth, store: Store) -> None:
    before = store.version()
    big = {"version": 1, "components": [{"id": f"c{i}", "kind": "site"} for i in range(200)]}
    declared = small_client.put("/v1/model", json=big, headers=auth["editor"])
    assert "IMPACTGRAPH_MAX_BODY_BYTES" in is_problem(declared, 413, "too-large")["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
        yield b'{"version": 1, "components": ['
        for i in range(200):
            yield b'{"id": "c%d", "kind": "site"},' % i
        yield b'{"id": "last", "kind": "site"}]}'

    streamed = small_client.put(
        "/v1/model",
        content=chunks(),
        headers={**auth["editor"], "Content-Type": "application/json"},
    )
    is_problem(streamed, 413, "too-large")
    assert store.version() == before


def test_a_model_above_the_component_limit_is_413(
    small_client: TestClient, auth: Auth, store: Store
) -> None:
    before = store.version()
    six = {"components": [{"id": f"s{i}", "kind": "site"} for i in range(6)]}
    r = small_client.post("/v1/model:upsert", json=six, headers=auth["editor"])
    assert "IMPACTGRAPH_MAX_COMPONENTS" in is_problem(r, 413, "too-large")["detail"]
    whole = small_client.put("/v1/model", json={"version": 1, **six}, headers=auth["editor"])
    is_problem(whole, 413, "too-large")
    assert store.version() == before


def test_422_lists_every_error_with_field_and_component(
    client: TestClient, auth: Auth, spec_loaded: int, store: Store
) -> None:
    document = {
        "version": 1,
        "components": [
            {"id": "a", "kind": "planet", "rto": 30, "colour": "red"},
            {"id": "b", "kind": "service", "needs": ["nowhere"], "tier": 12},
            {"id": "g", "kind": "group", "members": []},
        ],
    }
    r = client.put("/v1/model", json=document, headers=auth["editor"])
    errors = is_problem(r, 422, "invalid-model")["errors"]
    found = {(e["component"], e["field"]) for e in errors}
    assert found >= {
        ("a", "kind"),
        ("a", "rto"),
        ("a", "colour"),
        ("b", "needs"),
        ("b", "tier"),
        ("g", "members"),
    }
    assert all(e["location"][0] == "body" for e in errors)
    assert store.version() == spec_loaded  # nothing changed


def test_422_for_a_component_points_into_the_body(
    client: TestClient, auth: Auth, spec_loaded: int
) -> None:
    body = '{\n  "id": "x",\n  "kind": "service",\n  "rto": "soon",\n  "needs": ["ghost"]\n}'
    r = client.post(
        "/v1/components",
        content=body,
        headers={**auth["editor"], "Content-Type": "application/json"},
    )
    errors = is_problem(r, 422, "invalid-model")["errors"]
    assert [(e["field"], e["line"], e["location"]) for e in errors] == [
        ("rto", 4, ["body", "rto"]),
        ("needs", 5, ["body", "needs", 0]),
    ]


def test_malformed_json_is_400_everywhere(
    client: TestClient, auth: Auth, spec_loaded: int, store: Store
) -> None:
    headers = {**auth["admin"], "Content-Type": "application/json"}
    for method, path in [
        ("PUT", "/v1/model"),
        ("POST", "/v1/model:upsert"),
        ("POST", "/v1/components"),
        ("PUT", "/v1/components/dc1"),
        ("POST", "/v1/api-keys"),
        ("POST", "/v1/impact"),
    ]:
        r = client.request(method, path, content=b'{"version": 1, "compo', headers=headers)
        is_problem(r, 400, "malformed-body")
    assert store.version() == spec_loaded


@pytest.mark.parametrize(
    ("body", "content_type"),
    [(b"", "application/json"), (b"\xff\xfe{}", "application/json"), (b"{}", "text/csv")],
)
def test_unreadable_bodies_are_400(
    client: TestClient, auth: Auth, body: bytes, content_type: str
) -> None:
    r = client.post(
        "/v1/model:upsert", content=body, headers={**auth["editor"], "Content-Type": content_type}
    )
    is_problem(r, 400, "malformed-body")


def test_unknown_route_and_method_are_problems(client: TestClient, auth: Auth) -> None:
    is_problem(client.get("/v2/nothing", headers=auth["reader"]), 404, "about:blank")
    is_problem(client.post("/healthz"), 405, "about:blank")


def test_unknown_component_names_it(client: TestClient, auth: Auth, spec_loaded: int) -> None:
    r = client.get("/v1/components/dc9", headers=auth["reader"])
    assert is_problem(r, 404, "unknown-component")["component"] == "dc9"


def test_bad_query_values_are_422(client: TestClient, auth: Auth, spec_loaded: int) -> None:
    for params in ({"limit": "0"}, {"limit": "many"}, {"cursor": "not-a-cursor"}):
        r = client.get("/v1/components", params=params, headers=auth["reader"])
        assert is_problem(r, 422, "invalid-request")["errors"]


class Exploding:
    """A store whose version() fails with a message holding a password and a key."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    def version(self) -> int:
        raise RuntimeError(
            "lost neo4j://neo4j:hunter2@db:7687 with igk_k_0123456789abcdef_SECRETSECRET"
        )


def test_500_shows_and_logs_no_secret(
    store: Store, keys: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(Settings(key_cache_seconds=0), store=Exploding(store))  # type: ignore[arg-type]
    with caplog.at_level(logging.INFO), TestClient(app) as c:
        r = c.get("/v1/model", headers={"X-API-Key": keys["reader"]})
    problem = is_problem(r, 500, "internal")
    assert "hunter2" not in r.text and "SECRET" not in r.text and "RuntimeError" not in r.text
    assert problem["detail"] == "an internal error; it has been logged"
    logged = "\n".join(rec.getMessage() for rec in caplog.records)
    assert "RuntimeError" in logged
    assert "hunter2" not in logged and "SECRET" not in logged and keys["reader"] not in logged
