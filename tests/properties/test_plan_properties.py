"""SPEC §4 properties of recovery plans on random estates (DAGs and graphs with cycles).

Each property is checked against a small reference written from the SPEC, not from the
planner: when a step may start (its onset, its hard DOWN dependencies back, a DOWN group back
once ``min_up`` members count again), how many crews are busy at a moment, and so on.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from impactgraph.engine.impact import Impact, State
from impactgraph.engine.plan import Capacity, Plan, Step, plan
from impactgraph.engine.propagate import propagate
from impactgraph.engine.scenario import Failure, Scenario
from impactgraph.graph import Graph
from impactgraph.model import Component, Dependency, Kind, Member, Model, Strength

DURATIONS = st.sampled_from([None, 0, 600, 1800, 3600])


@dataclass
class Case:
    model: Model
    graph: Graph
    impact: Impact

    def __repr__(self) -> str:
        m = self.model
        comps = [c.model_dump(exclude_defaults=True) for c in m.components]
        deps = [d.model_dump(exclude_defaults=True) for d in m.dependencies]
        tl = {
            k: [(i.state.value, i.start, i.end, i.cause.rule.value, i.cause.via) for i in v]
            for k, v in self.impact.timelines.items()
        }
        return f"Case(components={comps}, deps={deps}, failures={self.impact.failures}, {tl=})"


@st.composite
def cases(draw: st.DrawFn, cyclic: bool) -> Case:
    n = draw(st.integers(2, 10))
    comps: list[Component] = []
    for i in range(n):
        kind = draw(st.sampled_from([Kind.SERVICE, Kind.SERVICE, Kind.BUSINESS_SERVICE]))
        comps.append(
            Component(
                id=f"c{i}",
                kind=kind,
                recovery_time=draw(DURATIONS),
                restart_time=draw(DURATIONS),
                rto=draw(st.sampled_from([None, 1800, 7200])),
                tier=draw(st.sampled_from([None, 1, 2, 3])),
                team=draw(st.sampled_from([None, "a", "b"])),
                impact_per_hour=draw(st.sampled_from([None, 100.0])),
            )
        )
    deps: list[Dependency] = []
    seen: set[tuple[int, int]] = set()
    for _ in range(draw(st.integers(0, 2 * n))):
        a, b = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        if a == b or (a, b) in seen or (not cyclic and b >= a):
            continue
        seen.add((a, b))
        deps.append(
            Dependency(
                source=f"c{a}",
                target=f"c{b}",
                strength=draw(st.sampled_from([Strength.HARD, Strength.HARD, Strength.SOFT])),
                tolerance=draw(st.sampled_from([0, 0, 600])),
            )
        )
    if draw(st.booleans()):  # a pool of active members, needed by a later component
        members = sorted(draw(st.sets(st.integers(0, n - 1), min_size=1, max_size=3)))
        k = draw(st.integers(1, len(members)))
        comps.append(
            Component(
                id="pool",
                kind=Kind.GROUP,
                min_up=k,
                members=tuple(Member(id=f"c{m}") for m in members),
            )
        )
        users = [a for a in range(n) if cyclic or a > max(members)]
        for a in draw(st.sets(st.sampled_from(users), max_size=2)) if users else ():
            deps.append(Dependency(source=f"c{a}", target="pool"))
    failed = draw(st.sets(st.integers(0, n - 1), min_size=1, max_size=3))
    failures = tuple(
        Failure(
            f"c{f}",
            at=draw(st.sampled_from([0, 600])),
            duration=draw(st.sampled_from([None, None, 3600])),
        )
        for f in sorted(failed)
    )
    model = Model.build(comps, deps)
    graph = Graph.from_model(model)
    return Case(model, graph, propagate(graph, Scenario(failures=failures)))


# ---- a reference for "when may a step start", from SPEC §4 rule 1 -------------------------


def _last(impact: Impact, cid: str) -> tuple[str, int, int | None] | None:
    ivs = impact.timelines.get(cid)
    return (ivs[-1].state.value, ivs[-1].start, ivs[-1].end) if ivs else None


def _down_forever(impact: Impact, cid: str) -> bool:
    last = _last(impact, cid)
    return last is not None and last[0] == "DOWN" and last[2] is None


def _end_of_down(impact: Impact, cid: str) -> int:
    ends = [iv.end for iv in impact.timelines.get(cid, []) if iv.state is State.DOWN]
    return max([e for e in ends if e is not None], default=0)


def back_at(case: Case, p: Plan, cid: str) -> int:
    """When a component no longer blocks what needs it, in plan ``p``."""
    g, impact = case.graph, case.impact
    if not _down_forever(impact, cid):
        return _end_of_down(impact, cid)
    step = p.step_of(cid)
    if step is not None:
        return step.finish
    c = case.model.component(cid)
    assert c is not None and c.kind is Kind.GROUP
    counts = sorted(back_at(case, p, m.id) for m in c.members)
    deps = [back_at(case, p, g.ids[d]) for d in _hard_deps(g, cid)]
    return max([counts[(c.min_up or 1) - 1], *deps])


def _hard_deps(g: Graph, cid: str) -> list[int]:
    v = g.index[cid]
    return [
        int(g.dependencies.idx[e])
        for e in range(g.dependencies.ptr[v], g.dependencies.ptr[v + 1])
        if g.dependencies.hard[e]
    ]


def _reach(case: Case, start: set[str]) -> set[str]:
    """Components DOWN until ∞ reachable from ``start`` through hard dependencies and members."""
    g, impact = case.graph, case.impact
    todo, seen = list(start), set(start)
    while todo:
        v = todo.pop()
        nxt = [g.ids[d] for d in _hard_deps(g, v)] + [g.ids[m] for m in g.members_of(g.index[v])]
        for w in nxt:
            if w not in seen and _down_forever(impact, w):
                seen.add(w)
                todo.append(w)
    return seen


def cycle_of(case: Case, step: Step) -> set[str]:
    """The step's components and every DOWN component in a dependency cycle with them."""
    below = _reach(case, set(step.components))
    return {x for x in below if x in step.components or _reach(case, {x}) & set(step.components)}


