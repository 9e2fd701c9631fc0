"""ServiceNow exports → the model, and what a data-centre loss does to it.

The fixture estate (``sources.CIS``/``RELATIONS``) is the SPEC §3 worked example as a CMDB
holds it; every form the reader takes must give the same model.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from impactgraph.importers import ImportInputError, Named, load_mapping, read_servicenow
from impactgraph.model import Kind, MemberMode, Strength
from importers.conftest import edges, worst_states
from importers.sources import (
    CIS,
    RELATIONS,
    ci_records,
    ire_payload,
    relation_records,
    servicenow_csv,
    sys_id,
    table_api,
)

#: the edges the default mapping makes of the fixture (Uses, Managed by and IP Connection
#: are not in it)
EXPECTED_EDGES = {
    ("san1", "dc1", "located_at"),
    ("host1", "dc1", "located_at"),
    ("host1", "san1", "depends_on"),
    ("host2", "dc2", "located_at"),
    ("db-primary", "host1", "runs_on"),
    ("db-standby", "host2", "runs_on"),
    ("fraud-svc", "host1", "runs_on"),
    ("payments-api", "host2", "runs_on"),
    ("payments-api", "db-cluster", "depends_on"),
    ("card-payments", "payments-api", "depends_on"),
    ("settlement-batch", "host1", "runs_on"),
    ("reporting", "settlement-batch", "depends_on"),
}

#: dc1 lost for ever: what goes down, what is degraded (db-cluster keeps db-standby)
DC1_LOST = {
    "dc1": "DOWN",
    "san1": "DOWN",
    "host1": "DOWN",
    "db-primary": "DOWN",
    "fraud-svc": "DOWN",
    "settlement-batch": "DOWN",
    "reporting": "DOWN",
    "db-cluster": "DEGRADED",
    "payments-api": "DEGRADED",
    "card-payments": "DEGRADED",
}


def export(form: str = "all") -> list[Named]:
    return [
        Named("cmdb_ci.json", table_api(ci_records(form))),
        Named("cmdb_rel_ci.json", table_api(relation_records(form))),
    ]


def test_display_value_export_gives_the_estate_and_its_impact() -> None:
    result = read_servicenow(export("all"))
    m = result.model
    assert edges(m) == EXPECTED_EDGES
    kinds = {c.id: (c.kind, c.type) for c in m.components}
    assert kinds["dc1"] == (Kind.SITE, "datacenter")
    assert kinds["host1"] == (Kind.INFRASTRUCTURE, "server")
    assert kinds["db-primary"] == (Kind.INFRASTRUCTURE, "database")
    assert kinds["san1"] == (Kind.INFRASTRUCTURE, "san")
    assert kinds["payments-api"] == (Kind.SERVICE, "application_service")
    assert kinds["card-payments"][0] is Kind.BUSINESS_SERVICE
    assert kinds["reporting"][0] is Kind.BUSINESS_SERVICE
    cluster = m.component("db-cluster")
    assert cluster.kind is Kind.GROUP and cluster.min_up == 1
    assert [(x.id, x.mode) for x in cluster.members] == [
        ("db-primary", MemberMode.ACTIVE),
        ("db-standby", MemberMode.ACTIVE),
    ]
    card = m.component("card-payments")
    assert (card.tier, card.name, card.source, card.external_id) == (
        1,
        "Card Payments",
        "servicenow",
        sys_id("Card Payments"),
    )
    assert m.component("reporting").tier == 2
    assert m.component("host1").team == "Unix"  # the display value of the reference
    assert all(c.source == "servicenow" and c.external_id for c in m.components)
    assert "10.0.0.1" not in {c.name for c in m.components}
    assert worst_states(m, "dc1") == DC1_LOST


def test_plain_values_and_relation_type_sys_ids_give_the_same_model() -> None:
    plain = read_servicenow(export("plain")).model
    shown = read_servicenow(export("all")).model
    assert edges(plain) == EXPECTED_EDGES
    # without display values a reference is its sys_id: the team is the group's sys_id
    assert plain.component("host1").team == sys_id("group:Unix")
    strip = {"team"}
    assert [c.model_dump(exclude=strip) for c in plain.components] == [
        c.model_dump(exclude=strip) for c in shown.components
    ]


def test_report_counts_what_made_nothing() -> None:
    report = read_servicenow(export()).report
    skipped = {(t.reason, t.what): t.count for t in report.skipped}
    assert skipped == {
        ("unmapped_class", "cmdb_ci_ip_address"): 1,
        ("unmapped_relation_type", "IP Connection::IP Connection"): 1,
        ("unmapped_relation_type", "Managed by::Manages"): 1,
        ("unmapped_relation_type", "Uses::Used by"): 1,
    }
    assert (report.records, report.relations) == (len(CIS), len(RELATIONS))
    assert (report.components, report.groups) == (13, 1)


def test_a_mapping_override_makes_the_spec_example_soft_dependency() -> None:
    mapping = load_mapping(
        "servicenow",
        text="relations:\n  'Uses::Used by': {type: depends_on, strength: soft}\n",
    )
    m = read_servicenow(export(), mapping).model
    soft = [d for d in m.dependencies if d.strength is Strength.SOFT]
    assert [(d.source, d.target) for d in soft] == [("payments-api", "fraud-svc")]
    assert worst_states(m, "dc1") == DC1_LOST


def test_csv_exports_name_cis_by_display_name() -> None:
    result = read_servicenow(
        [
            Named("cmdb_ci.csv", servicenow_csv("ci")),
            Named("cmdb_rel_ci.csv", servicenow_csv("rel")),
        ]
    )
    assert edges(result.model) == EXPECTED_EDGES
    adjusted = {(t.reason, t.what) for t in result.report.adjusted}
    assert ("resolved_by_name", "parent") in adjusted
    assert worst_states(result.model, "dc1") == DC1_LOST


def test_ire_payload_relations_by_index_and_internal_id() -> None:
    result = read_servicenow([Named("payload.json", ire_payload())])
    m = result.model
    assert edges(m) == EXPECTED_EDGES
    assert {x.id for x in m.component("db-cluster").members} == {"db-primary", "db-standby"}
    # keys: the source's native key where given, else the item's internal_id
    assert m.component("host1").external_id == "SCCM:host1"
    assert m.component("dc1").external_id == "ci-DC1"
    assert worst_states(m, "dc1") == DC1_LOST


def test_cluster_of_makes_the_child_the_group() -> None:
    cis: list[tuple[str, str, dict[str, str]]] = [
        ("node-a", "cmdb_ci_win_cluster_node", {}),
        ("node-b", "cmdb_ci_win_cluster_node", {}),
        ("sql-cluster", "cmdb_ci_win_cluster", {}),
        ("app", "cmdb_ci_appl", {}),
    ]
    rels = [
        ("node-a", "Cluster of::Cluster", "sql-cluster"),
        ("node-b", "Cluster of::Cluster", "sql-cluster"),
        ("app", "Runs on::Runs", "sql-cluster"),
        # a cluster that also "contains" its node: the membership says it already
        ("sql-cluster", "Contains::Contained by", "node-a"),
    ]
    result = read_servicenow(
        [Named("ci.json", table_api(ci_records("plain", cis))),
         Named("rel.json", table_api(relation_records("plain", rels)))]
    )  # fmt: skip
    m = result.model
    group = m.component("sql-cluster")
    assert (group.kind, group.min_up) == (Kind.GROUP, 1)
    assert {x.id for x in group.members} == {"node-a", "node-b"}
    assert edges(m) == {("app", "sql-cluster", "runs_on")}
    assert {t.reason for t in result.report.adjusted} == {"membership_over_dependency"}
    assert worst_states(m, "node-a") == {"node-a": "DOWN", "sql-cluster": "DEGRADED",
                                          "app": "DEGRADED"}  # fmt: skip
    assert worst_states(m, "node-a", "node-b")["app"] == "DOWN"


def test_cluster_without_members_is_a_plain_component_and_min_up_is_lowered() -> None:
    cis: list[tuple[str, str, dict[str, str]]] = [
        ("lonely", "cmdb_ci_cluster", {}), ("pool", "cmdb_ci_cluster", {}),
        ("m1", "cmdb_ci_linux_server", {})]  # fmt: skip
    rels = [("pool", "Members::Member of", "m1")]
    mapping = load_mapping("servicenow", text="cluster_min_up: 2")
    result = read_servicenow(
        [Named("ci.json", table_api(ci_records("all", cis))),
         Named("rel.json", table_api(relation_records("all", rels)))],
        mapping,
    )  # fmt: skip
    assert result.model.component("lonely").kind is Kind.INFRASTRUCTURE
    assert result.model.component("pool").min_up == 1
    assert {t.reason for t in result.report.adjusted} == {
        "cluster_without_members",
        "min_up_lowered",
    }


def test_dangling_relation_is_skipped_or_an_error_with_strict() -> None:
    rels = [*RELATIONS, ("payments-api", "Depends on::Used by", "gone-server")]
    files = [
        Named("cmdb_ci.json", table_api(ci_records())),
        Named("cmdb_rel_ci.json", table_api(relation_records("all", rels))),
    ]
    report = read_servicenow(files).report
    dangling = [t for t in report.skipped if t.reason == "dangling_reference"]
    assert [t.what for t in dangling] == [f"gone-server ({sys_id('gone-server')})"]
    with pytest.raises(ImportInputError) as e:
        read_servicenow(files, strict=True)
    message = str(e.value)
    assert "cmdb_rel_ci.json:" in message and "field 'child'" in message
    assert f"sys_id '{sys_id('rel:payments-api:Depends on::Used by:gone-server')}'" in message


def test_duplicate_sys_id_with_other_content_is_an_error_naming_both_places() -> None:
    rows = ci_records()
    clash = dict(rows[3], name={"value": "other", "display_value": "other"})
    with pytest.raises(ImportInputError) as e:
        read_servicenow([Named("a.json", table_api(rows)), Named("b.json", table_api([clash]))])
    message = str(e.value)
    assert "b.json:" in message and f"sys_id '{sys_id('host1')}'" in message
    assert "first at a.json:" in message and "field 'sys_id'" in message


def test_overlapping_exports_repeat_records_harmlessly() -> None:
    rows = ci_records()
    result = read_servicenow(
        [Named("cmdb_ci.json", table_api(rows)), Named("servers.json", table_api(rows[3:5])),
         Named("rel.json", table_api(relation_records()))]
    )  # fmt: skip
    assert edges(result.model) == EXPECTED_EDGES
    assert [
        (t.reason, t.count) for t in result.report.skipped if t.reason == "duplicate_record"
    ] == [("duplicate_record", 2)]


def test_retired_cis_are_excluded_and_relations_to_them_are_not_dangling() -> None:
    cis = [*CIS, ("host9", "cmdb_ci_linux_server", {"install_status": "7"})]
    rows = ci_records("plain", cis)
    rows[-1]["install_status"] = "7"
    rels = [*RELATIONS, ("host9", "Located in::Houses", "DC1")]
    result = read_servicenow(
        [
            Named("ci.json", table_api(rows)),
            Named("rel.json", table_api(relation_records("plain", rels))),
        ],
        strict=True,
    )
    skipped = {(t.reason, t.what) for t in result.report.skipped}
    assert ("excluded", "install_status = 7") in skipped
    assert ("endpoint_not_imported", "excluded (install_status = 7)") in skipped


def test_unknown_relation_type_sys_id_is_counted_and_the_mapping_can_name_it() -> None:
    rows = relation_records("plain", [("host1", "Located in::Houses", "DC1")])
    rows[0]["type"] = "0123456789abcdef0123456789abcdef"
    files = [Named("ci.json", table_api(ci_records("plain"))), Named("rel.json", table_api(rows))]
    report = read_servicenow(files).report
    assert [(t.reason, t.what) for t in report.skipped if "relation" in t.reason] == [
        ("unknown_relation_type", "0123456789abcdef0123456789abcdef")
    ]
    mapping = load_mapping(
        "servicenow",
        text="relation_type_ids: {0123456789abcdef0123456789abcdef: 'Located in::Houses'}",
    )
    assert edges(read_servicenow(files, mapping).model) == {("host1", "dc1", "located_at")}


def test_mapping_fields_give_rto_with_a_unit_and_glide_durations() -> None:
    cis = [("svc", "cmdb_ci_service", {"u_rto": "4", "u_recovery": "1970-01-01 02:30:00"})]
    mapping = load_mapping(
        "servicenow",
        text="fields:\n  rto: {field: u_rto, unit: h}\n  recovery_time: u_recovery\n",
    )
    c = read_servicenow([Named("ci.json", table_api(ci_records("all", cis)))], mapping)
    svc = c.model.component("svc")
    assert (svc.rto, svc.recovery_time) == (4 * 3600, 9000)


def test_ids_are_the_same_whatever_the_record_order_and_clashes_are_qualified() -> None:
    cis = [*CIS, ("host1", "cmdb_ci_win_server", {}), ("Host 1", "cmdb_ci_esx_server", {})]
    rows = ci_records("all", [(n, c, e) for n, c, e in cis])
    rows[-2]["sys_id"] = {
        "value": sys_id("host1-windows"),
        "display_value": sys_id("host1-windows"),
    }
    rows[-1]["sys_id"] = {"value": sys_id("host1-esx"), "display_value": sys_id("host1-esx")}
    rels = relation_records()
    first = read_servicenow([Named("ci.json", table_api(rows)), Named("rel.json", table_api(rels))])
    ids = {c.external_id: c.id for c in first.model.components}
    assert ids[sys_id("host1")] == "host1-linux_server"
    assert ids[sys_id("host1-windows")] == "host1-win_server"
    assert ids[sys_id("host1-esx")] == "host-1"  # another slug: no clash
    for seed in range(3):
        random.Random(seed).shuffle(rows)
        random.Random(seed).shuffle(rels)
        again = read_servicenow(
            [Named("rel.json", table_api(rels)), Named("ci.json", table_api(rows))]
        )
        assert again.model == first.model


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{not json", "p.json:1: JSON syntax error"),
        ('{"foo": []}', "p.json:1: not a ServiceNow export"),
        ('{"result": [1]}', "p.json:1: record 1: a record is an object of fields"),
        ('{"result": [{"name": "x", "sys_class_name": "cmdb_ci_server"}]}',
         "record 1 (x), field 'sys_id': a CI needs a sys_id"),
        ('{"result": [\n{"sys_id": "abc", "name": "x"}]}',
         "p.json:2: sys_id 'abc' (x), field 'sys_class_name': a CI needs its class"),
        ('{"result": [{"sys_id": "r1", "parent": "a", "child": "b"}]}',
         "sys_id 'r1', field 'type': a relation needs parent, child and type"),
        ('{"error": {"message": "User Not Authenticated"}, "status": "failure"}',
         "ServiceNow error answer ('User Not Authenticated')"),
    ],
)  # fmt: skip
def test_bad_input_names_file_line_record_and_field(text: str, expected: str) -> None:
    with pytest.raises(ImportInputError) as e:
        read_servicenow([Named("p.json", text)])
    assert expected in str(e.value)


def test_reads_paths_and_directories(tmp_path: Path) -> None:
    (tmp_path / "export").mkdir()
    (tmp_path / "export" / "cmdb_ci.json").write_text(table_api(ci_records()))
    (tmp_path / "export" / "cmdb_rel_ci.json").write_text(table_api(relation_records()))
    (tmp_path / "export" / "notes.txt").write_text("not read")
    by_dir = read_servicenow([tmp_path / "export"])
    assert by_dir.model == read_servicenow(export()).model
    assert [Path(p).name for p in by_dir.report.inputs] == ["cmdb_ci.json", "cmdb_rel_ci.json"]
    raw = read_servicenow([json.dumps({"result": ci_records()}).encode()])
    assert raw.report.inputs == ("<input 1>",)
