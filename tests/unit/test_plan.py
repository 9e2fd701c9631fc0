"""SPEC §4 recovery plans: the worked example by hand, teams, groups, cycles and warnings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from impactgraph.cli.main import cli
from impactgraph.engine.impact import Cause, Impact, Interval, Rule, State, Summary
from impactgraph.engine.plan import Capacity, Plan, plan
from impactgraph.engine.propagate import propagate
from impactgraph.engine.scenario import Failure, RootFailure, Scenario
from impactgraph.errors import InputError
from impactgraph.graph import ATTRIBUTES, EdgeRow, Graph
from impactgraph.model import (
    Component,
    Dependency,
    Kind,
    Member,
    MemberMode,
    Model,
    Strength,
    model_to_document,
)

M, H = 60, 3600


def spec_estate() -> Model:
    """SPEC §3's worked example with recovery and restart times, RTOs, teams and money."""
    c = Component
    return Model.build(
        [
            c(id="dc1", kind=Kind.SITE, recovery_time="4h", team="site-ops"),
            c(id="dc2", kind=Kind.SITE, recovery_time="4h", team="site-ops"),
            c(id="san1", kind=Kind.INFRASTRUCTURE, restart_time="1h", team="storage"),
            c(id="host1", kind=Kind.INFRASTRUCTURE, restart_time="30m", team="compute"),
            c(id="host2", kind=Kind.INFRASTRUCTURE, restart_time="30m", team="compute"),
            c(id="db-primary", kind=Kind.SERVICE, restart_time="15m", team="dba"),
            c(id="db-standby", kind=Kind.SERVICE, restart_time="15m", team="dba"),
            c(
                id="db-cluster",
                kind=Kind.GROUP,
                min_up=1,
                members=(
                    Member(id="db-primary"),
                    Member(id="db-standby", mode=MemberMode.STANDBY, activation="30m"),
                ),
            ),
            c(id="fraud-svc", kind=Kind.SERVICE, restart_time="10m", team="apps"),
            c(id="payments-api", kind=Kind.SERVICE, restart_time="5m", team="apps"),
            c(
                id="card-payments",
                kind=Kind.BUSINESS_SERVICE,
                tier=1,
                rto="4h",
                impact_per_hour=100_000,
            ),
            c(id="settlement-batch", kind=Kind.SERVICE, restart_time="20m", team="apps"),
            c(id="reporting", kind=Kind.BUSINESS_SERVICE, tier=2, rto="1h", impact_per_hour=1_000),
        ],
        [
            Dependency(source="san1", target="dc1", type="located_at"),
            Dependency(source="host1", target="dc1", type="located_at"),
            Dependency(source="host1", target="san1"),
            Dependency(source="host2", target="dc2", type="located_at"),
            Dependency(source="db-primary", target="host1", type="runs_on"),
            Dependency(source="db-standby", target="host2", type="runs_on"),
            Dependency(source="fraud-svc", target="host1", type="runs_on"),
            Dependency(source="payments-api", target="host2", type="runs_on"),
            Dependency(source="payments-api", target="db-cluster"),
            Dependency(source="payments-api", target="fraud-svc", strength=Strength.SOFT),
            Dependency(source="card-payments", target="payments-api"),
            Dependency(source="settlement-batch", target="host1", type="runs_on"),
            Dependency(source="reporting", target="settlement-batch", tolerance="4h"),
        ],
    )


def dc1_lost(capacity: Capacity | None = None) -> Plan:
    g = Graph.from_model(spec_estate())
    return plan(g, propagate(g, Scenario(failures=(Failure("dc1"),))), capacity)


def rows(p: Plan) -> dict[str, tuple[str, int, int, int, int | None]]:
    return {s.component: (s.action, s.start, s.finish, s.wave, s.deadline) for s in p.steps}


