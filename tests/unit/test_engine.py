"""Engine rules one at a time (SPEC §3), selectors (§5), explain and reachability."""

from __future__ import annotations

import pytest

from impactgraph.engine.explain import dependencies, dependents, explain
from impactgraph.engine.impact import Rule, State
from impactgraph.engine.propagate import propagate
from impactgraph.engine.scenario import (
    Failure,
    Scenario,
    parse_failure,
    scenario_from_document,
    select,
)
from impactgraph.errors import InputError, ScenarioError, UnknownComponentError
from impactgraph.graph import Graph
from impactgraph.model import Component, Dependency, Kind, Member, MemberMode, Model

H = 3600
INF = None


def comp(cid: str, kind: Kind = Kind.SERVICE, **kw: object) -> Component:
    return Component(id=cid, kind=kind, **kw)  # type: ignore[arg-type]


def dep(a: str, b: str, **kw: object) -> Dependency:
    return Dependency.model_validate({"from": a, "to": b, **kw})


def run(
    components: list[Component], deps: list[Dependency], *failures: str, horizon: int = 86400
) -> dict[str, list[tuple[str, int, int | None]]]:
    g = Graph.from_model(Model.build(components, deps))
    imp = propagate(g, Scenario(tuple(parse_failure(f) for f in failures), horizon=horizon))
    return {
        cid: [(iv.state.value, iv.start, iv.end) for iv in ivs]
        for cid, ivs in imp.timelines.items()
    }


def test_failed_component_is_down_over_its_interval_only() -> None:
    out = run([comp("a"), comp("b")], [dep("b", "a")], "a@1h+2h")
    assert out == {"a": [("DOWN", H, 3 * H)], "b": [("DOWN", H, 3 * H)]}


def test_tolerance_delays_and_can_absorb_an_outage() -> None:
    cs = [comp("q"), comp("consumer")]
    ds = [dep("consumer", "q", tolerance="30m")]
    assert run(cs, ds, "q+2h")["consumer"] == [("DOWN", 1800, 2 * H)]
    assert "consumer" not in run(cs, ds, "q+30m")  # e − s ≤ τ: rides through
    assert run(cs, ds, "q+31m")["consumer"] == [("DOWN", 1800, 1860)]


def test_soft_dependency_degrades_only_on_down() -> None:
    cs = [
        comp("x"),
        comp("mid"),
        comp("a"),
        comp("g", Kind.GROUP, min_up=1, members=(Member(id="x"), Member(id="y"))),
        comp("y"),
        comp("b"),
    ]
    ds = [dep("a", "x", strength="soft"), dep("b", "g", strength="soft")]
    out = run(cs, ds, "x")
    assert out["a"] == [("DEGRADED", 0, INF)]
    assert out["g"] == [("DEGRADED", 0, INF)]  # one active member down
    assert "b" not in out  # a soft need of a DEGRADED group does nothing


def test_degraded_flows_through_hard_dependencies_with_tolerance() -> None:
    cs = [comp("x"), comp("s"), comp("a"), comp("b")]
    ds = [dep("s", "x", strength="soft"), dep("a", "s"), dep("b", "s", tolerance="1h")]
    out = run(cs, ds, "x+3h")
    assert out["a"] == [("DEGRADED", 0, 3 * H)]
    assert out["b"] == [("DEGRADED", H, 3 * H)]


def test_group_min_up_and_active_members() -> None:
    members = tuple(Member(id=m) for m in ("n1", "n2", "n3"))
    cs = [
        comp("n1"),
        comp("n2"),
        comp("n3"),
        comp("pool", Kind.GROUP, min_up=2, members=members),
        comp("web"),
    ]
    ds = [dep("web", "pool")]
    one = run(cs, ds, "n1")
    assert one["pool"] == [("DEGRADED", 0, INF)] and one["web"] == [("DEGRADED", 0, INF)]
    two = run(cs, ds, "n1", "n2@1h")
    assert two["pool"] == [("DEGRADED", 0, H), ("DOWN", H, INF)]
    assert two["web"] == [("DEGRADED", 0, H), ("DOWN", H, INF)]


def test_standby_counts_only_after_activation_from_t_star() -> None:
    members = (Member(id="p"), Member(id="s", mode=MemberMode.STANDBY, activation=1800))
    cs = [comp("p"), comp("s"), comp("g", Kind.GROUP, min_up=1, members=members)]
    assert run(cs, [], "p@1h")["g"] == [("DOWN", H, H + 1800), ("DEGRADED", H + 1800, INF)]
    # the primary comes back before the standby is active: the outage ends with it
    assert run(cs, [], "p@1h+10m")["g"] == [("DOWN", H, H + 600)]
    # t* stays the first moment: a second failure later finds the standby already active
    assert run(cs, [], "p+10m", "p@2h")["g"] == [("DOWN", 0, 600), ("DEGRADED", 2 * H, INF)]
    # a standby that is down itself does not count
    assert run(cs, [], "p", "s")["g"] == [("DOWN", 0, INF)]