def ready_at(case: Case, p: Plan, step: Step) -> int:
    """The earliest start rule 1 allows, given when everything below is back in ``p``.

    What is in a cycle with the step comes back with it; a group in the cycle that has fewer
    than ``min_up`` members in it waits for its other members (docs/recovery.md).
    """
    g, impact = case.graph, case.impact
    cycle = cycle_of(case, step)
    t = max(impact.timelines[c][-1].start for c in step.components)
    for x in cycle:
        for d in _hard_deps(g, x):
            if g.ids[d] not in cycle:
                t = max(t, back_at(case, p, g.ids[d]))
        if g.kind_of(g.index[x]) is Kind.GROUP and len(cycle) > 1:
            comp = case.model.component(x)
            assert comp is not None
            inside = [m.id for m in comp.members if m.id in cycle]
            if len(inside) < (comp.min_up or 1):
                for m in comp.members:
                    if m.id not in cycle:
                        t = max(t, back_at(case, p, m.id))
    return t


PROFILE = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROFILE
@given(st.booleans().flatmap(cases))
def test_every_step_waits_for_its_hard_down_dependencies(case: Case) -> None:
    for capacity in (None, Capacity(total=1), Capacity(total=2)):
        p = plan(case.graph, case.impact, capacity)
        for s in p.steps:
            assert s.start >= ready_at(case, p, s)
            assert s.finish >= s.start


@PROFILE
@given(st.booleans().flatmap(cases))
def test_unlimited_starts_at_the_critical_path_earliest_time(case: Case) -> None:
    p = plan(case.graph, case.impact)
    for s in p.steps:
        assert s.start == ready_at(case, p, s)
    # and as many crews as steps changes nothing
    crowd = plan(case.graph, case.impact, Capacity(total=max(1, len(p.steps))))
    assert [(s.components, s.start, s.finish) for s in crowd.steps] == [
        (s.components, s.start, s.finish) for s in p.steps
    ]


def _busy(p: Plan, t: int) -> list[Step]:
    return [s for s in p.steps if s.start <= t < s.finish]


@PROFILE
@given(st.booleans().flatmap(cases), st.integers(1, 3))
def test_n_crews_run_at_most_n_steps_and_never_idle_while_work_waits(case: Case, n: int) -> None:
    p = plan(case.graph, case.impact, Capacity(total=n))
    moments = sorted({s.start for s in p.steps} | {s.finish for s in p.steps})
    for t in moments:
        busy = _busy(p, t)
        assert len(busy) <= n
        assert len({s.team for s in busy}) == len(busy)  # a crew does one thing at a time
    for s in p.steps:
        ready = ready_at(case, p, s)
        for t in [ready, *(x.finish for x in p.steps if ready < x.finish < s.start)]:
            if t < s.start:
                assert len(_busy(p, t)) == n, (s, t)


@PROFILE
@given(st.booleans().flatmap(cases))
def test_per_team_crews_take_only_their_own_or_unowned_steps(case: Case) -> None:
    p = plan(case.graph, case.impact, Capacity(teams={"a": 1, "b": 1}))
    for s in p.steps:
        assert s.team in ("a", "b")
        if s.owner in ("a", "b"):
            assert s.team == s.owner
    for t in sorted({s.start for s in p.steps}):
        busy = _busy(p, t)
        assert len({s.team for s in busy}) == len(busy)


@PROFILE
@given(st.booleans().flatmap(cases))
def test_business_service_recovered_at_is_the_finish_of_its_last_needed_step(case: Case) -> None:
    for capacity in (None, Capacity(total=1)):
        p = plan(case.graph, case.impact, capacity)
        for b in p.business_services:
            step = p.step_of(b.id)
            if step is not None:
                assert b.recovered_at == step.finish
                assert step.finish >= ready_at(case, p, step)
            else:  # an outage that ended on its own: its end comes from the timeline
                assert b.recovered_at == _end_of_down(case.impact, b.id)
            assert b.up_at >= b.recovered_at
            if b.rto is not None:
                assert b.breach == max(0, b.recovered_at - (b.onset + b.rto))
            assert b.critical_chain[-1] == b.id


@PROFILE
@given(cases(cyclic=True))
def test_only_components_down_forever_get_exactly_one_step(case: Case) -> None:
    p = plan(case.graph, case.impact)
    stepped = [c for s in p.steps for c in s.components]
    assert len(stepped) == len(set(stepped))
    expected = {
        cid
        for cid in case.impact.timelines
        if _down_forever(case.impact, cid)
        and case.graph.kind_of(case.graph.index[cid]) is not Kind.GROUP
    }
    assert set(stepped) == expected
    for s in p.steps:
        if s.action == "bootstrap":  # a cycle (perhaps through a group), named in a warning
            assert any("bootstrap" in w and all(c in w for c in s.components) for w in p.warnings)
