"""Model → compact indexed graph: ids ↔ ints, CSR adjacency and one attribute table, built once.

A :class:`Graph` is immutable: its arrays are read-only and assignment is refused, so one graph
can be shared by every request a server answers. Edges are held twice, by source
(:attr:`Graph.dependencies`: whom I need) and by target (:attr:`Graph.dependents`: who needs
me). Group member edges ``group → member`` are kept apart (:attr:`Graph.members`, and the
reverse :attr:`Graph.groups`) because their rule differs (SPEC §3 rule 4). Component
attributes (``name``, ``rto``, ``team``, …) sit in one column table, :attr:`Graph.attrs`,
filled the same way whether the graph comes from a model or straight from a store's rows.

Data derived from a graph (the kernel's renumbering, the planner's columns) is never written
into it: :func:`derived` keeps it in a cache keyed by the graph.

>>> from impactgraph.model import Component, Dependency, Model, Kind
>>> g = Graph.from_model(Model.build(
...     [Component(id="dc1", kind=Kind.SITE), Component(id="host1", kind=Kind.INFRASTRUCTURE,
...      team="ops")], [Dependency(source="host1", target="dc1", type="located_at")]))
>>> g.n, [g.ids[a] for a in g.dependents_of(g.index["dc1"])], g.attr("team")[1]
(2, ['host1'], 'ops')
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

import numpy as np
import numpy.typing as npt

from impactgraph.model import Component, Kind, MemberMode, Model, Strength

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
I8 = npt.NDArray[np.int8]
B1 = npt.NDArray[np.bool_]

KIND_CODES: tuple[Kind, ...] = tuple(Kind)
KIND_CODE = {k: i for i, k in enumerate(KIND_CODES)}

#: the attributes a graph's column table holds: every Component field but the structural ones
ATTRIBUTES: tuple[str, ...] = tuple(
    f for f in Component.model_fields if f not in ("id", "kind", "members", "min_up")
)


class Adjacency(NamedTuple):
    """Dependency edges as CSR: the edges of node ``v`` are positions ``ptr[v]:ptr[v + 1]``;
    ``idx`` is the node at the other end, the other arrays that edge's attributes."""

    ptr: I64
    idx: I64
    hard: B1
    tol: I64
    type: I32


class Membership(NamedTuple):
    """Group → member edges as CSR (members of group ``g`` at ``ptr[g]:ptr[g + 1]``)."""

    ptr: I64
    idx: I64
    standby: B1
    activation: I64


class Csr(NamedTuple):
    """A plain CSR adjacency (``idx[ptr[v]:ptr[v + 1]]`` are the neighbours of ``v``)."""

    ptr: I64
    idx: I64


class EdgeColumns(NamedTuple):
    """Dependencies as parallel columns: edge ``e`` is ``source[e]`` needs ``target[e]``."""

    source: I64
    target: I64
    hard: B1
    tolerance: I64
    type: I32


class GroupColumns(NamedTuple):
    """Member edges as parallel columns, and ``min_up`` per node (0 for non-groups)."""

    group: I64
    member: I64
    standby: B1
    activation: I64
    min_up: I32


class EdgeRow(NamedTuple):
    """One dependency as plain values (for builders that do not go through pydantic)."""

    source: str
    target: str
    type: str = "depends_on"
    hard: bool = True
    tolerance: int = 0


