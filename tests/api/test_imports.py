"""``POST /v1/imports/{servicenow|backstage|csv}``: the CLI's import over HTTP — the same
report, stable ids, idempotence, the CLI's options, every error a 422 naming file, record and
field with nothing written, the body limit, ``If-Match`` and concurrent importers (SQLite and
Neo4j)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from impactgraph.api import Settings, create_app
from impactgraph.cli.main import cli
from impactgraph.importers import template_texts
from impactgraph.store import Store
from importers.sources import (
    CIS,
    RELATIONS,
    catalog_api_json,
    catalog_yaml,
    ci_records,
    relation_records,
    table_api,
)

Auth = dict[str, dict[str, str]]
PROBLEM = "application/problem+json"
SN = "/v1/imports/servicenow"
BS = "/v1/imports/backstage"
CSV = "/v1/imports/csv"


def files(cis: Any = CIS, rels: Any = RELATIONS, **extra: Any) -> dict[str, Any]:
    """The test estate as an envelope of two Table API files."""
    return {
        "files": [
            {"name": "cmdb_ci.json", "content": table_api(ci_records("all", cis))},
            {"name": "cmdb_rel_ci.json", "content": table_api(relation_records("all", rels))},
        ],
        **extra,
    }


def imported(r: Any) -> dict[str, Any]:
    assert r.status_code == 200, r.text
    answer: dict[str, Any] = r.json()
    version = answer["sync"]["version"]
    assert r.headers["ETag"] == f'"{version}"'
    assert int(r.headers["Impactgraph-Model-Version"]) == version
    return answer


def problem(r: Any, status: int, kind: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"] == PROBLEM
    body: dict[str, Any] = r.json()
    assert body["type"] == f"https://impactgraph.dev/problems/{kind}"
    return body


def test_the_answer_is_the_cli_report(
    client: TestClient, auth: Auth, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer = imported(client.post(SN, json=files(), headers=auth["editor"]))
    assert answer["destination"] == "store"
    assert answer["sync"]["components"]["created"] == 13
    assert answer["sync"]["version"] == store.version()
    assert store.read().component("host1").source == "servicenow"
    # the CLI's --format json, on the same files into an empty store of its own
    for named in files()["files"]:
        (tmp_path / named["name"]).write_text(named["content"])
    monkeypatch.delenv("IMPACTGRAPH_STORE", raising=False)
    out = CliRunner().invoke(
        cli,
        ["import", "servicenow", str(tmp_path / "cmdb_ci.json"), str(tmp_path / "cmdb_rel_ci.json"),
         "--store", f"sqlite:///{tmp_path / 'cli.db'}", "--format", "json"],
        catch_exceptions=False,
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    cli_doc = json.loads(out.output)
    assert answer["import"] == {**cli_doc["import"], "inputs": ["cmdb_ci.json", "cmdb_rel_ci.json"]}
    assert {k: v for k, v in answer["sync"].items() if k != "version"} == {
        k: v for k, v in cli_doc["sync"].items() if k != "version"
    }


def test_a_second_identical_import_changes_nothing(
    client: TestClient, auth: Auth, store: Store
) -> None:
    first = imported(client.post(SN, json=files(), headers=auth["editor"]))
    again = imported(client.post(SN, json=files(), headers=auth["editor"]))
    assert again["sync"]["version"] == first["sync"]["version"] == store.version()
    assert again["sync"]["components"] == {
        "created": 0, "updated": 0, "unchanged": 13, "removed": 0
    }  # fmt: skip


def test_raw_documents_json_and_yaml(client: TestClient, auth: Auth, store: Store) -> None:
    ci_only = table_api(ci_records("plain"))
    r = client.post(
        SN, content=ci_only, headers={**auth["editor"], "Content-Type": "application/json"}
    )
    assert imported(r)["import"]["inputs"] == ["request body"]
    yaml_headers = {**auth["editor"], "Content-Type": "application/yaml"}
    answer = imported(client.post(BS, content=catalog_yaml(), headers=yaml_headers))
    assert answer["sync"]["components"]["created"] == 9
    # the catalog API's JSON, as it comes, is the same catalog
    same = imported(client.post(BS, content=catalog_api_json(), headers=auth["editor"]))
    assert (
        same["sync"]["components"]["unchanged"] == 9 and not same["sync"]["dependencies"]["created"]
    )
    # a ServiceNow export as YAML is read too
    as_yaml = json.loads(ci_only)
    import yaml

    r = client.post(SN, content=yaml.safe_dump(as_yaml), headers=yaml_headers)
    assert imported(r)["sync"]["components"]["unchanged"] == 13


def test_ids_stay_stable_across_sources_and_new_namesakes(
    client: TestClient, auth: Auth, store: Store
) -> None:
    imported(client.post(SN, json=files(), headers=auth["editor"]))
    yaml_headers = {**auth["editor"], "Content-Type": "application/yaml"}
    bs = imported(client.post(BS, content=catalog_yaml(), headers=yaml_headers))
    held = {t["what"] for t in bs["import"]["adjusted"] if t["reason"].startswith("id_held")}
    assert held == {"payments-api", "fraud-svc"}
    before = {c.id: c.external_id for c in store.read().components}
    # a new CI named like host1 comes first in the file: nothing existing moves
    twin = [("host1", "cmdb_ci_win_server", {"sys_id": "f" * 32})]
    again = imported(client.post(SN, json=files(twin + CIS), params={"ids": "true"},
                                 headers=auth["editor"]))  # fmt: skip
    assert again["sync"]["changed"]["components"] == {
        "created": ["host1-win_server"], "updated": [], "removed": []
    }  # fmt: skip
    after = {c.id: c.external_id for c in store.read().components}
    assert {k: after[k] for k in before} == before
    # Backstage again: its qualified ids stay
    assert not imported(client.post(BS, content=catalog_yaml(), headers=yaml_headers))["sync"][
        "components"
    ]["created"]


def test_options_dry_run_keep_missing_strict(client: TestClient, auth: Auth, store: Store) -> None:
    dry = imported(client.post(SN, json=files(), params={"dry_run": "true"},
                               headers=auth["editor"]))  # fmt: skip
    assert dry["sync"]["dry_run"] is True and dry["sync"]["components"]["created"] == 13
    assert not store.read().components and dry["sync"]["version"] == store.version()
    imported(client.post(SN, json=files(), headers=auth["editor"]))
    fewer = [c for c in CIS if c[0] != "settlement-batch"]
    kept = imported(client.post(SN, json=files(fewer), params={"keep_missing": "true"},
                                headers=auth["editor"]))  # fmt: skip
    assert kept["sync"]["components"]["removed"] == 0
    assert "settlement-batch" in store.read().by_id
    removed = imported(client.post(SN, json=files(fewer), headers=auth["editor"]))
    assert removed["sync"]["components"]["removed"] == 1
    version = store.version()
    dangling = [*RELATIONS, ("Reporting", "Depends on::Used by", "nowhere")]
    body = problem(client.post(SN, json=files(rels=dangling), params={"strict": "true"},
                               headers=auth["editor"]), 422, "invalid-import")  # fmt: skip
    (err,) = body["errors"]
    assert err["file"] == "cmdb_rel_ci.json" and err["field"] == "child"
    assert err["record"].endswith("(Reporting → nowhere)") and err["line"] > 1
    assert err["location"] == ["body", "files", 1, "content"]
    assert store.version() == version


def test_a_mapping_override(client: TestClient, auth: Auth, store: Store) -> None:
    mapping = {"source": "sn-emea", "relations": {"Uses::Used by": {"strength": "soft"}}}
    answer = imported(client.post(SN, json=files(mapping=mapping), headers=auth["editor"]))
    assert answer["import"]["source"] == answer["sync"]["source"] == "sn-emea"
    model = store.read()
    soft = [d for d in model.dependencies if (d.source, d.target) == ("payments-api", "fraud-svc")]
    assert [d.strength.value for d in soft] == ["soft"]
    as_text = files(mapping="source: sn-emea\nrelations:\n  'Uses::Used by': {strength: soft}\n")
    again = imported(client.post(SN, json=as_text, headers=auth["editor"]))
    assert not again["sync"]["components"]["created"] and not again["sync"]["components"]["updated"]


def test_bad_input_is_a_422_naming_file_record_and_field(
    client: TestClient, auth: Auth, store: Store
) -> None:
    version = store.version()
    raw = '{"result": [\n  {"sys_id": "abc", "name": "x"}\n]}'
    body = problem(client.post(SN, content=raw, headers=auth["editor"]), 422, "invalid-import")
    assert body["errors"] == [
        {"message": "a CI needs its class; add sys_class_name to sysparm_fields",
         "file": "request body", "line": 2, "record": "sys_id 'abc' (x)",
         "field": "sys_class_name", "location": ["body"]}
    ]  # fmt: skip
    bad_entity = {"files": [{"name": "c.yaml", "content": "kind: Component\nmetadata: {}\n"}]}
    body = problem(client.post(BS, json=bad_entity, headers=auth["editor"]), 422, "invalid-import")
    assert body["errors"][0]["file"] == "c.yaml" and body["errors"][0]["field"] == "metadata.name"
    sheets = {"components": "id,kind,tier\ndc1,site,high\n"}
    body = problem(client.post(CSV, json=sheets, headers=auth["editor"]), 422, "invalid-import")
    assert body["errors"][0]["file"] == "components.csv" and body["errors"][0]["line"] == 2
    assert body["errors"][0]["field"] == "tier"
    assert body["errors"][0]["location"] == ["body", "components"]
    mapping = files(mapping={"classes": {"cmdb_ci_x": {"kind": "castle"}}})
    body = problem(client.post(SN, json=mapping, headers=auth["editor"]), 422, "invalid-import")
    assert body["errors"][0]["field"] == "classes.cmdb_ci_x.kind"
    assert body["errors"][0]["location"] == ["body", "mapping"]
    assert store.version() == version and not store.read().components


@pytest.mark.parametrize(
    ("path", "body", "status", "kind"),
    [
        (SN, {"files": []}, 422, "invalid-request"),
        (SN, {"files": [{"name": "a.json"}]}, 422, "invalid-request"),
        (SN, {"files": [{"name": "a.json", "content": "[]"}], "extra": 1}, 422, "invalid-request"),
        (SN, {"mapping": {}}, 422, "invalid-request"),
        (CSV, {"files": []}, 422, "invalid-request"),
        (CSV, {"components": 5}, 422, "invalid-request"),
        (BS, {"kind": "Component"}, 422, "invalid-import"),
        (SN, '{"result": [', 422, "invalid-import"),
        (SN, '{"files": [', 422, "invalid-import"),
        (CSV, '{"components": ', 400, "malformed-body"),
        (SN, "", 400, "malformed-body"),
    ],
)  # fmt: skip
def test_bodies_of_the_wrong_shape(
    client: TestClient, auth: Auth, store: Store, path: str, body: Any, status: int, kind: str
) -> None:
    if isinstance(body, str):
        r = client.post(path, headers=auth["editor"], content=body)
    else:
        r = client.post(path, headers=auth["editor"], json=body)
    problem(r, status, kind)
    assert not store.read().components


def test_content_types(client: TestClient, auth: Auth) -> None:
    text = {**auth["editor"], "Content-Type": "text/plain"}
    problem(client.post(SN, content=b"{}", headers=text), 400, "malformed-body")
    yaml_csv = {**auth["editor"], "Content-Type": "application/yaml"}
    problem(client.post(CSV, content=b"components: x", headers=yaml_csv), 400, "malformed-body")
    problem(client.post(SN, content=b"\xff\xfe", headers=auth["editor"]), 422, "invalid-import")


def test_lone_surrogates_do_not_break_the_answer(client: TestClient, auth: Auth) -> None:
    raw = (
        '{"result": [{"sys_id": "a1", "name": "x\\ud800", "sys_class_name": "cmdb_ci_ip\\udc00"}]}'
    )
    answer = imported(client.post(SN, content=raw, headers=auth["editor"]))
    assert answer["import"]["skipped"][0]["what"] == "cmdb_ci_ip?"


def test_the_body_limit_applies(store: Store, auth: Auth) -> None:
    app = create_app(Settings(key_cache_seconds=0, max_body_bytes=1000), store=store)
    with TestClient(app) as small:
        r = small.post(SN, json=files(), headers=auth["editor"])
        problem(r, 413, "too-large")
    assert not store.read().components


def test_if_match_and_roles(client: TestClient, auth: Auth, store: Store) -> None:
    first = imported(client.post(SN, json=files(), headers=auth["editor"]))
    stale = {**auth["editor"], "If-Match": f'"{first["sync"]["version"] - 1}"'}
    fewer = files([c for c in CIS if c[0] != "settlement-batch"])
    body = problem(client.post(SN, json=fewer, headers=stale), 412, "version-conflict")
    assert body["current_version"] == first["sync"]["version"]
    problem(client.post(SN, json=fewer, params={"dry_run": "true"}, headers=stale), 412,
            "version-conflict")  # fmt: skip
    current = {**auth["editor"], "If-Match": f'"{first["sync"]["version"]}"'}
    assert imported(client.post(SN, json=fewer, headers=current))["sync"]["components"]["removed"]
    r = client.post(SN, json=files(), headers=auth["reader"])
    assert r.status_code == 403
    assert client.post(SN, json=files()).status_code == 401


def test_csv_spreadsheets(client: TestClient, auth: Auth, store: Store) -> None:
    sheets = {f.removesuffix(".csv"): text for f, text in template_texts().items()}
    answer = imported(client.post(CSV, json=sheets, headers=auth["editor"]))
    assert answer["import"]["inputs"] == ["components.csv", "dependencies.csv", "members.csv"]
    assert store.read().component("db-cluster").min_up == 1
    again = imported(client.post(CSV, json=sheets, headers=auth["editor"]))
    assert again["sync"]["version"] == answer["sync"]["version"]


def test_concurrent_importers_lose_nothing(store: Store, auth: Auth, settings: Settings) -> None:
    """Two apps (two server processes' worth) over one store, importing two sources at once,
    again and again: every import succeeds and the estate ends with both, ids stable."""
    apps = [create_app(settings, store=store) for _ in range(2)]
    yaml_headers = {**auth["editor"], "Content-Type": "application/yaml"}
    with TestClient(apps[0]) as one, TestClient(apps[1]) as two:

        def run(i: int) -> int:
            c = (one, two)[i % 2]
            if i % 3 == 0:
                r = c.post(BS, content=catalog_yaml(), headers=yaml_headers)
            else:
                r = c.post(SN, json=files(), headers=auth["editor"])
            status: int = r.status_code
            return status

        with ThreadPoolExecutor(max_workers=6) as pool:
            statuses = list(pool.map(run, range(12)))
    assert statuses == [200] * 12
    model = store.read()
    assert {c.source for c in model.components} == {"servicenow", "backstage"}
    assert len(model.components) == 13 + 9
    # the first to arrive kept the plain ids; whoever it was, nothing moves on a re-import
    version = store.version()
    with TestClient(apps[0]) as c:
        sn = imported(c.post(SN, json=files(), headers=auth["editor"]))
        bs = imported(c.post(BS, content=catalog_yaml(), headers=yaml_headers))
    assert sn["sync"]["version"] == bs["sync"]["version"] == version
