"""Hostile model files, failures, scenarios and ids through the CLI, in process: validate →
impact → recover → every output format, and the SVG diagram.

Properties (issue 13): the exit code is 0 or 2 (3 for ``check`` findings); no traceback and
no "internal error"; JSON is strict (no NaN or Infinity); SVG is well-formed XML; CSV reads
back with the csv module to the ids that were asked about (a cell may carry the documented
``'`` prefix that neutralises a formula). Bounded: about a minute for the whole module
(``max_examples``, no deadline), so the README's test command stays quick.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from fuzz.strategies import failure_specs, ids, model_texts, scenario_texts
from impactgraph.cli.main import cli
from impactgraph.engine.scenario import failure_spec
from impactgraph.modelfile import load_model_file
from impactgraph.render.formats import FORMULA_START

FUZZ = settings(
    deadline=None,
    # shrinking a failure can take minutes; IMPACTGRAPH_FUZZ_SHRINK=1 when looking into one
    phases=[Phase.explicit, Phase.generate]
    + ([Phase.shrink] if os.environ.get("IMPACTGRAPH_FUZZ_SHRINK") == "1" else []),
    derandomize=True,  # the same examples every run: a failure is a failure, not luck
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
#: a cell starting with one of these is written with a leading ' (OWASP CSV injection)
FORMULA_LEAD = tuple(FORMULA_START)


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="impactgraph-fuzz-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def run(*args: str, allowed: tuple[int, ...] = (0, 2)) -> Result:
    """Run the CLI in process and check what every command must keep."""
    result = CliRunner().invoke(cli, list(args), catch_exceptions=True)
    shown = f"impactgraph {' '.join(map(repr, args))}\n{result.output}"
    assert "Traceback" not in result.output, shown
    assert "internal error" not in result.output, shown
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{shown}\nescaped: {result.exception!r}")
    assert result.exit_code in allowed, shown
    return result


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def strict_json(text: str) -> Any:
    """``json.loads`` that refuses NaN, Infinity and -Infinity."""
    return json.loads(text, parse_constant=_no_constant)


def csv_ids(text: str, column: str) -> list[str]:
    """The ``column`` of CSV text, with the formula-neutralising ``'`` taken off."""
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    out = []
    for row in rows:
        cell = row[column]
        if cell.startswith("'") and cell[1:].startswith(FORMULA_LEAD):
            cell = cell[1:]
        out.append(cell)
    return out


def write_model(workdir: Path, suffix: str, text: str) -> Path:
    path = workdir / f"model{suffix}"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return path


def model_ids(path: Path) -> list[str]:
    """The component ids of a model file that validated."""
    return [c.id for c in load_model_file(path).components]


def impacted(answer: Any) -> set[str]:
    """The ids in an ``impact --format json`` answer."""
    return set(answer["timelines"])


# ---- validate: every hostile file is a clean yes or no -----------------------------------


@settings(FUZZ, max_examples=300)
@given(model=model_texts())
def test_validate_answers_every_hostile_file(workdir: Path, model: tuple[str, str]) -> None:
    path = write_model(workdir, *model)
    event(f"validate exit {run('validate', str(path)).exit_code}")
    strict_json(run("validate", str(path), "--format", "json").output)


# ---- the whole pipeline on files that validate -------------------------------------------


@settings(FUZZ, max_examples=120)
@given(model=model_texts(), data=st.data())
def test_impact_and_recover_in_every_format(
    workdir: Path, model: tuple[str, str], data: st.DataObject
) -> None:
    path = write_model(workdir, *model)
    if run("validate", str(path)).exit_code != 0:
        event("refused by validate")
        return
    event("validated")
    known = model_ids(path)
    fails = data.draw(st.lists(failure_specs(known), min_size=1, max_size=2), label="fails")
    args = ["--model", str(path)] + [a for f in fails for a in ("--fail", f)]
    first = run("impact", *args, "--format", "json")
    if first.exit_code != 0:
        event("failure spec refused")
        return  # a failure spec that was refused: nothing else to check
    event("impact answered")
    down = impacted(strict_json(first.output))
    csv_text = run("impact", *args, "--format", "csv").output
    assert set(csv_ids(csv_text, "component")) == down, csv_text
    run("impact", *args, "--format", "markdown")
    run("impact", *args, "--format", "table")
    strict_json(run("recover", *args, "--format", "json").output)
    csv.reader(io.StringIO(run("recover", *args, "--format", "csv").output, newline=""))
    run("recover", *args, "--format", "markdown")
    run("recover", *args, "--format", "table")
    run("check", "--model", str(path), allowed=(0, 2, 3))
    strict_json(run("check", "--model", str(path), "--format", "json", allowed=(0, 2, 3)).output)


