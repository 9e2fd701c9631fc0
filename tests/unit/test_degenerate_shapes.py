"""Degenerate shapes stay near-linear (issue 13, item 3): long chains, big cycles, huge
groups, absurd crew counts; the answers are those of the plain algorithms."""

from __future__ import annotations

import io
import time

from rich.console import Console

from impactgraph.engine.checks import Finding
from impactgraph.engine.plan import Capacity, plan
from impactgraph.engine.propagate import propagate
from impactgraph.engine.scenario import Failure, Scenario
from impactgraph.graph import Graph
from impactgraph.model import Component, Dependency, Kind, Member, Model
from impactgraph.render.findings import TABLE_ROWS, print_findings


def _chain(n: int) -> Graph:
    comps = [Component(id="c0", kind=Kind.SITE, recovery_time=3600)]
    deps = []
    for i in range(1, n):
        comps.append(Component(id=f"c{i}", kind=Kind.SERVICE, restart_time=60))
        deps.append(Dependency(source=f"c{i}", target=f"c{i - 1}"))
    comps.append(Component(id="bs", kind=Kind.BUSINESS_SERVICE, tier=1, rto=3600))
    deps.append(Dependency(source="bs", target=f"c{n - 1}"))
    return Graph.from_model(Model.build(comps, deps))


def _ring(n: int) -> Graph:
    comps = [Component(id="r", kind=Kind.SITE)]
    comps += [Component(id=f"s{i}", kind=Kind.SERVICE) for i in range(n)]
    deps = [Dependency(source=f"s{i}", target=f"s{(i + 1) % n}") for i in range(n)]
    deps.append(Dependency(source="s0", target="r"))
    return Graph.from_model(Model.build(comps, deps))


def test_a_long_chain_gives_the_whole_critical_chain_quickly() -> None:
    n = 6000
    g = _chain(n)
    t0 = time.perf_counter()
    p = plan(g, propagate(g, Scenario(failures=(Failure("c0"),))))
    assert time.perf_counter() - t0 < 20  # a tuple per hop took minutes and gigabytes
    (bs,) = p.business_services
    assert bs.critical_chain == [f"c{i}" for i in range(n)] + ["bs"]


def test_two_services_on_one_chain_share_its_tail() -> None:
    g = _chain(50)
    p = plan(g, propagate(g, Scenario(failures=(Failure("c0"),))))
    assert p.business_services[0].critical_chain[:3] == ["c0", "c1", "c2"]


def test_a_big_cycle_goes_down_at_once_with_causes_round_the_ring() -> None:
    n = 3000
    g = _ring(n)
    t0 = time.perf_counter()
    imp = propagate(g, Scenario(failures=(Failure("r", duration=600),)))
    assert time.perf_counter() - t0 < 20  # Kleene passes over the whole ring: minutes
    assert len(imp.timelines) == n + 1
    s0 = imp.timelines["s0"]
    assert [(iv.state.value, iv.start, iv.end) for iv in s0] == [("DOWN", 0, 600)]
    assert s0[0].cause.via == "r"
    assert imp.timelines["s5"][0].cause.via == "s6"
    assert imp.timelines[f"s{n - 1}"][0].cause.via == "s0"


def test_a_huge_crew_count_plans_as_many_crews_as_steps() -> None:
    g = _chain(200)
    imp = propagate(g, Scenario(failures=(Failure("c0"),)))
    t0 = time.perf_counter()
    huge = plan(g, imp, Capacity(total=100_000_000))
    assert time.perf_counter() - t0 < 10
    same = plan(g, imp, Capacity(total=201))  # 201 steps
    assert huge.steps == same.steps
    assert huge.as_dict() == same.as_dict()
    assert huge.crews is not None and len(huge.crews) == 100_000_000
    assert huge.crews[0] == "team-1" and huge.crews[-1] == "team-100000000"
    teams = plan(g, imp, Capacity(teams={"ops": 10**9, "*": 10**9}))
    assert {s.team for s in teams.steps} == {"ops-1"}


def test_crew_labels_are_those_of_the_full_list() -> None:
    cap = Capacity.parse("dba=3,net=1,*=2")
    assert list(cap.labels()) == cap.crew_labels()
    assert cap.labels() == cap.crew_labels()
    assert cap.crews(limit=1) == [("dba-1", "dba"), ("net", "net"), ("any-1", None)]


def test_a_group_of_many_members_propagates_in_one_pass() -> None:
    n = 5000
    comps = [Component(id="site", kind=Kind.SITE)]
    comps += [Component(id=f"m{i}", kind=Kind.SERVICE) for i in range(n)]
    members = tuple(Member(id=f"m{i}") for i in range(n))
    comps.append(Component(id="g", kind=Kind.GROUP, min_up=1, members=members))
    deps = [Dependency(source=f"m{i}", target="site") for i in range(n)]
    g = Graph.from_model(Model.build(comps, deps))
    t0 = time.perf_counter()
    imp = propagate(g, Scenario(failures=(Failure("site"),)))
    assert time.perf_counter() - t0 < 10
    assert imp.timelines["g"][0].state.value == "DOWN"


def test_the_check_table_shows_a_bounded_number_of_rows() -> None:
    findings = [
        Finding("warning", "missing-recovery-time", f"m{i}", "no recovery_time")
        for i in range(TABLE_ROWS + 5)
    ]
    out = io.StringIO()
    print_findings(Console(file=out, width=120), findings)
    text = out.getvalue()
    assert f"m{TABLE_ROWS - 1} " in text and f"m{TABLE_ROWS} " not in text
    assert "… and 5 more" in text
    assert f"0 finding(s), {TABLE_ROWS + 5} warning(s)" in text
