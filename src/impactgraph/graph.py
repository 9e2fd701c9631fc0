"""Model → compact indexed graph: ids ↔ ints and CSR adjacency, built once, read by the engine.

Edges are stored twice, by target (``dependents``: who needs me) and by source
(``dependencies``: whom I need). Group member edges ``group → member`` are kept apart from
dependencies because their rule differs (SPEC §3 rule 4).

>>> from impactgraph.model import Component, Dependency, Model, Kind
>>> g = Graph.from_model(Model.build(
...     [Component(id="dc1", kind=Kind.SITE), Component(id="host1", kind=Kind.INFRASTRUCTURE)],
...     [Dependency(source="host1", target="dc1", type="located_at")]))
>>> g.n, [g.ids[a] for a in g.dependents_of(g.index["dc1"])]
(2, ['host1'])
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from impactgraph.model import Component, Dependency, Kind, Member, MemberMode, Model, Strength

KIND_CODES: tuple[Kind, ...] = tuple(Kind)
KIND_CODE = {k: i for i, k in enumerate(KIND_CODES)}


@dataclass(frozen=True)
class EdgeRow:
    """One dependency as plain values (for builders that do not go through pydantic)."""

    source: str
    target: str
    type: str = "depends_on"
    hard: bool = True
    tolerance: int = 0


@dataclass(eq=False)
class Graph:
    """A frozen, array-backed view of a model. Build with :meth:`from_model` or :meth:`from_rows`.

    Adjacency ``X_ptr``/``X_idx`` are CSR: the neighbours of node ``v`` are
    ``X_idx[X_ptr[v]:X_ptr[v+1]]``; per-edge attributes sit at the same positions.
    """

    ids: list[str]
    index: dict[str, int]
    kind: npt.NDArray[np.int8]
    #: dependents CSR (edge target → sources); attributes per edge
    dnt_ptr: npt.NDArray[np.int64]
    dnt_idx: npt.NDArray[np.int64]
    dnt_hard: npt.NDArray[np.bool_]
    dnt_tol: npt.NDArray[np.int64]
    dnt_type: npt.NDArray[np.int32]
    #: dependencies CSR (edge source → targets); same edges, other order
    dep_ptr: npt.NDArray[np.int64]
    dep_idx: npt.NDArray[np.int64]
    dep_hard: npt.NDArray[np.bool_]
    dep_tol: npt.NDArray[np.int64]
    dep_type: npt.NDArray[np.int32]
    edge_types: list[str]
    #: groups: min_up per node (0 for non-groups); members as CSR group → member
    min_up: npt.NDArray[np.int32]
    mem_ptr: npt.NDArray[np.int64]
    mem_idx: npt.NDArray[np.int64]
    mem_standby: npt.NDArray[np.bool_]
    mem_activation: npt.NDArray[np.int64]
    #: member → groups it belongs to (CSR)
    grp_ptr: npt.NDArray[np.int64]
    grp_idx: npt.NDArray[np.int64]
    #: per-node attribute columns (Component field name → values in node order), when the
    #: graph was read from a store without building pydantic objects
    columns: dict[str, list[Any]] | None = field(default=None, repr=False)
    _model: Model | None = field(default=None, repr=False)
    _lists: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def model(self) -> Model | None:
        """The model behind the graph; built from :attr:`columns` on first use if need be."""
        if self._model is None and self.columns is not None:
            self._model = self._model_from_columns()
        return self._model

    @model.setter
    def model(self, value: Model | None) -> None:
        self._model = value

    # ---- construction -----------------------------------------------------------------

    @classmethod
    def from_model(cls, model: Model) -> Graph:
        """Index a validated model."""
        comps = model.components
        ids = [c.id for c in comps]
        index = {cid: i for i, cid in enumerate(ids)}
        deps = model.dependencies
        type_code: dict[str, int] = {}
        g = cls.from_arrays(
            ids,
            np.fromiter((KIND_CODE[c.kind] for c in comps), dtype=np.int8, count=len(comps)),
            np.fromiter((index[d.source] for d in deps), dtype=np.int64, count=len(deps)),
            np.fromiter((index[d.target] for d in deps), dtype=np.int64, count=len(deps)),
            np.fromiter(
                (d.strength is Strength.HARD for d in deps), dtype=np.bool_, count=len(deps)
            ),
            np.fromiter((d.tolerance for d in deps), dtype=np.int64, count=len(deps)),
            np.fromiter(
                (type_code.setdefault(d.type, len(type_code)) for d in deps),
                dtype=np.int32,
                count=len(deps),
            ),
            list(type_code),
            _group_arrays(
                index,
                (
                    (
                        c.id,
                        1 if c.min_up is None else c.min_up,
                        [(m.id, m.mode is MemberMode.STANDBY, m.activation) for m in c.members],
                    )
                    for c in comps
                    if c.kind is Kind.GROUP
                ),
            ),
            index=index,
        )
        g.model = model
        return g

    @classmethod
    def from_rows(
        cls,
        ids: Sequence[str],
        kinds: Sequence[Kind],
        edges: Iterable[EdgeRow],
        groups: Iterable[tuple[str, int, Sequence[tuple[str, bool, int]]]] = (),
    ) -> Graph:
        """Index plain rows (ids must be unique and every edge must name known ids)."""
        index = {cid: i for i, cid in enumerate(ids)}
        src: list[int] = []
        dst: list[int] = []
        hard: list[bool] = []
        tol: list[int] = []
        typ: list[int] = []
        type_code: dict[str, int] = {}
        for e in edges:
            src.append(index[e.source])
            dst.append(index[e.target])
            hard.append(e.hard)
            tol.append(e.tolerance)
            typ.append(type_code.setdefault(e.type, len(type_code)))
        return cls.from_arrays(
            list(ids),
            np.fromiter((KIND_CODE[k] for k in kinds), dtype=np.int8, count=len(ids)),
            np.asarray(src, dtype=np.int64),
            np.asarray(dst, dtype=np.int64),
            np.asarray(hard, dtype=np.bool_),
            np.asarray(tol, dtype=np.int64),
            np.asarray(typ, dtype=np.int32),
            list(type_code),
            _group_arrays(index, groups),
            index=index,
        )

    @classmethod
    def from_arrays(
        cls,
        ids: list[str],
        kind: npt.NDArray[np.int8],
        src: npt.NDArray[np.int64],
        dst: npt.NDArray[np.int64],
        hard: npt.NDArray[np.bool_],
        tol: npt.NDArray[np.int64],
        typ: npt.NDArray[np.int32],
        edge_types: list[str],
        groups: GroupArrays,
        index: dict[str, int] | None = None,
    ) -> Graph:
        """Index columns: node ``i`` is ``ids[i]`` of kind code ``kind[i]``; edge ``e`` is
        ``src[e]`` needs ``dst[e]`` with type ``edge_types[typ[e]]``; ``groups`` are
        (group, member, standby, activation) columns plus ``min_up`` per node."""
        n = len(ids)
        if index is None:
            index = {cid: i for i, cid in enumerate(ids)}
        dnt_ptr, order = _csr(dst, n)
        dep_ptr, order2 = _csr(src, n)
        g_of, m_of, m_sb, m_act, min_up = groups
        mem_ptr, morder = _csr(g_of, n)
        grp_ptr, gorder = _csr(m_of, n)
        return cls(
            ids=ids,
            index=index,
            kind=kind,
            dnt_ptr=dnt_ptr,
            dnt_idx=src[order],
            dnt_hard=hard[order],
            dnt_tol=tol[order],
            dnt_type=typ[order],
            dep_ptr=dep_ptr,
            dep_idx=dst[order2],
            dep_hard=hard[order2],
            dep_tol=tol[order2],
            dep_type=typ[order2],
            edge_types=edge_types,
            min_up=min_up,
            mem_ptr=mem_ptr,
            mem_idx=m_of[morder],
            mem_standby=m_sb[morder],
            mem_activation=m_act[morder],
            grp_ptr=grp_ptr,
            grp_idx=g_of[gorder],
        )

    # ---- reading -------------------------------------------------------------------------

    @property
    def n(self) -> int:
        """Number of components."""
        return len(self.ids)

    @property
    def edge_count(self) -> int:
        """Number of dependency edges (member edges not included)."""
        return len(self.dep_idx)

    def lists(self, name: str) -> list[int] | list[bool]:
        """An array as a cached Python list (fast element access in pure-Python loops)."""
        out: list[int] | list[bool] | None = self._lists.get(name)
        if out is None:
            out = getattr(self, name).tolist()
            self._lists[name] = out
        return out

    def attr(self, name: str) -> list[Any]:
        """One component attribute (a :class:`Component` field) per node, None where unset.

        Read from :attr:`columns` when there are any, so that large graphs read from a store
        never need the pydantic model.
        """
        if self.columns is not None and name in self.columns:
            return self.columns[name]
        key = "attr:" + name
        cached = self._lists.get(key)
        if cached is None:
            model = self.model
            if model is None:
                cached = [None] * self.n
            else:
                cached = [getattr(c, name) for c in model.components]
            self._lists[key] = cached
        return cached

    def component(self, component_id: str) -> Component | None:
        """One component by id (from the model, or built from :attr:`columns`)."""
        v = self.index.get(component_id)
        if v is None:
            return None
        if self._model is not None or self.columns is None:
            return self._model.by_id.get(component_id) if self._model is not None else None
        return self._component_at(v)

    def rates(self) -> npt.NDArray[np.float64]:
        """``impact_per_hour`` per node (0 where unknown), cached."""
        cached = self._lists.get("__rates__")
        if cached is None:
            cached = np.fromiter(
                (r or 0.0 for r in self.attr("impact_per_hour")), dtype=np.float64, count=self.n
            )
            self._lists["__rates__"] = cached
        return cached

    def _component_at(self, v: int) -> Component:
        assert self.columns is not None
        data = {name: col[v] for name, col in self.columns.items()}
        data["id"] = self.ids[v]
        data["kind"] = KIND_CODES[int(self.kind[v])]
        if "min_up" not in data:
            data["min_up"] = int(self.min_up[v]) or None
        data["members"] = tuple(
            Member.model_construct(
                id=self.ids[int(self.mem_idx[e])],
                mode=MemberMode.STANDBY if self.mem_standby[e] else MemberMode.ACTIVE,
                activation=int(self.mem_activation[e]),
            )
            for e in range(int(self.mem_ptr[v]), int(self.mem_ptr[v + 1]))
        )
        data["tags"] = tuple(data.get("tags") or ())
        return Component.model_construct(**data)

    def _model_from_columns(self) -> Model:
        comps = [self._component_at(v) for v in range(self.n)]
        ids = self.ids
        src = np.repeat(np.arange(self.n, dtype=np.int64), np.diff(self.dep_ptr)).tolist()
        deps = [
            Dependency.model_construct(
                source=ids[a],
                target=ids[b],
                type=self.edge_types[ty],
                strength=Strength.HARD if h else Strength.SOFT,
                tolerance=tol,
            )
            for a, b, ty, h, tol in zip(
                src,
                self.dep_idx.tolist(),
                self.dep_type.tolist(),
                self.dep_hard.tolist(),
                self.dep_tol.tolist(),
                strict=True,
            )
        ]
        return Model.model_construct(components=tuple(comps), dependencies=tuple(deps))

    def dependents_of(self, v: int) -> list[int]:
        """Nodes that need ``v`` (one level)."""
        return [int(x) for x in self.dnt_idx[self.dnt_ptr[v] : self.dnt_ptr[v + 1]]]

    def members_of(self, v: int) -> list[int]:
        """Members of group ``v``."""
        return [int(x) for x in self.mem_idx[self.mem_ptr[v] : self.mem_ptr[v + 1]]]

    def groups_of(self, v: int) -> list[int]:
        """Groups that ``v`` is a member of."""
        return [int(x) for x in self.grp_idx[self.grp_ptr[v] : self.grp_ptr[v + 1]]]

    def kind_of(self, v: int) -> Kind:
        """The kind of node ``v``."""
        return KIND_CODES[int(self.kind[v])]


GroupArrays = tuple[
    npt.NDArray[np.int64],
    npt.NDArray[np.int64],
    npt.NDArray[np.bool_],
    npt.NDArray[np.int64],
    npt.NDArray[np.int32],
]
"""(group, member, standby, activation) per member edge, and ``min_up`` per node."""


def _group_arrays(
    index: dict[str, int], groups: Iterable[tuple[str, int, Sequence[tuple[str, bool, int]]]]
) -> GroupArrays:
    min_up = np.zeros(len(index), dtype=np.int32)
    g_of: list[int] = []
    m_of: list[int] = []
    m_sb: list[bool] = []
    m_act: list[int] = []
    for gid, k, mems in groups:
        gi = index[gid]
        min_up[gi] = k
        for mid, standby, activation in mems:
            g_of.append(gi)
            m_of.append(index[mid])
            m_sb.append(standby)
            m_act.append(activation)
    return (
        np.asarray(g_of, dtype=np.int64),
        np.asarray(m_of, dtype=np.int64),
        np.asarray(m_sb, dtype=np.bool_),
        np.asarray(m_act, dtype=np.int64),
        min_up,
    )


def _csr(
    keys: npt.NDArray[np.int64], n: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """CSR pointer array and a stable order that sorts ``keys``."""
    order = np.argsort(keys, kind="stable")
    counts = np.bincount(keys, minlength=n) if len(keys) else np.zeros(n, dtype=np.int64)
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    return ptr, order.astype(np.int64)
