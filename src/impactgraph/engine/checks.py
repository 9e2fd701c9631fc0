"""Continuity checks on the model itself (ISO 22301 / NIST SP 800-34 practice, SPEC §1).

``check(graph)`` lists what a continuity planner would flag before any scenario is run:

* ``rto-exceeds-mtpd`` (high): a component whose RTO is longer than its MTPD;
* ``recovery-chain-exceeds-rto`` (high for tier 1, else medium): a business service whose
  longest chain of hard dependencies, rebuilt one after another (the sum of ``recovery_time``
  along it, the service's own included), takes longer than its RTO;
* ``rpo-exceeds-backup`` (high): a component with an RPO that needs (hard, transitively)
  a data store whose ``backup_interval`` is longer than that RPO;
* ``tier-inversion`` (medium): a tiered component needing (hard, transitively) a component
  of a less critical tier (higher number) whose RTO is longer than its own.

Warnings (severity ``warning``) are listed too but are not findings: a component without
``recovery_time``, a business service without RTO, a data store without ``backup_interval``
that something with an RPO needs. Through a group, the recovery chain takes the ``min_up``-th
fastest member; a dependency cycle counts as one bootstrap (the sum of its members' times).

>>> from impactgraph.model import Component, Dependency, Kind, Model
>>> g = Graph.from_model(Model.build(
...     [Component(id="db", kind=Kind.SERVICE, type="database", recovery_time="3h",
...                backup_interval="1d"),
...      Component(id="shop", kind=Kind.BUSINESS_SERVICE, tier=1, rto="2h", mtpd="1h",
...                rpo="1h", recovery_time="0")],
...     [Dependency(source="shop", target="db")]))
>>> [(f.severity, f.code, f.component) for f in check(g)]
[('high', 'recovery-chain-exceeds-rto', 'shop'), ('high', 'rpo-exceeds-backup', 'shop'), \
('high', 'rto-exceeds-mtpd', 'shop')]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from impactgraph.engine._plan_kernel import topological_components
from impactgraph.errors import InputError
from impactgraph.graph import Graph
from impactgraph.model import Component, Kind, format_duration

Severity = Literal["high", "medium", "warning"]

#: component types that hold data (a ``backup_interval`` is expected on them)
DATA_STORE_TYPES = frozenset(
    {
        "database",
        "db",
        "datastore",
        "data_store",
        "storage",
        "san",
        "nas",
        "object_store",
        "file_store",
        "filestore",
        "data_warehouse",
        "message_queue",
        "message_broker",
    }
)


@dataclass(frozen=True)
class Finding:
    """One thing a continuity planner should look at; ``warning`` ones do not count."""

    severity: Severity
    code: str
    component: str
    message: str

    @property
    def counts(self) -> bool:
        """True for findings, False for warnings."""
        return self.severity != "warning"

    def as_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "code": self.code,
            "component": self.component,
            "message": self.message,
        }


def _is_store(c: Component) -> bool:
    return c.backup_interval is not None or (c.type or "").lower() in DATA_STORE_TYPES


def check(graph: Graph) -> list[Finding]:
    """Every continuity finding and warning on the model, findings first (by severity)."""
    if graph.model is None:
        raise InputError("continuity checks need the model's attributes (rto, mtpd, ...)")
    model = graph.model
    n, ids = graph.n, graph.ids
    comp = [model.by_id[cid] for cid in ids]
    out: list[Finding] = []

    for c in comp:
        if c.rto is not None and c.mtpd is not None and c.rto > c.mtpd:
            out.append(
                Finding(
                    "high",
                    "rto-exceeds-mtpd",
                    c.id,
                    f"RTO {format_duration(c.rto)} is longer than MTPD "
                    f"{format_duration(c.mtpd)}; the RTO must not exceed it",
                )
            )

    # one pass over hard dependencies and member edges, dependencies first
    src = np.repeat(np.arange(n, dtype=np.int64), np.diff(graph.dep_ptr))[graph.dep_hard]
    dst = graph.dep_idx[graph.dep_hard]
    msrc = np.repeat(np.arange(n, dtype=np.int64), np.diff(graph.mem_ptr))
    pre = np.concatenate([dst, graph.mem_idx]).astype(np.int64)
    post = np.concatenate([src, msrc]).astype(np.int64)
    scc, count = topological_components(n, pre, post)
    members_of: list[list[int]] = [[] for _ in range(count)]
    for v, s in enumerate(scc.tolist()):
        members_of[s].append(v)
    deps_of: list[list[int]] = [[] for _ in range(n)]
    for a, b in zip(post.tolist(), pre.tolist(), strict=True):
        deps_of[a].append(b)
    is_group = [c.kind is Kind.GROUP for c in comp]
    weight = [c.recovery_time or 0 for c in comp]

    chain = [0] * n  # longest recovery chain below and including v
    nxt = [-1] * n  # the dependency that chain goes through
    store = [(-1, -1)] * n  # (largest backup_interval below, which store)
    tiers: list[dict[int, tuple[int, int]]] = [{} for _ in range(n)]  # tier → (max rto, who)
    scc_l = scc.tolist()
    for s in range(count):
        vs = members_of[s]
        cyc = len(vs) > 1
        best, via = 0, -1
        st = (-1, -1)
        tr: dict[int, tuple[int, int]] = {}
        for v in vs:
            c = comp[v]
            if c.backup_interval is not None and c.backup_interval > st[0]:
                st = (c.backup_interval, v)
            ext = [d for d in deps_of[v] if scc_l[d] != s]
            if is_group[v] and not cyc:
                k = 1 if c.min_up is None else c.min_up
                lens = sorted((chain[d], d) for d in ext)
                if len(lens) >= k and lens[k - 1][0] > best:
                    best, via = lens[k - 1]
            else:
                for d in ext:
                    if chain[d] > best:
                        best, via = chain[d], d
            for d in ext:
                if store[d][0] > st[0]:
                    st = store[d]
                for t, (r, who) in tiers[d].items():
                    if t not in tr or r > tr[t][0]:
                        tr[t] = (r, who)
                dc = comp[d]
                if (
                    dc.tier is not None
                    and dc.rto is not None
                    and (dc.tier not in tr or dc.rto > tr[dc.tier][0])
                ):
                    tr[dc.tier] = (dc.rto, d)
        own = sum(weight[v] for v in vs)
        for v in vs:
            chain[v] = own + best
            nxt[v] = via
            store[v] = st
            tiers[v] = tr

    def path(v: int) -> str:
        hops = [ids[v]]
        w = nxt[v]
        while w >= 0 and len(hops) < 50:
            hops.append(ids[w])
            w = nxt[w]
        return " → ".join(hops)

    for v, c in enumerate(comp):
        if c.kind is Kind.BUSINESS_SERVICE and c.rto is not None and chain[v] > c.rto:
            out.append(
                Finding(
                    "high" if c.tier == 1 else "medium",
                    "recovery-chain-exceeds-rto",
                    c.id,
                    f"rebuilding its longest hard chain takes {format_duration(chain[v])} "
                    f"(RTO {format_duration(c.rto)}): {path(v)}",
                )
            )
        if c.rpo is not None and store[v][0] > c.rpo:
            interval, who = store[v]
            out.append(
                Finding(
                    "high",
                    "rpo-exceeds-backup",
                    c.id,
                    f"RPO {format_duration(c.rpo)} but it needs {ids[who]}, backed up every "
                    f"{format_duration(interval)}",
                )
            )
        if c.tier is not None and c.rto is not None:
            worse = [(r, t, who) for t, (r, who) in tiers[v].items() if t > c.tier and r > c.rto]
            if worse:
                r, t, who = max(worse)
                out.append(
                    Finding(
                        "medium",
                        "tier-inversion",
                        c.id,
                        f"tier {c.tier} (RTO {format_duration(c.rto)}) needs {ids[who]}, tier {t} "
                        f"with RTO {format_duration(r)}",
                    )
                )

    out.extend(_warnings(comp, deps_of))
    rank = {"high": 0, "medium": 1, "warning": 2}
    out.sort(key=lambda f: (rank[f.severity], f.code, f.component))
    return out


def _warnings(comp: list[Component], deps_of: list[list[int]]) -> list[Finding]:
    """Missing data that weakens plans and checks (listed, not counted)."""
    out: list[Finding] = []
    needed_by_rpo: set[int] = set()
    todo = [v for v, c in enumerate(comp) if c.rpo is not None]
    seen = set(todo)
    while todo:
        v = todo.pop()
        for d in deps_of[v]:
            if d not in seen:
                seen.add(d)
                needed_by_rpo.add(d)
                todo.append(d)
    for v, c in enumerate(comp):
        if c.kind is not Kind.GROUP and c.recovery_time is None:
            out.append(
                Finding(
                    "warning",
                    "missing-recovery-time",
                    c.id,
                    "no recovery_time: a restore of it counts as 0 in plans",
                )
            )
        if c.kind is Kind.BUSINESS_SERVICE and c.rto is None:
            out.append(
                Finding(
                    "warning",
                    "missing-rto",
                    c.id,
                    "a business service without RTO: breaches cannot be judged",
                )
            )
        if v in needed_by_rpo and _is_store(c) and c.backup_interval is None:
            out.append(
                Finding(
                    "warning",
                    "missing-backup-interval",
                    c.id,
                    "a data store that something with an RPO needs has no backup_interval",
                )
            )
    return out