class Attributes:
    """The component attribute table: one column per :data:`ATTRIBUTES` name, ``None`` where a
    component has no value, read by node index. Filled from explicit columns (a store's rows)
    or, column by column on first use, from a model's components. Columns are tuples (a tuple
    given is kept as it is, so a caller's immutable columns are shared, not copied)."""

    __slots__ = ("_columns", "_components", "_lock", "_n")

    def __init__(
        self,
        n: int,
        columns: Mapping[str, Sequence[Any]] | None = None,
        components: Sequence[Component] | None = None,
    ) -> None:
        self._n = n
        self._columns: dict[str, tuple[Any, ...]] = {}
        for name, col in (columns or {}).items():
            if name not in ATTRIBUTES:
                raise ValueError(f"unknown attribute column {name!r}")
            if len(col) != n:
                raise ValueError(f"attribute column {name!r} has {len(col)} values, not {n}")
            self._columns[name] = col if isinstance(col, tuple) else tuple(col)
        self._components = components
        self._lock = threading.Lock()

    def __getitem__(self, name: str) -> tuple[Any, ...]:
        col = self._columns.get(name)
        if col is not None:
            return col
        if name not in ATTRIBUTES:
            raise KeyError(name)
        with self._lock:
            col = self._columns.get(name)
            if col is None:
                comps = self._components
                col = (
                    tuple(getattr(c, name) for c in comps)
                    if comps is not None
                    else (None,) * self._n
                )
                self._columns[name] = col
        return col


