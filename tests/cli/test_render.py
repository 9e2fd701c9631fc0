"""Renderers: CSV reads back exactly (formula-like text with its ``'``), Markdown tables escape,
answers render without a graph."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from impactgraph.engine.explain import Reached
from impactgraph.engine.plan import plan
from impactgraph.engine.propagate import propagate
from impactgraph.engine.scenario import Failure, Scenario
from impactgraph.graph import Graph
from impactgraph.model import Component, Dependency, Kind, Model
from impactgraph.render.formats import csv_cell, csv_text, markdown_table
from impactgraph.render.runbook import PLAN_CSV_HEADER, plan_csv, plan_markdown

Run = Callable[..., Result]

#: ids a spreadsheet or a naive CSV writer gets wrong: a quote and a comma, a formula and a pipe
AWKWARD = ('a"b,c', "=cmd|x")

#: what a CSV reader gets back: formula-like text is neutralised with a leading ``'``
AS_READ = ('a"b,c', "'=cmd|x")

AWKWARD_MODEL = """\
version: 1
components:
  - {id: 'a"b,c', kind: site, recovery_time: 1h, team: 'ops, "night"'}
  - {id: '=cmd|x', kind: service, recovery_time: 30m, needs: ['a"b,c']}
"""


def _awkward_graph() -> Graph:
    site, app = AWKWARD
    return Graph.from_model(
        Model.build(
            [
                Component(id=site, kind=Kind.SITE, recovery_time="1h", team='ops, "night"'),
                Component(id=app, kind=Kind.SERVICE, recovery_time="30m"),
            ],
            [Dependency(source=app, target=site)],
        )
    )


def test_the_runbook_csv_reads_back_exactly() -> None:
    graph = _awkward_graph()
    answer = plan(graph, propagate(graph, Scenario(failures=(Failure(AWKWARD[0]),))))
    rows = list(csv.reader(io.StringIO(plan_csv(answer))))
    assert rows[0] == list(PLAN_CSV_HEADER)
    expected = [
        ["" if r[k] is None else str(csv_cell(r[k])) for k in PLAN_CSV_HEADER]
        for s in answer.steps
        for r in s.as_rows()
    ]
    assert rows[1:] == expected
    assert [r[0] for r in rows[1:]] == list(AS_READ)
    assert [r[4] for r in rows[1:]] == ['ops, "night"', ""]


def test_recover_csv_from_the_command_reads_back_exactly(run: Run, tmp_path: Path) -> None:
    model = tmp_path / "awkward.yaml"
    model.write_text(AWKWARD_MODEL, encoding="utf-8")
    result = run("recover", "--model", model, "--fail", AWKWARD[0], "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["component"], r["action"], r["team"]) for r in rows] == [
        (AS_READ[0], "restore", 'ops, "night"'),
        (AS_READ[1], "restart", ""),
    ]


@pytest.mark.parametrize(
    "cells",
    [('a"b,c', "x|y"), ("line\nbreak", "cr\r\nlf"), ("bare\rcr", "x"), ("", "  spaced  ")],
)
def test_csv_text_round_trips(cells: tuple[str, str]) -> None:
    text = csv_text(("x", "y"), [cells, cells])
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows == [["x", "y"], list(cells), list(cells)]


def test_markdown_table_escapes_pipes_and_newlines() -> None:
    lines = markdown_table(("id", "why"), [("=cmd|x", "two\nlines")])
    assert lines == ["| id | why |", "| --- | --- |", "| =cmd\\|x | two lines |"]
    # every row has as many unescaped separators as the header
    assert {line.replace("\\|", "").count("|") for line in lines} == {3}


def test_the_runbook_markdown_keeps_its_table_shape() -> None:
    graph = _awkward_graph()
    answer = plan(graph, propagate(graph, Scenario(failures=(Failure(AWKWARD[0]),))))
    rows = [line for line in plan_markdown(answer).splitlines() if line.startswith("| ")]
    assert rows and {r.replace("\\|", "").count("|") for r in rows} == {10}
    assert any("=cmd\\|x" in r for r in rows)


def test_deps_renders_from_reached_rows_alone(
    run: Run, spec_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the store path: rows come straight from the store's query, no graph is built
    import impactgraph.cli.common as common

    rows = [Reached("x|y", 1, "service", 'say "hi", twice'), Reached("z", 2, "site", None)]
    monkeypatch.setattr(common, "_ensure_exists", lambda url: None)

    class FakeStore:
        url = "fake://"

        def reachable(self, component_id: str, **filters: object) -> list[Reached]:
            assert filters == {"upward": True, "depth": None, "types": None, "strength": None}
            return rows

        def close(self) -> None:
            pass

    monkeypatch.setattr(common, "open_store", lambda url: FakeStore())
    monkeypatch.setattr(Graph, "from_model", None)  # building a graph would fail
    as_csv = run("deps", "q", "--up", "--store", "fake://", "--format", "csv")
    assert as_csv.exit_code == 0, as_csv.output
    assert list(csv.reader(io.StringIO(as_csv.stdout))) == [
        ["component", "kind", "depth", "name"],
        ["x|y", "service", "1", 'say "hi", twice'],
        ["z", "site", "2", ""],
    ]
    as_json = json.loads(run("deps", "q", "--up", "--store", "x", "--format", "json").stdout)
    assert as_json["components"] == [
        {"id": "x|y", "kind": "service", "depth": 1},
        {"id": "z", "kind": "site", "depth": 2},
    ]
    as_md = run("deps", "q", "--up", "--store", "x", "--format", "markdown").stdout
    assert '| x\\|y | service | 1 | say "hi", twice |' in as_md.splitlines()
    table = run("deps", "q", "--up", "--store", "x").stdout
    assert "2 components need q" in table


def test_check_renders_markdown_with_escaped_cells(run: Run, spec_model: Path) -> None:
    result = run("check", "--model", spec_model, "--format", "markdown")
    lines = result.stdout.splitlines()
    assert lines[0] == "# Continuity checks"
    header = lines.index("| severity | check | component | detail |")
    assert lines[header + 1] == "| --- | --- | --- | --- |"


def test_db_export_replaces_the_file_whole(run: Run, spec_model: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'estate.db'}"
    assert run("load", spec_model, "--store", url).exit_code == 0
    out = tmp_path / "export" / "estate.yaml"
    out.parent.mkdir()
    out.write_text("an older, longer file\n" * 1000, encoding="utf-8")
    result = run("db", "export", "--store", url, "-o", out)
    assert result.exit_code == 0, result.output
    assert [p.name for p in out.parent.iterdir()] == ["estate.yaml"]  # no temporary file left
    assert run("validate", out).stdout.startswith("ok: 13 components")
