"""``impactgraph import …``: model files, stores, re-imports, reports and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from impactgraph.modelfile import load_model_file
from importers.conftest import Run, edges
from importers.sources import (
    CIS,
    RELATIONS,
    catalog_yaml,
    ci_records,
    relation_records,
    table_api,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "import"


def write_export(folder: Path, cis: list = CIS, rels: list = RELATIONS) -> Path:  # type: ignore[type-arg]
    folder.mkdir(exist_ok=True)
    (folder / "cmdb_ci.json").write_text(table_api(ci_records("all", cis)))
    (folder / "cmdb_rel_ci.json").write_text(table_api(relation_records("all", rels)))
    return folder


def test_import_to_a_model_file_and_reimport_of_changed_input(run: Run, tmp_path: Path) -> None:
    export = write_export(tmp_path / "export")
    out = tmp_path / "estate.yaml"
    first = run("import", "servicenow", export, "-o", out, "--format", "json")
    assert first.exit_code == 0, first.output
    doc = json.loads(first.output)
    assert doc["sync"]["components"] == {"created": 13, "updated": 0, "unchanged": 0, "removed": 0}
    model = load_model_file(out)
    assert model.component("host1").external_id is not None
    assert run("validate", out).exit_code == 0

    stamp = out.stat().st_mtime_ns
    again = run("import", "servicenow", export, "-o", out, "--format", "json")
    assert json.loads(again.output)["sync"]["components"]["unchanged"] == 13
    assert out.stat().st_mtime_ns == stamp  # nothing changed: the file is not rewritten

    # the CMDB changes: settlement-batch retired, a new app, reporting moves to it
    cis = [c for c in CIS if c[0] != "settlement-batch"] + [("report-app", "cmdb_ci_appl", {})]
    rels = [r for r in RELATIONS if "settlement-batch" not in r] + [
        ("report-app", "Runs on::Runs", "host2"),
        ("Reporting", "Depends on::Used by", "report-app"),
    ]
    write_export(tmp_path / "export", cis, rels)
    changed = run("import", "servicenow", export, "-o", out, "--format", "json")
    sync = json.loads(changed.output)["sync"]
    assert sync["components"] == {"created": 1, "updated": 0, "unchanged": 12, "removed": 1}
    assert sync["dependencies"]["created"] == 2 and sync["dependencies"]["removed"] == 2
    after = load_model_file(out)
    assert "settlement-batch" not in after.by_id
    assert ("reporting", "report-app", "depends_on") in edges(after)
    assert ("report-app", "host2", "runs_on") in edges(after)


def test_dry_run_writes_nothing(run: Run, tmp_path: Path) -> None:
    export = write_export(tmp_path / "export")
    result = run("import", "servicenow", export, "-o", tmp_path / "m.yaml", "--dry-run")
    assert result.exit_code == 0 and "would write" in result.output
    assert not (tmp_path / "m.yaml").exists()
    db = tmp_path / "s.db"
    result = run("import", "servicenow", export, "--store", f"sqlite:///{db}", "--dry-run")
    assert result.exit_code == 0, result.output
    stats = run("db", "stats", "--store", f"sqlite:///{db}", "--format", "json")
    assert json.loads(stats.output)["components"] == 0


def test_store_sync_is_idempotent_and_leaves_other_sources(run: Run, tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'estate.db'}"
    by_hand = tmp_path / "hand.yaml"
    by_hand.write_text("version: 1\ncomponents:\n  - {id: hq, kind: site}\n")
    assert run("load", by_hand, "--store", store).exit_code == 0
    export = write_export(tmp_path / "export")
    first = run("import", "servicenow", export, "--store", store, "--format", "json")
    assert first.exit_code == 0, first.output
    version = json.loads(first.output)["sync"]["version"]
    second = run("import", "servicenow", export, "--store", store, "--format", "json")
    sync = json.loads(second.output)["sync"]
    assert sync["version"] == version  # the model version does not move
    assert sync["components"]["unchanged"] == 13
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(catalog_yaml())
    backstage = run("import", "backstage", catalog, "--store", store, "--format", "json")
    assert backstage.exit_code == 0, backstage.output
    # payments-api and fraud-svc are ServiceNow's: Backstage's take their qualified ids
    held = [t for t in json.loads(backstage.output)["import"]["adjusted"]
            if t["reason"] == "id_held_by_another_source"]  # fmt: skip
    assert [(t["what"], t["count"]) for t in held] == [("fraud-svc", 1), ("payments-api", 1)]
    # ServiceNow loses host2's whole stack: only its own components go, Backstage's stay
    cis = [c for c in CIS if c[0] not in ("host2", "db-standby")]
    rels = [r for r in RELATIONS if "host2" not in r and "db-standby" not in r]
    write_export(tmp_path / "export", cis, rels)
    third = run("import", "servicenow", export, "--store", store, "--format", "json")
    assert json.loads(third.output)["sync"]["components"]["removed"] == 2
    ids = {c["id"] for c in _export(run, store)["components"]}
    assert {"hq", "checkout-web", "payments", "payments-api-component"} <= ids
    assert "host2" not in ids
    kept = run("import", "servicenow", write_export(tmp_path / "old"), "--store", store,
               "--keep-missing", "--format", "json")  # fmt: skip
    assert json.loads(kept.output)["sync"]["components"]["removed"] == 0


def _export(run: Run, store: str) -> dict:  # type: ignore[type-arg]
    import yaml

    result = run("db", "export", "--store", store)
    loaded: dict = yaml.safe_load(result.output)  # type: ignore[type-arg]
    return loaded


def test_table_report_lists_skipped_records(run: Run, tmp_path: Path) -> None:
    result = run("import", "servicenow", write_export(tmp_path / "e"), "-o", tmp_path / "m.yaml")
    assert result.exit_code == 0
    assert "model: 13 components (1 groups), 12 dependencies" in result.output
    assert "unmapped_relation_type" in result.output and "cmdb_ci_ip_address" in result.output


def test_bad_input_exits_2_naming_the_place(run: Run, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"result": [\n  {"sys_id": "abc", "name": "x"}\n]}')
    result = run("import", "servicenow", bad, "-o", tmp_path / "m.yaml")
    assert result.exit_code == 2
    assert "bad.json:2: sys_id 'abc' (x), field 'sys_class_name'" in result.output
    assert not (tmp_path / "m.yaml").exists()
    missing = run("import", "backstage", tmp_path / "nope.yaml", "-o", tmp_path / "m.yaml")
    assert missing.exit_code == 2 and "nope.yaml" in missing.output
    assert run("import", "servicenow").exit_code == 2
    both = run("import", "csv", "--components", bad, "-o", "x.yaml", "--store", "sqlite:///x.db")
    assert both.exit_code == 2 and "not both" in both.output


def test_print_mapping_and_an_override_file(run: Run, tmp_path: Path) -> None:
    printed = run("import", "servicenow", "--print-mapping")
    assert printed.exit_code == 0 and "Runs on::Runs" in printed.output
    override = tmp_path / "m.yaml"
    override.write_text("relations:\n  'Uses::Used by': {strength: soft}\n")
    merged = run("import", "servicenow", "--print-mapping", "--mapping", override)
    assert "Uses::Used by: {type: depends_on, strength: soft}" in merged.output
    override.write_text("relations:\n  'Uses::Used by': {strength: sometimes}\n")
    bad = run("import", "servicenow", "--print-mapping", "--mapping", override)
    assert bad.exit_code == 2 and "m.yaml:2" in bad.output


def test_csv_template_then_import(run: Run, tmp_path: Path) -> None:
    sheets = tmp_path / "sheets"
    assert run("import", "csv", "--template", sheets).exit_code == 0
    result = run(
        "import", "csv",
        "--components", sheets / "components.csv",
        "--dependencies", sheets / "dependencies.csv",
        "--members", sheets / "members.csv",
        "-o", tmp_path / "m.yaml",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert load_model_file(tmp_path / "m.yaml").component("db-cluster").min_up == 1
    assert run("import", "csv", "--template", sheets).exit_code == 2


@pytest.mark.parametrize(
    ("source", "failure", "expected"),
    [
        ("servicenow", "dc-london",
         {"online-shop": "DOWN", "customer-service": "DOWN", "management-reporting": "DOWN",
          "card-payments": "DEGRADED"}),
        ("backstage", "payments-db", {"card-payments": "DOWN", "online-shop": "DOWN"}),
        ("backstage", "storage-eu-west",
         {"card-payments": "DOWN", "online-shop": "DOWN", "customer-insight": "DOWN"}),
    ],
)  # fmt: skip
def test_the_examples_import_into_the_embedded_store_and_answer(
    run: Run, tmp_path: Path, source: str, failure: str, expected: dict[str, str]
) -> None:
    store = f"sqlite:///{tmp_path / 'estate.db'}"
    imported = run("import", source, EXAMPLES / source, "--store", store, "--format", "json")
    assert imported.exit_code == 0, imported.output
    version = json.loads(imported.output)["sync"]["version"]
    answer = run("impact", "--fail", failure, "--store", store, "--format", "json")
    assert answer.exit_code == 0, answer.output
    hit = {s["id"]: s["worst"] for s in json.loads(answer.output)["summary"]["business_services"]}
    assert hit == expected
    again = run("import", source, EXAMPLES / source, "--store", store, "--format", "json")
    sync = json.loads(again.output)["sync"]
    assert sync["version"] == version
    assert sync["components"]["created"] == sync["components"]["updated"] == 0
    assert sync["dependencies"]["created"] == sync["dependencies"]["updated"] == 0
