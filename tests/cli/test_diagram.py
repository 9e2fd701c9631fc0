"""``impactgraph diagram``: DOT source and images of the estate."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
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


# ---- the picture kinds (issue 11) ------------------------------------------------------------

KINDS_WITH_FAILURES = ("impact", "timeline", "recovery", "schedule")


def test_every_kind_draws_dot_and_mermaid(run: Run, spec_model: Path) -> None:
    for kind in ("estate", *KINDS_WITH_FAILURES):
        fail = ("--fail", "dc1") if kind != "estate" else ()
        dot = run("diagram", kind, "--model", spec_model, *fail)
        assert dot.exit_code == 0, (kind, dot.output)
        assert dot.stdout.startswith("digraph impactgraph {"), kind
        mermaid = run("diagram", kind, "--model", spec_model, *fail, "--format", "mermaid")
        assert mermaid.exit_code == 0, (kind, mermaid.output)
        first = "gantt" if kind in ("timeline", "schedule") else "flowchart BT"
        assert first in mermaid.stdout.splitlines()[:5], kind


def test_images_of_every_kind(run: Run, spec_model: Path, tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    for kind in ("estate", *KINDS_WITH_FAILURES):
        fail = ("--fail", "dc1") if kind != "estate" else ()
        out = tmp_path / f"{kind}.svg"
        result = run("diagram", kind, "--model", spec_model, *fail, "--format", "svg", "-o", out)
        assert result.exit_code == 0, (kind, result.output)
        ET.parse(out)
        pdf = tmp_path / f"{kind}.pdf"
        result = run("diagram", kind, "--model", spec_model, *fail, "--format", "pdf", "-o", pdf)
        assert result.exit_code == 0, (kind, result.output)
        assert pdf.read_bytes().startswith(b"%PDF")


def test_component_kind_is_the_neighbourhood(run: Run, spec_model: Path) -> None:
    new = run("diagram", "component", "payments-api", "--depth", "1", "--model", spec_model)
    old = run("diagram", "--model", spec_model, "-c", "payments-api", "--depth", "1")
    assert new.exit_code == 0, new.output
    assert (
        set(NODE.findall(new.stdout))
        == set(NODE.findall(old.stdout))
        == {
            "payments-api",
            "card-payments",
            "host2",
            "db-cluster",
            "fraud-svc",
        }
    )
    assert new.stdout == old.stdout


def test_impact_kind_draws_the_context_unless_asked_not_to(run: Run, spec_model: Path) -> None:
    hit = {"dc1", "san1", "host1", "db-primary", "fraud-svc", "settlement-batch"}
    hit |= {"db-cluster", "payments-api", "card-payments", "reporting"}
    context = run("diagram", "impact", "--model", spec_model, "--fail", "dc1")
    assert set(NODE.findall(context.stdout)) == hit | {"host2", "db-standby"}
    for flags in (("--context", "0"), ("--impacted",)):
        only = run("diagram", "impact", "--model", spec_model, "--fail", "dc1", *flags)
        assert set(NODE.findall(only.stdout)) == hit, flags


def test_recovery_with_teams_and_the_old_form_with_a_node_limit(run: Run, spec_model: Path) -> None:
    result = run("diagram", "recovery", "--model", spec_model, "--fail", "dc1", "--teams", "2")
    assert result.exit_code == 0, result.output
    assert "rank=same" in result.stdout and "team-1" in result.stdout
    small = run("diagram", "--model", spec_model, "--max-nodes", "4", "--collapse", "kind")
    assert small.exit_code == 0, small.output
    assert "collapsed by kind" in small.stdout


def test_help_shows_every_kind_with_an_example(run: Run) -> None:
    help_text = run("diagram", "--help").stdout
    for kind in ("estate", "component", "impact", "timeline", "recovery", "schedule"):
        assert f"impactgraph diagram {kind}" in help_text.split("Example:")[1], kind


def test_bad_picture_requests_exit_2_before_reading_the_model(run: Run, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model.yaml"  # never read: the options are refused first
    cases = [
        (("timeline",), "needs failures"),
        (("recovery",), "needs failures"),
        (("component",), "needs an ID"),
        (("estate", "payments-api"), "only 'diagram component ID' takes an id"),
        (("impact", "--fail", "dc1", "--teams", "3"), "--teams is for"),
        (("timeline", "--fail", "dc1", "--context", "1"), "--context is for"),
        (("estate", "--components"), "--components is for"),
        (("estate", "--depth", "2"), "--depth needs a component"),
        (("component", "a", "--focus", "b"), "give the component once"),
        (("impact", "--fail", "dc1", "--impacted", "--context", "1"), "not both"),
        (("estate", "--collapse", "colour"), "Invalid value"),
        (("estate", "--max-nodes", "-1"), "Invalid value"),
        (("pie",), "Invalid value"),
        (("recovery", "--fail", "dc1", "--teams", "x"), "Invalid value for '--teams'"),
    ]
    for args, words in cases:
        result = run("diagram", *args, "--model", missing)
        assert result.exit_code == 2, (args, result.output)
        assert words in result.stderr, (args, result.stderr)


def test_an_unknown_focus_exits_2(run: Run, spec_model: Path) -> None:
    result = run("diagram", "component", "nosuch", "--model", spec_model)
    assert result.exit_code == 2
    assert "nosuch" in result.stderr


def test_graphviz_refusing_a_picture_exits_2_naming_it(
    run: Run, spec_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Graphviz failing to lay a picture out (as ``dot`` 2.43 did on a 1M recovery picture)
    is an error message and exit 2, not a traceback; the DOT text still comes out."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "dot"
    fake.write_text("#!/bin/sh\necho 'libpath/shortest.c:324: triangulation failed' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    out = tmp_path / "plan.svg"
    args = ("diagram", "recovery", "--model", spec_model, "--fail", "dc1")
    result = run(*args, "--format", "svg", "-o", out)
    assert result.exit_code == 2, result.output
    assert "Graphviz could not lay out the recovery diagram as svg" in result.stderr
    assert "triangulation failed" in result.stderr and "Traceback" not in result.output
    assert not out.exists()
    assert run(*args, "--format", "dot").exit_code == 0
