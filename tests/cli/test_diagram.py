"""``impactgraph diagram``: DOT source and images of the estate."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

Run = Callable[..., Result]
NODE = re.compile(r'^  "([^"]+)" \[label=', re.M)
EDGE = re.compile(r'^  "([^"]+)" -> "([^"]+)"', re.M)


def test_whole_estate_has_every_component_and_edge(run: Run, spec_model: Path) -> None:
    result = run("diagram", "--model", spec_model)
    assert result.exit_code == 0, result.output
    assert len(NODE.findall(result.stdout)) == 13
    edges = set(EDGE.findall(result.stdout))
    # 13 dependencies and 2 member edges
    assert len(edges) == 15
    assert {
        ("host1", "dc1"),
        ("db-cluster", "db-standby"),
        ("reporting", "settlement-batch"),
    } <= edges
    assert '"payments-api" -> "fraud-svc" [style=dashed];' in result.stdout
    assert '"reporting" -> "settlement-batch" [label="τ 4h"];' in result.stdout


def test_failures_colour_and_label_what_is_hit(run: Run, spec_model: Path) -> None:
    result = run("diagram", "--model", spec_model, "--fail", "dc1", "--impacted")
    assert set(NODE.findall(result.stdout)) == {
        "dc1",
        "san1",
        "host1",
        "db-primary",
        "fraud-svc",
        "settlement-batch",
        "db-cluster",
        "payments-api",
        "card-payments",
        "reporting",
    }
    line = next(x for x in result.stdout.splitlines() if x.startswith('  "card-payments" ['))
    assert "DOWN 0s–30m, DEGRADED 30m–∞" in line and 'fillcolor="#f4c7c3"' in line


def test_neighbourhood_of_one_component(run: Run, spec_model: Path) -> None:
    result = run("diagram", "--model", spec_model, "-c", "payments-api", "--depth", "1")
    assert set(NODE.findall(result.stdout)) == {
        "payments-api",
        "card-payments",
        "host2",
        "db-cluster",
        "fraud-svc",
    }


def test_svg_written_to_a_file(run: Run, spec_model: Path, tmp_path: Path) -> None:
    out = tmp_path / "dc1.svg"
    result = run("diagram", "--model", spec_model, "--fail", "dc1", "--format", "svg", "-o", out)
    assert result.exit_code == 0, result.output
    svg = out.read_text(encoding="utf-8")
    assert "<svg" in svg and "card&#45;payments" in svg  # dot escapes the hyphen


def test_bad_diagram_input_exits_2(run: Run, spec_model: Path) -> None:
    assert run("diagram", "--model", spec_model, "-c", "nosuch").exit_code == 2
    result = run("diagram", "--model", spec_model, "--impacted")
    assert result.exit_code == 2
    assert "--impacted needs failures" in result.stderr
