"""The recovery planner against the brute-force reference of ``plan_reference.py``.

Random models of 3–10 components (durations in whole minutes, so every time is exact):
zero-length steps, cycles through groups, standbys with activation, groups with dependencies
of their own, missing tiers, RTOs and recovery times, soft dependencies, tolerances, finite and
infinite failures. Each is propagated, planned, and compared with the reference at unlimited
capacity, with 1–3 crews, and with crews per team: which steps there are, their start, finish,
wave, deadline and crew, and the business services' recovered_at and breach. No number in an
answer may be the planner's internal "never" (2**62). The same models also tie the compiled
kernels to the interpreted ones.

``PLAN_REFERENCE_EXAMPLES`` (default 300) sets the examples per test; the number of models
tried is written at the end of the run.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from impactgraph.engine.plan import Capacity, plan
from impactgraph.engine.propagate import propagate
from impactgraph.engine.scenario import Failure, Scenario
from impactgraph.graph import Graph
from impactgraph.model import Component, Dependency, Kind, Member, MemberMode, Model, Strength

from .plan_reference import leaks, reference_plan
from .strategies import Case

EXAMPLES = int(os.environ.get("PLAN_REFERENCE_EXAMPLES", "300"))
PROFILE = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TRIED: Counter[str] = Counter()

M = 60
PLAIN = [Kind.SERVICE, Kind.INFRASTRUCTURE, Kind.BUSINESS_SERVICE]
RECOVERY = st.sampled_from([None, 0, 0, 10 * M, 20 * M, 30 * M])
RESTART = st.sampled_from([None, 0, 0, 5 * M, 10 * M])
RTO = st.sampled_from([None, 10 * M, 30 * M, 60 * M])


@pytest.fixture(scope="module", autouse=True)
def _report(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    plugins = request.config.pluginmanager
    reporter = plugins.get_plugin("terminalreporter")
    capture = plugins.get_plugin("capturemanager")
    line = ", ".join(f"{k}: {v}" for k, v in sorted(TRIED.items()))
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():  # else the line is captured and lost
            reporter.write_line(f"\nplan reference: models tried per test: {line}")


@st.composite
def cases(draw: st.DrawFn) -> Case:
    n = draw(st.integers(3, 10))
    n_groups = draw(st.integers(0, min(2, n - 2)))
    plain = [f"c{i}" for i in range(n - n_groups)]
    groups = [f"g{i}" for i in range(n_groups)]
    comps = [
        Component(
            id=cid,
            kind=draw(st.sampled_from(PLAIN)),
            recovery_time=draw(RECOVERY),
            restart_time=draw(RESTART),
            rto=draw(RTO),
            tier=draw(st.sampled_from([None, 1, 2, 3])),
            impact_per_hour=draw(st.sampled_from([None, 0.0, 100.0, 500.0])),
            team=draw(st.sampled_from([None, "a", "b"])),
        )
        for cid in plain
    ]
    deps: list[Dependency] = []
    for gid in groups:
        chosen = draw(st.lists(st.sampled_from(plain), min_size=1, max_size=3, unique=True))
        standby = [False, *(draw(st.booleans()) for _ in chosen[1:])]
        members = tuple(
            Member(id=m, mode=MemberMode.STANDBY, activation=draw(st.sampled_from([0, 5, 20])) * M)
            if sb
            else Member(id=m)
            for m, sb in zip(chosen, standby, strict=True)
        )
        min_up = draw(st.integers(1, standby.count(False)))
        comps.append(
            Component(id=gid, kind=Kind.GROUP, min_up=min_up, members=members, rto=draw(RTO))
        )
        cycle = draw(st.sampled_from(["member", "user", "user", None]))
        if cycle == "member":  # a cycle through the group: one of its members needs it
            deps.append(Dependency(source=draw(st.sampled_from(chosen)), target=gid))
        elif cycle == "user":  # or the group needs something that needs the group
            user = draw(st.sampled_from(plain))
            deps.append(Dependency(source=user, target=gid))
            if user not in chosen:
                deps.append(Dependency(source=gid, target=user))
    ids = plain + groups
    edge = st.tuples(
        st.sampled_from(ids),
        st.sampled_from(ids),
        st.sampled_from([Strength.HARD, Strength.HARD, Strength.HARD, Strength.SOFT]),
        st.sampled_from([0, 0, 0, 5 * M]),
        st.sampled_from([True, True, True, False]),
    )
    seen = {(d.source, d.target) for d in deps}
    for a, b, strength, tolerance, downward in draw(st.lists(edge, min_size=n - 1, max_size=3 * n)):
        if downward and ids.index(a) < ids.index(b):  # mostly chains towards c0: deep plans
            a, b = b, a
        if a != b and (a, b) not in seen:
            seen.add((a, b))
            deps.append(Dependency(source=a, target=b, strength=strength, tolerance=tolerance))
    low = st.sampled_from(plain[: max(2, len(plain) // 2)])
    failed = draw(st.lists(st.one_of(low, st.sampled_from(plain)), min_size=1, max_size=3))
    failed = sorted(set(failed))
    failures = tuple(
        Failure(
            f,
            at=draw(st.sampled_from([0, 0, 5 * M, 10 * M])),
            duration=draw(st.sampled_from([None, None, None, 5 * M, 20 * M])),
        )
        for f in failed
    )
    return Case(Model.build(comps, deps), Scenario(failures=failures))


def differences(case: Case, capacity: Capacity | None) -> list[str]:
    """Where the planner and the reference disagree on this case (empty: nowhere)."""
    model = case.model
    graph = Graph.from_model(model)
    impact = propagate(graph, case.scenario)
    got = plan(graph, impact, capacity)
    want = reference_plan(model, impact, capacity)
    note(f"reference: {want}")
    note(f"planner: {got.as_dict()}")
    out = [f"leak {x}" for x in leaks(got.as_dict())]
    out += [f"never {s['components']}" for s in want["steps"] if s["start"] is None]
    ref_steps = {frozenset(s["components"]): s for s in want["steps"]}
    got_steps = {frozenset(s.components): s for s in got.steps}
    if set(got_steps) != set(ref_steps):
        return [*out, f"steps {sorted(map(sorted, got_steps))} != {sorted(map(sorted, ref_steps))}"]
    for key, s in sorted(got_steps.items(), key=lambda kv: sorted(kv[0])):
        r = ref_steps[key]
        mine = {
            "action": s.action,
            "start": s.start,
            "finish": s.finish,
            "wave": s.wave,
            "deadline": s.deadline,
            "team": s.team,
        }
        out += [f"{k} {sorted(key)}: {v} != {r[k]}" for k, v in mine.items() if v != r[k]]
    services = {b.id: b for b in got.business_services}
    if set(services) != set(want["business_services"]):
        return [*out, f"services {sorted(services)} != {sorted(want['business_services'])}"]
    for bid, b in sorted(services.items()):
        r = want["business_services"][bid]
        for k in ("onset", "recovered_at", "breach"):
            if getattr(b, k) != r[k]:
                out.append(f"service {k} {bid}: {getattr(b, k)} != {r[k]}")
    return out


def compare(case: Case, capacity: Capacity | None) -> None:
    """Assert that the planner gives the reference's plan for this case and capacity."""
    note(case.as_yaml())
    note(f"capacity: {capacity}")
    diff = differences(case, capacity)
    assert not diff, diff