def test_standby_with_zero_activation_takes_over_at_once() -> None:
    members = (Member(id="p"), Member(id="s", mode=MemberMode.STANDBY))
    cs = [comp("p"), comp("s"), comp("g", Kind.GROUP, min_up=1, members=members)]
    assert run(cs, [], "p")["g"] == [("DEGRADED", 0, INF)]


def test_cycle_never_sustains_an_outage_on_its_own() -> None:
    cs = [comp("root"), comp("a"), comp("b")]
    ds = [dep("a", "root"), dep("a", "b"), dep("b", "a")]
    out = run(cs, ds, "root+1h")
    assert out["a"] == [("DOWN", 0, H)] and out["b"] == [("DOWN", 0, H)]
    ds_tol = [dep("a", "root"), dep("a", "b", tolerance="5m"), dep("b", "a")]
    out = run(cs, ds_tol, "root+1h")
    assert out["b"] == [("DOWN", 0, H)] and out["a"] == [("DOWN", 0, H)]


def test_worst_state_wins_and_causes_follow_model_order() -> None:
    cs = [comp("x"), comp("y"), comp("a")]
    ds = [dep("a", "x", strength="soft"), dep("a", "y")]
    g = Graph.from_model(Model.build(cs, ds))
    imp = propagate(g, Scenario((Failure("x"), Failure("y", at=H))))
    assert [(iv.state, iv.start, iv.cause.rule, iv.cause.via) for iv in imp.timelines["a"]] == [
        (State.DEGRADED, 0, Rule.SOFT, "x"),
        (State.DOWN, H, Rule.HARD, "y"),
    ]


def test_group_with_needs_of_its_own() -> None:
    cs = [comp("m1"), comp("lb"), comp("g", Kind.GROUP, min_up=1, members=(Member(id="m1"),))]
    assert run(cs, [dep("g", "lb")], "lb")["g"] == [("DOWN", 0, INF)]


def test_overlapping_failures_of_one_component_merge() -> None:
    out = run([comp("a")], [], "a+2h", "a@1h+2h", "a@3h+1h")
    assert out["a"] == [("DOWN", 0, 4 * H)]


def test_summary_counts_money_and_business_services() -> None:
    cs = [
        comp("db", impact_per_hour=100.0),
        comp("shop", Kind.BUSINESS_SERVICE, tier=1, rto="1h", impact_per_hour=1000.0),
        comp("blog", Kind.BUSINESS_SERVICE, tier=3),
    ]
    ds = [dep("shop", "db"), dep("blog", "db", strength="soft")]
    g = Graph.from_model(Model.build(cs, ds))
    imp = propagate(g, Scenario((Failure("db", duration=2 * H),), horizon=H))
    s = imp.summary
    assert (s.down, s.degraded) == (2, 1)
    assert s.by_kind == {
        "business_service": {"down": 1, "degraded": 1},
        "service": {"down": 1, "degraded": 0},
    }
    assert s.money_lost == 1100.0  # one hour inside the horizon at 100 + 1000 per hour
    assert [(b.id, b.tier, b.worst, b.down_seconds) for b in s.business_services] == [
        ("shop", 1, State.DOWN, H),
        ("blog", 3, State.DEGRADED, 0),
    ]


def test_json_answer_shape() -> None:
    cs = [comp("a"), comp("b")]
    g = Graph.from_model(Model.build(cs, [dep("b", "a")]))
    doc = propagate(g, Scenario((Failure("a", at=60),), horizon=H)).as_dict()
    assert doc["scenario"] == {"failures": [{"id": "a", "at": 60, "duration": None}], "horizon": H}
    assert doc["timelines"]["b"] == [
        {"state": "DOWN", "from": 60, "to": None, "cause": {"via": "a", "rule": "hard"}}
    ]
    assert doc["timelines"]["a"][0]["cause"] == {"via": None, "rule": "failed"}


# ---- selectors and scenarios -------------------------------------------------------------


def _estate() -> Graph:
    cs = [
        comp("dc1", Kind.SITE),
        comp("rack1", Kind.INFRASTRUCTURE, type="rack"),
        comp("host1", Kind.INFRASTRUCTURE, type="vm", tags=("linux",)),
        comp("saas", Kind.SUPPLIER),
        comp("crm", tags=("linux", "pci")),
        comp("mail"),
    ]
    ds = [
        dep("rack1", "dc1", type="located_at"),
        dep("host1", "rack1", type="located_at"),
        dep("crm", "host1", type="runs_on"),
        dep("mail", "saas", type="supplied_by"),
        dep("crm", "saas", type="supplied_by"),
    ]
    return Graph.from_model(Model.build(cs, ds))


@pytest.mark.parametrize(
    ("target", "want"),
    [
        ("dc1", {"dc1"}),
        ("kind:site", {"dc1"}),
        ("kind:application", {"crm", "mail"}),
        ("type:vm", {"host1"}),
        ("tag:linux", {"host1", "crm"}),
        ("site:dc1", {"rack1", "host1"}),
        ("supplier:saas", {"mail", "crm"}),
    ],
)
def test_selectors(target: str, want: set[str]) -> None:
    g = _estate()
    assert {g.ids[v] for v in select(g, target)} == want


