"""Bounds on every number (docs/semantics.md, "Bounds"): durations, times, money and counts.

Values beyond the bounds are refused with the field and the component named; values AT the
bounds give answers in which no time overflows (the kernels' "never" is 2**62).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from impactgraph.cli.main import cli
from impactgraph.durations import MAX_COMPONENTS, MAX_SECONDS, parse_duration
from impactgraph.engine.plan import Capacity, plan
from impactgraph.engine.propagate import propagate
from impactgraph.engine.scenario import Failure, Scenario, parse_failure, scenario_from_document
from impactgraph.errors import DurationError, ModelError, ScenarioError
from impactgraph.graph import Graph
from impactgraph.model import (
    MAX_IMPACT_PER_HOUR,
    Component,
    Dependency,
    Kind,
    Member,
    MemberMode,
    Model,
)
from impactgraph.modelfile import parse_model_text

NEVER = 2**62
TOO_LONG = [f"{MAX_SECONDS + 1}s", f"{2**63 - 100}s", f"{10**20}s", "1" + "0" * 400 + "s"]


def test_the_bound_is_100_years_and_sums_stay_far_below_never() -> None:
    assert MAX_SECONDS == 100 * 365 * 86400 == 3_153_600_000
    assert (MAX_COMPONENTS + 3) * MAX_SECONDS * 100 < NEVER


@pytest.mark.parametrize("text", [f"{MAX_SECONDS}s", "36500d", "P36500D", MAX_SECONDS])
def test_durations_up_to_the_bound_are_read(text: object) -> None:
    if isinstance(text, int):
        assert Component(id="a", kind=Kind.SITE, rto=text).rto == MAX_SECONDS
        return
    assert parse_duration(text) == MAX_SECONDS


@pytest.mark.parametrize("text", [*TOO_LONG, "36501d", "P36501D", "5300w", 2 * MAX_SECONDS])
def test_durations_beyond_the_bound_are_refused(text: object) -> None:
    with pytest.raises(DurationError):
        parse_duration(text)


@pytest.mark.parametrize(
    ("value", "says"),
    [(math.nan, "NaN"), (math.inf, "∞ is not allowed"), (-math.inf, "negative")],
)
def test_non_finite_durations_are_refused(value: float, says: str) -> None:
    with pytest.raises(DurationError, match=says):
        parse_duration(value)
    with pytest.raises(DurationError) as e:
        parse_duration(value)
    assert "nans" not in str(e.value)


def _one_error(text: str) -> str:
    with pytest.raises(ModelError) as e:
        parse_model_text(text, "m.yaml")
    assert len(e.value.issues) == 1, e.value.issues
    return str(e.value.issues[0])


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("rto", TOO_LONG[0], "longer than the maximum, 100 years"),
        ("recovery_time", TOO_LONG[1], "longer than the maximum"),
        ("restart_time", TOO_LONG[2], "longer than the maximum"),
        ("mtpd", TOO_LONG[3], "too long"),
        ("rpo", ".nan", "NaN (not a number) is not a duration"),
        ("rto", ".inf", "∞ is not allowed"),
        ("impact_per_hour", ".inf", "is not a finite amount"),
        ("impact_per_hour", ".nan", "is not a finite amount"),
        ("impact_per_hour", "-.inf", "is not a finite amount"),
        ("impact_per_hour", "1e400", "is not a finite amount"),
        ("impact_per_hour", "1.0e13", "less than or equal to 1000000000000"),
        ("impact_per_hour", "true", "true is not an amount"),
        ("tier", "true", "true is not a tier"),
        ("tier", "false", "false is not a tier"),
        ("tier", ".inf", "tier"),
        ("tier", "10", "less than or equal to 9"),
    ],
)
def test_model_file_numbers_out_of_bounds_name_field_and_component(
    field: str, value: str, says: str
) -> None:
    message = _one_error(
        f"version: 1\ncomponents:\n  - id: a\n    kind: service\n    {field}: {value}\n"
    )
    assert f"component 'a', field '{field}'" in message
    assert says in message
    assert "m.yaml:5" in message


@pytest.mark.parametrize("where", ["tolerance", "activation"])
def test_edge_durations_are_bounded(where: str) -> None:
    if where == "tolerance":
        text = (
            "version: 1\ncomponents:\n  - {id: b, kind: site}\n"
            f"  - {{id: a, kind: service, needs: [{{id: b, tolerance: {TOO_LONG[1]}}}]}}\n"
        )
    else:
        text = (
            "version: 1\ncomponents:\n  - {id: b, kind: service}\n  - {id: c, kind: service}\n"
            "  - {id: g, kind: group, members: [b, "
            f"{{id: c, mode: standby, activation: {TOO_LONG[2]}}}]}}\n"
        )
    message = _one_error(text)
    assert f"field '{where}'" in message and "longer than the maximum" in message


def test_json_1e400_money_is_refused() -> None:
    with pytest.raises(ModelError, match="not a finite amount"):
        parse_model_text(
            '{"version": 1, "components": [{"id": "a", "kind": "site", "impact_per_hour": 1e400}]}',
            "m.json",
        )


@pytest.mark.parametrize(
    "kw",
    [
        {"rto": MAX_SECONDS + 1},
        {"recovery_time": 2**63},
        {"restart_time": 10**5000},
        {"tier": True},
        {"impact_per_hour": math.inf},
        {"impact_per_hour": math.nan},
        {"impact_per_hour": MAX_IMPACT_PER_HOUR * 2},
        {"min_up": True},
        {"min_up": 10**20},
    ],
)
def test_python_construction_is_bounded_too(kw: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=next(iter(kw))):
        Component(id="a", kind=Kind.SERVICE, **kw)


@pytest.mark.parametrize(
    "spec", [f"dc1@{TOO_LONG[2]}", f"dc1+{TOO_LONG[1]}", f"dc1@1h+{TOO_LONG[3]}", "dc1@.nan"]
)
def test_failure_times_are_bounded(spec: str) -> None:
    with pytest.raises(ScenarioError, match="failure"):
        parse_failure(spec)


@pytest.mark.parametrize("field", ["at", "duration"])
def test_scenario_file_times_are_bounded(field: str) -> None:
    doc = {"failures": [{"target": "dc1", field: TOO_LONG[2]}], "horizon": TOO_LONG[1]}
    with pytest.raises(ScenarioError) as e:
        scenario_from_document(doc, "s.yaml")
    assert f"field '{field}'" in str(e.value) and "field 'horizon'" in str(e.value)


@pytest.mark.parametrize(
    "make",
    [
        lambda: Failure("dc1", at=MAX_SECONDS + 1),
        lambda: Failure("dc1", at=-1),
        lambda: Failure("dc1", duration=2**63),
        lambda: Scenario((Failure("dc1"),), horizon=10**20),
    ],
)
def test_scenarios_built_in_python_are_bounded(make: object) -> None:
    with pytest.raises(ScenarioError, match="100 years"):
        make()  # type: ignore[operator]


@pytest.mark.parametrize(
    "args",
    [
        ["--fail", f"dc1@{TOO_LONG[2]}"],
        ["--fail", f"dc1+{TOO_LONG[1]}"],
        ["--fail", "dc1", "--horizon", TOO_LONG[2]],
        ["--fail", "dc1", "--at", TOO_LONG[2]],
    ],
)
def test_command_line_times_are_bounded(args: list[str], tmp_path: Path) -> None:
    model = tmp_path / "m.yaml"
    model.write_text("version: 1\ncomponents:\n  - {id: dc1, kind: site}\n")
    result = CliRunner().invoke(cli, ["impact", "--model", str(model), *args, "--format", "json"])
    assert result.exit_code == 2, result.output
    assert "longer than the maximum" in result.output


def _chain_at_the_bounds(n: int) -> Model:
    """A chain of ``n`` services, every duration at the bound, ending in a failover group."""
    m = MAX_SECONDS
    most = {"rto": m, "mtpd": m, "recovery_time": m, "restart_time": m}
    components = [
        Component(id="site", kind=Kind.SITE, impact_per_hour=MAX_IMPACT_PER_HOUR, **most),
        Component(id="standby", kind=Kind.SERVICE, **most),
        Component(
            id="g",
            kind=Kind.GROUP,
            min_up=1,
            members=(
                Member(id="s0"),
                Member(id="standby", mode=MemberMode.STANDBY, activation=m),
            ),
            **most,
        ),
    ]
    deps = [{"from": "s0", "to": "site", "tolerance": m}]
    for i in range(n):
        components.append(
            Component(
                id=f"s{i}",
                kind=Kind.BUSINESS_SERVICE if i == n - 1 else Kind.SERVICE,
                tier=1,
                impact_per_hour=MAX_IMPACT_PER_HOUR,
                **most,
            )
        )
        if i:
            deps.append({"from": f"s{i}", "to": f"s{i - 1}", "tolerance": m})
    deps.append({"from": f"s{n - 1}", "to": "g", "tolerance": m})
    return Model.build(components, [Dependency.model_validate(d) for d in deps])


def _numbers(value: object) -> list[float]:
    """Every number in an answer but money (hours × impact_per_hour is not a time)."""
    if isinstance(value, dict):
        return [x for k, v in value.items() if k != "money_lost" for x in _numbers(v)]
    if isinstance(value, list):
        return [x for v in value for x in _numbers(v)]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return [value]
    return []


@pytest.mark.parametrize("duration", [None, MAX_SECONDS])
@pytest.mark.parametrize("teams", [None, 1])
def test_answers_at_the_bounds_never_overflow(duration: int | None, teams: int | None) -> None:
    n = 40
    graph = Graph.from_model(_chain_at_the_bounds(n))
    scenario = Scenario((Failure("site", at=MAX_SECONDS, duration=duration),), horizon=MAX_SECONDS)
    impact = propagate(graph, scenario)
    answer = json.loads(json.dumps(impact.as_dict(), allow_nan=False))
    times = [
        t
        for intervals in answer["timelines"].values()
        for i in intervals
        for t in (i["from"], i["to"])
        if t is not None
    ]
    assert times and all(0 <= t <= (n + 4) * MAX_SECONDS for t in times)
    assert all(math.isfinite(x) and abs(x) < NEVER for x in _numbers(answer))
    if duration is None:
        recovery = plan(graph, impact, None if teams is None else Capacity(total=teams))
        steps = json.loads(json.dumps(recovery.as_dict(), allow_nan=False))
        assert steps["steps"]
        for step in steps["steps"]:
            assert 0 <= step["start"] <= step["finish"] <= (2 * n + 8) * MAX_SECONDS
        numbers = _numbers(steps)
        assert all(math.isfinite(x) and abs(x) < (2 * n + 8) * MAX_SECONDS for x in numbers)
        assert math.isfinite(steps["totals"]["money_lost"])
    assert math.isfinite(answer["summary"]["money_lost"])