def test_spec_example_unlimited_worked_by_hand() -> None:
    p = dc1_lost()
    # Only what stays DOWN until ∞ gets a step; db-cluster, payments-api and card-payments
    # come back by failover at 30m (their end is the timeline's), dc2/host2 never went down.
    # reporting is DOWN from 4h (its 4h tolerance), so its onset is 14400.
    # deadlines: reporting 14400 + 1h = 18000; settlement-batch 18000 − 0 = 18000;
    # host1 18000 − 20m = 16800; san1 16800 − 30m = 15000;
    # dc1 min(host1: 16800 − 30m = 15000, san1: 15000 − 1h = 11400) = 11400.
    assert rows(p) == {
        # component: (action, start, finish, wave, deadline)
        "dc1": ("restore", 0, 4 * H, 0, 11400),
        "san1": ("restart", 4 * H, 5 * H, 1, 15000),  # after dc1: 4h + 1h
        "host1": ("restart", 5 * H, 5 * H + 30 * M, 2, 16800),  # after dc1 and san1
        "db-primary": ("restart", 19800, 19800 + 15 * M, 3, None),  # only a DEGRADED group
        "fraud-svc": ("restart", 19800, 19800 + 10 * M, 3, None),  # needed softly only
        "settlement-batch": ("restart", 19800, 19800 + 20 * M, 3, 18000),
        "reporting": ("restart", 21000, 21000, 4, 18000),  # restart_time default 0
    }
    assert [s.component for s in p.steps] == [
        "dc1",
        "san1",
        "host1",
        "db-primary",
        "fraud-svc",
        "settlement-batch",
        "reporting",
    ]
    assert {s.component: s.slack for s in p.steps}["dc1"] == 11400 - 4 * H
    assert {s.component: s.team for s in p.steps}["dc1"] == "site-ops"  # unlimited: own team

    svc = {b.id: b for b in p.business_services}
    # reporting: 21000 − (14400 + 3600) = 3000 s late, held back by san1 (finish 18000 >
    # dc1's 14400) below host1
    rep = svc["reporting"]
    assert (rep.onset, rep.recovered_at, rep.up_at, rep.breach) == (4 * H, 21000, 21000, 3000)
    assert rep.critical_chain == ["dc1", "san1", "host1", "settlement-batch", "reporting"]
    # card-payments: DOWN [0, 30m) then DEGRADED: recovered by failover at 1800, within 4h;
    # UP once db-primary (20700) and fraud-svc (20400) are back
    card = svc["card-payments"]
    assert (card.onset, card.recovered_at, card.up_at, card.breach) == (0, 1800, 20700, 0)
    assert card.critical_chain[0] == "dc1"
    assert card.critical_chain[-4:] == ["db-primary", "db-cluster", "payments-api", "card-payments"]
    assert [b.id for b in p.business_services] == ["card-payments", "reporting"]  # by tier
    # money: card-payments 100000/h × 0.5h + reporting 1000/h × (21000 − 14400)/3600 h
    assert p.totals.money_lost == pytest.approx(50_000 + 1000 * 6600 / 3600, abs=0.01)
    assert (p.totals.makespan, p.totals.breaches, p.totals.breach_seconds) == (21000, 1, 3000)
    assert p.warnings == []


def test_spec_example_as_json_has_the_spec_keys() -> None:
    d = dc1_lost().as_dict()
    assert set(d) == {"steps", "business_services", "totals", "warnings"}
    assert d["steps"][0] == {
        "component": "dc1",
        "action": "restore",
        "start": 0,
        "finish": 14400,
        "team": "site-ops",
        "wave": 0,
        "deadline": 11400,
        "slack": -3000,
    }
    assert set(d["business_services"][1]) == {
        "id",
        "tier",
        "rto",
        "onset",
        "recovered_at",
        "up_at",
        "breach",
        "critical_chain",
    }
    assert {"makespan", "breaches", "breach_seconds"} <= set(d["totals"])