@settings(FUZZ, max_examples=50)
@given(model=model_texts(), data=st.data())
def test_the_svg_diagram_is_well_formed(
    workdir: Path, model: tuple[str, str], data: st.DataObject
) -> None:
    if shutil.which("dot") is None:
        pytest.skip("needs Graphviz's dot")
    path = write_model(workdir, *model)
    if run("validate", str(path)).exit_code != 0:
        return
    fail = data.draw(failure_specs(model_ids(path)), label="fail")
    out = workdir / "diagram.svg"
    out.unlink(missing_ok=True)
    result = run("diagram", "--model", str(path), "--fail", fail, "--format", "svg", "-o", str(out))
    event(f"diagram exit {result.exit_code}")
    if result.exit_code == 0:
        ET.parse(out)  # well-formed XML, or ParseError


# ---- scenarios and ids ---------------------------------------------------------------------

SPEC_MODEL = Path(__file__).resolve().parents[2] / "examples" / "spec-example.yaml"


@settings(FUZZ, max_examples=150)
@given(data=st.data())
def test_hostile_scenario_files(workdir: Path, data: st.DataObject) -> None:
    known = model_ids(SPEC_MODEL)
    scenario = workdir / "scenario.yaml"
    scenario.write_text(data.draw(scenario_texts(known), label="scenario"), encoding="utf-8")
    result = run(
        "impact", "--model", str(SPEC_MODEL), "--scenario", str(scenario), "--format", "json"
    )
    event(f"exit {result.exit_code}")
    if result.exit_code == 0:
        strict_json(result.output)
        strict_json(
            run("recover", "--model", str(SPEC_MODEL), "--scenario", str(scenario), "--format",
                "json").output
        )  # fmt: skip


@settings(FUZZ, max_examples=200)
@given(fail=failure_specs(["dc1", "host1"]), horizon=st.one_of(st.none(), st.text(max_size=8)))
def test_hostile_failure_flags(fail: str, horizon: str | None) -> None:
    args = ["impact", "--model", str(SPEC_MODEL), "--fail", fail, "--format", "json"]
    if horizon is not None:
        args += ["--horizon", horizon]
    result = run(*args)
    event(f"exit {result.exit_code}")
    if result.exit_code == 0:
        strict_json(result.output)


@settings(FUZZ, max_examples=150)
@given(cid=ids)
def test_every_id_that_validates_can_be_failed_and_reads_back(workdir: Path, cid: str) -> None:
    """A model of one site with a hostile id: it validates or is refused; if it validates,
    ``--fail id:"<id>"`` (the id as a JSON string: the form docs/cli.md gives for any id)
    fails exactly it, and CSV and JSON name it exactly."""
    path = workdir / "one.json"
    document = {"version": 1, "components": [{"id": cid, "kind": "site"}]}
    path.write_text(
        json.dumps(document, ensure_ascii=False), encoding="utf-8", errors="surrogatepass"
    )
    if run("validate", str(path)).exit_code != 0:
        event("id refused")
        return
    event("id accepted")
    args = ["--model", str(path), "--fail", failure_spec(cid)]
    result = run("impact", *args, "--format", "json")
    if result.exit_code != 0:
        raise AssertionError(f"a valid id cannot be failed: {cid!r}: {result.output}")
    assert impacted(strict_json(result.output)) == {cid}
    assert csv_ids(run("impact", *args, "--format", "csv").output, "component") == [cid]
