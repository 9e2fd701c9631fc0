"""Recovery plan (SPEC §4): the order to bring things back, who does what when, which RTOs slip.

``plan(graph, impact, capacity)`` turns a scenario's answer into steps. Every component that
stays DOWN until ∞ (and is not a group) gets one step: **restore** when it failed itself
(``recovery_time``), **restart** when it went down through its dependencies
(``restart_time``, default 0). Components in a dependency cycle that are all DOWN share one
**bootstrap** step. Where SPEC §4 is silent the rules are written down in
``docs/recovery.md``; in short:

* a step starts no earlier than the onset of its last DOWN interval (the one lasting to ∞),
  and only when every hard dependency that was DOWN is back: a dependency with a step when
  that step finishes, one whose outage ends on its own at the end of its last DOWN interval,
  a group when ``min_up`` of its members count again (a recovered standby counts from
  ``t* + activation`` at the earliest);
* ``deadline = onset + rto`` where onset is the start of the DOWN interval lasting to ∞;
  dependencies inherit ``deadline(a) − duration(a)`` over hard edges, and through a DOWN
  group to the ``min_up`` members the critical path brings back first;
* a bootstrap whose cycle holds a group with fewer than ``min_up`` of its members waits for
  the other members to be back (their finish, or the end of their outage; no failover delay);
* capacity ``None`` is unlimited (critical path); :class:`Capacity` gives crews that take
  ready steps earliest deadline first (ties: lower tier, larger ``impact_per_hour``, id),
  one choice at a time, everything that happens at an instant (0-second steps included)
  settled before the next choice;
* no answer holds "never": a unit without a time is an :class:`~impactgraph.errors.InternalError`.

The parts, in the order a plan is made:

* :mod:`.reading` — what the impact says per component (DOWN until ∞, since when);
* :mod:`.network` — units (steps, bootstraps, DOWN groups) and who waits for whom;
* :mod:`.scheduling` — critical path, deadlines, waves, list scheduling, the steps;
* :mod:`.business` — business services, their critical chains, money lost;
* :mod:`.answer` and :mod:`.capacity` — the answer types and the crews.

>>> from impactgraph.model import Component, Dependency, Kind, Model
>>> from impactgraph.engine.propagate import propagate
>>> from impactgraph.engine.scenario import Failure, Scenario
>>> from impactgraph.graph import Graph
>>> g = Graph.from_model(Model.build(
...     [Component(id="dc1", kind=Kind.SITE, recovery_time="4h"),
...      Component(id="app", kind=Kind.SERVICE, restart_time="30m"),
...      Component(id="shop", kind=Kind.BUSINESS_SERVICE, rto="4h")],
...     [Dependency(source="app", target="dc1"), Dependency(source="shop", target="app")]))
>>> p = plan(g, propagate(g, Scenario(failures=(Failure("dc1"),))))
>>> [(s.component, s.action, s.start, s.finish, s.deadline) for s in p.steps]
[('dc1', 'restore', 0, 14400, 12600), ('app', 'restart', 14400, 16200, 14400), \
('shop', 'restart', 16200, 16200, 14400)]
>>> p.business_services[0].breach, p.business_services[0].critical_chain
(1800, ['dc1', 'app', 'shop'])
"""

from __future__ import annotations

from impactgraph._gc import no_gc
from impactgraph.engine.impact import Impact
from impactgraph.engine.plan.answer import Action, Plan, ServiceRecovery, Step, Totals
from impactgraph.engine.plan.business import money_lost, services
from impactgraph.engine.plan.capacity import ANY_TEAM, Capacity
from impactgraph.engine.plan.network import recovery_network
from impactgraph.engine.plan.reading import read_impact
from impactgraph.engine.plan.scheduling import Policy, schedule, steps
from impactgraph.graph import Graph

__all__ = [
    "ANY_TEAM",
    "Action",
    "Capacity",
    "Plan",
    "Policy",
    "ServiceRecovery",
    "Step",
    "Totals",
    "plan",
]


def plan(
    graph: Graph,
    impact: Impact,
    capacity: Capacity | None = None,
    *,
    policy: Policy = "deadline",
) -> Plan:
    """The recovery plan of a scenario's answer (SPEC §4).

    Parameters
    ----------
    graph
        The estate; recovery attributes (``recovery_time``, ``rto``, ``team``, …) come from
        its attribute table.
    impact
        ``propagate(graph, scenario)``: what is DOWN until ∞ and since when.
    capacity
        ``None`` for unlimited crews (every step starts at its critical-path earliest time),
        else :class:`Capacity` (a total, or crews per team).
    policy
        ``"deadline"`` (SPEC: earliest deadline first, then tier, impact, id) or
        ``"topological"`` (the naive baseline: steps by wave then id, ignoring deadlines).
    """
    with no_gc():  # hundreds of thousands of acyclic objects: no cycle hunting meanwhile
        reading = read_impact(graph, impact)
        net = recovery_network(graph, reading)
        timing = schedule(graph, net, capacity, policy)
        answer_steps = steps(graph, reading, net, timing)
        recovered = services(graph, reading, net, timing.back)
        breached = [s.breach for s in recovered if s.breach]
        has_step = net.units.steps > 0
        totals = Totals(
            makespan=int(timing.back[has_step].max()) if answer_steps else 0,
            breaches=len(breached),
            breach_seconds=sum(b for b in breached if b),
            money_lost=money_lost(graph, reading, net, timing.back),
        )
        return Plan(
            steps=answer_steps,
            business_services=recovered,
            totals=totals,
            warnings=[*net.warnings, *timing.warnings],
            crews=timing.crews,
        )
