"""The estate over HTTP: the whole model, components and dependencies, one at a time."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.testclient import TestClient

from impactgraph.store import Store

from .conftest import ESTATE, SPEC_DOCUMENT

Auth = dict[str, dict[str, str]]
BACKSTAGE = "component:default/payments"


def path_of(component_id: str) -> str:
    return "/v1/components/" + quote(component_id, safe="")


def test_probes_need_no_key(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"


def test_put_then_get_the_whole_model(client: TestClient, auth: Auth, store: Store) -> None:
    put = client.put("/v1/model", json=SPEC_DOCUMENT, headers=auth["editor"])
    assert put.status_code == 200, put.text
    assert put.json()["components"] == 13 and put.json()["version"] == store.version()
    got = client.get("/v1/model", headers=auth["reader"])
    assert got.status_code == 200
    assert got.headers["ETag"] == f'"{store.version()}"'
    assert got.headers["Impactgraph-Model-Version"] == str(store.version())
    ids = {c["id"] for c in got.json()["components"]}
    assert ids == {c["id"] for c in SPEC_DOCUMENT["components"]}


def test_put_yaml_model_file_as_is(client: TestClient, auth: Auth) -> None:
    r = client.put(
        "/v1/model",
        content=ESTATE.read_bytes(),
        headers={**auth["editor"], "Content-Type": "application/yaml"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["components"] == 101


def test_component_crud_with_an_id_holding_a_slash(
    client: TestClient, auth: Auth, spec_loaded: int
) -> None:
    created = client.post(
        "/v1/components",
        json={"id": BACKSTAGE, "kind": "service", "rto": "4h", "needs": ["host2"]},
        headers=auth["editor"],
    )
    assert created.status_code == 201, created.text
    assert created.headers["Location"] == path_of(BACKSTAGE)
    version = int(created.headers["Impactgraph-Model-Version"])
    assert version > spec_loaded

    got = client.get(path_of(BACKSTAGE), headers=auth["reader"])
    assert got.json() == {"id": BACKSTAGE, "kind": "service", "rto": "4h", "needs": ["host2"]}
    assert got.headers["ETag"] == f'"{version}"'

    again = client.post(
        "/v1/components", json={"id": BACKSTAGE, "kind": "site"}, headers=auth["editor"]
    )
    assert again.status_code == 409
    assert again.headers["Content-Type"] == "application/problem+json"

    replaced = client.put(
        path_of(BACKSTAGE),
        json={"kind": "service", "tier": 1, "needs": [{"id": "db-cluster"}, "host2"]},
        headers=auth["editor"],
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["needs"] == ["db-cluster", "host2"]
    assert "rto" not in replaced.json()

    patched = client.patch(
        path_of(BACKSTAGE),
        json={"tier": None, "name": "Payments", "needs": ["host1"]},
        headers={**auth["editor"], "Content-Type": "application/merge-patch+json"},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json() == {
        "id": BACKSTAGE,
        "name": "Payments",
        "kind": "service",
        "needs": ["host1"],
    }
    deps = client.get("/v1/dependencies", params={"from": BACKSTAGE}, headers=auth["reader"])
    assert [(d["from"], d["to"]) for d in deps.json()["items"]] == [(BACKSTAGE, "host1")]

    deleted = client.delete(path_of(BACKSTAGE), headers=auth["editor"])
    assert deleted.status_code == 204
    assert client.get(path_of(BACKSTAGE), headers=auth["reader"]).status_code == 404


def test_put_creates_and_an_unchanged_put_writes_nothing(
    client: TestClient, auth: Auth, spec_loaded: int, store: Store
) -> None:
    body = {"id": "dc3", "kind": "site", "tags": ["new"]}
    first = client.put(path_of("dc3"), json=body, headers=auth["editor"])
    assert first.status_code == 201
    version = store.version()
    second = client.put(path_of("dc3"), json=body, headers=auth["editor"])
    assert second.status_code == 200 and store.version() == version


def test_body_id_must_match_the_path(client: TestClient, auth: Auth, spec_loaded: int) -> None:
    r = client.put(path_of("dc1"), json={"id": "dc9", "kind": "site"}, headers=auth["editor"])
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "id"


def test_delete_refused_while_named_then_cascades(
    client: TestClient, auth: Auth, spec_loaded: int, store: Store
) -> None:
    refused = client.delete(path_of("host1"), headers=auth["editor"])
    assert refused.status_code == 409
    named = {(e["component"], e["field"]) for e in refused.json()["errors"]}
    assert named == {
        ("db-primary", "needs"),
        ("fraud-svc", "needs"),
        ("settlement-batch", "needs"),
    }
    assert store.version() == spec_loaded

    group = client.delete(path_of("db-standby"), headers=auth["editor"])
    assert group.status_code == 409
    assert {(e["component"], e["field"]) for e in group.json()["errors"]} == {
        ("db-cluster", "members")
    }

    done = client.delete(path_of("host1") + "?cascade=true", headers=auth["editor"])
    assert done.status_code == 204
    model = store.read()
    assert "host1" not in model.by_id
    assert not [d for d in model.dependencies if "host1" in (d.source, d.target)]


def test_component_filters(client: TestClient, auth: Auth, spec_loaded: int) -> None:
    def ids(**params: str) -> list[str]:
        r = client.get("/v1/components", params=params, headers=auth["reader"])
        assert r.status_code == 200, r.text
        return [c["id"] for c in r.json()["items"]]

    assert ids(kind="site") == ["dc1", "dc2"]
    assert ids(kind="group") == ["db-cluster"]
    assert ids(site="dc2") == ["host2"]  # located_at only: runs_on is not "at" a site
    assert ids(site="dc1") == ["host1", "san1"]
    bad = client.get("/v1/components", params={"kind": "planet"}, headers=auth["reader"])
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "kind"
    unknown = client.get("/v1/components", params={"site": "dc9"}, headers=auth["reader"])
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["component"] == "dc9"


def test_dependency_crud(client: TestClient, auth: Auth, spec_loaded: int) -> None:
    key = {"from": "payments-api", "to": "host1", "type": "runs_on"}
    missing = client.get("/v1/dependency", params=key, headers=auth["reader"])
    assert missing.status_code == 404
    created = client.post(
        "/v1/dependencies", json={**key, "strength": "soft"}, headers=auth["editor"]
    )
    assert created.status_code == 201, created.text
    assert created.json() == {**key, "strength": "soft", "tolerance": 0}
    twice = client.post("/v1/dependencies", json=key, headers=auth["editor"])
    assert twice.status_code == 409
    patched = client.patch(
        "/v1/dependency", params=key, json={"tolerance": "15m"}, headers=auth["editor"]
    )
    assert patched.status_code == 200 and patched.json()["tolerance"] == "15m"
    put = client.put(
        "/v1/dependency", params=key, json={"strength": "hard"}, headers=auth["editor"]
    )
    assert put.json() == {**key, "strength": "hard", "tolerance": 0}
    got = client.get("/v1/dependency", params=key, headers=auth["reader"])
    assert got.status_code == 200 and got.json()["strength"] == "hard"
    assert client.delete("/v1/dependency", params=key, headers=auth["editor"]).status_code == 204
    assert client.get("/v1/dependency", params=key, headers=auth["reader"]).status_code == 404


def test_dependency_to_an_unknown_component(
    client: TestClient, auth: Auth, spec_loaded: int, store: Store
) -> None:
    r = client.post(
        "/v1/dependencies", json={"from": "payments-api", "to": "nowhere"}, headers=auth["editor"]
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["component"] == "payments-api"
    assert store.version() == spec_loaded


def test_dependency_ids_with_slashes(client: TestClient, auth: Auth, spec_loaded: int) -> None:
    for cid in (BACKSTAGE, "a/b/../c"):
        body = {"id": cid, "kind": "service"}
        assert client.post("/v1/components", json=body, headers=auth["editor"]).status_code == 201
    key = {"from": BACKSTAGE, "to": "a/b/../c"}
    assert client.post("/v1/dependencies", json=key, headers=auth["editor"]).status_code == 201
    got = client.get("/v1/dependency", params=key, headers=auth["reader"])
    assert got.status_code == 200 and got.json()["to"] == "a/b/../c"
    shown = client.get(path_of("a/b/../c"), headers=auth["reader"])
    assert shown.status_code == 200 and shown.json()["id"] == "a/b/../c"
