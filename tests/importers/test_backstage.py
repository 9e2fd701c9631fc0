"""A Backstage catalog → the model, and what a resource failure does to it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from impactgraph.importers import ImportInputError, Named, load_mapping, read_backstage
from impactgraph.model import Kind
from importers.conftest import edges, worst_states
from importers.sources import catalog, catalog_api_json, catalog_yaml, entity

EXPECTED_EDGES = {
    ("payments-api", "payments-db", "depends_on"),  # dependsOn
    ("payments-api", "fraud-svc", "depends_on"),  # consumesApis fraud-grpc, served by fraud-svc
    ("checkout-web", "payments-api", "depends_on"),  # consumesApis payments-rest
    ("checkout-web", "cdn", "depends_on"),  # dependsOn resource:platform/cdn
    ("payments-db", "storage", "depends_on"),
    ("reporting-job", "payments-db", "depends_on"),  # payments-db's dependencyOf
    ("payments", "payments-api", "depends_on"),  # a System needs its parts …
    ("payments", "payments-db", "depends_on"),
    ("checkout", "checkout-web", "depends_on"),
}

PAYMENTS_DB_LOST = {
    "payments-db": "DOWN",
    "payments-api": "DOWN",
    "checkout-web": "DOWN",
    "reporting-job": "DOWN",
    "payments": "DOWN",
    "checkout": "DOWN",
}


def test_descriptor_catalog_gives_the_estate_and_its_impact() -> None:
    result = read_backstage([Named("catalog-info.yaml", catalog_yaml())])
    m = result.model
    assert edges(m) == EXPECTED_EDGES
    payments = m.component("payments")
    assert (payments.kind, payments.name, payments.tier, payments.rto, payments.team) == (
        Kind.BUSINESS_SERVICE,
        "Card Payments",
        1,
        4 * 3600,
        "team-payments",
    )
    assert m.component("checkout").team == "team-shop"  # group:default/team-shop
    api = m.component("payments-api")
    assert (api.kind, api.type, api.tags) == (
        Kind.SERVICE,
        "service",
        ("java", "pci", "lifecycle:production"),
    )
    db = m.component("payments-db")
    assert (db.kind, db.type, db.external_id) == (
        Kind.INFRASTRUCTURE,
        "database",
        "resource:default/payments-db",
    )
    assert m.component("cdn").external_id == "resource:platform/cdn"
    assert {c.source for c in m.components} == {"backstage"}
    assert worst_states(m, "payments-db") == PAYMENTS_DB_LOST
    skipped = {(t.reason, t.what): t.count for t in result.report.skipped}
    assert skipped == {
        ("not_estate", "API"): 2,
        ("not_estate", "Domain"): 1,
        ("not_estate", "Group"): 1,
        ("not_estate", "User"): 1,
    }


@pytest.mark.parametrize("page", [False, True])
def test_catalog_api_json_gives_the_same_model(page: bool) -> None:
    from_yaml = read_backstage([Named("catalog-info.yaml", catalog_yaml())]).model
    from_api = read_backstage([Named("entities.json", catalog_api_json(page=page))]).model
    assert from_api == from_yaml


def test_refs_without_namespace_take_the_writers_namespace() -> None:
    entities = [
        entity("Resource", "cdn", {"type": "cdn", "dependsOn": ["resource:storage"]},
               namespace="platform"),
        entity("Resource", "storage", {"type": "storage"}, namespace="platform"),
        entity("Resource", "storage", {"type": "storage"}),  # default/storage: another one
        entity("Component", "web", {"dependsOn": ["Resource:platform/CDN"], "system": "shop"}),
        entity("System", "shop", {}),
    ]  # fmt: skip
    m = read_backstage([Named("c.yaml", catalog_yaml(entities))]).model
    by_ref = {c.external_id: c.id for c in m.components}
    assert by_ref["resource:platform/storage"] == "storage-resource-platform"
    assert by_ref["resource:default/storage"] == "storage-resource-default"
    assert edges(m) == {
        ("cdn", "storage-resource-platform", "depends_on"),
        ("web", "cdn", "depends_on"),
        ("shop", "web", "depends_on"),
    }


def test_dangling_ref_is_skipped_or_an_error_with_strict() -> None:
    entities = [entity("Component", "web", {"dependsOn": ["resource:gone", "resource:db"]}),
                entity("Resource", "db", {"type": "database"})]  # fmt: skip
    text = catalog_yaml(entities)
    result = read_backstage([Named("c.yaml", text)])
    assert edges(result.model) == {("web", "db", "depends_on")}
    assert [(t.reason, t.what) for t in result.report.skipped] == [
        ("dangling_reference", "resource:default/gone")
    ]
    with pytest.raises(ImportInputError) as e:
        read_backstage([Named("c.yaml", text)], strict=True)
    assert "c.yaml:" in str(e.value)
    assert "entity 'component:default/web', field 'spec.dependsOn'" in str(e.value)


def test_api_without_provider_is_counted() -> None:
    entities = [entity("Component", "web", {"consumesApis": ["orders"]}),
                entity("API", "orders", {"type": "openapi"})]  # fmt: skip
    result = read_backstage([Named("c.yaml", catalog_yaml(entities))])
    assert edges(result.model) == set()
    assert ("api_without_provider", "api:default/orders") in {
        (t.reason, t.what) for t in result.report.skipped
    }


def test_mapping_override_changes_kinds_types_and_edges() -> None:
    mapping = load_mapping(
        "backstage",
        text=(
            "classes:\n"
            "  'resource:database': {kind: infrastructure, type: db}\n"
            "  'component:website': skip\n"
            "relations:\n"
            "  consumesApis: {type: calls, strength: soft}\n"
        ),
    )
    result = read_backstage([Named("c.yaml", catalog_yaml())], mapping)
    m = result.model
    assert m.component("payments-db").type == "db"
    assert "checkout-web" not in m.by_id
    assert ("payments-api", "fraud-svc", "calls") in edges(m)
    assert ("skipped_class", "component:website") in {
        (t.reason, t.what) for t in result.report.skipped
    }


def test_a_mapping_cannot_make_apis_or_groups_components() -> None:
    with pytest.raises(ImportInputError) as e:
        load_mapping("backstage", text="classes:\n  group: {kind: service}\n")
    assert "<mapping>:2: field 'classes.group'" in str(e.value)


@pytest.mark.parametrize(
    ("documents", "expected"),
    [
        ("kind: Component\nmetadata: {title: x}\n",
         "c.yaml:1: document at line 1, field 'metadata.name'"),
        ("kind: Component\nmetadata: {name: a}\n---\n- 1\n",
         "c.yaml:4: entity 0: an entity is a mapping"),
        ("kind: Component\nmetadata: {name: a}\nspec:\n  dependsOn: [db]\n",
         "c.yaml:4: entity 'component:default/a', field 'spec.dependsOn': 'db' is not an "
         "entity ref; write kind:[namespace/]name"),
        ("kind: Component\nmetadata: {name: a}\nspec: {dependsOn: resource:db}\n",
         "field 'spec.dependsOn': is a list of entity refs"),
        ("kind: Component\nmetadata: {name: a}\n---\nkind: Component\nmetadata: {name: A, "
         "title: other}\n",
         "c.yaml:4: entity 'component:default/a', field 'metadata.name': the entity is given "
         "twice with different content (first in c.yaml:1)"),
        ("a: [\n", "c.yaml:2: YAML syntax error"),
        ("x: 1\n---\n---\ny: [\n", "c.yaml:5: YAML syntax error"),
    ],
)  # fmt: skip
def test_bad_catalogs_name_file_line_entity_and_field(documents: str, expected: str) -> None:
    with pytest.raises(ImportInputError) as e:
        read_backstage([Named("c.yaml", documents)])
    assert expected in str(e.value)


def test_directories_are_walked_and_identical_repeats_are_harmless(tmp_path: Path) -> None:
    (tmp_path / "catalog" / "platform").mkdir(parents=True)
    (tmp_path / "catalog" / ".git").mkdir()
    entities = catalog()
    platform = [e for e in entities if e["metadata"].get("namespace") == "platform"]
    rest = [e for e in entities if e not in platform]
    (tmp_path / "catalog" / "catalog-info.yaml").write_text(catalog_yaml(rest))
    (tmp_path / "catalog" / "platform" / "all.yml").write_text(catalog_yaml(platform))
    (tmp_path / "catalog" / "platform" / "again.yaml").write_text(catalog_yaml(platform[:1]))
    (tmp_path / "catalog" / ".git" / "x.yaml").write_text("not: [valid")
    result = read_backstage([tmp_path / "catalog"])
    assert edges(result.model) == EXPECTED_EDGES
    assert ("duplicate_record", "entity") in {(t.reason, t.what) for t in result.report.skipped}


def test_yaml_aliases_across_documents_share_one_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMPACTGRAPH_MAX_NODES", "2000")
    doc = {"kind": "Component", "metadata": {"name": "a"}}
    bomb = "x: &a [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\ny: [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    text = "\n---\n".join([bomb] * 30) + "\n---\n" + yaml.safe_dump(doc)
    with pytest.raises(ImportInputError) as e:
        read_backstage([Named("c.yaml", text)])
    assert "expand" in str(e.value)
