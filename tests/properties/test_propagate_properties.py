"""``propagate`` against the brute-force reference, and properties SPEC §3 promises.

Properties that follow from the SPEC alone (monotonicity without groups, cycles never
sustaining an outage) are checked on the reference too, so the reference is itself tested.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from impactgraph.engine import _kernel
from impactgraph.engine.impact import Impact, Interval, Rule, State
from impactgraph.engine.propagate import propagate as engine_propagate
from impactgraph.engine.scenario import Failure, Scenario
from impactgraph.graph import Graph
from impactgraph.model import Component, Dependency, Kind, Member, MemberMode, Model, Strength

from .reference import RefInterval, reference_timelines
from .strategies import SMALL, Case, cases, models, scenarios

Timelines = dict[str, list[RefInterval]]
Propagate = Callable[[Graph, Scenario], Impact]

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SOME = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def propagate() -> Propagate:
    return engine_propagate


def engine_timelines(propagate: Propagate, model: Model, scenario: Scenario) -> Timelines:
    impact = propagate(Graph.from_model(model), scenario)
    return {
        cid: [(iv.state.value, iv.start, iv.end) for iv in ivs]
        for cid, ivs in impact.timelines.items()
    }


def state_at(timelines: Timelines, cid: str, t: int) -> str:
    for state, start, end in timelines.get(cid, ()):
        if start <= t and (end is None or t < end):
            return state
    return "UP"


def boundaries(*answers: Timelines) -> list[int]:
    """Every moment a state may change in any of the answers (states are constant between)."""
    out = {0}
    for answer in answers:
        for ivs in answer.values():
            for _, start, end in ivs:
                out.add(start)
                if end is not None:
                    out.add(end)
    return sorted(out)


# ---- the main equality ------------------------------------------------------------------


@FAST
@given(cases())
def test_propagate_equals_the_reference(propagate: Propagate, case: Case) -> None:
    note(case.as_yaml())
    want = reference_timelines(case.model, case.scenario)
    note(f"reference: {want}")
    assert engine_timelines(propagate, case.model, case.scenario) == want


@SOME
@given(cases())
def test_counted_groups_equal_the_reference_and_the_scanned_ones(
    propagate: Propagate, case: Case
) -> None:
    """Groups above ``BIG_GROUP`` members keep counts instead of scanning their members; with
    the threshold at 0 every group of these small models takes that path."""
    note(case.as_yaml())
    scanned = propagate(Graph.from_model(case.model), case.scenario).as_dict()
    saved, saved_jit = _kernel.BIG_GROUP, os.environ.get("IMPACTGRAPH_JIT")
    os.environ["IMPACTGRAPH_JIT"] = "0"  # the threshold is read at run time only when interpreted
    try:
        _kernel.BIG_GROUP = 0
        counted = propagate(Graph.from_model(case.model), case.scenario)
    finally:
        _kernel.BIG_GROUP = saved
        if saved_jit is None:
            os.environ.pop("IMPACTGRAPH_JIT")
        else:
            os.environ["IMPACTGRAPH_JIT"] = saved_jit
    assert counted.as_dict() == scanned
    want = reference_timelines(case.model, case.scenario)
    got = {
        cid: [(iv.state.value, iv.start, iv.end) for iv in ivs]
        for cid, ivs in counted.timelines.items()
    }
    assert got == want


# ---- causes -------------------------------------------------------------------------------


def _window_holds(impact: Impact, via: str, start: int, tolerance: int, ok: set[State]) -> bool:
    """``via`` is in one of ``ok`` at every moment of ``[start − tolerance, start]``."""
    return all(
        (impact.state_at(via, s) if s >= 0 else State.UP) in ok
        for s in range(start - tolerance, start + 1)
    )


def _cause_is_sound(impact: Impact, model: Model, cid: str, iv: Interval) -> bool:
    cause = iv.cause
    if cause.rule is Rule.FAILED:
        return iv.state is State.DOWN and any(
            f.target == cid
            and f.at <= iv.start
            and (f.duration is None or iv.start < f.at + f.duration)
            for f in impact.scenario.failures
        )
    if cause.via is None:
        return False
    if cause.rule is Rule.GROUP:
        members = {m.id for m in model.component(cid).members}
        return cause.via in members and impact.state_at(cause.via, iv.start) is not State.UP
    hard = cause.rule is Rule.HARD
    if hard:
        ok = {State.DOWN} if iv.state is State.DOWN else {State.DOWN, State.DEGRADED}
    elif iv.state is State.DEGRADED:
        ok = {State.DOWN}
    else:
        return False  # a soft dependency never puts anything DOWN
    return any(
        d.source == cid
        and d.target == cause.via
        and (d.strength is Strength.HARD) == hard
        and _window_holds(impact, cause.via, iv.start, d.tolerance, ok)
        for d in model.dependencies
    )


@SOME
@given(cases())
def test_every_cause_is_a_dependency_that_was_down_when_it_struck(
    propagate: Propagate, case: Case
) -> None:
    note(case.as_yaml())
    impact = propagate(Graph.from_model(case.model), case.scenario)
    for cid, ivs in impact.timelines.items():
        for iv in ivs:
            assert _cause_is_sound(impact, case.model, cid, iv), (cid, iv)


# ---- properties of SPEC §3, on the reference and on the engine ------------------------------


def _answer(which: str, request: pytest.FixtureRequest) -> Callable[[Model, Scenario], Timelines]:
    if which == "reference":
        return reference_timelines
    propagate: Propagate = request.getfixturevalue("propagate")
    return lambda model, scenario: engine_timelines(propagate, model, scenario)


IMPLEMENTATIONS = pytest.mark.parametrize("which", ["reference", "engine"])


@IMPLEMENTATIONS
@SOME
@given(data=st.data())
def test_adding_a_failure_never_brings_anything_back_without_groups(
    which: str, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    answer = _answer(which, request)
    model = data.draw(models(groups=False))
    before = data.draw(scenarios(model, max_failures=2))
    extra = data.draw(scenarios(model, max_failures=1))
    after = Scenario(failures=before.failures + extra.failures)
    note(Case(model, after).as_yaml())
    less, more = answer(model, before), answer(model, after)
    rank = {"UP": 0, "DEGRADED": 1, "DOWN": 2}
    for t in boundaries(less, more):
        for c in model.components:
            assert rank[state_at(more, c.id, t)] >= rank[state_at(less, c.id, t)], (c.id, t)


@IMPLEMENTATIONS
@SOME
@given(case=cases(infinite=False))
def test_nothing_outlasts_the_last_failure(
    which: str, request: pytest.FixtureRequest, case: Case
) -> None:
    """Cycles never sustain an outage: once every failure has ended, everything is UP."""
    note(case.as_yaml())
    last = max(f.at + (f.duration or 0) for f in case.scenario.failures)
    for cid, ivs in _answer(which, request)(case.model, case.scenario).items():
        for _, _, end in ivs:
            assert end is not None and end <= last, (cid, ivs)


@IMPLEMENTATIONS
@SOME
@given(case=cases(), shift=SMALL)
def test_shifting_every_failure_shifts_every_timeline(
    which: str, request: pytest.FixtureRequest, case: Case, shift: int
) -> None:
    """Nothing happens before the first failure; the rules do not depend on the clock."""
    note(case.as_yaml())
    answer = _answer(which, request)
    later = Scenario(
        failures=tuple(Failure(f.target, f.at + shift, f.duration) for f in case.scenario.failures)
    )
    moved = {
        cid: [(s, a + shift, None if b is None else b + shift) for s, a, b in ivs]
        for cid, ivs in answer(case.model, case.scenario).items()
    }
    assert answer(case.model, later) == moved


# ---- the readings of SPEC §3 that reference.py documents, as examples -----------------------


def _standby_model(*, actives: int, min_up: int) -> Model:
    """Group ``g`` of ``actives`` active members ``a0…`` and standby ``s`` (activation 3s)."""
    members = [Member(id=f"a{i}") for i in range(actives)]
    members.append(Member(id="s", mode=MemberMode.STANDBY, activation="3s"))
    comps = [Component(id=m.id, kind=Kind.SERVICE) for m in members]
    comps.append(Component(id="g", kind=Kind.GROUP, min_up=min_up, members=tuple(members)))
    comps.append(Component(id="x", kind=Kind.INFRASTRUCTURE))
    comps.append(Component(id="y", kind=Kind.INFRASTRUCTURE))
    deps = [
        Dependency(source="s", target="x", strength=Strength.SOFT),
        Dependency(source="s", target="y"),
    ]
    return Model.build(comps, deps)


def _instant_model() -> Model:
    """Like :func:`_standby_model`, but ``y`` (which ``s`` needs) needs ``z`` and comes later."""
    base = _standby_model(actives=1, min_up=1)
    comps = [*base.components, Component(id="z", kind=Kind.INFRASTRUCTURE)]
    return Model.build(comps, [*base.dependencies, Dependency(source="y", target="z")])


READINGS = [
    pytest.param(
        _standby_model(actives=1, min_up=1),
        [Failure("a0", 0, 2)],
        {"a0": [("DOWN", 0, 2)], "g": [("DOWN", 0, 2)]},
        id="active-back-before-activation",
    ),
    pytest.param(
        _standby_model(actives=1, min_up=1),
        [Failure("a0", 0, None)],
        {"a0": [("DOWN", 0, None)], "g": [("DOWN", 0, 3), ("DEGRADED", 3, None)]},
        id="failover-after-activation",
    ),
    pytest.param(
        # t* stays at 0 after a0 is back, so s counts from 3s: DEGRADED s makes g DEGRADED,
        # DOWN s just stops counting and leaves g UP (rule 4 is not monotone here).
        _standby_model(actives=1, min_up=1),
        [Failure("a0", 0, 1), Failure("x", 4, 2), Failure("y", 5, None)],
        {
            "a0": [("DOWN", 0, 1)],
            "g": [("DOWN", 0, 1), ("DEGRADED", 4, 5)],
            "x": [("DOWN", 4, 6)],
            "y": [("DOWN", 5, None)],
            "s": [("DEGRADED", 4, 5), ("DOWN", 5, None)],
        },
        id="counting-standby-degraded-then-down",
    ),
    pytest.param(
        # the same within one instant: s is DEGRADED (via x) by the time g is first looked at,
        # and DOWN (via y via z) by the end; the answer must not keep g's transient DEGRADED
        _instant_model(),
        [Failure("a0", 0, 1), Failure("x", 4, None), Failure("z", 4, None)],
        {
            "a0": [("DOWN", 0, 1)],
            "g": [("DOWN", 0, 1)],
            "s": [("DOWN", 4, None)],
            "y": [("DOWN", 4, None)],
            "x": [("DOWN", 4, None)],
            "z": [("DOWN", 4, None)],
        },
        id="standby-degraded-then-down-in-one-instant",
    ),
]


@IMPLEMENTATIONS
@pytest.mark.parametrize(("model", "failures", "want"), READINGS)
def test_readings_of_rule_4(
    which: str,
    request: pytest.FixtureRequest,
    model: Model,
    failures: list[Failure],
    want: Timelines,
) -> None:
    assert _answer(which, request)(model, Scenario(failures=tuple(failures))) == want
