"""Re-imports into a store: ids stay stable across syncs, and a changed input changes exactly
what changed (SQLite and Neo4j)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from impactgraph.engine.propagate import propagate
from impactgraph.engine.scenario import Failure, Scenario
from impactgraph.importers import (
    KnownIds,
    Named,
    import_into_store,
    prepare_backstage,
    prepare_servicenow,
    read_backstage,
    read_servicenow,
)
from impactgraph.model import Component, Dependency, Kind, Model
from impactgraph.store import open_store
from impactgraph.store.base import Changes
from importers.conftest import Run, edges, worst_states
from importers.sources import (
    CIS,
    RELATIONS,
    catalog_yaml,
    ci_records,
    relation_records,
    table_api,
)

Cis = list[tuple[str, str, dict[str, str]]]
Rels = list[tuple[str, str, str]]


def export(cis: Cis = CIS, rels: Rels = RELATIONS) -> list[Named]:
    """The estate as two Table API files."""
    return [
        Named("cmdb_ci.json", table_api(ci_records("all", cis))),
        Named("cmdb_rel_ci.json", table_api(relation_records("all", rels))),
    ]


def write_export(folder: Path, cis: Cis = CIS, rels: Rels = RELATIONS) -> Path:
    folder.mkdir(exist_ok=True)
    for named in export(cis, rels):
        (folder / named.name).write_text(str(named.data))
    return folder


def ids_by_external_id(model: Model, source: str) -> dict[str, str]:
    return {str(c.external_id): c.id for c in model.components if c.source == source}


# ---- stable ids --------------------------------------------------------------------------------

#: a new Windows server with the very name of an existing Linux one (host1), first in the file
TWIN_SYS_ID = "f" * 32
TWIN: Cis = [("host1", "cmdb_ci_win_server", {"sys_id": TWIN_SYS_ID})]


def test_a_new_namesake_does_not_move_an_existing_id() -> None:
    first = read_servicenow(export())
    assert "host1" in first.model.by_id
    # alone, the two namesakes would both take qualified ids
    fresh = read_servicenow(export(TWIN + CIS))
    assert {"host1-linux_server", "host1-win_server"} <= set(fresh.model.by_id)
    # against the store that holds the first import, the existing one keeps its id
    again = read_servicenow(export(TWIN + CIS), known=KnownIds.of(first.model, "servicenow"))
    before, after = (
        ids_by_external_id(first.model, "servicenow"),
        ids_by_external_id(again.model, "servicenow"),
    )
    assert {k: after[k] for k in before} == before
    (new,) = set(after) - set(before)
    assert new == TWIN_SYS_ID and after[new] == "host1-win_server"
    held = [t for t in again.report.adjusted if t.reason == "id_held_by_stored_component"]
    assert [(t.what, t.count) for t in held] == [("host1", 1)]


def test_known_ids_give_the_same_ids_whatever_the_order() -> None:
    known = KnownIds.of(read_servicenow(export()).model, "servicenow")
    one = read_servicenow(export(TWIN + CIS, RELATIONS), known=known).model
    two = read_servicenow(export(CIS[::-1] + TWIN, RELATIONS[::-1]), known=known).model
    assert one == two


def test_reimport_keeps_ids_and_hand_made_dependencies(store_url: str) -> None:
    store = open_store(store_url)
    try:
        import_into_store(store, prepare_servicenow(export()))
        before = ids_by_external_id(store.read(), "servicenow")
        # a hand-made monitor that needs host1
        store.apply(
            Changes(
                upsert_components=(Component(id="monitor", kind=Kind.SERVICE),),
                upsert_dependencies=(
                    Dependency.model_validate({"from": "monitor", "to": "host1"}),
                ),
            )
        )
        done = import_into_store(store, prepare_servicenow(export(TWIN + CIS)))
        counts = done.sync.components.counts()
        assert counts == {"created": 1, "updated": 0, "unchanged": 13, "removed": 0}
        assert done.sync.components.created == ("host1-win_server",)
        after = store.read()
        assert {k: ids_by_external_id(after, "servicenow")[k] for k in before} == before
        assert ("monitor", "host1", "depends_on") in edges(after)
    finally:
        store.close()


def test_ids_across_sources_stay_with_whoever_came_first(store_url: str) -> None:
    store = open_store(store_url)
    catalog = [Named("catalog-info.yaml", catalog_yaml())]
    try:
        import_into_store(store, prepare_servicenow(export()))
        backstage = import_into_store(store, prepare_backstage(catalog))
        held = {
            t.what
            for t in backstage.result.report.adjusted
            if t.reason == "id_held_by_another_source"
        }
        assert held == {"payments-api", "fraud-svc"}
        model = store.read()
        assert model.component("payments-api").source == "servicenow"
        assert model.component("payments-api-component").source == "backstage"
        ids = {c.id: (c.source, c.external_id) for c in model.components}
        version = store.version()
        # re-import either, in either order: nothing moves
        for prepared in (prepare_servicenow(export()), prepare_backstage(catalog)):
            again = import_into_store(store, prepared)
            assert not again.sync.changed and again.sync.version == version
        assert {c.id: (c.source, c.external_id) for c in store.read().components} == ids
        # ServiceNow releases payments-api: Backstage's component keeps its id all the same
        cis = [c for c in CIS if c[0] != "payments-api"]
        rels = [r for r in RELATIONS if "payments-api" not in r]
        released = import_into_store(store, prepare_servicenow(export(cis, rels)))
        assert released.sync.components.removed == ("payments-api",)
        kept = import_into_store(store, prepare_backstage(catalog))
        assert not kept.sync.changed
        assert store.read().component("payments-api-component").source == "backstage"
    finally:
        store.close()


def test_backstage_first_then_servicenow_keeps_backstage_ids() -> None:
    catalog = read_backstage([Named("catalog-info.yaml", catalog_yaml())])
    known = KnownIds.of(catalog.model, "servicenow")
    snow = read_servicenow(export(), known=known)
    assert snow.model.component("payments-api-service_auto").source == "servicenow"
    assert "payments-api" not in snow.model.by_id  # Backstage's, in the store


# ---- a re-import after changes -----------------------------------------------------------------


def changed_export() -> tuple[Cis, Rels]:
    """settlement-batch retired, Reporting now needs fraud-svc, Card Payments now tier 2."""
    cis = [c for c in CIS if c[0] != "settlement-batch"]
    cis = [
        (n, cls, {"business_criticality": "2 - somewhat critical"} if n == "Card Payments" else x)
        for n, cls, x in cis
    ]
    rels = [r for r in RELATIONS if "settlement-batch" not in r]
    rels.append(("Reporting", "Depends on::Used by", "fraud-svc"))
    return cis, rels


def sync_of(result: Any) -> dict[str, Any]:
    assert result.exit_code == 0, result.output
    sync: dict[str, Any] = json.loads(result.output)["sync"]
    return sync


def test_reimport_after_changes(run: Run, tmp_path: Path, store_url: str) -> None:
    folder = write_export(tmp_path / "export")
    first = sync_of(run("import", "servicenow", folder, "--store", store_url, "--format", "json"))
    assert first["components"]["created"] == 13
    cis, rels = changed_export()
    write_export(folder, cis, rels)
    args = ("import", "servicenow", folder, "--store", store_url, "--format", "json")
    changed = run(*args, "--dry-run")
    assert sync_of(changed)["components"]["removed"] == 1
    second = sync_of(run(*args))
    assert second["components"] == {"created": 0, "updated": 1, "unchanged": 11, "removed": 1}
    # the new relation; the retired CI's two relations go with it
    assert second["dependencies"] == {"created": 1, "updated": 0, "unchanged": 10, "removed": 2}
    assert second["version"] == first["version"] + 1

    expected = read_servicenow(export(cis, rels)).model
    store = open_store(store_url)
    try:
        stored = store.read()
        assert stored == expected
        assert stored.component("card-payments").tier == 2
        assert "settlement-batch" not in stored.by_id
        assert ("reporting", "fraud-svc", "depends_on") in edges(stored)
        # the engine's answer on the store's own graph
        impact = propagate(store.read_graph(), Scenario(failures=(Failure("host1"),)))
        worst = {
            cid: "DOWN" if any(iv.state.value == "DOWN" for iv in ivs) else "DEGRADED"
            for cid, ivs in impact.timelines.items()
        }
        assert worst == worst_states(expected, "host1")
        assert worst == {
            "host1": "DOWN",
            "db-primary": "DOWN",
            "fraud-svc": "DOWN",
            "reporting": "DOWN",  # through fraud-svc now
            "db-cluster": "DEGRADED",
            "payments-api": "DEGRADED",
            "card-payments": "DEGRADED",
        }
        version = store.version()
    finally:
        store.close()

    third = sync_of(run(*args))
    assert third["version"] == version == second["version"]
    assert third["components"] == {"created": 0, "updated": 0, "unchanged": 12, "removed": 0}
    assert third["dependencies"]["unchanged"] == 11
    assert third["dependencies"]["created"] == third["dependencies"]["removed"] == 0
