"""Rows ↔ model, written once for both stores.

A store reads its model back as :class:`StoredRows`: plain tuples in one shape whatever the
backend (components in :data:`COMPONENT_FIELDS` order, sorted by id; dependencies sorted by
``(source, target, type)``; member entries by group, in each group's order). From them
:func:`model_from_rows` builds the pydantic model without validating it again (the values
were validated before they were stored) and :func:`graph_from_rows` builds a
:class:`~impactgraph.graph.Graph` straight from the columns, with no pydantic object at all.
A value the code does not know (a kind, strength or mode written by a newer impactgraph), a
value of the wrong type or out of range, or a row that names a component the store does not
hold (rows edited by hand) is a :class:`~impactgraph.errors.StoreIntegrityError` that names
the table, row and column (:mod:`impactgraph.store._integrity`).

>>> rows = StoredRows(
...     components=[("dc1", "Site A", "site", *[None] * 11, None, None, None, None),
...                 ("host1", None, "infrastructure", *[None] * 11, ["x"], None, None, None)],
...     dependencies=[("host1", "dc1", "located_at", "hard", 0)],
...     members=[], holder="the store")
>>> model = model_from_rows(rows)
>>> [c.id for c in model.components], model.component("host1").tags
(['dc1', 'host1'], ('x',))
>>> g = graph_from_rows(rows)
>>> g.ids, g.attr("name"), g.dependencies_of(g.index["host1"])
(('dc1', 'host1'), ('Site A', None), [0])
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from operator import itemgetter
from typing import Any, NamedTuple, TypeVar

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel

from impactgraph.errors import StoreIntegrityError
from impactgraph.graph import ATTRIBUTES, KIND_CODE, EdgeColumns, Graph, GroupColumns
from impactgraph.model import Component, Dependency, Kind, Member, MemberMode, Model, Strength
from impactgraph.store import _integrity
from impactgraph.store._integrity import COMPONENT_RULES, REQUIRED_DURATION, TEXT, check_column

I64 = npt.NDArray[np.int64]

#: every field of Component but ``members`` (kept apart), in field order: a component row
COMPONENT_FIELDS: tuple[str, ...] = tuple(f for f in Component.model_fields if f != "members")
ID_AT = COMPONENT_FIELDS.index("id")
KIND_AT = COMPONENT_FIELDS.index("kind")
TAGS_AT = COMPONENT_FIELDS.index("tags")
MIN_UP_AT = COMPONENT_FIELDS.index("min_up")
SOURCE_AT = COMPONENT_FIELDS.index("source")
EXTERNAL_ID_AT = COMPONENT_FIELDS.index("external_id")

KINDS: dict[str, Kind] = {k.value: k for k in Kind}
STRENGTHS: dict[str, Strength] = {s.value: s for s in Strength}
MODES: dict[str, MemberMode] = {m.value: m for m in MemberMode}

_T = TypeVar("_T")
_M = TypeVar("_M", bound=BaseModel)

#: ``(source, target, type, strength, tolerance)``
DependencyRow = tuple[str, str, str, str, int]
#: ``(group, member, mode, activation)``
MemberRow = tuple[str, str, str, int]


def _no_tags(tags: Any) -> tuple[str, ...]:
    """Tags stored as a list (or nothing); anything else is not tags."""
    if tags is None:
        return ()
    if not isinstance(tags, list | tuple):
        raise TypeError(f"tags stored as {type(tags).__name__}")
    return tuple(tags)


class ColumnRows(Sequence[tuple[Any, ...]]):
    """Rows held as columns, by a store that reads its tables column by column: ``rows[i]``
    is row ``i`` as a tuple, made only when something asks for it (an error message, a
    model); :func:`checked` takes the columns as they are."""

    __slots__ = ("columns",)

    def __init__(self, columns: Sequence[Sequence[Any]]) -> None:
        if len(set(map(len, columns))) > 1:
            raise StoreIntegrityError("stored columns of different lengths")
        self.columns: list[Sequence[Any]] = list(columns)

    def __len__(self) -> int:
        return len(self.columns[0]) if self.columns else 0

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return tuple([column[i] for column in self.columns])

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return zip(*self.columns, strict=True) if self.columns else iter(())


class StoredRows(NamedTuple):
    """A whole stored model as rows (see the module docstring for their shape and order)."""

    components: Sequence[Sequence[Any]]
    dependencies: Sequence[DependencyRow]
    members: Sequence[MemberRow]
    #: who holds the rows, for error messages ("the store", "the Neo4j store")
    holder: str
    #: a stored ``tags`` value (JSON text, a list, None) as a tuple
    tags: Callable[[Any], tuple[str, ...]] = _no_tags


# ---- values -----------------------------------------------------------------------------------


def decode(table: dict[str, _T], value: Any, column: str, holder: str = "the store") -> _T:
    """``table[value]``, or a :class:`StoreIntegrityError` that says what was found where."""
    try:
        return table[value]
    except (KeyError, TypeError):
        raise StoreIntegrityError(
            f"{holder} holds {column} {value!r}, which impactgraph does not know"
        ) from None


def trusted(cls: type[_M], values: dict[str, Any]) -> _M:
    """An instance from values that were validated before they were stored.

    What ``cls.model_construct(**values)`` does when every field is given, without its
    per-field alias and default lookups (twice as fast, which matters at a million rows).
    """
    fields_set = _ALL_FIELDS.get(cls)
    if fields_set is None:
        return cls.model_construct(**values)
    instance = cls.__new__(cls)
    _set(instance, "__dict__", values)
    _set(instance, "__pydantic_fields_set__", fields_set.copy())
    _set(instance, "__pydantic_extra__", None)
    _set(instance, "__pydantic_private__", None)
    return instance


_set = object.__setattr__
#: models that :func:`trusted` may build directly (no post-init hook, no extra fields)
_ALL_FIELDS: dict[type[BaseModel], set[str]] = {
    cls: set(cls.model_fields)
    for cls in (Component, Dependency, Member)
    if cls.__pydantic_post_init__ is None and cls.model_config.get("extra") != "allow"
}


def stand_in(component_id: str, provenance: tuple[str, str] | None = None) -> Component:
    """A placeholder for a component already in the store, so that references to it check;
    with its ``(source, external_id)`` when that is what is checked."""
    if provenance is None:
        return Component.model_construct(id=component_id, kind=Kind.SERVICE)
    source, external_id = provenance
    return Component.model_construct(
        id=component_id, kind=Kind.SERVICE, source=source, external_id=external_id
    )


def component(
    row: Sequence[Any],
    members: Sequence[Member],
    holder: str = "the store",
    tags: Callable[[Any], tuple[str, ...]] = _no_tags,
    *,
    decoded_tags: tuple[str, ...] | None = None,
) -> Component:
    """A component from its row (:data:`COMPONENT_FIELDS` order) and its members; its tags
    read with ``tags`` unless ``decoded_tags`` gives them."""
    values = dict(zip(COMPONENT_FIELDS, row, strict=True))
    kind = values["kind"]
    values["kind"] = KINDS[kind] if kind in KINDS else decode(KINDS, kind, "kind", holder)
    if decoded_tags is None:
        row_id = values["id"]
        decoded_tags = _integrity.decoded_tags((row_id,), (values["tags"],), tags, holder)[0]
    values["tags"] = decoded_tags
    values["members"] = tuple(members)
    return trusted(Component, values)


def member(member_id: str, mode: str, activation: int, holder: str = "the store") -> Member:
    """A member entry from its stored values."""
    return trusted(
        Member,
        {"id": member_id, "mode": decode(MODES, mode, "mode", holder), "activation": activation},
    )


def dependency(row: DependencyRow, holder: str = "the store") -> Dependency:
    """A dependency from its row."""
    source, target, type_, strength, tolerance = row
    return trusted(
        Dependency,
        {
            "source": source,
            "target": target,
            "type": type_,
            "strength": decode(STRENGTHS, strength, "strength", holder),
            "tolerance": tolerance,
        },
    )


# ---- whole models -----------------------------------------------------------------------------


def model_from_rows(rows: StoredRows) -> Model:
    """The pydantic model of stored rows (not validated again: it was validated before it was
    stored; :func:`checked` makes sure nobody changed it since)."""
    holder = rows.holder
    tags = checked(rows).tags
    members: dict[str, list[Member]] = {}
    for grp, member_id, mode, activation in rows.members:
        members.setdefault(grp, []).append(member(member_id, mode, activation, holder))
    components = tuple(
        component(row, members.get(row[ID_AT], ()), holder, decoded_tags=t)
        for row, t in zip(rows.components, tags, strict=True)
    )
    dependencies = tuple(dependency(row, holder) for row in rows.dependencies)
    return Model.model_construct(components=components, dependencies=dependencies)


class CheckedColumns(NamedTuple):
    """What :func:`checked` gives: the component columns, ids → rows, decoded tags."""

    columns: list[Sequence[Any]]
    row_of: dict[Any, int]
    tags: tuple[tuple[str, ...], ...]
    #: the dependency rows as 5 columns, the member rows as 4
    dependencies: list[Sequence[Any]]
    members: list[Sequence[Any]]
    #: the rows of the ids each dependency (source, target) and member entry (group, member)
    #: names, found while checking that they are stored
    ends: tuple[I64, I64, I64, I64]


def checked(rows: StoredRows) -> CheckedColumns:
    """Check every row a store gave back (:mod:`impactgraph.store._integrity`): the types and
    ranges of every column, known kinds, strengths and modes, every id a row names stored,
    members only in groups.

    Raises :class:`StoreIntegrityError` naming the table, row and column of the first problem.
    """
    holder = rows.holder
    cols = _columns(rows.components, len(COMPONENT_FIELDS))
    ids = cols[ID_AT]
    check_column(ids, ids, "id", TEXT, holder)
    index = dict(zip(ids, range(len(ids)), strict=True))
    _integrity.check_ids(ids, index, holder)
    for at, name in enumerate(COMPONENT_FIELDS):
        rule = COMPONENT_RULES.get(name)
        if rule is not None and name != "id":
            check_column(ids, cols[at], name, rule, holder)
    if cols[EXTERNAL_ID_AT].count(None) != len(ids):  # C speed: most have none
        _integrity.check_provenance(ids, cols[SOURCE_AT], cols[EXTERNAL_ID_AT], holder)
    kinds = cols[KIND_AT]
    check_column(ids, kinds, "kind", TEXT, holder)
    if set(kinds) - set(KINDS):
        unknown = next(k for k in kinds if k not in KINDS)
        cid = ids[kinds.index(unknown)]
        raise _integrity.damaged(
            holder, unknown, f"components row {cid!r}, column kind", f"one of {sorted(KINDS)}"
        )
    tags = _integrity.decoded_tags(ids, cols[TAGS_AT], rows.tags, holder)
    dependencies = _columns(rows.dependencies, 5)
    members = _columns(rows.members, 4)
    ends = _check_edges(rows, dependencies, members, index, kinds, holder)
    return CheckedColumns(cols, index, tags, dependencies, members, ends)


def _check_edges(
    rows: StoredRows,
    dependencies: list[Sequence[Any]],
    members: list[Sequence[Any]],
    index: dict[Any, int],
    kinds: Sequence[Any],
    holder: str,
) -> tuple[I64, I64, I64, I64]:
    """Dependencies and member entries: the ids they name, their strengths, modes, times.
    Returns the rows of the ids they name (source, target, group, member)."""
    found: list[I64] = []
    deps = rows.dependencies
    if deps:
        keys: Sequence[tuple[Any, ...]] = _Keys(deps, 3)
        sources, targets, types, strengths, tolerances = dependencies
        for column, ends in (("source", sources), ("target", targets)):
            check_column(keys, ends, column, TEXT, holder, "dependencies")
            found.append(_rows_named(ends, index, holder, "dependencies", keys, column))
        check_column(keys, types, "type", TEXT, holder, "dependencies")
        check_column(keys, tolerances, "tolerance", REQUIRED_DURATION, holder, "dependencies")
        check_column(keys, strengths, "strength", TEXT, holder, "dependencies")
        if not set(strengths) <= STRENGTHS.keys():
            at = next(i for i, s in enumerate(strengths) if s not in STRENGTHS)
            raise _integrity.damaged(
                holder, strengths[at], f"dependencies row {keys[at]!r}, column strength",
                f"one of {sorted(STRENGTHS)}",
            )  # fmt: skip
    mems = rows.members
    if mems:
        keys = _Keys(mems, 2)
        groups, entries, modes, activations = members
        for column, named in (("group", groups), ("member", entries)):
            check_column(keys, named, column, TEXT, holder, "members")
            found.append(_rows_named(named, index, holder, "members", keys, column))
        group = Kind.GROUP.value
        for grp in set(groups):
            if kinds[index[grp]] != group:
                raise _integrity.damaged(
                    holder, grp, f"members row {keys[groups.index(grp)]!r}, column group",
                    "the id of a stored group",
                )  # fmt: skip
        check_column(keys, activations, "activation", REQUIRED_DURATION, holder, "members")
        check_column(keys, modes, "mode", TEXT, holder, "members")
        if not set(modes) <= MODES.keys():
            at = next(i for i, m in enumerate(modes) if m not in MODES)
            raise _integrity.damaged(
                holder, modes[at], f"members row {keys[at]!r}, column mode",
                f"one of {sorted(MODES)}",
            )  # fmt: skip
    none = np.zeros(0, dtype=np.int64)
    if not deps:
        found[:0] = [none, none]
    if not mems:
        found += [none, none]
    return found[0], found[1], found[2], found[3]


def _rows_named(
    named: Sequence[Any],
    index: dict[Any, int],
    holder: str,
    table: str,
    keys: Sequence[tuple[Any, ...]],
    column: str,
) -> I64:
    """The rows of the ids in ``named``; one the store does not hold is an integrity error."""
    try:
        return np.fromiter(map(index.__getitem__, named), dtype=np.int64, count=len(named))
    except (KeyError, TypeError):
        at = next(i for i, cid in enumerate(named) if cid not in index)
        raise _integrity.missing(holder, table, keys[at], column, named[at]) from None


def _columns(rows: Sequence[Sequence[Any]], width: int) -> list[Sequence[Any]]:
    """The rows as ``width`` columns (an itemgetter per column: faster than ``zip(*rows)``);
    rows held as columns (:class:`ColumnRows`) are taken as they are."""
    if isinstance(rows, ColumnRows):
        if len(rows.columns) != width:
            raise StoreIntegrityError(f"a stored row has {len(rows.columns)} values, not {width}")
        return rows.columns
    if not rows:
        return [() for _ in range(width)]
    if set(map(len, rows)) != {width}:
        at = next(i for i, row in enumerate(rows) if len(row) != width)
        raise StoreIntegrityError(f"a stored row has {len(rows[at])} values, not {width}")
    return [tuple(map(itemgetter(i), rows)) for i in range(width)]


class _Keys(Sequence[tuple[Any, ...]]):
    """The key of each row (its first ``width`` values), made only when a message needs one."""

    def __init__(self, rows: Sequence[Sequence[Any]], width: int) -> None:
        self._rows, self._width = rows, width

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, i: Any) -> Any:
        return tuple(self._rows[i][: self._width])


def graph_from_rows(rows: StoredRows) -> Graph:
    """The graph of stored rows, column by column: no pydantic object is built."""
    n = len(rows.components)
    cols, index, tags, dep_cols, mem_cols, ends = checked(rows)
    ids = cols[ID_AT]
    kinds = cols[KIND_AT]
    kind_code = {k.value: KIND_CODE[k] for k in Kind}
    kind = np.fromiter(map(kind_code.__getitem__, kinds), dtype=np.int8, count=n)
    # min_up unset means 1 for a group; 0 marks a component that is not one
    min_up = np.zeros(n, dtype=np.int32)
    stored_min_up = cols[MIN_UP_AT]
    group_rows = np.flatnonzero(kind == KIND_CODE[Kind.GROUP])
    min_up[group_rows] = [
        1 if stored_min_up[g] is None else stored_min_up[g] for g in group_rows.tolist()
    ]
    at = {name: i for i, name in enumerate(COMPONENT_FIELDS)}
    attributes: dict[str, Sequence[Any]] = {name: cols[at[name]] for name in ATTRIBUTES}
    attributes["tags"] = tags

    m = len(rows.dependencies)
    _sources, _targets, types, strengths, tolerances = dep_cols
    # type codes in order of first appearance
    type_code = {t: i for i, t in enumerate(dict.fromkeys(types))}
    hard = Strength.HARD.value
    edges = EdgeColumns(
        ends[0],
        ends[1],
        np.fromiter(map(hard.__eq__, strengths), dtype=np.bool_, count=m),
        np.fromiter(tolerances, dtype=np.int64, count=m),
        np.fromiter(map(type_code.__getitem__, types), dtype=np.int32, count=m),
    )

    k = len(rows.members)
    _groups, _members, modes, activations = mem_cols
    standby = MemberMode.STANDBY.value
    groups = GroupColumns(
        ends[2],
        ends[3],
        np.fromiter(map(standby.__eq__, modes), dtype=np.bool_, count=k),
        np.fromiter(activations, dtype=np.int64, count=k),
        min_up,
    )
    return Graph.from_arrays(
        ids, kind, edges, list(type_code), groups, attributes=attributes, index=index
    )
