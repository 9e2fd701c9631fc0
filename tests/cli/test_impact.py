"""``impactgraph impact``: the SPEC §3 worked example through every output format."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from impactgraph.engine.propagate import propagate
from impactgraph.engine.scenario import Failure, Scenario
from impactgraph.graph import Graph
from impactgraph.modelfile import load_model_file

Run = Callable[..., Result]
INF = None
M30, H3, H4 = 1800, 3 * 3600, 4 * 3600

#: SPEC §3, dc1 fails at 0 for ∞: component → [(state, from, to)]
SPEC_DC1_FOREVER = {
    **{
        c: [("DOWN", 0, INF)]
        for c in ("dc1", "san1", "host1", "db-primary", "fraud-svc", "settlement-batch")
    },
    **{
        c: [("DOWN", 0, M30), ("DEGRADED", M30, INF)]
        for c in ("db-cluster", "payments-api", "card-payments")
    },
    "reporting": [("DOWN", H4, INF)],
}
#: SPEC §3, dc1 fails for 3h: reporting is not listed and every ∞ becomes 3h
SPEC_DC1_3H = {
    cid: [(s, a, H3 if b is INF else b) for s, a, b in ivs]
    for cid, ivs in SPEC_DC1_FOREVER.items()
    if cid != "reporting"
}


def timelines(doc: dict[str, object]) -> dict[str, list[tuple[str, int, int | None]]]:
    tl = doc["timelines"]
    assert isinstance(tl, dict)
    return {cid: [(iv["state"], iv["from"], iv["to"]) for iv in ivs] for cid, ivs in tl.items()}


@pytest.mark.parametrize(("fail", "expected"), [("dc1", SPEC_DC1_FOREVER), ("dc1+3h", SPEC_DC1_3H)])
def test_spec_worked_example_through_json(
    run: Run, spec_model: Path, fail: str, expected: dict[str, object]
) -> None:
    result = run("impact", "--model", spec_model, "--fail", fail, "--format", "json")
    assert result.exit_code == 0, result.output
    assert timelines(json.loads(result.stdout)) == expected


def test_json_is_exactly_the_engine_answer(run: Run, spec_model: Path) -> None:
    result = run(
        "impact",
        "--model",
        spec_model,
        "--fail",
        "dc1@1h+3h",
        "--horizon",
        "12h",
        "--format",
        "json",
    )
    graph = Graph.from_model(load_model_file(spec_model))
    answer = propagate(
        graph, Scenario(failures=(Failure("dc1", 3600, 3 * 3600),), horizon=12 * 3600)
    )
    doc = json.loads(result.stdout)
    assert doc == json.loads(json.dumps(answer.as_dict()))
    assert doc["scenario"] == {
        "failures": [{"id": "dc1", "at": 3600, "duration": 10800}],
        "horizon": 43200,
    }


def test_money_lost_within_the_horizon(run: Run, spec_model: Path) -> None:
    # card-payments (1000/h) is DOWN [0, 30m): 500 lost, whatever the horizon beyond 30m
    doc = json.loads(
        run("impact", "--model", spec_model, "--fail", "dc1", "--format", "json").stdout
    )
    assert doc["summary"]["money_lost"] == 500
    hit = {b["id"]: b for b in doc["summary"]["business_services"]}
    assert set(hit) == {"card-payments", "reporting"}
    assert hit["card-payments"]["tier"] == 1


def test_table_shows_timelines_causes_and_summary(run: Run, spec_model: Path) -> None:
    result = run("impact", "--model", spec_model, "--fail", "dc1")
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if "card-payments" in line)
    assert "DOWN 0s–30m, DEGRADED 30m–∞" in row
    assert "payments-api (hard, depends_on)" in row
    host1 = next(line for line in result.stdout.splitlines() if "│ host1 " in line)
    assert "dc1 (hard, located_at)" in host1
    assert "Money lost within 1d: 500.00" in result.stdout
    assert "dc2" not in result.stdout


def test_csv_has_one_row_per_interval(run: Run, spec_model: Path) -> None:
    result = run("impact", "--model", spec_model, "--fail", "dc1", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["component", "kind", "state", "from", "to", "rule", "via"]
    got: dict[str, list[tuple[str, int, int | None]]] = {}
    for r in rows:
        got.setdefault(r["component"], []).append(
            (r["state"], int(r["from"]), int(r["to"]) if r["to"] else None)
        )
    assert got == SPEC_DC1_FOREVER
    assert rows[0] == {
        "component": "dc1",
        "kind": "site",
        "state": "DOWN",
        "from": "0",
        "to": "",
        "rule": "failed",
        "via": "",
    }


def test_markdown_is_a_table_with_every_component(run: Run, spec_model: Path) -> None:
    result = run("impact", "--model", spec_model, "--fail", "dc1", "--format", "markdown")
    lines = result.stdout.splitlines()
    start = lines.index("| component | kind | timeline | cause |")
    assert lines[start + 1] == "| --- | --- | --- | --- |"
    body = lines[start + 2 : start + 2 + len(SPEC_DC1_FOREVER)]
    assert {line.split(" | ")[0].removeprefix("| ") for line in body} == set(SPEC_DC1_FOREVER)
    assert "| db-cluster | group | DOWN 0s–30m, DEGRADED 30m–∞ | db-primary (group) |" in lines
    assert "Money lost within 1d: 500.00" in lines


def test_at_gives_the_states_at_one_moment(run: Run, spec_model: Path) -> None:
    result = run("impact", "--model", spec_model, "--fail", "dc1", "--at", "1h", "--format", "json")
    doc = json.loads(result.stdout)
    assert doc["at"] == 3600
    states = {c["id"]: c["state"] for c in doc["components"]}
    assert states == {
        "dc1": "DOWN",
        "san1": "DOWN",
        "host1": "DOWN",
        "db-primary": "DOWN",
        "fraud-svc": "DOWN",
        "settlement-batch": "DOWN",
        "db-cluster": "DEGRADED",
        "payments-api": "DEGRADED",
        "card-payments": "DEGRADED",
    }


def test_load_then_impact_from_the_store(run: Run, spec_model: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'estate.db'}"
    assert run("load", spec_model, "--store", url).exit_code == 0
    from_store = run("impact", "--store", url, "--fail", "dc1", "--format", "json")
    from_file = run("impact", "--model", spec_model, "--fail", "dc1", "--format", "json")
    assert from_store.exit_code == 0, from_store.output
    assert json.loads(from_store.stdout) == json.loads(from_file.stdout)


def test_scenario_file_with_extra_fail_and_horizon_override(
    run: Run, spec_model: Path, tmp_path: Path
) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "name: dc1 for 3h\nfailures:\n  - {target: dc1, duration: 3h}\nhorizon: 6h\n",
        encoding="utf-8",
    )
    doc = json.loads(
        run("impact", "--model", spec_model, "--scenario", scenario, "--format", "json").stdout
    )
    assert timelines(doc) == SPEC_DC1_3H
    assert doc["scenario"]["name"] == "dc1 for 3h"
    assert doc["scenario"]["horizon"] == 6 * 3600
    doc = json.loads(
        run(
            "impact",
            "--model",
            spec_model,
            "--scenario",
            scenario,
            "--fail",
            "dc2",
            "--horizon",
            "2h",
            "--format",
            "json",
        ).stdout
    )
    assert [f["id"] for f in doc["scenario"]["failures"]] == ["dc1", "dc2"]
    assert doc["scenario"]["horizon"] == 7200
    assert "db-standby" in doc["timelines"]


def test_selector_fails_everything_it_names(run: Run, spec_model: Path) -> None:
    doc = json.loads(
        run("impact", "--model", spec_model, "--fail", "kind:site", "--format", "json").stdout
    )
    assert {f["id"] for f in doc["scenario"]["failures"]} == {"dc1", "dc2"}
    assert doc["timelines"]["card-payments"] == [
        {"state": "DOWN", "from": 0, "to": None, "cause": {"via": "payments-api", "rule": "hard"}}
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--fail", "nosuch"), "unknown component 'nosuch'"),
        (("--fail", "kind:printer"), "no kind 'printer'"),
        (("--fail", "dc1@soon"), "cannot read duration 'soon'"),
        (("--fail", "dc1+-1h"), "negative duration"),
        ((), "no failures"),
        (("--fail", "dc1", "--horizon", "12"), "unit-less duration"),
        (("--fail", "dc1", "--scenario", "missing.yaml"), "missing.yaml"),
    ],
)
def test_bad_input_exits_2_with_the_reason(
    run: Run, spec_model: Path, args: tuple[str, ...], message: str
) -> None:
    result = run("impact", "--model", spec_model, *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_model_and_store_are_exclusive(run: Run, spec_model: Path) -> None:
    result = run("impact", "--model", spec_model, "--store", "x.db", "--fail", "dc1")
    assert result.exit_code == 2
    assert "not both" in result.stderr


def test_unreachable_store_exits_2_and_creates_nothing(run: Run, tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "dir" / "estate.db"
    result = run("impact", "--store", f"sqlite:///{missing}", "--fail", "dc1")
    assert result.exit_code == 2
    assert str(missing) in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "no").exists()


def test_default_store_not_loaded_says_how_to_load(run: Run, tmp_path: Path) -> None:
    result = run("impact", "--fail", "dc1")
    assert result.exit_code == 2
    assert "impactgraph load" in result.stderr
    assert not (tmp_path / "impactgraph.db").exists()


def test_empty_store_says_so(run: Run, tmp_path: Path) -> None:
    from impactgraph.store import open_store

    open_store(str(tmp_path / "empty.db")).close()
    result = run("impact", "--store", str(tmp_path / "empty.db"), "--fail", "dc1")
    assert result.exit_code == 2
    assert "holds no model" in result.stderr


def test_unknown_store_url_exits_2(run: Run) -> None:
    result = run("impact", "--store", "mongodb://x", "--fail", "dc1")
    assert result.exit_code == 2
    assert "unknown store URL" in result.stderr


def test_markdown_flags_a_down_stretch_longer_than_the_rto(
    run: Run, spec_model: Path, tmp_path: Path
) -> None:
    tight = tmp_path / "tight.yaml"
    tight.write_text(
        spec_model.read_text(encoding="utf-8").replace("rto: 4h", "rto: 10m"), encoding="utf-8"
    )
    lines = run("impact", "--model", tight, "--fail", "dc1", "--format", "markdown").stdout
    assert "| 1 | card-payments | DOWN | 0s | 30m | **30m** (over RTO) | 10m | 500.00 |" in lines
    assert "| 2 | reporting | DOWN | 4h | 20h | ∞ |  | 0.00 |" in lines


def test_table_limit_shows_the_first_rows_and_counts_the_rest(run: Run, spec_model: Path) -> None:
    out = run("impact", "--model", spec_model, "--fail", "dc1", "--limit", "3").stdout
    assert "… and 7 more; --limit 0 shows all" in out
    timelines = out.split("10 down")[0]
    assert "│ dc1 " in timelines and "│ reporting " not in timelines
    assert "10 down, 3 degraded." in out  # the summary counts everything
