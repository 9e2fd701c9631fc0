"""The two reproductions of issue 14, with the plans SPEC §4 and docs/recovery.md expect.

1. A step unblocked by a zero-length step competes at that instant (it does not lose its
   place to a step that was ready before).
2. A cycle through a group with fewer than ``min_up`` of its members in the cycle waits for
   the other members only to the end of their outage, never for a standby's failover.

No time in an answer may be an internal "never" (2**62 s): should the planner ever find no
time for a step, it is an internal error, not a number.

Found on the way, with the same rules: a member of such a group that is DOWN until ∞ is waited
for to its step's finish (no failover delay either); a cycle of groups only is back without a
crew; a bootstrap belongs to the one team its components name (none when they name several).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

import impactgraph.engine.plan as plan_module
from impactgraph.engine._jit import INF
from impactgraph.engine.plan import Capacity, Plan, plan
from impactgraph.engine.propagate import propagate
from impactgraph.engine.scenario import Failure, Scenario
from impactgraph.errors import InternalError
from impactgraph.graph import Graph
from impactgraph.modelfile import parse_model_text
from properties.plan_reference import leaks

M = 60
H = 60 * M


def _plan(text: str, failures: list[Failure], capacity: Capacity | None = None) -> Plan:
    model = parse_model_text(text)
    graph = Graph.from_model(model)
    p = plan(graph, propagate(graph, Scenario(failures=tuple(failures))), capacity)
    assert not leaks(p.as_dict()), p.as_dict()
    return p


def _times(p: Plan) -> dict[str, tuple[str, int, int]]:
    return {c: (s.action, s.start, s.finish) for s in p.steps for c in s.components}


def _service(p: Plan, sid: str) -> tuple[int, int | None]:
    (b,) = [b for b in p.business_services if b.id == sid]
    return b.recovered_at, b.breach


ZERO_LENGTH = """
version: 1
components:
  - {id: a, kind: infrastructure, recovery_time: 0m}
  - {id: b, kind: business_service, recovery_time: 30m, rto: 50m}
  - {id: c, kind: business_service, restart_time: 30m, rto: 20m, needs: [a]}
  - {id: d, kind: business_service, restart_time: 30m, rto: 25m, needs: [a]}
"""


def test_steps_unblocked_by_a_zero_length_step_compete_at_that_instant() -> None:
    p = _plan(ZERO_LENGTH, [Failure("a"), Failure("b")], Capacity.parse("2"))
    assert _times(p) == {
        "a": ("restore", 0, 0),
        "c": ("restart", 0, 30 * M),
        "d": ("restart", 0, 30 * M),
        "b": ("restore", 30 * M, 60 * M),
    }
    by = {s.components[0]: s for s in p.steps}
    assert {by["c"].team, by["d"].team} == {"team-1", "team-2"}
    assert by["b"].deadline == 50 * M and by["d"].deadline == 25 * M
    assert _service(p, "c") == (30 * M, 10 * M)
    assert _service(p, "d") == (30 * M, 5 * M)
    assert _service(p, "b") == (60 * M, 10 * M)


def test_zero_length_chains_settle_before_anyone_chooses() -> None:
    chain = ZERO_LENGTH.replace("needs: [a]}", "needs: [e]}") + (
        "  - {id: e, kind: service, restart_time: 0m, needs: [a]}\n"
    )
    p = _plan(chain, [Failure("a"), Failure("b")], Capacity.parse("2"))
    times = _times(p)
    assert times["c"][1:] == (0, 30 * M)
    assert times["d"][1:] == (0, 30 * M)
    assert times["b"][1:] == (30 * M, 60 * M)


CYCLE_THROUGH_POOL = """
version: 1
components:
  - {id: app, kind: business_service, rto: 1h, recovery_time: 10m, needs: [pool]}
  - {id: a, kind: service}
  - {id: s, kind: service}
  - {id: pool, kind: group, min_up: 1, needs: [app],
     members: [a, {id: s, mode: standby, activation: 10m}]}
"""


def test_a_cycle_through_a_group_does_not_wait_for_a_failover_never_triggered() -> None:
    for capacity in (None, Capacity.parse("1")):
        p = _plan(CYCLE_THROUGH_POOL, [Failure("app")], capacity)
        assert _times(p) == {"app": ("bootstrap", 0, 10 * M)}
        assert _service(p, "app") == (10 * M, 0)
        assert p.totals.makespan == 10 * M
        assert p.totals.breaches == 0
        assert any("bootstrap" in w and "app" in w for w in p.warnings)


FINITE_VARIANT = """
version: 1
components:
  - {id: app, kind: business_service, rto: 1h, restart_time: 5m, needs: [f, pool]}
  - {id: f, kind: service, recovery_time: 10m}
  - {id: s, kind: service}
  - {id: pool, kind: group, min_up: 2,
     members: [f, app, {id: s, mode: standby, activation: 20m}]}