def test_one_team_takes_earliest_deadline_first() -> None:
    p = dc1_lost(Capacity(total=1))
    # dc1, san1, host1 as before (a chain); then db-primary, fraud-svc and settlement-batch
    # are ready at 19800 together: settlement-batch has a deadline (18000), the others none,
    # so it goes first; reporting (deadline 18000) is ready at 21000 and beats the others;
    # db-primary and fraud-svc tie on deadline, tier and impact: by id.
    assert {s.component: (s.start, s.finish) for s in p.steps} == {
        "dc1": (0, 14400),
        "san1": (14400, 18000),
        "host1": (18000, 19800),
        "settlement-batch": (19800, 21000),
        "reporting": (21000, 21000),
        "db-primary": (21000, 21900),
        "fraud-svc": (21900, 22500),
    }
    # start order; at one moment the lower wave first
    assert [s.component for s in p.steps][-3:] == ["db-primary", "reporting", "fraud-svc"]
    assert {s.team for s in p.steps} == {"team"}
    assert p.crews == ["team"]


def test_topological_policy_is_the_naive_baseline() -> None:
    g = Graph.from_model(spec_estate())
    impact = propagate(g, Scenario(failures=(Failure("dc1"),)))
    naive = plan(g, impact, Capacity(total=1), policy="topological")
    order = [s.component for s in naive.steps]
    # topological order puts db-primary and fraud-svc (wave 3) before settlement-batch
    assert order.index("settlement-batch") > order.index("db-primary")
    edf = plan(g, impact, Capacity(total=1))
    naive_rep = next(b for b in naive.business_services if b.id == "reporting")
    edf_rep = next(b for b in edf.business_services if b.id == "reporting")
    assert naive_rep.breach is not None and edf_rep.breach is not None
    assert edf_rep.breach < naive_rep.breach


def test_per_team_crews_and_unnamed_teams() -> None:
    p = dc1_lost(Capacity(teams={"site-ops": 1, "apps": 2}))
    team = {s.component: s.team for s in p.steps}
    assert team["dc1"] == "site-ops"
    assert team["settlement-batch"] in ("apps-1", "apps-2")
    # storage, compute and dba have no crews: their steps go to any crew, with a warning
    assert any("'storage'" in w and "any crew" in w for w in p.warnings)
    assert p.crews == ["apps-1", "apps-2", "site-ops"]


def test_capacity_parse() -> None:
    assert Capacity.parse("3") == Capacity(total=3)
    assert Capacity.parse("dba=2, network=1") == Capacity(teams={"dba": 2, "network": 1})
    assert Capacity.parse("dba=1,*=2").crew_labels() == ["dba", "any-1", "any-2"]
    for bad in ("0", "dba", "dba=x", "dba=1,dba=2", "dba=0", ""):
        with pytest.raises(InputError) as err:
            Capacity.parse(bad)
        # the engine speaks of capacity; naming the command-line option is the CLI's job
        assert str(err.value).startswith("capacity") and "--teams" not in str(err.value)


def columns_only(model: Model) -> Graph:
    """The model as a graph built from plain columns, as a store reads it: no components."""
    comps = model.components
    return Graph.from_rows(
        [c.id for c in comps],
        [c.kind for c in comps],
        [
            EdgeRow(d.source, d.target, d.type, d.strength is Strength.HARD, d.tolerance)
            for d in model.dependencies
        ],
        [
            (
                c.id,
                c.min_up or 1,
                [(m.id, m.mode is MemberMode.STANDBY, m.activation) for m in c.members],
            )
            for c in comps
            if c.kind is Kind.GROUP
        ],
        attributes={name: [getattr(c, name) for c in comps] for name in ATTRIBUTES},
    )


@pytest.mark.parametrize("capacity", [None, Capacity(total=1), Capacity.parse("apps=1,*=1")])
def test_a_graph_of_plain_columns_gives_the_same_plan(capacity: Capacity | None) -> None:
    from_model = Graph.from_model(spec_estate())
    from_columns = columns_only(spec_estate())
    scenario = Scenario(failures=(Failure("dc1"),))
    assert (
        plan(from_columns, propagate(from_columns, scenario), capacity).as_dict()
        == plan(from_model, propagate(from_model, scenario), capacity).as_dict()
    )


