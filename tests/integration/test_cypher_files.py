"""Every statement under ``cypher/`` runs on the real server with the parameters the store
gives it, and returns the columns the store reads.

Statements that write run inside a transaction that is rolled back, on a store holding the
SPEC example, so the store is left as it was.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from neo4j import GraphDatabase

from impactgraph.modelfile import load_model_file
from impactgraph.store import _cypher
from impactgraph.store.neo4j import Neo4jStore, connection_settings

pytestmark = pytest.mark.neo4j

COMPONENT = {"label": "Service", "props": {"id": "new-svc", "kind": "service", "tags": ["a"]}}
DEPENDENCY = {
    "source": "payments-api",
    "target": "dc2",
    "type": "replicates_to",
    "rel": "DEPENDS",
    "strength": "hard",
    "tolerance": 0,
}
MEMBER = {
    "group": "db-cluster",
    "member": "fraud-svc",
    "mode": "active",
    "activation": 0,
    "position": 9,
}

#: name -> (parameters, columns of the first row or None for no row expected)
CASES: dict[str, tuple[dict[str, Any], set[str] | None]] = {
    "meta_init": ({"schema": 2}, {"version", "gen", "schema"}),
    "meta_read": ({}, {"version", "gen"}),
    "meta_begin_write": ({}, {"version", "gen"}),
    "load_reserve_generation": ({}, {"gen"}),
    "load_components": (
        {
            "label": "Service",
            "rows": [["new-svc", None, "service", *[None] * 11, ["a"], None, "csv", "r1"]],
        },
        {"ids", "nodes"},
    ),
    "load_dependencies": ({"rel": "DEPENDS", "rows": [[0, 1, "replicates_to", "hard", 0]]}, None),
    "load_members": ({"rows": [[0, 1, "active", 0, 9]]}, None),
    "create_members": ({"rows": [MEMBER]}, None),
    "load_switch": ({}, {"version", "gen"}),
    "delete_old_generations": ({"batch": 10}, {"deleted"}),
    "delete_generation": ({"batch": 10}, {"deleted"}),
    "read_generation": ({"after": "", "batch": 10}, {"rows"}),
    "components_existing": ({"ids": ["dc1", "ghost"]}, {"id"}),
    "read_groups": ({"ids": ["db-cluster"]}, {"g", "members"}),
    "groups_of_members": ({"ids": ["db-primary"]}, {"id"}),
    "upsert_components": ({"rows": [COMPONENT]}, None),
    "delete_members_of_groups": ({"ids": ["db-cluster"]}, None),
    "delete_components": ({"ids": ["fraud-svc"]}, None),
    "upsert_dependencies": ({"rows": [DEPENDENCY]}, None),
    "delete_dependencies": (
        {
            "rows": [
                {
                    "i": 0,
                    "source": "host1",
                    "target": "san1",
                    "type": "depends_on",
                    "rel": "DEPENDS_ON",
                }
            ]
        },
        {"i"},
    ),
    "stats_by_kind": ({}, {"kind", "n"}),
    "stats_edges": ({}, {"members", "dependencies"}),
    "blast_radius": (
        {"id": "dc1", "depth": None, "types": None, "strength": None},
        {"id", "depth", "kind", "name"},
    ),
    "dependencies": (
        {"id": "card-payments", "depth": 2, "types": None, "strength": "hard"},
        {"id", "depth", "kind", "name"},
    ),
    "component_exists": ({"id": "dc1"}, {"id"}),
    "edge_types": ({}, {"type"}),
    "shortest_path": ({"source": "card-payments", "target": "dc1"}, {"ids", "types"}),
    "meta_lock": ({}, {"version", "gen"}),
    "components_by_provenance": (
        {"pairs": [{"source": "servicenow", "external_id": "none-such"}]},
        None,
    ),
    "key_add": (
        {
            "id": "k_test",
            "role": "reader",
            "digest": "0" * 64,
            "created": "2026-11-28T16:50:00Z",
            "name": None,
            "revoked": None,
        },
        {"id"},
    ),
    "keys_read": ({}, None),
    "key_read": ({"id": "k_none"}, None),
    "key_revoke": ({"id": "k_none", "when": "2026-11-28T16:50:00Z"}, None),
}


#: statements whose rows depend on what the server holds besides the model (API keys): checked
#: for their columns when they return rows
ROWS_MAY_VARY = {"keys_read": {"k"}}


def test_every_cypher_file_has_a_case() -> None:
    schema = {n for n in _cypher.names() if n.startswith("schema_")}
    assert set(_cypher.names()) - schema == set(CASES)
    assert schema >= {"schema_component_key", "schema_meta_key"}


def test_every_statement_runs_on_the_server(neo4j_store: Neo4jStore, neo4j_url: str) -> None:
    neo4j_store.load(load_model_file(Path(__file__).parents[2] / "examples/spec-example.yaml"))
    before = neo4j_store.stats()
    uri, user, password, database = connection_settings(neo4j_url)
    with (
        GraphDatabase.driver(uri, auth=(user, password)) as driver,
        driver.session(database=database) as session,
    ):
        for name in _cypher.names():
            if name.startswith("schema_"):  # idempotent: IF NOT EXISTS
                session.run(_cypher.statement(name)).consume()
        gen = session.run(_cypher.statement("meta_read")).single(strict=True)["gen"]
        for name, (params, columns) in CASES.items():
            with session.begin_transaction() as tx:
                result = tx.run(_cypher.statement(name), {"gen": gen, **params})
                rows = list(result)
                if name in ROWS_MAY_VARY:
                    assert not rows or set(rows[0].keys()) == ROWS_MAY_VARY[name], name
                elif columns is None:
                    assert rows == [], name
                else:
                    assert rows, f"{name} returned no row"
                    assert set(rows[0].keys()) == columns, name
                tx.rollback()
    assert neo4j_store.stats() == before


def test_the_store_has_the_constraint_and_selector_indexes(
    neo4j_store: Neo4jStore, neo4j_url: str
) -> None:
    uri, user, password, database = connection_settings(neo4j_url)
    with GraphDatabase.driver(uri, auth=(user, password)) as driver:
        records, _, _ = driver.execute_query(
            "SHOW INDEXES YIELD name, labelsOrTypes, properties, owningConstraint",
            database_=database,
        )
    found = {r["name"]: (r["labelsOrTypes"], r["properties"]) for r in records}
    assert found["component_key"] == (["Component"], ["gen", "id"])
    assert found["component_kind"] == (["Component"], ["gen", "kind"])
    assert found["component_type"] == (["Component"], ["gen", "type"])
    assert found["component_tags"] == (["Component"], ["tags"])
