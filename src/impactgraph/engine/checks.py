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

from impactgraph.engine._scc import topological_components
from impactgraph.graph import KIND_CODE, Graph
from impactgraph.model import Kind, format_duration

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


GROUP = KIND_CODE[Kind.GROUP]
BUSINESS = KIND_CODE[Kind.BUSINESS_SERVICE]


def check(graph: Graph) -> list[Finding]:
    """Every continuity finding and warning on the model, findings first (by severity)."""
    n, ids = graph.n, graph.ids
    rto, mtpd, rpo = graph.attr("rto"), graph.attr("mtpd"), graph.attr("rpo")
    tier, backup = graph.attr("tier"), graph.attr("backup_interval")
    kind = graph.kind.tolist()
    out: list[Finding] = []

    for v in range(n):
        if rto[v] is not None and mtpd[v] is not None and rto[v] > mtpd[v]:
            out.append(
                Finding(
                    "high",
                    "rto-exceeds-mtpd",
                    ids[v],
                    f"RTO {format_duration(rto[v])} is longer than MTPD "
                    f"{format_duration(mtpd[v])}; the RTO must not exceed it",
                )
            )

    # one pass over hard dependencies and member edges, dependencies first
    hard = graph.dependencies.hard
    src = graph.edge_sources()[hard]
    dst = graph.dependencies.idx[hard]
    msrc = np.repeat(np.arange(n, dtype=np.int64), np.diff(graph.members.ptr))
    pre = np.concatenate([dst, graph.members.idx]).astype(np.int64)
    post = np.concatenate([src, msrc]).astype(np.int64)
    scc, count = topological_components(n, pre, post)
    members_of: list[list[int]] = [[] for _ in range(count)]
    for v, s in enumerate(scc.tolist()):
        members_of[s].append(v)
    deps_of: list[list[int]] = [[] for _ in range(n)]
    for a, b in zip(post.tolist(), pre.tolist(), strict=True):
        deps_of[a].append(b)
    is_group = [k == GROUP for k in kind]
    min_up = graph.min_up.tolist()
    weight = [r or 0 for r in graph.attr("recovery_time")]

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
            if backup[v] is not None and backup[v] > st[0]:
                st = (backup[v], v)
            ext = [d for d in deps_of[v] if scc_l[d] != s]
            if is_group[v] and not cyc:
                k = min_up[v]
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
                dt, dr = tier[d], rto[d]
                if dt is not None and dr is not None and (dt not in tr or dr > tr[dt][0]):
                    tr[dt] = (dr, d)
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

    for v in range(n):
        r_v, t_v = rto[v], tier[v]
        if kind[v] == BUSINESS and r_v is not None and chain[v] > r_v:
            out.append(
                Finding(
                    "high" if t_v == 1 else "medium",
                    "recovery-chain-exceeds-rto",
                    ids[v],
                    f"rebuilding its longest hard chain takes {format_duration(chain[v])} "
                    f"(RTO {format_duration(r_v)}): {path(v)}",
                )
            )
        if rpo[v] is not None and store[v][0] > rpo[v]:
            interval, who = store[v]
            out.append(
                Finding(
                    "high",
                    "rpo-exceeds-backup",
                    ids[v],
                    f"RPO {format_duration(rpo[v])} but it needs {ids[who]}, backed up every "
                    f"{format_duration(interval)}",
                )
            )
        if t_v is not None and r_v is not None:
            worse = [(r, t, who) for t, (r, who) in tiers[v].items() if t > t_v and r > r_v]
            if worse:
                r, t, who = max(worse)
                out.append(
                    Finding(
                        "medium",
                        "tier-inversion",
                        ids[v],
                        f"tier {t_v} (RTO {format_duration(r_v)}) needs {ids[who]}, tier {t} "
                        f"with RTO {format_duration(r)}",
                    )
                )

    out.extend(_warnings(graph, deps_of))
    rank = {"high": 0, "medium": 1, "warning": 2}
    out.sort(key=lambda f: (rank[f.severity], f.code, f.component))
    return out


def _is_store(backup_interval: int | None, type_: str | None) -> bool:
    return backup_interval is not None or (type_ or "").lower() in DATA_STORE_TYPES


def _warnings(graph: Graph, deps_of: list[list[int]]) -> list[Finding]:
    """Missing data that weakens plans and checks (listed, not counted)."""
    ids, kind = graph.ids, graph.kind.tolist()
    rto, rpo, recovery = graph.attr("rto"), graph.attr("rpo"), graph.attr("recovery_time")
    backup, type_ = graph.attr("backup_interval"), graph.attr("type")
    out: list[Finding] = []
    needed_by_rpo: set[int] = set()
    todo = [v for v in range(graph.n) if rpo[v] is not None]
    seen = set(todo)
    while todo:
        v = todo.pop()
        for d in deps_of[v]:
            if d not in seen:
                seen.add(d)
                needed_by_rpo.add(d)
                todo.append(d)
    for v in range(graph.n):
        if kind[v] != GROUP and recovery[v] is None:
            out.append(
                Finding(
                    "warning",
                    "missing-recovery-time",
                    ids[v],
                    "no recovery_time: a restore of it counts as 0 in plans",
                )
            )
        if kind[v] == BUSINESS and rto[v] is None:
            out.append(
                Finding(
                    "warning",
                    "missing-rto",
                    ids[v],
                    "a business service without RTO: breaches cannot be judged",
                )
            )
        if v in needed_by_rpo and _is_store(backup[v], type_[v]) and backup[v] is None:
            out.append(
                Finding(
                    "warning",
                    "missing-backup-interval",
                    ids[v],
                    "a data store that something with an RPO needs has no backup_interval",
                )
            )
    return out
