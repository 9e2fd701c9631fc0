"""The import report (render/imports.py), one document for the CLI and the API, and the
import error's row in the error tree."""

from __future__ import annotations

import json
import re

import pytest

from impactgraph import errors
from impactgraph.importers import Imported, ImportInputError, Named, compare, read_servicenow
from impactgraph.model import Model
from impactgraph.render.imports import import_lines, show_import
from importers.sources import ci_records, relation_records, table_api


def imported(dry_run: bool = False) -> Imported:
    result = read_servicenow(
        [
            Named("ci.json", table_api(ci_records())),
            Named("rel.json", table_api(relation_records())),
        ]
    )
    return Imported(result, compare(Model(), result.model, "servicenow", dry_run), "m.yaml")


def test_json_is_one_document(capsys: pytest.CaptureFixture[str]) -> None:
    done = imported()
    show_import(done, "json")
    doc = json.loads(capsys.readouterr().out)
    assert doc == done.as_dict()
    assert set(doc) == {"import", "destination", "sync"}
    assert doc["import"]["model"] == {"components": 13, "dependencies": 12, "groups": 1}
    assert "changed" not in doc["sync"]
    assert done.as_dict(ids=True)["sync"]["changed"]["components"]["created"][0] == "card-payments"


def test_table_lists_counts_and_reasons(capsys: pytest.CaptureFixture[str]) -> None:
    show_import(imported(dry_run=True), "table")
    out = capsys.readouterr().out
    assert "read 2 inputs: 14 records, 17 relations (servicenow)" in out
    assert "would write m.yaml" in out
    assert "components   13 created, 0 updated, 0 unchanged, 0 removed" in out
    assert re.search(r"skipped: 4\b", out) and "cmdb_ci_ip_address" in out
    assert import_lines(imported())[2] == "wrote m.yaml"


def test_the_error_tree_names_the_import_error() -> None:
    doc = errors.__doc__ or ""
    (row,) = [line for line in doc.splitlines() if "└── ImportInputError " in line]
    cells = row.replace("│", " ").replace("└──", " ").split()
    assert cells[:4] == [
        "ImportInputError",
        str(ImportInputError.exit_code),
        str(ImportInputError.http_status),
        ImportInputError.problem_type,
    ]
    assert cells[1:4] == ["2", "422", "invalid-import"]
    assert issubclass(ImportInputError, errors.ModelError)
