"""Who may do what: every route of the app's own OpenAPI document × no key / reader / editor /
admin; keys sent either way, wrong, revoked; the key never shown again."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from impactgraph.apikeys import create_key
from impactgraph.store import Store

Auth = dict[str, dict[str, str]]

PROBES = {"/healthz", "/readyz"}
PATH_VALUES = {"component_id": "payments-api", "key_id": "k_0000000000000000"}
QUERY_VALUES = {"from": "payments-api", "to": "host2", "type": "runs_on"}
BODIES: dict[tuple[str, str], Any] = {
    ("put", "/v1/model"): {"version": 1, "components": [{"id": "dc1", "kind": "site"}]},
    ("post", "/v1/model:upsert"): {"components": [{"id": "dc1", "kind": "site"}]},
    ("post", "/v1/imports/servicenow"): {"files": [{"name": "a.json", "content": "[]"}]},
    ("post", "/v1/imports/backstage"): {"files": [{"name": "catalog.yaml", "content": "[]"}]},
    ("post", "/v1/imports/csv"): {"components": "id,kind\ndc8,site\n"},
    ("post", "/v1/components"): {"id": "dc9", "kind": "site"},
    ("put", "/v1/components/{component_id}"): {"kind": "service"},
    ("patch", "/v1/components/{component_id}"): {"tier": 2},
    ("post", "/v1/dependencies"): {"from": "payments-api", "to": "dc1"},
    ("put", "/v1/dependency"): {"strength": "soft"},
    ("patch", "/v1/dependency"): {"tolerance": "1m"},
    ("post", "/v1/api-keys"): {"role": "reader"},
    ("post", "/v1/impact"): {"failures": [{"target": "dc1"}]},
    ("post", "/v1/recovery-plan"): {"failures": [{"target": "dc1"}]},
}


def operations(app: FastAPI) -> list[tuple[str, str, dict[str, Any]]]:
    """Every (method, path, operation) of the app's OpenAPI document."""
    return [
        (method, path, op)
        for path, ops in app.openapi()["paths"].items()
        for method, op in ops.items()
    ]


def needed_role(method: str, path: str, op: dict[str, Any]) -> str | None:
    """The least role an operation needs (None: no key)."""
    if path in PROBES:
        return None
    if path.startswith("/v1/api-keys"):
        return "admin"
    if method == "get" or "questions" in op.get("tags", ()):
        return "reader"
    return "editor"


def call(client: TestClient, method: str, path: str, headers: dict[str, str]) -> Any:
    url = path
    for name, value in PATH_VALUES.items():
        url = url.replace("{" + name + "}", value)
    params = QUERY_VALUES if path == "/v1/dependency" else None
    body = BODIES.get((method, path))
    return client.request(method.upper(), url, params=params, json=body, headers=headers)


def test_every_route_is_covered(app: FastAPI) -> None:
    ops = operations(app)
    assert len(ops) >= 20
    writes = [
        (m, p)
        for m, p, op in ops
        if m not in ("get", "delete") and "questions" not in op.get("tags", ())
    ]
    assert set(writes) <= set(BODIES), "a new write route needs a body in BODIES"


ORDER = ("reader", "editor", "admin")


@pytest.mark.parametrize("role", [None, *ORDER])
def test_auth_matrix(
    app: FastAPI, client: TestClient, auth: Auth, spec_loaded: int, role: str | None
) -> None:
    headers = auth[role] if role else {}
    wrong = []
    for method, path, op in operations(app):
        needed = needed_role(method, path, op)
        r = call(client, method, path, headers)
        if needed is None:
            ok = r.status_code not in (401, 403)
        elif role is None:
            ok = r.status_code == 401 and r.headers.get("WWW-Authenticate") == "Bearer"
        elif ORDER.index(role) < ORDER.index(needed):
            ok = r.status_code == 403
        else:
            ok = r.status_code not in (401, 403)
        if r.status_code in (401, 403):
            ok = ok and r.headers["Content-Type"] == "application/problem+json"
        assert r.status_code < 500, (method, path, r.text)
        if not ok:
            wrong.append((method.upper(), path, r.status_code))
    assert not wrong


def test_x_api_key_header(client: TestClient, keys: dict[str, str]) -> None:
    assert client.get("/v1/model", headers={"X-API-Key": keys["reader"]}).status_code == 200


@pytest.mark.parametrize(
    "header",
    [
        "Bearer igk_k_0123456789abcdef_" + "A" * 43,  # well formed, unknown
        "Bearer not-a-key",
        "Basic dXNlcjpwYXNz",
        "Bearer " + "x" * 10_000,
    ],
)
def test_bad_keys_are_401(client: TestClient, header: str) -> None:
    r = client.get("/v1/model", headers={"Authorization": header})
    assert r.status_code == 401
    assert "igk_" not in r.text and "x" * 100 not in r.text


def test_a_forged_secret_fails(client: TestClient, keys: dict[str, str]) -> None:
    real = keys["admin"]
    forged = real[:-4] + ("AAAA" if not real.endswith("AAAA") else "BBBB")
    assert client.get("/v1/model", headers={"X-API-Key": forged}).status_code == 401


def test_revoked_key_stops_working(client: TestClient, auth: Auth, store: Store) -> None:
    key, record = create_key(store, "editor")
    headers = {"Authorization": f"Bearer {key}"}
    assert client.get("/v1/model", headers=headers).status_code == 200
    assert client.delete(f"/v1/api-keys/{record.id}", headers=auth["admin"]).status_code == 204
    assert client.get("/v1/model", headers=headers).status_code == 401
    assert (
        client.delete("/v1/api-keys/k_ffffffffffffffff", headers=auth["admin"]).status_code == 404
    )


def test_a_new_key_is_shown_once(client: TestClient, auth: Auth) -> None:
    made = client.post(
        "/v1/api-keys", json={"role": "reader", "name": "cmdb"}, headers=auth["admin"]
    )
    assert made.status_code == 201
    key = made.json()["key"]
    assert made.headers["Cache-Control"] == "no-store"
    listed = client.get("/v1/api-keys", headers=auth["admin"])
    assert key not in listed.text and made.json()["id"] in listed.text
    assert "digest" not in listed.text
    assert client.get("/v1/model", headers={"X-API-Key": key}).status_code == 200


def test_key_schema_forbids_unknown_fields(client: TestClient, auth: Auth) -> None:
    r = client.post("/v1/api-keys", json={"role": "admin", "scope": "all"}, headers=auth["admin"])
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "scope"
