"""Seeded generator of layered estates for benchmarks: 10k, 100k, 1M components.

The shape follows a real enterprise estate, layer by layer::

    suppliers (power, network, SaaS)
      └─ sites (3 data centres, each supplied_by power with UPS tolerance, and a WAN group)
          └─ racks, SAN arrays (located_at site)
              └─ hosts (located_at rack, depends_on SAN)
                  └─ VMs (runs_on host)
                      ├─ databases (runs_on VM); clusters as groups with an active primary
                      │  and a standby in another site (activation 5m–1h)
                      ├─ message-queue brokers (runs_on VM) in groups with min_up 2
                      └─ service instances (runs_on VM) in pools (groups, min_up k−1)
                          └─ business services (tiers 1–3, RTO, MTPD, impact_per_hour)

Service instances need their application's database (hard), sometimes a message queue
(hard, with a 15m–2h tolerance), a directory service, a SaaS supplier, another application
(hard, earlier in the estate, or soft), and a few ``calls`` edges that close cycles.
About two edges (dependencies plus member edges) per component. Failing ``site-0`` for ∞
leaves roughly 30% of the estate DOWN until recovered (see :func:`down_until_recovered`).

Two outputs from one :class:`Estate` (plain parallel lists, indices into ``ids``):

* :meth:`Estate.to_graph` — straight into :meth:`impactgraph.graph.Graph.from_arrays`, fast
  enough for 1M components, with the attribute columns in the graph's attribute table.
* :meth:`Estate.to_model` — a checked :class:`impactgraph.model.Model` with every attribute,
  for small and medium sizes (and model files, stores, the recovery planner).

``benchmarks/`` is not a package: scripts put their own directory on ``sys.path`` and
``import estate_gen``.

>>> e = generate(2000, seed=7)
>>> abs(e.n - 2000) <= 20, 1.7 < e.edge_count / e.n < 2.4
(True, True)
>>> generate(2000, seed=7).ids == e.ids
True
"""

from __future__ import annotations

import gc
import math
import random
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from impactgraph.graph import KIND_CODE, EdgeColumns, EdgeRow, Graph, GroupColumns
from impactgraph.model import Component, Dependency, Kind, Member, MemberMode, Model, Strength

T = TypeVar("T")

#: the estate's attribute columns named as in :data:`impactgraph.graph.ATTRIBUTES` (and
#: ``types``, which is ``type`` there)
ATTRIBUTE_COLUMNS = (
    "tier",
    "rto",
    "mtpd",
    "rpo",
    "recovery_time",
    "restart_time",
    "backup_interval",
    "impact_per_hour",
    "team",
    "owner",
    "tags",
)

EDGE_TYPES: tuple[str, ...] = ("depends_on", "runs_on", "located_at", "supplied_by", "calls")
DEPENDS_ON, RUNS_ON, LOCATED_AT, SUPPLIED_BY, CALLS = range(len(EDGE_TYPES))

SITES = 3
#: share of the VMs in each site; site-0 is the one the benchmarks fail
SITE_WEIGHTS = (0.26, 0.37, 0.37)
VMS_PER_HOST = 16
HOSTS_PER_RACK = 20
HOSTS_PER_SAN = 100
APPS_PER_MQ = 50
APPS_PER_BUSINESS_SERVICE = 10
APPS_PER_CYCLE = 2000

MIN = 60
HOUR = 3600
DAY = 86400

#: tier → (RTO, MTPD, impact_per_hour range) for business services
TIER_TARGETS = {
    1: (4 * HOUR, 8 * HOUR, (50_000, 500_000)),
    2: (DAY, 2 * DAY, (5_000, 50_000)),
    3: (3 * DAY, 7 * DAY, (500, 5_000)),
}