# ---- hand-built impacts ------------------------------------------------------------------


def _impact(timelines: dict[str, list[Interval]], failed: dict[int, str]) -> Impact:
    failures = [RootFailure(node=v, id=cid, at=0, end=None) for v, cid in failed.items()]
    return Impact(
        Scenario(failures=(Failure("x"),)),
        failures,
        Summary(down=0, degraded=0, by_kind={}, business_services=[], money_lost=0),
        timelines=timelines,
    )


def _down(start: int = 0, via: str | None = None, end: int | None = None) -> Interval:
    return Interval(
        State.DOWN, start, end, Cause(Rule.FAILED) if via is None else Cause(Rule.HARD, via)
    )


def test_cycle_all_down_is_one_bootstrap_step_with_a_warning() -> None:
    # root → a ⇄ b (a and b need each other), svc needs a
    c = Component
    g = Graph.from_model(
        Model.build(
            [
                c(id="root", kind=Kind.SITE, recovery_time="1h"),
                c(id="a", kind=Kind.SERVICE, restart_time="10m"),
                c(id="b", kind=Kind.SERVICE, restart_time="20m"),
                c(id="svc", kind=Kind.BUSINESS_SERVICE, rto="1h", restart_time="5m"),
            ],
            [
                Dependency(source="a", target="root"),
                Dependency(source="a", target="b"),
                Dependency(source="b", target="a"),
                Dependency(source="svc", target="a"),
            ],
        )
    )
    p = plan(
        g,
        _impact(
            {
                "root": [_down()],
                "a": [_down(via="root")],
                "b": [_down(via="a")],
                "svc": [_down(via="a")],
            },
            {0: "root"},
        ),
    )
    # bootstrap a+b after root (1h): 10m + 20m = 30m; svc after: 1h30m + 5m
    assert [(s.components, s.action, s.start, s.finish, s.wave) for s in p.steps] == [
        (("root",), "restore", 0, H, 0),
        (("a", "b"), "bootstrap", H, H + 30 * M, 1),
        (("svc",), "restart", H + 30 * M, H + 35 * M, 2),
    ]
    assert any("a, b" in w and "bootstrap" in w for w in p.warnings)
    rows_ = p.as_dict()["steps"]
    assert [(r["component"], r["action"]) for r in rows_[1:3]] == [
        ("a", "bootstrap"),
        ("b", "bootstrap"),
    ]
    # deadlines: svc 0 + 1h; a+b inherit 1h − 5m; root 55m − 30m
    assert [s.deadline for s in p.steps] == [25 * M, 55 * M, H]
    assert p.business_services[0].critical_chain == ["root", "a", "b", "svc"]


def test_missing_recovery_time_counts_zero_with_a_warning() -> None:
    g = Graph.from_model(
        Model.build(
            [Component(id="x", kind=Kind.SERVICE), Component(id="y", kind=Kind.SERVICE)],
            [Dependency(source="y", target="x")],
        )
    )
    p = plan(g, _impact({"x": [_down()], "y": [_down(via="x")]}, {0: "x"}))
    assert [(s.component, s.start, s.finish) for s in p.steps] == [("x", 0, 0), ("y", 0, 0)]
    assert p.warnings == ["x: recovery_time is missing; its restore counts as 0"]