@dataclass(frozen=True, slots=True, eq=False, weakref_slot=True)
class Graph:
    """An immutable, array-backed view of a model. Build with :meth:`from_model`,
    :meth:`from_rows` or :meth:`from_arrays`."""

    ids: tuple[str, ...]
    index: Mapping[str, int]
    kind: I8
    #: ``min_up`` per node (0 for non-groups)
    min_up: I32
    #: edges by source: whom each component needs
    dependencies: Adjacency
    #: the same edges by target: who needs each component
    dependents: Adjacency
    #: group → members
    members: Membership
    #: member → the groups it belongs to
    groups: Csr
    edge_types: tuple[str, ...]
    attrs: Attributes

    # ---- construction -----------------------------------------------------------------

    @classmethod
    def from_model(cls, model: Model) -> Graph:
        """Index a validated model (its attributes are read from the components on demand)."""
        comps = model.components
        ids = [c.id for c in comps]
        index = {cid: i for i, cid in enumerate(ids)}
        deps = model.dependencies
        m = len(deps)
        type_code: dict[str, int] = {}
        edges = EdgeColumns(
            np.fromiter((index[d.source] for d in deps), dtype=np.int64, count=m),
            np.fromiter((index[d.target] for d in deps), dtype=np.int64, count=m),
            np.fromiter((d.strength is Strength.HARD for d in deps), dtype=np.bool_, count=m),
            np.fromiter((d.tolerance for d in deps), dtype=np.int64, count=m),
            np.fromiter(
                (type_code.setdefault(d.type, len(type_code)) for d in deps),
                dtype=np.int32,
                count=m,
            ),
        )
        groups = group_columns(
            index,
            (
                (
                    c.id,
                    1 if c.min_up is None else c.min_up,
                    [(mb.id, mb.mode is MemberMode.STANDBY, mb.activation) for mb in c.members],
                )
                for c in comps
                if c.kind is Kind.GROUP
            ),
        )
        kind = np.fromiter((KIND_CODE[c.kind] for c in comps), dtype=np.int8, count=len(comps))
        return cls.from_arrays(
            ids,
            kind,
            edges,
            list(type_code),
            groups,
            attributes=Attributes(len(ids), components=comps),
            index=index,
        )

    @classmethod
    def from_rows(
        cls,
        ids: Sequence[str],
        kinds: Sequence[Kind],
        edges: Iterable[EdgeRow],
        groups: Iterable[tuple[str, int, Sequence[tuple[str, bool, int]]]] = (),
        attributes: Mapping[str, Sequence[Any]] | None = None,
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
            ids,
            np.fromiter((KIND_CODE[k] for k in kinds), dtype=np.int8, count=len(ids)),
            EdgeColumns(
                np.asarray(src, dtype=np.int64),
                np.asarray(dst, dtype=np.int64),
                np.asarray(hard, dtype=np.bool_),
                np.asarray(tol, dtype=np.int64),
                np.asarray(typ, dtype=np.int32),
            ),
            list(type_code),
            group_columns(index, groups),
            attributes=attributes,
            index=index,
        )

    @classmethod
    def from_arrays(
        cls,
        ids: Sequence[str],
        kind: I8,
        edges: EdgeColumns,
        edge_types: Sequence[str],
        groups: GroupColumns,
        *,
        attributes: Attributes | Mapping[str, Sequence[Any]] | None = None,
        index: Mapping[str, int] | None = None,
    ) -> Graph:
        """Index columns: node ``i`` is ``ids[i]`` of kind code ``kind[i]``; edge ``e`` has type
        ``edge_types[edges.type[e]]``; ``attributes`` are columns by :data:`ATTRIBUTES` name."""
        n = len(ids)
        if index is None:
            index = {cid: i for i, cid in enumerate(ids)}
        if not isinstance(attributes, Attributes):
            attributes = Attributes(n, columns=attributes)
        src, dst = edges.source, edges.target
        dnt_ptr, by_dst = csr(dst, n)
        dep_ptr, by_src = csr(src, n)
        mem_ptr, by_group = csr(groups.group, n)
        grp_ptr, by_member = csr(groups.member, n)
        hard, tol, typ = edges.hard, edges.tolerance, edges.type
        return cls(
            ids=tuple(ids),
            index=index,
            kind=_frozen(np.array(kind, dtype=np.int8)),
            min_up=_frozen(np.array(groups.min_up, dtype=np.int32)),
            dependencies=_adjacency(dep_ptr, dst, hard, tol, typ, by_src),
            dependents=_adjacency(dnt_ptr, src, hard, tol, typ, by_dst),
            members=Membership(
                _frozen(mem_ptr),
                _frozen(groups.member[by_group]),
                _frozen(groups.standby[by_group]),
                _frozen(groups.activation[by_group]),
            ),
            groups=Csr(_frozen(grp_ptr), _frozen(groups.group[by_member])),
            edge_types=tuple(edge_types),
            attrs=attributes,
        )

    # ---- reading -------------------------------------------------------------------------

    @property
    def n(self) -> int:
        """Number of components."""
        return len(self.ids)

    @property
    def edge_count(self) -> int:
        """Number of dependency edges (member edges not included)."""
        return len(self.dependencies.idx)

    def attr(self, name: str) -> tuple[Any, ...]:
        """One component attribute (an :data:`ATTRIBUTES` name) per node, None where unset."""
        return self.attrs[name]

    def rates(self) -> npt.NDArray[np.float64]:
        """``impact_per_hour`` per node (0 where unknown)."""
        return derived(
            self,
            "rates",
            lambda g: np.fromiter(
                (r or 0.0 for r in g.attr("impact_per_hour")), dtype=np.float64, count=g.n
            ),
        )

    def dependents_of(self, v: int) -> list[int]:
        """Nodes that need ``v`` (one level)."""
        p = self.dependents.ptr
        return self.dependents.idx[p[v] : p[v + 1]].tolist()  # type: ignore[no-any-return]

    def dependencies_of(self, v: int) -> list[int]:
        """Nodes that ``v`` needs (one level)."""
        p = self.dependencies.ptr
        return self.dependencies.idx[p[v] : p[v + 1]].tolist()  # type: ignore[no-any-return]

    def members_of(self, v: int) -> list[int]:
        """Members of group ``v``."""
        p = self.members.ptr
        return self.members.idx[p[v] : p[v + 1]].tolist()  # type: ignore[no-any-return]

    def groups_of(self, v: int) -> list[int]:
        """Groups that ``v`` is a member of."""
        p = self.groups.ptr
        return self.groups.idx[p[v] : p[v + 1]].tolist()  # type: ignore[no-any-return]

    def kind_of(self, v: int) -> Kind:
        """The kind of node ``v``."""
        return KIND_CODES[int(self.kind[v])]

    def id_rank(self) -> I64:
        """Each node's position among the ids in sorted order, once per graph: ties between
        causes, steps and chains go by id, whatever order the model or a store listed them in.
        """
        return derived(self, "id-rank", _id_rank)

    def edge_sources(self) -> I64:
        """The source node of every edge in :attr:`dependencies` order."""
        return derived(
            self,
            "edge-sources",
            lambda g: _frozen(
                np.repeat(np.arange(g.n, dtype=np.int64), np.diff(g.dependencies.ptr))
            ),
        )