@pytest.mark.parametrize("target", ["kind:supplier-ish", "tag:none", "type:mainframe", "site:mail"])
def test_selector_matching_nothing_is_an_error(target: str) -> None:
    with pytest.raises(ScenarioError):
        select(_estate(), target)


def test_unknown_ids_are_errors() -> None:
    with pytest.raises(UnknownComponentError):
        select(_estate(), "dc9")
    with pytest.raises(UnknownComponentError):
        select(_estate(), "site:dc9")


@pytest.mark.parametrize(
    ("spec", "want"),
    [
        ("dc1", Failure("dc1")),
        ("dc1@2h", Failure("dc1", 7200)),
        ("supplier:x@1h+90m", Failure("supplier:x", 3600, 5400)),
        ("a+PT1H", Failure("a", 0, 3600)),
        ("a+inf", Failure("a")),
    ],
)
def test_parse_failure(spec: str, want: Failure) -> None:
    assert parse_failure(spec) == want


@pytest.mark.parametrize("spec", ["a@-1h", "a@soon", "a+90", "@1h"])
def test_bad_failure_specs(spec: str) -> None:
    with pytest.raises(ScenarioError):
        parse_failure(spec)


def test_scenario_document_reports_every_problem() -> None:
    with pytest.raises(ScenarioError) as e:
        scenario_from_document(
            {
                "failures": [
                    {"target": "a", "at": "x"},
                    {"id": "b"},
                    {"target": "c", "duration": 5},
                ],
                "extra": 1,
            },
            "s.yaml",
        )
    msg = str(e.value)
    for part in (
        "unknown field 'extra'",
        "failures[0]: field 'at'",
        "failures[1]",
        "failures[2]: field 'duration'",
    ):
        assert part in msg
    ok = scenario_from_document(
        {"name": "n", "failures": ["a@1h", {"target": "b"}], "horizon": "2d"}
    )
    assert ok == Scenario((Failure("a", 3600), Failure("b")), "n", 172800)


# ---- explain and reachability ------------------------------------------------------------


def test_explain_walks_back_through_tolerance_and_groups() -> None:
    members = (Member(id="db1"), Member(id="db2", mode=MemberMode.STANDBY, activation=600))
    cs = [
        comp("dc", Kind.SITE),
        comp("db1"),
        comp("db2"),
        comp("dbs", Kind.GROUP, min_up=1, members=members),
        comp("api"),
        comp("bs", Kind.BUSINESS_SERVICE),
    ]
    ds = [dep("db1", "dc", type="located_at"), dep("api", "dbs"), dep("bs", "api", tolerance="5m")]
    g = Graph.from_model(Model.build(cs, ds))
    imp = propagate(g, Scenario((Failure("dc"),)))
    hops = explain(imp, g, "bs")
    assert [(h.component, h.state, h.start, h.rule, h.via, h.tolerance) for h in hops] == [
        ("bs", State.DOWN, 300, Rule.HARD, "api", 300),
        ("api", State.DOWN, 0, Rule.HARD, "dbs", 0),
        ("dbs", State.DOWN, 0, Rule.GROUP, "db1", 0),
        ("db1", State.DOWN, 0, Rule.HARD, "dc", 0),
        ("dc", State.DOWN, 0, Rule.FAILED, None, 0),
    ]
    later = explain(imp, g, "api", at=700)
    assert (later[0].state, later[0].start, later[1].state) == (State.DEGRADED, 600, State.DEGRADED)
    with pytest.raises(InputError):
        explain(imp, g, "db2")  # stays UP


def test_dependents_and_dependencies_with_filters() -> None:
    g = _estate()
    assert dependents(g, "dc1") == [("rack1", 1), ("host1", 2), ("crm", 3)]
    assert dependents(g, "dc1", depth=2) == [("rack1", 1), ("host1", 2)]
    assert dependents(g, "dc1", types=["located_at"]) == [("rack1", 1), ("host1", 2)]
    assert set(dependencies(g, "crm")) == {("host1", 1), ("saas", 1), ("rack1", 2), ("dc1", 3)}
    assert dependencies(g, "crm", types=["supplied_by"]) == [("saas", 1)]
    with pytest.raises(InputError):
        dependents(g, "dc1", types=["teleports_to"])


@pytest.mark.parametrize("written", ["x+1h", "id:x+1h", "x@0"])
def test_a_failure_that_misreads_an_id_says_how_to_name_it(written: str) -> None:
    g = Graph.from_model(
        Model.build(
            [Component(id=written.removeprefix("id:"), kind=Kind.SITE)],
            [],
        )
    )
    with pytest.raises(UnknownComponentError, match=r'name it with id:"x'):
        propagate(g, Scenario(failures=(parse_failure(written),)))