def test_a_down_group_is_back_when_min_up_members_are() -> None:
    # pool (min_up 2) of m1, m2, m3, all failed; app needs pool. m1 2h, m2 1h, m3 3h.
    c = Component
    g = Graph.from_model(
        Model.build(
            [
                c(id="m1", kind=Kind.SERVICE, recovery_time="2h"),
                c(id="m2", kind=Kind.SERVICE, recovery_time="1h"),
                c(id="m3", kind=Kind.SERVICE, recovery_time="3h"),
                c(
                    id="pool",
                    kind=Kind.GROUP,
                    min_up=2,
                    members=(Member(id="m1"), Member(id="m2"), Member(id="m3")),
                ),
                c(id="app", kind=Kind.SERVICE, restart_time="10m", rto="2h"),
            ],
            [Dependency(source="app", target="pool")],
        )
    )
    group_down = Interval(State.DOWN, 0, None, Cause(Rule.GROUP, "m1"))
    p = plan(
        g,
        _impact(
            {
                "m1": [_down()],
                "m2": [_down()],
                "m3": [_down()],
                "pool": [group_down],
                "app": [_down(via="pool")],
            },
            {0: "m1", 1: "m2", 2: "m3"},
        ),
    )
    steps = {s.component: s for s in p.steps}
    assert "pool" not in steps  # groups get no step
    # the second member back is m1 at 2h; app restarts then
    assert (steps["app"].start, steps["app"].finish) == (2 * H, 2 * H + 10 * M)
    # the min_up members the critical path brings back first (m2 at 1h, m1 at 2h) inherit the
    # pool's deadline, app's 2h − 10m; m3 is not needed for the pool to be back
    assert [steps[m].deadline for m in ("m1", "m2", "m3")] == [2 * H - 10 * M] * 2 + [None]
    # waves: the group adds none
    assert steps["app"].wave == 1
    # one crew: m1 and m2 (deadline 1h50m, then id) → the pool is back at 3h; then app
    # (deadline 2h) before m3 (none)
    one = {
        s.component: s
        for s in plan(
            g,
            _impact(
                {
                    "m1": [_down()],
                    "m2": [_down()],
                    "m3": [_down()],
                    "pool": [group_down],
                    "app": [_down(via="pool")],
                },
                {0: "m1", 1: "m2", 2: "m3"},
            ),
            Capacity(total=1),
        ).steps
    }
    assert (one["m1"].start, one["m2"].start, one["app"].start) == (0, 2 * H, 3 * H)
    assert one["m3"].start == 3 * H + 10 * M


def test_step_waits_for_a_finite_outage_below_and_its_onset() -> None:
    # x failed for 5h (ends on its own); y failed itself until ∞ and needs x; y onset 1h
    c = Component
    g = Graph.from_model(
        Model.build(
            [
                c(id="x", kind=Kind.SERVICE, recovery_time="1h"),
                c(id="y", kind=Kind.SERVICE, recovery_time="1h"),
                c(id="z", kind=Kind.SERVICE, recovery_time="30m"),
            ],
            [Dependency(source="y", target="x")],
        )
    )
    p = plan(
        g,
        _impact(
            {"x": [_down(end=5 * H)], "y": [_down(start=H)], "z": [_down(start=2 * H)]},
            {1: "y", 2: "z"},
        ),
    )
    assert rows(p) == {
        "y": ("restore", 5 * H, 6 * H, 0, None),
        "z": ("restore", 2 * H, 2 * H + 30 * M, 0, None),
    }


def test_recover_command(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(model_to_document(spec_estate())))
    runner = CliRunner()
    base = ["recover", "--model", str(path), "--fail", "dc1"]
    out = runner.invoke(cli, [*base, "--format", "json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output) == dc1_lost().as_dict()
    md = runner.invoke(cli, [*base, "--teams", "1", "--format", "markdown"])
    assert md.exit_code == 0
    assert "## Wave 0" in md.output
    assert "dc1 → san1 → host1 → settlement-batch → reporting" in md.output
    csv_out = runner.invoke(cli, [*base, "--format", "csv"]).output.splitlines()
    assert csv_out[0] == "component,action,start,finish,team,wave,deadline,slack"
    assert csv_out[1] == "dc1,restore,0,14400,site-ops,0,11400,-3000"
    assert runner.invoke(cli, [*base]).exit_code == 0  # the table
    assert runner.invoke(cli, [*base, "--teams", "dba"]).exit_code == 2
