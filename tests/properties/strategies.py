"""Hypothesis strategies: random small estates and scenarios in whole seconds (0..6 each).

Models have 2–12 components of random kinds, hard and soft dependencies with tolerances,
cycles, and groups with ``min_up``, active and standby members (with activation times) and
sometimes dependencies of their own. Scenarios fail 1–3 components at 0..6 for 0..6 seconds
or for ever.
"""

from __future__ import annotations

import yaml
from hypothesis import strategies as st

from impactgraph.engine.scenario import Failure, Scenario
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

PLAIN_KINDS = [k for k in Kind if k is not Kind.GROUP]
DEPENDENCY_TYPES = ["depends_on", "runs_on", "located_at", "supplied_by"]
SMALL = st.integers(0, 6)
#: Mostly zero, so that chains of dependencies actually propagate within the run.
DELAY = st.one_of(st.just(0), st.just(0), SMALL)


class Case:
    """A model and a scenario on it, printable as the YAML a user would write.

    A plain class, not a dataclass: hypothesis would print a dataclass field by field, and a
    model that way is unreadable; failing examples print :meth:`as_yaml` instead.
    """

    __slots__ = ("model", "scenario")

    def __init__(self, model: Model, scenario: Scenario) -> None:
        self.model = model
        self.scenario = scenario

    def __repr__(self) -> str:
        n, f = len(self.model.components), len(self.scenario.failures)
        return f"Case({n} components, {f} failures; YAML in the notes below)"

    def as_yaml(self) -> str:
        """The model and the scenario as SPEC §5 YAML (for failing examples)."""
        failures = [
            {"target": f.target, "at": f"{f.at}s"}
            | ({} if f.duration is None else {"duration": f"{f.duration}s"})
            for f in self.scenario.failures
        ]
        text = yaml.safe_dump(model_to_document(self.model), sort_keys=False)
        return f"# model\n{text}# scenario\n{yaml.safe_dump({'failures': failures})}"


def seconds(n: int) -> str:
    """A duration in the model's own spelling (bare integers are ambiguous there)."""
    return f"{n}s"


@st.composite
def models(draw: st.DrawFn, *, groups: bool = True, max_components: int = 12) -> Model:
    """A random valid model; with ``groups=False`` it has no group."""
    n = draw(st.integers(2, max_components))
    ids = [f"c{i}" for i in range(n)]
    group_kind = st.sampled_from([Kind.GROUP]) if groups else st.nothing()
    kinds = draw(
        st.lists(st.one_of(st.sampled_from(PLAIN_KINDS), group_kind), min_size=n, max_size=n)
    )
    components: list[Component] = []
    for cid, kind in zip(ids, kinds, strict=True):
        if kind is not Kind.GROUP:
            components.append(Component(id=cid, kind=kind))
            continue
        others = [o for o in ids if o != cid]
        chosen = draw(st.lists(st.sampled_from(others), min_size=1, max_size=4, unique=True))
        # the first member is active: min_up may not exceed the active members (validation)
        rest = st.lists(st.booleans(), min_size=len(chosen) - 1, max_size=len(chosen) - 1)
        standby = [False, *draw(rest)]
        members = [
            Member(id=mid, mode=MemberMode.STANDBY, activation=seconds(draw(SMALL)))
            if sb
            else Member(id=mid)
            for mid, sb in zip(chosen, standby, strict=True)
        ]
        min_up = draw(st.integers(1, standby.count(False)))
        components.append(Component(id=cid, kind=kind, min_up=min_up, members=tuple(members)))
    edge = st.tuples(
        st.sampled_from(ids),
        st.sampled_from(ids),
        st.sampled_from(DEPENDENCY_TYPES),
        st.sampled_from([Strength.HARD, Strength.HARD, Strength.SOFT]),
        DELAY,
    )
    dependencies: list[Dependency] = []
    seen: set[tuple[str, str, str]] = set()
    for source, target, type_, strength, tolerance in draw(st.lists(edge, max_size=2 * n)):
        if source == target or (source, target, type_) in seen:
            continue
        seen.add((source, target, type_))
        dependencies.append(
            Dependency(
                source=source,
                target=target,
                type=type_,
                strength=strength,
                tolerance=seconds(tolerance),
            )
        )
    return Model.build(components, dependencies)


@st.composite
def scenarios(
    draw: st.DrawFn, model: Model, *, infinite: bool = True, max_failures: int = 3
) -> Scenario:
    """1..``max_failures`` failures of components of ``model``; ``infinite=False``: all end."""
    ids = [c.id for c in model.components]
    duration = st.one_of(st.none(), SMALL) if infinite else SMALL
    failure = st.builds(Failure, st.sampled_from(ids), SMALL, duration)
    return Scenario(failures=tuple(draw(st.lists(failure, min_size=1, max_size=max_failures))))


@st.composite
def cases(draw: st.DrawFn, *, groups: bool = True, infinite: bool = True) -> Case:
    """A model and a scenario on it."""
    model = draw(models(groups=groups))
    return Case(model, draw(scenarios(model, infinite=infinite)))
