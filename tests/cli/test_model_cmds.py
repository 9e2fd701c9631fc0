"""``impactgraph validate`` and ``impactgraph load``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from impactgraph.store import open_store

Run = Callable[..., Result]

BAD_MODEL = """\
version: 1
components:
  - {id: a, kind: site, rto: -3h}
  - {id: b, kind: service, needs: [zzz], colour: red}
  - {id: a, kind: site}
"""

#: every error in BAD_MODEL: (line, what the message must say)
BAD_MODEL_ERRORS = [
    (3, "component 'a', field 'rto': negative duration"),
    (4, "component 'b', field 'colour': unknown field"),
    (4, "depends on unknown component 'zzz'"),
    (5, "component 'a', field 'id': duplicate id"),
]


def write(tmp_path: Path, text: str, name: str = "model.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_validate_good_file_prints_its_size(run: Run, spec_model: Path) -> None:
    result = run("validate", spec_model)
    assert result.exit_code == 0
    assert result.stdout == "ok: 13 components, 13 dependencies, 1 group\n"


def test_validate_bad_file_reports_every_error_with_its_line_and_exits_2(
    run: Run, tmp_path: Path
) -> None:
    path = write(tmp_path, BAD_MODEL)
    result = run("validate", path)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: 4 errors in model:")
    for line, text in BAD_MODEL_ERRORS:
        assert any(
            f"{path}:{line}:" in row and text in row for row in result.stderr.splitlines()
        ), (line, text, result.stderr)
    assert "Traceback" not in result.output


def test_validate_json_lists_every_error(run: Run, tmp_path: Path) -> None:
    result = run("validate", write(tmp_path, BAD_MODEL), "--format", "json")
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    assert doc["ok"] is False
    assert [(e["line"], e["component"], e["field"]) for e in doc["errors"]] == [
        (3, "a", "rto"),
        (4, "b", "colour"),
        (4, "b", "needs"),
        (5, "a", "id"),
    ]


def test_validate_json_good(run: Run, spec_model: Path) -> None:
    result = run("validate", spec_model, "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "ok": True,
        "components": 13,
        "dependencies": 13,
        "groups": 1,
        "errors": [],
    }


def test_validate_missing_file_exits_2(run: Run, tmp_path: Path) -> None:
    result = run("validate", tmp_path / "nope.yaml")
    assert result.exit_code == 2
    assert "nope.yaml" in result.stderr
    assert "Traceback" not in result.output


def test_load_puts_the_model_in_the_store(run: Run, spec_model: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'estate.db'}"
    result = run("load", spec_model, "--store", url)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("loaded 13 components, 13 dependencies, 1 group into ")
    store = open_store(url)
    try:
        assert {c.id for c in store.read().components} == {
            "dc1",
            "dc2",
            "san1",
            "host1",
            "host2",
            "db-primary",
            "db-standby",
            "db-cluster",
            "fraud-svc",
            "payments-api",
            "card-payments",
            "settlement-batch",
            "reporting",
        }
    finally:
        store.close()


def test_load_uses_the_store_from_the_environment(
    run: Run, spec_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMPACTGRAPH_STORE", str(tmp_path / "env.db"))
    assert run("load", spec_model).exit_code == 0
    assert (tmp_path / "env.db").exists()


def test_failed_validation_leaves_the_store_untouched(
    run: Run, spec_model: Path, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'estate.db'}"
    assert run("load", spec_model, "--store", url).exit_code == 0
    store = open_store(url)
    before = (store.version(), store.read())
    store.close()

    result = run("load", write(tmp_path, BAD_MODEL, "bad.yaml"), "--store", url)
    assert result.exit_code == 2
    assert "4 errors in model" in result.stderr
    store = open_store(url)
    try:
        assert (store.version(), store.read()) == before
    finally:
        store.close()


def test_failed_validation_never_creates_a_store(run: Run, tmp_path: Path) -> None:
    result = run("load", write(tmp_path, BAD_MODEL), "--store", str(tmp_path / "new.db"))
    assert result.exit_code == 2
    assert not (tmp_path / "new.db").exists()