_D = TypeVar("_D")
_DERIVED: weakref.WeakKeyDictionary[Graph, dict[str, Any]] = weakref.WeakKeyDictionary()
_DERIVED_LOCK = threading.Lock()


def derived(graph: Graph, key: str, build: Callable[[Graph], _D]) -> _D:
    """``build(graph)``, computed once per graph and key and kept beside the graph (not in it)
    for as long as the graph lives. Safe to call from several threads (a value may be built
    twice; one wins)."""
    with _DERIVED_LOCK:
        cache = _DERIVED.get(graph)
        if cache is None:
            cache = _DERIVED[graph] = {}
        if key in cache:
            return cache[key]  # type: ignore[no-any-return]
    value = build(graph)
    with _DERIVED_LOCK:
        return cache.setdefault(key, value)  # type: ignore[no-any-return]


def _id_rank(graph: Graph) -> I64:
    ids = graph.ids
    if any("\x00" in cid for cid in ids):  # numpy's strings drop trailing NULs: sort in Python
        order = np.asarray(sorted(range(graph.n), key=ids.__getitem__), dtype=np.int64)
    else:  # code point order, as Python sorts str; bytes when ASCII (faster)
        try:
            text = np.array(ids, dtype="S")
        except UnicodeEncodeError:
            text = np.array(ids, dtype="U")
        order = np.argsort(text, kind="stable")
    rank = np.empty(graph.n, dtype=np.int64)
    rank[order] = np.arange(graph.n, dtype=np.int64)
    return _frozen(rank)


def group_columns(
    index: Mapping[str, int], groups: Iterable[tuple[str, int, Sequence[tuple[str, bool, int]]]]
) -> GroupColumns:
    """Member edge columns from ``(group id, min_up, [(member id, standby, activation)])``."""
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
    return GroupColumns(
        np.asarray(g_of, dtype=np.int64),
        np.asarray(m_of, dtype=np.int64),
        np.asarray(m_sb, dtype=np.bool_),
        np.asarray(m_act, dtype=np.int64),
        min_up,
    )


def csr(keys: npt.NDArray[np.integer[Any]], n: int) -> tuple[I64, I64]:
    """CSR pointers for rows ``0..n-1`` and the stable order that sorts ``keys`` (the row of
    each entry): entries of row ``v`` are ``order[ptr[v]:ptr[v + 1]]``.

    >>> ptr, order = csr(np.array([2, 0, 2]), 3)
    >>> ptr.tolist(), order.tolist()
    ([0, 1, 1, 3], [1, 0, 2])
    """
    keys = np.asarray(keys, dtype=np.int64)
    order = np.argsort(keys, kind="stable").astype(np.int64)
    ptr = np.zeros(n + 1, dtype=np.int64)
    if len(keys):
        np.cumsum(np.bincount(keys, minlength=n), out=ptr[1:])
    return ptr, order


def _adjacency(ptr: I64, other: I64, hard: B1, tol: I64, typ: I32, order: I64) -> Adjacency:
    """One direction of the dependency edges: columns taken in ``order``, read-only."""
    return Adjacency(
        _frozen(ptr),
        _frozen(other[order]),
        _frozen(hard[order]),
        _frozen(tol[order]),
        _frozen(typ[order]),
    )


_A = TypeVar("_A", bound=np.ndarray[Any, Any])


def _frozen(a: _A) -> _A:
    a.flags.writeable = False
    return a