"""


def test_a_cycle_through_a_group_waits_for_other_members_only_to_their_return() -> None:
    for capacity in (None, Capacity.parse("1")):
        p = _plan(FINITE_VARIANT, [Failure("f")], capacity)
        assert _times(p) == {"f": ("restore", 0, 10 * M), "app": ("bootstrap", 10 * M, 15 * M)}
        assert _service(p, "app") == (15 * M, 0)


STANDBY_DOWN_FOREVER = """
version: 1
components:
  - {id: app, kind: business_service, rto: 1h, recovery_time: 10m, needs: [pool]}
  - {id: a, kind: service}
  - {id: s, kind: service, recovery_time: 15m}
  - {id: pool, kind: group, min_up: 1, needs: [app],
     members: [a, {id: s, mode: standby, activation: 20m}]}
"""


def test_a_cycle_waits_for_a_standby_down_until_recovered_only_to_its_finish() -> None:
    # the same rule for a member DOWN until ∞: its step's finish, no failover delay on top
    for capacity in (None, Capacity.parse("2")):
        p = _plan(STANDBY_DOWN_FOREVER, [Failure("app"), Failure("s")], capacity)
        assert _times(p) == {"s": ("restore", 0, 15 * M), "app": ("bootstrap", 15 * M, 25 * M)}


GROUPS_ONLY_CYCLE = """
version: 1
components:
  - {id: c0, kind: service, recovery_time: 10m, tier: 1}
  - {id: c1, kind: service}
  - {id: x, kind: business_service, restart_time: 5m, tier: 1, needs: [g1]}
  - {id: v, kind: service, recovery_time: 30m, tier: 3}
  - {id: g0, kind: group, min_up: 1, members: [c0], needs: [g1]}
  - {id: g1, kind: group, min_up: 1, members: [c1], needs: [g0]}
"""


def test_a_cycle_of_groups_only_needs_no_crew() -> None:
    # g0 and g1 are back together the moment c0 is: x (tier 1) goes before v (tier 3)
    p = _plan(GROUPS_ONLY_CYCLE, [Failure("c0"), Failure("v")], Capacity.parse("1"))
    assert _times(p) == {
        "c0": ("restore", 0, 10 * M),
        "x": ("restart", 10 * M, 15 * M),
        "v": ("restore", 15 * M, 45 * M),
    }
    (w,) = [w for w in p.warnings if "cycle" in w]
    assert "g0, g1" in w and "no step" in w


MIXED_TEAMS = """
version: 1
components:
  - {id: root, kind: infrastructure, recovery_time: 1h, team: b}
  - {id: p, kind: service, recovery_time: 10m, team: a, needs: [q]}
  - {id: q, kind: service, recovery_time: 10m, needs: [p, root]}
  - {id: r, kind: service, recovery_time: 10m, team: b, needs: [s]}
  - {id: s, kind: service, recovery_time: 10m, team: a, needs: [r]}
"""


def test_a_bootstrap_belongs_to_the_one_team_its_components_name() -> None:
    failures = [Failure("p"), Failure("q"), Failure("r"), Failure("s"), Failure("root")]
    p = _plan(MIXED_TEAMS, failures)
    owners = {s.components: s.owner for s in p.steps}
    assert owners[("p", "q")] == "a"  # q has no team: the bootstrap is team a's
    assert owners[("r", "s")] is None  # teams a and b: no one owner, any crew takes it
    p = _plan(MIXED_TEAMS, failures, Capacity.parse("a=1,b=1"))
    by = {s.components: s for s in p.steps}
    assert by[("p", "q")].team == "a"
    assert by[("root",)].team == "b"
    # at 0 crew a (lowest label) takes the unowned bootstrap r+s; p+q waits for root
    assert (by[("r", "s")].team, by[("r", "s")].start) == ("a", 0)
    assert (by[("p", "q")].start, by[("p", "q")].finish) == (H, H + 20 * M)


def test_never_is_an_internal_error_not_a_number(monkeypatch: pytest.MonkeyPatch) -> None:
    # no impact of a valid model leaves a unit without a time (docs/recovery.md); should the
    # network ever say "never", the plan stops with an internal error instead of printing 2**62
    real = plan_module.recovery_network

    def never(graph: Graph, reading: Any) -> Any:
        net = real(graph, reading)
        release = net.units.release.copy()
        release[0] = INF
        return dataclasses.replace(net, units=net.units._replace(release=release))

    monkeypatch.setattr(plan_module, "recovery_network", never)
    for capacity in (None, Capacity.parse("2")):
        with pytest.raises(InternalError, match="never be back") as err:
            _plan(ZERO_LENGTH, [Failure("a"), Failure("b")], capacity)
        assert err.value.exit_code == 1