def _count(name: str) -> None:
    TRIED[name] += 1


@PROFILE
@given(cases())
def test_unlimited_capacity_matches_the_reference(case: Case) -> None:
    _count("unlimited")
    compare(case, None)


@PROFILE
@given(cases(), st.integers(1, 3))
def test_n_crews_match_the_reference(case: Case, n: int) -> None:
    _count("crews")
    compare(case, Capacity(total=n))


@PROFILE
@given(cases(), st.sampled_from([{"a": 1, "b": 1}, {"a": 2, "*": 1}, {"b": 1}]))
def test_crews_per_team_match_the_reference(case: Case, teams: dict[str, int]) -> None:
    _count("teams")
    compare(case, Capacity(teams=teams))


CAPACITIES = (None, Capacity(total=1), Capacity(total=3), Capacity(teams={"a": 1, "*": 1}))


@contextmanager
def _jit(flag: str) -> Iterator[None]:
    old = os.environ.get("IMPACTGRAPH_JIT")
    os.environ["IMPACTGRAPH_JIT"] = flag
    try:
        yield
    finally:
        if old is None:
            del os.environ["IMPACTGRAPH_JIT"]
        else:
            os.environ["IMPACTGRAPH_JIT"] = old


@settings(PROFILE, max_examples=max(1, EXAMPLES // 3))
@given(cases())
def test_compiled_kernels_give_the_interpreted_plan(case: Case) -> None:
    # zero-length steps, cycles through groups and standbys: the event loop's corners
    _count("compiled")
    graph = Graph.from_model(case.model)
    impact = propagate(graph, case.scenario)
    plans = {}
    for flag in ("0", "1"):
        with _jit(flag):
            plans[flag] = [plan(graph, impact, c).as_dict() for c in CAPACITIES]
    assert plans["1"] == plans["0"]