@dataclass
class Estate:
    """A generated estate as parallel columns; edge endpoints are indices into ``ids``.

    ``groups`` holds ``(group, min_up, [(member, standby, activation), ...])`` by index.
    Attribute columns hold ``None`` where a component has no value.
    """

    seed: int
    ids: list[str] = field(default_factory=list)
    kinds: list[Kind] = field(default_factory=list)
    types: list[str | None] = field(default_factory=list)
    sites: list[int] = field(default_factory=list)  # -1 when not in one site
    tier: list[int | None] = field(default_factory=list)
    rto: list[int | None] = field(default_factory=list)
    mtpd: list[int | None] = field(default_factory=list)
    rpo: list[int | None] = field(default_factory=list)
    recovery_time: list[int | None] = field(default_factory=list)
    restart_time: list[int | None] = field(default_factory=list)
    backup_interval: list[int | None] = field(default_factory=list)
    impact_per_hour: list[float | None] = field(default_factory=list)
    team: list[str | None] = field(default_factory=list)
    owner: list[str | None] = field(default_factory=list)
    tags: list[tuple[str, ...]] = field(default_factory=list)
    edge_src: list[int] = field(default_factory=list)
    edge_dst: list[int] = field(default_factory=list)
    edge_type: list[int] = field(default_factory=list)  # code into EDGE_TYPES
    edge_hard: list[bool] = field(default_factory=list)
    edge_tol: list[int] = field(default_factory=list)
    groups: list[tuple[int, int, list[tuple[int, bool, int]]]] = field(default_factory=list)

    def freeze(self) -> None:
        """Turn the id and attribute columns into tuples once generation is done: a graph
        takes tuple columns as they are (no copy), so estate and graph share them."""
        self.ids = tuple(self.ids)  # type: ignore[assignment]
        self.types = tuple(self.types)  # type: ignore[assignment]
        for name in ATTRIBUTE_COLUMNS:
            setattr(self, name, tuple(getattr(self, name)))

    # ---- sizes ---------------------------------------------------------------------------

    @property
    def n(self) -> int:
        """Number of components."""
        return len(self.ids)

    @property
    def dependency_count(self) -> int:
        """Number of dependency edges."""
        return len(self.edge_src)

    @property
    def member_count(self) -> int:
        """Number of member edges ``group → member``."""
        return sum(len(m) for _, _, m in self.groups)

    @property
    def edge_count(self) -> int:
        """Dependency edges plus member edges."""
        return self.dependency_count + self.member_count

    def site_id(self, site: int = 0) -> str:
        """The id of site number ``site`` (``site-0`` …)."""
        return f"site-{site}"

    # ---- outputs -------------------------------------------------------------------------

    def edge_rows(self) -> Iterator[EdgeRow]:
        """Dependencies as :class:`EdgeRow` (ids, not indices)."""
        ids = self.ids
        for s, t, ty, h, tol in zip(
            self.edge_src, self.edge_dst, self.edge_type, self.edge_hard, self.edge_tol, strict=True
        ):
            yield EdgeRow(ids[s], ids[t], EDGE_TYPES[ty], h, tol)

    def group_rows(self) -> Iterator[tuple[str, int, list[tuple[str, bool, int]]]]:
        """Groups as ``(id, min_up, [(member id, standby, activation), ...])``."""
        ids = self.ids
        for g, k, members in self.groups:
            yield ids[g], k, [(ids[m], sb, act) for m, sb, act in members]

    def to_graph(self) -> Graph:
        """The compact graph, via :meth:`Graph.from_arrays` (no pydantic objects), with the
        estate's attribute columns in its attribute table."""
        was_enabled = gc.isenabled()
        gc.disable()  # no cycles are made here; the collector would only rescan the heap
        try:
            g_of: list[int] = []
            m_of: list[int] = []
            m_sb: list[bool] = []
            m_act: list[int] = []
            min_up = np.zeros(self.n, dtype=np.int32)
            for g, k, members in self.groups:
                min_up[g] = k
                for m, sb, act in members:
                    g_of.append(g)
                    m_of.append(m)
                    m_sb.append(sb)
                    m_act.append(act)
            return Graph.from_arrays(
                self.ids,
                np.fromiter((KIND_CODE[k] for k in self.kinds), dtype=np.int8, count=self.n),
                EdgeColumns(
                    np.asarray(self.edge_src, dtype=np.int64),
                    np.asarray(self.edge_dst, dtype=np.int64),
                    np.asarray(self.edge_hard, dtype=np.bool_),
                    np.asarray(self.edge_tol, dtype=np.int64),
                    np.asarray(self.edge_type, dtype=np.int32),
                ),
                list(EDGE_TYPES),
                GroupColumns(
                    np.asarray(g_of, dtype=np.int64),
                    np.asarray(m_of, dtype=np.int64),
                    np.asarray(m_sb, dtype=np.bool_),
                    np.asarray(m_act, dtype=np.int64),
                    min_up,
                ),
                attributes={
                    "type": self.types,
                    **{name: getattr(self, name) for name in ATTRIBUTE_COLUMNS},
                },
            )
        finally:
            if was_enabled:
                gc.enable()

    def to_model(self, *, check: bool = True) -> Model:
        """The full model with every attribute; ``check`` runs the reference checks."""
        members: dict[int, tuple[int, tuple[Member, ...]]] = {
            g: (
                k,
                tuple(
                    Member.model_construct(
                        id=self.ids[m],
                        mode=MemberMode.STANDBY if sb else MemberMode.ACTIVE,
                        activation=act,
                    )
                    for m, sb, act in mem
                ),
            )
            for g, k, mem in self.groups
        }
        comps = []
        for i, cid in enumerate(self.ids):
            k, mem = members.get(i, (None, ()))
            comps.append(
                Component.model_construct(
                    id=cid,
                    name=None,
                    kind=self.kinds[i],
                    type=self.types[i],
                    tier=self.tier[i],
                    rto=self.rto[i],
                    rpo=self.rpo[i],
                    mtpd=self.mtpd[i],
                    recovery_time=self.recovery_time[i],
                    restart_time=self.restart_time[i],
                    backup_interval=self.backup_interval[i],
                    impact_per_hour=self.impact_per_hour[i],
                    owner=self.owner[i],
                    team=self.team[i],
                    tags=self.tags[i],
                    min_up=k,
                    members=mem,
                )
            )
        ids = self.ids
        deps = [
            Dependency.model_construct(
                source=ids[s],
                target=ids[t],
                type=EDGE_TYPES[ty],
                strength=Strength.HARD if h else Strength.SOFT,
                tolerance=tol,
            )
            for s, t, ty, h, tol in zip(
                self.edge_src,
                self.edge_dst,
                self.edge_type,
                self.edge_hard,
                self.edge_tol,
                strict=True,
            )
        ]
        if check:
            return Model.build(comps, deps)
        return Model.model_construct(components=tuple(comps), dependencies=tuple(deps))

    def edge_arrays(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Every edge a → b (a needs b; member edges as group → member) as two index arrays."""
        src = list(self.edge_src)
        dst = list(self.edge_dst)
        for g, _, members in self.groups:
            for m, _, _ in members:
                src.append(g)
                dst.append(m)
        return np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64)


class _Builder:
    """Appends components and edges to an :class:`Estate`."""

    def __init__(self, estate: Estate) -> None:
        self.e = estate

    def add(
        self,
        cid: str,
        kind: Kind,
        type_: str | None,
        *,
        site: int = -1,
        team: str | None = None,
        tier: int | None = None,
        rto: int | None = None,
        mtpd: int | None = None,
        rpo: int | None = None,
        recovery: int | None = None,
        restart: int | None = None,
        backup: int | None = None,
        impact: float | None = None,
        owner: str | None = None,
        tags: tuple[str, ...] = (),
    ) -> int:
        e = self.e
        e.ids.append(cid)
        e.kinds.append(kind)
        e.types.append(type_)
        e.sites.append(site)
        e.tier.append(tier)
        e.rto.append(rto)
        e.mtpd.append(mtpd)
        e.rpo.append(rpo)
        e.recovery_time.append(recovery)
        e.restart_time.append(restart)
        e.backup_interval.append(backup)
        e.impact_per_hour.append(impact)
        e.team.append(team)
        e.owner.append(owner)
        e.tags.append(tags)
        return len(e.ids) - 1

    def need(
        self, a: int, b: int, type_: int = DEPENDS_ON, *, hard: bool = True, tolerance: int = 0
    ) -> None:
        e = self.e
        e.edge_src.append(a)
        e.edge_dst.append(b)
        e.edge_type.append(type_)
        e.edge_hard.append(hard)
        e.edge_tol.append(tolerance)

    def group(self, g: int, min_up: int, members: list[tuple[int, bool, int]]) -> None:
        self.e.groups.append((g, min_up, members))


def _infrastructure_after(vms: Sequence[int], apps: int) -> int:
    """Components still to come once the apps are made: hosts, racks, SANs, business services."""
    total = 0
    for v in vms:
        hosts = max(1, math.ceil(v / VMS_PER_HOST))
        total += hosts + math.ceil(hosts / HOSTS_PER_RACK) + math.ceil(hosts / HOSTS_PER_SAN)
    return total + max(2, apps // APPS_PER_BUSINESS_SERVICE)


def generate(n: int, seed: int = 0) -> Estate:
    """Generate an estate of about ``n`` components (within 1% for n ≥ 2000), deterministically.

    >>> e = generate(3000, seed=1)
    >>> e.ids[0], e.kinds[0].value, e.site_id(0) in e.ids
    ('power-0', 'supplier', True)
    """
    # millions of small objects and no garbage: the cyclic collector only slows this down
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _generate(n, seed)
    finally:
        if was_enabled:
            gc.enable()


def _generate(n: int, seed: int) -> Estate:
    if n < 200:
        raise ValueError(f"an estate needs at least 200 components, not {n}")
    rng = random.Random(seed)
    est = Estate(seed=seed)
    b = _Builder(est)
    rand = rng.random

    def choice(options: Sequence[T]) -> T:
        # random.choice costs three calls; this is one, and as deterministic
        return options[int(rand() * len(options))]

    # suppliers and sites
    power = [
        b.add(
            f"power-{i}",
            Kind.SUPPLIER,
            "power",
            team="facilities",
            recovery=rng.choice([4, 8, 12]) * HOUR,
            restart=0,
        )
        for i in range(2)
    ]
    network = [
        b.add(
            f"network-{i}",
            Kind.SUPPLIER,
            "network",
            team="network",
            recovery=rng.choice([2, 4, 6]) * HOUR,
            restart=0,
        )
        for i in range(3)
    ]
    saas_count = max(3, n // 20_000)
    saas_types = ("identity", "email", "payments", "crm", "monitoring")
    saas = [
        b.add(
            f"saas-{i}",
            Kind.SUPPLIER,
            "saas",
            team="vendor-management",
            recovery=rng.choice([1, 2, 4, 8]) * HOUR,
            restart=0,
            tags=(saas_types[i % len(saas_types)],),
        )
        for i in range(saas_count)
    ]
    sites = []
    for s in range(SITES):
        site = b.add(
            f"site-{s}",
            Kind.SITE,
            "data_centre",
            site=s,
            team="facilities",
            recovery=3 * DAY,
            restart=4 * HOUR,
        )
        # UPS and generators ride through a supplier outage for a while
        b.need(site, power[s % len(power)], SUPPLIED_BY, tolerance=rng.choice([4, 8]) * HOUR)
        wan = b.add(f"wan-{s}", Kind.GROUP, "wan", team="network", restart=5 * MIN)
        pair = [network[s % 3], network[(s + 1) % 3]]
        b.group(wan, 1, [(pair[0], False, 0), (pair[1], True, rng.choice([1, 5, 15]) * MIN)])
        b.need(site, wan, SUPPLIED_BY)
        sites.append(site)

    vms_per_site = [0] * SITES
    vm_site: list[tuple[int, int]] = []  # (vm index, site)
    site_cum = np.cumsum(SITE_WEIGHTS).tolist()

    def pick_site() -> int:
        r = rand()
        for s, c in enumerate(site_cum):
            if r < c:
                return s
        return SITES - 1

    def vm(name: str, site: int) -> int:
        v = b.add(
            f"vm-{name}",
            Kind.INFRASTRUCTURE,
            "vm",
            site=site,
            team="compute",
            recovery=choice((30, 45, 60, 90)) * MIN,
            restart=choice((5, 10, 15)) * MIN,
        )
        vm_site.append((v, site))
        vms_per_site[site] += 1
        return v

    # shared platform: a directory service pool over the three sites
    directory = b.add(
        "directory", Kind.GROUP, "directory", team="identity", restart=5 * MIN, tier=1
    )
    dcs = []
    for s in range(SITES):
        dc = b.add(
            f"dir-{s}",
            Kind.SERVICE,
            "directory",
            site=s,
            team="identity",
            recovery=2 * HOUR,
            restart=10 * MIN,
        )
        b.need(dc, vm(f"dir-{s}", s), RUNS_ON)
        dcs.append((dc, False, 0))
    b.group(directory, 1, dcs)

    mqs: list[int] = []
    fronts: list[int] = []  # the thing others need of an app: its pool or single instance
    instances_of: list[list[int]] = []
    app_tier: list[int] = []
    apps = 0
    while est.n + _infrastructure_after(vms_per_site, apps) < n:
        a = apps
        apps += 1
        team = f"app-team-{a % 40}"
        tier = choice((1, 2, 2, 3, 3, 3))
        rto_app = TIER_TARGETS[tier][0] // 2

        if a % APPS_PER_MQ == 0:  # a new message-queue cluster (3 brokers, min_up 2)
            q = a // APPS_PER_MQ
            mq = b.add(
                f"mq-{q}",
                Kind.GROUP,
                "message_queue",
                team="middleware",
                restart=5 * MIN,
                tier=2,
                tags=("kafka",),
            )
            brokers = []
            for k in range(3):
                s = (q + k) % SITES
                br = b.add(
                    f"mq-{q}-broker-{k}",
                    Kind.INFRASTRUCTURE,
                    "message_broker",
                    site=s,
                    team="middleware",
                    recovery=HOUR,
                    restart=10 * MIN,
                    tags=("kafka",),
                )
                b.need(br, vm(f"mq-{q}-{k}", s), RUNS_ON)
                brokers.append((br, False, 0))
            b.group(mq, 2, brokers)
            mqs.append(mq)

        # the database: clustered (primary + standby in another site), single, or none
        db: int | None = None
        r = rand()
        if r < 0.42:
            db = b.add(
                f"db-{a}",
                Kind.GROUP,
                "database_cluster",
                team="dba",
                restart=5 * MIN,
                tier=tier,
                rto=rto_app,
            )
            s1 = pick_site()
            s2 = (s1 + 1 + rng.randrange(SITES - 1)) % SITES
            backup = choice((15 * MIN, HOUR, 4 * HOUR, DAY))
            mem = []
            for role, s in (("primary", s1), ("standby", s2)):
                inst = b.add(
                    f"db-{a}-{role}",
                    Kind.INFRASTRUCTURE,
                    "database",
                    site=s,
                    team="dba",
                    recovery=choice((2, 4, 6)) * HOUR,
                    restart=choice((10, 15, 30)) * MIN,
                    backup=backup,
                    rpo=backup * 2,
                    tags=("database",),
                )
                b.need(inst, vm(f"db-{a}-{role}", s), RUNS_ON)
                mem.append(
                    (
                        inst,
                        role == "standby",
                        choice((5, 15, 30, 60)) * MIN if role == "standby" else 0,
                    )
                )
            b.group(db, 1, mem)
        elif r < 0.70:
            s = pick_site()
            backup = choice((HOUR, 4 * HOUR, DAY))
            db = b.add(
                f"db-{a}",
                Kind.INFRASTRUCTURE,
                "database",
                site=s,
                team="dba",
                tier=tier,
                rto=rto_app,
                recovery=choice((2, 4, 8)) * HOUR,
                restart=choice((10, 15, 30)) * MIN,
                backup=backup,
                rpo=backup * 2,
                tags=("database",),
            )
            b.need(db, vm(f"db-{a}", s), RUNS_ON)

        # what every instance of this app needs besides its VM
        needs: list[tuple[int, int, bool, int]] = []
        if db is not None:
            needs.append((db, DEPENDS_ON, True, 0))
        if rand() < 0.35 and mqs:
            needs.append((choice(mqs), DEPENDS_ON, True, choice((15, 30, 60, 120)) * MIN))
        if rand() < 0.45:
            needs.append((directory, DEPENDS_ON, True, 0))
        if rand() < 0.25:
            needs.append((choice(saas), SUPPLIED_BY, rand() < 0.6, 0))
        if fronts and rand() < 0.40:
            needs.append((fronts[rng.randrange(len(fronts))], DEPENDS_ON, True, 0))
        if fronts and rand() < 0.30:
            other = fronts[rng.randrange(len(fronts))]
            if all(other != x[0] for x in needs):
                needs.append((other, DEPENDS_ON, False, 0))

        # the service: a pool over sites (min_up k-1) or a single instance
        k = choice((1, 1, 2, 3, 3, 4))
        start = pick_site()
        insts = []
        for i in range(k):
            s = (start + i) % SITES
            name = f"svc-{a}" if k == 1 else f"svc-{a}-{i}"
            inst = b.add(
                name,
                Kind.SERVICE,
                "application",
                site=s,
                team=team,
                tier=tier,
                rto=rto_app if k == 1 else None,
                recovery=choice((30, 60, 120)) * MIN,
                restart=choice((2, 5, 10)) * MIN,
            )
            b.need(inst, vm(name, s), RUNS_ON)
            for target, ty, hard, tol in needs:
                b.need(inst, target, ty, hard=hard, tolerance=tol)
            insts.append(inst)
        if k == 1:
            fronts.append(insts[0])
        else:
            pool = b.add(
                f"pool-{a}",
                Kind.GROUP,
                "service_pool",
                team=team,
                tier=tier,
                rto=rto_app,
                restart=MIN,
            )
            b.group(pool, max(1, k - 1), [(x, False, 0) for x in insts])
            fronts.append(pool)
        instances_of.append(insts)
        app_tier.append(tier)

    # a few cycles: an earlier app calls a later one that already needs it (or not)
    cycles: set[tuple[int, int]] = set()
    for c in range(max(2, apps // APPS_PER_CYCLE)):
        lo = rng.randrange(apps // 2)
        hi = apps // 2 + rng.randrange(apps - apps // 2)
        if (lo, hi) in cycles:
            continue
        cycles.add((lo, hi))
        b.need(instances_of[lo][0], fronts[hi], CALLS)
        b.need(instances_of[hi][0], fronts[lo], CALLS, hard=c % 2 == 0)

    # hosts, racks and SANs for the VMs of each site
    by_site: list[list[int]] = [[] for _ in range(SITES)]
    for v, s in vm_site:
        by_site[s].append(v)
    for s in range(SITES):
        count = max(1, math.ceil(vms_per_site[s] / VMS_PER_HOST))
        racks = [
            b.add(
                f"rack-{s}-{r}",
                Kind.INFRASTRUCTURE,
                "rack",
                site=s,
                team="facilities",
                recovery=choice((4, 6, 8)) * HOUR,
                restart=30 * MIN,
            )
            for r in range(math.ceil(count / HOSTS_PER_RACK))
        ]
        for r in racks:
            b.need(r, sites[s], LOCATED_AT)
        sans = [
            b.add(
                f"san-{s}-{x}",
                Kind.INFRASTRUCTURE,
                "san",
                site=s,
                team="storage",
                recovery=choice((6, 8, 12)) * HOUR,
                restart=HOUR,
                tags=("storage",),
            )
            for x in range(math.ceil(count / HOSTS_PER_SAN))
        ]
        for x in sans:
            b.need(x, sites[s], LOCATED_AT)
        hosts = []
        for h in range(count):
            host = b.add(
                f"host-{s}-{h}",
                Kind.INFRASTRUCTURE,
                "host",
                site=s,
                team="platform",
                recovery=choice((2, 4, 6)) * HOUR,
                restart=choice((15, 20, 30)) * MIN,
            )
            b.need(host, racks[h // HOSTS_PER_RACK], LOCATED_AT)
            b.need(host, sans[h // HOSTS_PER_SAN])
            hosts.append(host)
        for v in by_site[s]:
            b.need(v, hosts[rng.randrange(count)], RUNS_ON)

    # business services over the applications' fronts
    for i in range(max(2, apps // APPS_PER_BUSINESS_SERVICE)):
        tier = choice((1, 2, 2, 3, 3))
        rto, mtpd, (lo_imp, hi_imp) = TIER_TARGETS[tier]
        bs = b.add(
            f"bs-{i}",
            Kind.BUSINESS_SERVICE,
            "business_service",
            team="service-owners",
            tier=tier,
            rto=rto,
            mtpd=mtpd,
            rpo=choice((HOUR, 4 * HOUR, DAY)),
            impact=float(rng.randrange(lo_imp, hi_imp, 500)),
            owner=f"owner-{i % 97}",
            restart=choice((5, 10, 15)) * MIN,
            recovery=choice((30, 60, 120)) * MIN,
            tags=(f"tier-{tier}",),
        )
        picked = rng.sample(range(apps), min(apps, choice((1, 2, 3, 4))))
        for j, a in enumerate(picked):
            tol = choice((4, 8, 12)) * HOUR if j > 0 and rand() < 0.15 else 0
            b.need(bs, fronts[a], hard=j == 0 or rand() < 0.8, tolerance=tol)
    est.freeze()
    return est


def down_until_recovered(estate: Estate, failed: Sequence[str]) -> set[int]:
    """Components DOWN until recovered when ``failed`` fail at 0 for ∞ (SPEC §3, t → ∞).

    With infinite failures, tolerances and activations only delay things: a component ends
    up DOWN for good iff a hard dependency does, and a group iff fewer than ``min_up`` of its
    members stay up. A quick check of an estate's shape, not the engine.

    >>> e = generate(2000, seed=3)
    >>> 0.2 < len(down_until_recovered(e, ["site-0"])) / e.n < 0.45
    True
    """
    n = estate.n
    index = {cid: i for i, cid in enumerate(estate.ids)}
    hard_dependents: list[list[int]] = [[] for _ in range(n)]
    for s, t, h in zip(estate.edge_src, estate.edge_dst, estate.edge_hard, strict=True):
        if h:
            hard_dependents[t].append(s)
    groups_of: list[list[int]] = [[] for _ in range(n)]
    up_left = [0] * n
    for g, k, members in estate.groups:
        up_left[g] = len(members) - k + 1  # members that may go before the group does
        for m, _, _ in members:
            groups_of[m].append(g)
    down = {index[f] for f in failed}
    todo = deque(down)
    while todo:
        v = todo.popleft()
        for a in hard_dependents[v]:
            if a not in down:
                down.add(a)
                todo.append(a)
        for g in groups_of[v]:
            up_left[g] -= 1
            if up_left[g] == 0 and g not in down:
                down.add(g)
                todo.append(g)
    return down
