"""Random estates for the Neo4j integration tests: groups, custom types, soft edges, cycles."""

from __future__ import annotations

import random

from impactgraph.model import Component, Dependency, Kind, Member, MemberMode, Model, Strength

TYPES = ("depends_on", "runs_on", "located_at", "supplied_by", "replicates_to", "calls")


def random_model(seed: int, n: int = 30, edges_per_node: float = 1.5) -> Model:
    """A valid model of ``n`` components (ids ``n0``…) with about ``edges_per_node`` edges each."""
    rnd = random.Random(seed)
    kinds = [k for k in Kind if k is not Kind.GROUP]
    components: list[Component] = []
    for i in range(n):
        cid = f"n{i}"
        if i >= 3 and rnd.random() < 0.15:
            chosen = rnd.sample([c.id for c in components], k=rnd.randint(1, 3))
            members = tuple(
                Member(id=m, mode=MemberMode.STANDBY, activation=600) if j else Member(id=m)
                for j, m in enumerate(chosen)
            )
            components.append(Component(id=cid, kind=Kind.GROUP, min_up=1, members=members))
        else:
            components.append(Component(id=cid, kind=rnd.choice(kinds)))
    dependencies: dict[tuple[str, str, str], Dependency] = {}
    for _ in range(int(edges_per_node * n)):
        a, b = rnd.sample(range(n), k=2)
        dep = Dependency(
            source=f"n{a}",
            target=f"n{b}",
            type=rnd.choice(TYPES),
            strength=Strength.SOFT if rnd.random() < 0.3 else Strength.HARD,
        )
        dependencies[(dep.source, dep.target, dep.type)] = dep
    return Model.build(components, list(dependencies.values()))
