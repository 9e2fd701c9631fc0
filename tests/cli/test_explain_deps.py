"""``impactgraph explain`` and ``impactgraph deps``."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

Run = Callable[..., Result]

#: SPEC §3, dc1 fails for ∞: why card-payments is DOWN, hop by hop to the root failure
CARD_PAYMENTS_CHAIN = [
    ("card-payments", "DOWN", 0, 1800, "hard", "payments-api"),
    ("payments-api", "DOWN", 0, 1800, "hard", "db-cluster"),
    ("db-cluster", "DOWN", 0, 1800, "group", "db-primary"),
    ("db-primary", "DOWN", 0, None, "hard", "host1"),
    ("host1", "DOWN", 0, None, "hard", "dc1"),
    ("dc1", "DOWN", 0, None, "failed", None),
]


def test_explain_card_payments_json(run: Run, spec_model: Path) -> None:
    result = run(
        "explain",
        "--model",
        spec_model,
        "--fail",
        "dc1",
        "--component",
        "card-payments",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    hops = json.loads(result.stdout)
    assert [
        (h["component"], h["state"], h["from"], h["to"], h["rule"], h["via"]) for h in hops
    ] == CARD_PAYMENTS_CHAIN
    assert [h["type"] for h in hops[3:5]] == ["runs_on", "located_at"]


def test_explain_prints_one_line_per_hop(run: Run, spec_model: Path) -> None:
    result = run("explain", "--model", spec_model, "--fail", "dc1", "-c", "card-payments")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == [h[0] for h in CARD_PAYMENTS_CHAIN]
    assert lines[0].split() == [
        "card-payments",
        "DOWN",
        "0s–30m",
        "←",
        "payments-api",
        "(hard,",
        "depends_on)",
    ]
    assert lines[2].split()[-3:] == ["←", "db-primary", "(group)"]
    assert lines[4].split()[-3:] == ["dc1", "(hard,", "located_at)"]
    assert lines[5].split() == ["dc1", "DOWN", "0s–∞", "failed"]


def test_explain_at_a_later_moment_follows_the_degraded_interval(
    run: Run, spec_model: Path
) -> None:
    result = run(
        "explain",
        "--model",
        spec_model,
        "--fail",
        "dc1",
        "-c",
        "card-payments",
        "--at",
        "1h",
        "--format",
        "csv",
    )
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["component"], r["state"], r["from"], r["to"]) for r in rows[:3]] == [
        ("card-payments", "DEGRADED", "1800", ""),
        ("payments-api", "DEGRADED", "1800", ""),
        ("db-cluster", "DEGRADED", "1800", ""),
    ]
    assert rows[-1]["rule"] == "failed"


def test_explain_shows_the_tolerance(run: Run, spec_model: Path) -> None:
    result = run(
        "explain", "--model", spec_model, "--fail", "dc1", "-c", "reporting", "--format", "markdown"
    )
    assert (
        "| reporting | DOWN | 4h–∞ | ← settlement-batch (hard, depends_on, tolerance 4h) |"
        in result.stdout.splitlines()
    )


@pytest.mark.parametrize(
    ("component", "message"),
    [
        ("nosuch", "unknown component 'nosuch'"),
        ("dc2", "stays UP"),
    ],
)
def test_explain_bad_component_exits_2(
    run: Run, spec_model: Path, component: str, message: str
) -> None:
    result = run("explain", "--model", spec_model, "--fail", "dc1", "-c", component)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def deps(run: Run, spec_model: Path, *args: str) -> dict[str, int]:
    result = run("deps", *args, "--model", spec_model, "--format", "json")
    assert result.exit_code == 0, result.output
    return {c["id"]: c["depth"] for c in json.loads(result.stdout)["components"]}


def test_deps_up_is_what_needs_it(run: Run, spec_model: Path) -> None:
    assert deps(run, spec_model, "host1", "--up") == {
        "db-primary": 1,
        "fraud-svc": 1,
        "settlement-batch": 1,
        "db-cluster": 2,
        "payments-api": 2,
        "reporting": 2,
        "card-payments": 3,
    }
    assert deps(run, spec_model, "host1", "--up", "--depth", "1") == {
        "db-primary": 1,
        "fraud-svc": 1,
        "settlement-batch": 1,
    }


def test_deps_down_is_what_it_needs(run: Run, spec_model: Path) -> None:
    assert deps(run, spec_model, "card-payments", "--down", "--depth", "2") == {
        "payments-api": 1,
        "host2": 2,
        "db-cluster": 2,
        "fraud-svc": 2,
    }
    assert deps(run, spec_model, "host1", "--down") == {"dc1": 1, "san1": 1}


def test_deps_type_filter(run: Run, spec_model: Path) -> None:
    assert deps(run, spec_model, "db-primary", "--down", "--type", "runs_on") == {"host1": 1}
    assert deps(run, spec_model, "dc1", "--up", "--type", "located_at") == {"san1": 1, "host1": 1}


def test_deps_csv_and_table(run: Run, spec_model: Path) -> None:
    result = run("deps", "host1", "--down", "--model", spec_model, "--format", "csv")
    assert result.stdout.splitlines() == [
        "component,kind,depth,name",
        "dc1,site,1,",
        "san1,infrastructure,1,",
    ]
    table = run("deps", "host1", "--up", "--depth", "1", "--model", spec_model)
    assert "3 components need host1 (depth ≤ 1)" in table.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nosuch", "--up"), "unknown component 'nosuch'"),
        (("host1",), "--up"),
        (("host1", "--down", "--type", "cables"), "unknown dependency type"),
        (("host1", "--down", "--depth", "0"), "--depth"),
    ],
)
def test_deps_bad_input_exits_2(
    run: Run, spec_model: Path, args: tuple[str, ...], message: str
) -> None:
    result = run("deps", *args, "--model", spec_model)
    assert result.exit_code == 2
    assert message in result.stderr
