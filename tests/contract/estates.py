"""Models for the store contract suite: the SPEC §3 worked example and small random estates."""

from __future__ import annotations

import random

from impactgraph.model import Component, Dependency, Kind, Member, MemberMode, Model, Strength

#: ids that have broken stores before: quotes, SQL and Cypher syntax, spaces, unicode, length
ODD_IDS = (
    "with space",
    "it's",
    'say "hi"',
    "'; DROP TABLE components; --",
    "x`) DETACH DELETE n //",
    "back\\slash",
    "tab\tand\nnewline",
    "東京-dc",
    "Ωmega",
    "💥-svc",
    "e\u0301",  # combining accent: must not be normalised to é
    "é",
    "a" * 1000,
    "{id}",
    "%s",
    "$param",
    "null",
    "0",
)

H = 3600


def spec_example() -> Model:
    """The SPEC §3 worked example, built in Python."""
    c = Component
    components = [
        c(id="dc1", kind=Kind.SITE),
        c(id="dc2", kind=Kind.SITE),
        c(id="san1", kind=Kind.INFRASTRUCTURE, type="san"),
        c(id="host1", kind=Kind.INFRASTRUCTURE, type="vm", recovery_time=2 * H),
        c(id="host2", kind=Kind.INFRASTRUCTURE, type="vm"),
        c(id="db-primary", kind=Kind.SERVICE, type="database"),
        c(id="db-standby", kind=Kind.SERVICE, type="database"),
        c(
            id="db-cluster",
            kind=Kind.GROUP,
            min_up=1,
            members=(
                Member(id="db-primary"),
                Member(id="db-standby", mode=MemberMode.STANDBY, activation=1800),
            ),
        ),
        c(id="fraud-svc", kind=Kind.SERVICE),
        c(id="payments-api", kind=Kind.SERVICE, team="payments", tags=("pci", "core")),
        c(
            id="card-payments",
            kind=Kind.BUSINESS_SERVICE,
            tier=1,
            rto=4 * H,
            impact_per_hour=25000.0,
        ),
        c(id="settlement-batch", kind=Kind.SERVICE),
        c(id="reporting", kind=Kind.BUSINESS_SERVICE, tier=2),
    ]

    def d(source: str, target: str, type_: str = "depends_on", **kw: object) -> Dependency:
        return Dependency.model_validate({"from": source, "to": target, "type": type_, **kw})

    dependencies = [
        d("san1", "dc1", "located_at"),
        d("host1", "dc1", "located_at"),
        d("host1", "san1"),
        d("host2", "dc2", "located_at"),
        d("db-primary", "host1", "runs_on"),
        d("db-standby", "host2", "runs_on"),
        d("fraud-svc", "host1", "runs_on"),
        d("payments-api", "host2", "runs_on"),
        d("payments-api", "db-cluster"),
        d("payments-api", "fraud-svc", strength="soft"),
        d("card-payments", "payments-api"),
        d("settlement-batch", "host1", "runs_on"),
        d("reporting", "settlement-batch", tolerance=4 * H),
    ]
    return Model.build(components, dependencies)


def random_estate(seed: int, n: int = 40, *, odd_ids: bool = True) -> Model:
    """A small valid model with every kind of field, groups with standbys, and cycles."""
    rnd = random.Random(seed)
    ids = [f"c{seed}-{i}" for i in range(n)]
    if odd_ids:
        for i, odd in enumerate(rnd.sample(ODD_IDS, k=min(len(ODD_IDS), n // 3))):
            ids[rnd.randrange(n)] = odd + ("" if i % 2 else f"#{seed}")
        ids = list(dict.fromkeys(ids))
    kinds = [k for k in Kind if k is not Kind.GROUP]
    components: list[Component] = []
    for cid in ids:
        group = rnd.random() < 0.15 and len(components) >= 3
        fields: dict[str, object] = {"id": cid, "kind": Kind.GROUP if group else rnd.choice(kinds)}
        if rnd.random() < 0.5:
            fields["name"] = f"Name of {cid} ✓"
        if rnd.random() < 0.5:
            fields["type"] = rnd.choice(["database", "vm", "san", "saas", "queue"])
        if rnd.random() < 0.5:
            fields["tier"] = rnd.randint(1, 4)
        for f in ("rto", "rpo", "mtpd", "recovery_time", "restart_time", "backup_interval"):
            if rnd.random() < 0.3:
                fields[f] = rnd.choice([0, 90, 900, 4 * H, 86400 + 5])
        if rnd.random() < 0.3:
            fields["impact_per_hour"] = rnd.choice([0.0, 1250.5, 1e6])
        if rnd.random() < 0.3:
            fields["owner"] = rnd.choice(["ops", "Zoë", "o'brien"])
        if rnd.random() < 0.3:
            fields["team"] = rnd.choice(["dba", "network", "платформа"])
        if rnd.random() < 0.3:
            fields["tags"] = tuple(rnd.sample(["pci", "gdpr", "core", "a,b", "🏷"], k=2))
        if group:
            pool = [c.id for c in components]
            chosen = rnd.sample(pool, k=min(len(pool), rnd.randint(1, 3)))
            members = tuple(
                Member(id=m, mode=MemberMode.STANDBY, activation=rnd.choice([0, 1800]))
                if j and rnd.random() < 0.5
                else Member(id=m)
                for j, m in enumerate(chosen)
            )
            fields["members"] = members
            actives = sum(1 for m in members if m.mode is MemberMode.ACTIVE)
            if rnd.random() < 0.7:  # else unset, which means 1
                fields["min_up"] = rnd.randint(1, actives)
        components.append(Component.model_validate(fields))
    dependencies: dict[tuple[str, str, str], Dependency] = {}
    types = ["depends_on", "runs_on", "located_at", "supplied_by", "replicates_to"]
    for _ in range(2 * n):
        a, b = rnd.sample(ids, k=2)
        dep = Dependency(
            source=a,
            target=b,
            type=rnd.choice(types),
            strength=Strength.SOFT if rnd.random() < 0.3 else Strength.HARD,
            tolerance=rnd.choice([0, 0, 600, 4 * H]),
        )
        dependencies[(a, b, dep.type)] = dep
    return Model.build(components, list(dependencies.values()))
