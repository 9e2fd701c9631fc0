"""``POST /v1/model:upsert``: counts, idempotence, dry runs, removal by source, and 20
overlapping syncs at once through two apps (two processes' worth of estates) over one store."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi.testclient import TestClient

from impactgraph.api import Settings, create_app
from impactgraph.store import Store, open_store

Auth = dict[str, dict[str, str]]

FIRST = {
    "source": "cmdb",
    "components": [
        {"id": "dc1", "kind": "site"},
        {"id": "host1", "kind": "infrastructure", "needs": [{"id": "dc1", "type": "located_at"}]},
        {"id": "app1", "kind": "service", "needs": [{"id": "host1", "type": "runs_on"}]},
    ],
}


def sync(client: TestClient, auth: Auth, body: dict[str, Any], **params: str) -> dict[str, Any]:
    r = client.post("/v1/model:upsert", json=body, params=params, headers=auth["editor"])
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    assert int(r.headers["Impactgraph-Model-Version"]) == result["version"]
    return result


def counts(
    created: int = 0, updated: int = 0, unchanged: int = 0, removed: int = 0
) -> dict[str, int]:
    return {"created": created, "updated": updated, "unchanged": unchanged, "removed": removed}


def test_create_then_nothing_changes(client: TestClient, auth: Auth, store: Store) -> None:
    first = sync(client, auth, FIRST)
    assert first["components"] == counts(created=3)
    assert first["dependencies"] == counts(created=2)
    version = store.version()
    assert first["version"] == version
    second = sync(client, auth, FIRST)
    assert second["components"] == counts(unchanged=3)
    assert second["dependencies"] == counts(unchanged=2)
    assert second["version"] == version == store.version()  # no write at all
    assert {c.source for c in store.read().components} == {"cmdb"}


def test_dry_run_counts_and_commits_nothing(client: TestClient, auth: Auth, store: Store) -> None:
    before = store.version()
    dry = sync(client, auth, FIRST, dry_run="true")
    assert dry["dry_run"] is True and dry["components"] == counts(created=3)
    assert store.version() == before and not store.read().components
    wet = sync(client, auth, FIRST)
    assert wet["components"] == dry["components"] and wet["dependencies"] == dry["dependencies"]


def test_dry_run_reports_the_errors_a_commit_would(
    client: TestClient, auth: Auth, store: Store
) -> None:
    sync(client, auth, FIRST)
    # a hand-written group whose only member is app1: removing app1 would empty it
    hand = {"components": [{"id": "pool", "kind": "group", "members": ["app1"]}]}
    sync(client, auth, hand)
    version = store.version()
    body = {"source": "cmdb", "remove_missing": True, "components": FIRST["components"][:2]}
    for params in ({"dry_run": "true"}, {}):
        r = client.post("/v1/model:upsert", json=body, params=params, headers=auth["editor"])
        assert r.status_code == 422, r.text
        assert [(e.get("component"), e.get("field")) for e in r.json()["errors"]] == [
            ("pool", "members")
        ]
    assert store.version() == version


def test_remove_missing_removes_only_what_the_source_owns(
    client: TestClient, auth: Auth, store: Store
) -> None:
    sync(client, auth, FIRST)
    sync(
        client,
        auth,
        {"source": "other", "components": [{"id": "mon1", "kind": "service", "needs": ["app1"]}]},
    )
    body = {
        "source": "cmdb",
        "remove_missing": True,
        "components": [{"id": "dc1", "kind": "site"}, {"id": "host1", "kind": "infrastructure"}],
    }
    result = sync(client, auth, body)
    assert result["components"] == counts(unchanged=2, removed=1)  # app1 was not sent
    # host1 -> dc1 was not sent: removed; app1 -> host1 and mon1 -> app1 go with app1
    assert result["dependencies"] == counts(removed=3)
    model = store.read()
    assert sorted(model.by_id) == ["dc1", "host1", "mon1"]
    assert not model.dependencies


def test_a_source_cannot_take_over_another_sources_component(
    client: TestClient, auth: Auth, store: Store
) -> None:
    sync(client, auth, FIRST)
    r = client.post(
        "/v1/model:upsert",
        json={"source": "rival", "components": [{"id": "dc1", "kind": "site"}]},
        headers=auth["editor"],
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["component"] == "dc1"


def test_source_and_remove_missing_may_come_in_the_query(
    client: TestClient, auth: Auth, store: Store
) -> None:
    body = {k: v for k, v in FIRST.items() if k != "source"}
    first = sync(client, auth, body, source="cmdb")
    assert first["components"] == counts(created=3) and first["source"] == "cmdb"
    assert {c.source for c in store.read().components} == {"cmdb"}
    fewer = {"components": FIRST["components"][:2]}
    second = sync(client, auth, fewer, source="cmdb", remove_missing="true")
    assert second["components"] == counts(unchanged=2, removed=1)
    assert "app1" not in {c.id for c in store.read().components}
    version = store.version()
    for params in ({"source": "other"}, {"remove_missing": "false"}):
        both = {**fewer, "source": "cmdb", "remove_missing": True}
        r = client.post("/v1/model:upsert", json=both, params=params, headers=auth["editor"])
        assert r.status_code == 422, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in r.json()["errors"]] == list(params)
    assert store.version() == version


def test_remove_missing_needs_a_source(client: TestClient, auth: Auth) -> None:
    r = client.post("/v1/model:upsert", json={"remove_missing": True}, headers=auth["editor"])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "source"


def test_unknown_sync_fields_are_422(client: TestClient, auth: Auth) -> None:
    r = client.post(
        "/v1/model:upsert",
        json={
            "sorce": "x",
            "remove_missing": "yes",
            "components": [{"id": "a", "kind": "site", "x": 1}],
        },
        headers=auth["editor"],
    )
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"sorce", "remove_missing"} <= fields


SYNCS = 20
SHARED = [{"id": f"shared-{i}", "kind": "infrastructure"} for i in range(10)]


def overlapping(n: int) -> dict[str, Any]:
    """Sync ``n``: the shared components, five of its own, each of its own needing two shared."""
    own = [
        {
            "id": f"own-{n}-{j}",
            "kind": "service",
            "needs": [f"shared-{(n + j) % 10}", f"shared-{(n + j + 1) % 10}"],
        }
        for j in range(5)
    ]
    return {"components": SHARED + own}


def test_twenty_overlapping_syncs_lose_nothing(store_url: str, store: Store, auth: Auth) -> None:
    second = open_store(store_url)
    apps = [
        create_app(Settings(key_cache_seconds=0), store=s) for s in (store, second)
    ]  # two estates: they race through the store's compare-and-swap, not a shared lock
    try:
        with TestClient(apps[0]) as a, TestClient(apps[1]) as b:
            clients = [a, b]

            def run(n: int) -> dict[str, Any]:
                return sync(clients[n % 2], auth, overlapping(n))

            with ThreadPoolExecutor(SYNCS) as pool:
                results = list(pool.map(run, range(SYNCS)))
    finally:
        second.close()
    model = store.read()
    expected = {c["id"] for c in SHARED} | {f"own-{n}-{j}" for n in range(SYNCS) for j in range(5)}
    assert set(model.by_id) == expected and len(model.components) == len(expected)
    assert len(model.dependencies) == SYNCS * 5 * 2
    created = sum(r["components"]["created"] for r in results)
    assert created == len(expected)
    assert sum(r["components"]["unchanged"] for r in results) == SYNCS * 15 - created
    assert sum(r["dependencies"]["created"] for r in results) == SYNCS * 10
    assert all(r["components"]["updated"] == 0 for r in results)
