"""SPEC §3's worked example as a table, through the brute-force reference and `propagate`.

The model is built here in Python (not read from ``examples/spec-example.yaml``) so that this
test does not depend on the model file reader.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from impactgraph.engine.impact import Impact
from impactgraph.engine.propagate import propagate as engine_propagate
from impactgraph.engine.scenario import Failure, Scenario
from impactgraph.graph import Graph
from impactgraph.model import Component, Dependency, Kind, Member, MemberMode, Model, Strength

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the shared reference
from properties.reference import RefInterval, reference_timelines

M30, H3, H4 = 1800, 3 * 3600, 4 * 3600
INF = None

Propagate = Callable[[Graph, Scenario], Impact]


def spec_example() -> Model:
    """The estate of SPEC §3's worked example."""
    c = Component
    components = [
        c(id="dc1", kind=Kind.SITE),
        c(id="dc2", kind=Kind.SITE),
        c(id="san1", kind=Kind.INFRASTRUCTURE, type="san"),
        c(id="host1", kind=Kind.INFRASTRUCTURE, type="vm"),
        c(id="host2", kind=Kind.INFRASTRUCTURE, type="vm"),
        c(id="db-primary", kind=Kind.SERVICE, type="database"),
        c(id="db-standby", kind=Kind.SERVICE, type="database"),
        c(
            id="db-cluster",
            kind=Kind.GROUP,
            min_up=1,
            members=(
                Member(id="db-primary"),
                Member(id="db-standby", mode=MemberMode.STANDBY, activation="30m"),
            ),
        ),
        c(id="fraud-svc", kind=Kind.SERVICE),
        c(id="payments-api", kind=Kind.SERVICE),
        c(id="card-payments", kind=Kind.BUSINESS_SERVICE, rto="4h"),
        c(id="settlement-batch", kind=Kind.SERVICE),
        c(id="reporting", kind=Kind.BUSINESS_SERVICE),
    ]
    d = Dependency
    dependencies = [
        d(source="san1", target="dc1", type="located_at"),
        d(source="host1", target="dc1", type="located_at"),
        d(source="host1", target="san1"),
        d(source="host2", target="dc2", type="located_at"),
        d(source="db-primary", target="host1", type="runs_on"),
        d(source="db-standby", target="host2", type="runs_on"),
        d(source="fraud-svc", target="host1", type="runs_on"),
        d(source="payments-api", target="host2", type="runs_on"),
        d(source="payments-api", target="db-cluster"),
        d(source="payments-api", target="fraud-svc", strength=Strength.SOFT),
        d(source="card-payments", target="payments-api"),
        d(source="settlement-batch", target="host1", type="runs_on"),
        d(source="reporting", target="settlement-batch", tolerance="4h"),
    ]
    return Model.build(components, dependencies)


def expected(end: int | None) -> dict[str, list[RefInterval]]:
    """The SPEC table for dc1 failing at 0 until ``end`` (None = ∞)."""
    down_all = [("DOWN", 0, end)]
    failover = [("DOWN", 0, M30), ("DEGRADED", M30, end)]
    table: dict[str, list[RefInterval]] = {
        "dc1": down_all,
        "san1": down_all,
        "host1": down_all,
        "db-primary": down_all,
        "fraud-svc": down_all,
        "settlement-batch": down_all,
        "db-cluster": failover,
        "payments-api": failover,
        "card-payments": failover,
    }
    if end is None:  # reporting rides through 4h of settlement-batch being DOWN
        table["reporting"] = [("DOWN", H4, None)]
    return table


SCENARIOS = [
    pytest.param(INF, id="dc1-fails-for-ever"),
    pytest.param(H3, id="dc1-fails-for-3h"),
]


def scenario(duration: int | None) -> Scenario:
    return Scenario(failures=(Failure("dc1", at=0, duration=duration),))


def as_table(impact: Impact) -> dict[str, list[RefInterval]]:
    return {
        cid: [(iv.state.value, iv.start, iv.end) for iv in ivs]
        for cid, ivs in impact.timelines.items()
    }


@pytest.fixture(scope="module")
def propagate() -> Propagate:
    return engine_propagate


@pytest.mark.parametrize("duration", SCENARIOS)
def test_reference_matches_the_spec_table(duration: int | None) -> None:
    assert reference_timelines(spec_example(), scenario(duration)) == expected(duration)


@pytest.mark.parametrize("duration", SCENARIOS)
def test_propagate_matches_the_spec_table(propagate: Propagate, duration: int | None) -> None:
    impact = propagate(Graph.from_model(spec_example()), scenario(duration))
    assert as_table(impact) == expected(duration)


#: Allowed (via, rule) per component and state: the dependency that can put it there.
CAUSES: dict[tuple[str, str], set[tuple[str | None, str]]] = {
    ("dc1", "DOWN"): {(None, "failed")},
    ("san1", "DOWN"): {("dc1", "hard")},
    ("host1", "DOWN"): {("dc1", "hard"), ("san1", "hard")},
    ("db-primary", "DOWN"): {("host1", "hard")},
    ("fraud-svc", "DOWN"): {("host1", "hard")},
    ("settlement-batch", "DOWN"): {("host1", "hard")},
    ("db-cluster", "DOWN"): {("db-primary", "group")},
    ("db-cluster", "DEGRADED"): {("db-primary", "group")},
    ("payments-api", "DOWN"): {("db-cluster", "hard")},
    ("payments-api", "DEGRADED"): {("db-cluster", "hard"), ("fraud-svc", "soft")},
    ("card-payments", "DOWN"): {("payments-api", "hard")},
    ("card-payments", "DEGRADED"): {("payments-api", "hard")},
    ("reporting", "DOWN"): {("settlement-batch", "hard")},
}


@pytest.mark.parametrize("duration", SCENARIOS)
def test_impact_json_has_the_spec_shape(propagate: Propagate, duration: int | None) -> None:
    impact = propagate(Graph.from_model(spec_example()), scenario(duration))
    doc = json.loads(json.dumps(impact.as_dict()))  # what --format json prints
    assert doc["scenario"] == {
        "failures": [{"id": "dc1", "at": 0, "duration": duration}],
        "horizon": 86400,
    }
    timelines = doc["timelines"]
    assert set(timelines) == set(expected(duration))  # exactly the components not always UP
    for cid, intervals in timelines.items():
        assert [(iv["state"], iv["from"], iv["to"]) for iv in intervals] == expected(duration)[cid]
        for iv in intervals:
            assert set(iv) == {"state", "from", "to", "cause"}
            assert set(iv["cause"]) == {"via", "rule"}
            got = (iv["cause"]["via"], iv["cause"]["rule"])
            assert got in CAUSES[cid, iv["state"]], (cid, iv)
    assert timelines["db-cluster"][0] == {
        "state": "DOWN",
        "from": 0,
        "to": M30,
        "cause": {"via": "db-primary", "rule": "group"},
    }
    assert timelines["db-cluster"][1]["to"] == duration  # null for ∞


@pytest.mark.parametrize(
    ("duration", "down", "degraded", "services"),
    [
        pytest.param(INF, 10, 3, ["card-payments", "reporting"], id="dc1-fails-for-ever"),
        pytest.param(H3, 9, 3, ["card-payments"], id="dc1-fails-for-3h"),
    ],
)
def test_summary_counts_the_spec_answer(
    propagate: Propagate, duration: int | None, down: int, degraded: int, services: list[str]
) -> None:
    summary = propagate(Graph.from_model(spec_example()), scenario(duration)).summary
    assert (summary.down, summary.degraded) == (down, degraded)
    assert sorted(b.id for b in summary.business_services) == services
