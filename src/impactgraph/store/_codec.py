"""Rows ↔ model, written once for both stores.

A store reads its model back as :class:`StoredRows`: plain tuples in one shape whatever the
backend (components in :data:`COMPONENT_FIELDS` order, sorted by id; dependencies sorted by
``(source, target, type)``; member entries by group, in each group's order). From them
:func:`model_from_rows` builds the pydantic model without validating it again (the values
were validated before they were stored) and :func:`graph_from_rows` builds a
:class:`~impactgraph.graph.Graph` straight from the columns, with no pydantic object at all.
A value the code does not know (a kind, strength or mode written by a newer impactgraph) is a
:class:`~impactgraph.errors.StoreIntegrityError` that names where it was found.

>>> rows = StoredRows(
...     components=[("dc1", "Site A", "site", *[None] * 11, None, None),
...                 ("host1", None, "infrastructure", *[None] * 11, ["x"], None)],
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

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, TypeVar

import numpy as np
from pydantic import BaseModel

from impactgraph.errors import StoreIntegrityError
from impactgraph.graph import ATTRIBUTES, KIND_CODE, EdgeColumns, Graph, GroupColumns
from impactgraph.model import Component, Dependency, Kind, Member, MemberMode, Model, Strength

#: every field of Component but ``members`` (kept apart), in field order: a component row
COMPONENT_FIELDS: tuple[str, ...] = tuple(f for f in Component.model_fields if f != "members")
ID_AT = COMPONENT_FIELDS.index("id")
KIND_AT = COMPONENT_FIELDS.index("kind")
TAGS_AT = COMPONENT_FIELDS.index("tags")
MIN_UP_AT = COMPONENT_FIELDS.index("min_up")

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
    return tuple(tags) if tags else ()


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


def stand_in(component_id: str) -> Component:
    """A placeholder for a component already in the store, so that references to it check."""
    return Component.model_construct(id=component_id, kind=Kind.SERVICE)


def component(
    row: Sequence[Any],
    members: Sequence[Member],
    holder: str = "the store",
    tags: Callable[[Any], tuple[str, ...]] = _no_tags,
) -> Component:
    """A component from its row (:data:`COMPONENT_FIELDS` order) and its members."""
    values = dict(zip(COMPONENT_FIELDS, row, strict=True))
    kind = values["kind"]
    values["kind"] = KINDS[kind] if kind in KINDS else decode(KINDS, kind, "kind", holder)
    values["tags"] = tags(values["tags"])
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
    """The pydantic model of stored rows (no validation: it was validated before it was stored)."""
    holder = rows.holder
    members: dict[str, list[Member]] = {}
    for grp, member_id, mode, activation in rows.members:
        members.setdefault(grp, []).append(member(member_id, mode, activation, holder))
    components = tuple(
        component(row, members.get(row[ID_AT], ()), holder, rows.tags) for row in rows.components
    )
    dependencies = tuple(dependency(row, holder) for row in rows.dependencies)
    return Model.model_construct(components=components, dependencies=dependencies)


def graph_from_rows(rows: StoredRows) -> Graph:
    """The graph of stored rows, column by column: no pydantic object is built."""
    holder = rows.holder
    n = len(rows.components)
    cols: list[tuple[Any, ...]] = (
        list(zip(*rows.components, strict=True)) if n else [() for _ in COMPONENT_FIELDS]
    )
    ids = cols[ID_AT]
    index = {cid: i for i, cid in enumerate(ids)}
    kinds = cols[KIND_AT]
    kind_code = {k.value: KIND_CODE[k] for k in Kind}
    for unknown in set(kinds) - set(kind_code):
        decode(KINDS, unknown, "kind", holder)
    kind = np.fromiter((kind_code[k] for k in kinds), dtype=np.int8, count=n)
    group_code = KIND_CODE[Kind.GROUP]
    # min_up unset means 1 for a group; 0 marks a component that is not one
    min_up = np.fromiter(
        (
            (1 if k is None else k) if c == group_code else 0
            for k, c in zip(cols[MIN_UP_AT], kind.tolist(), strict=True)
        ),
        dtype=np.int32,
        count=n,
    )
    at = {name: i for i, name in enumerate(COMPONENT_FIELDS)}
    attributes: dict[str, Sequence[Any]] = {name: cols[at[name]] for name in ATTRIBUTES}
    attributes["tags"] = tuple(map(rows.tags, attributes["tags"]))

    deps = rows.dependencies
    m = len(deps)
    strengths = {d[3] for d in deps}
    for unknown in strengths - set(STRENGTHS):
        decode(STRENGTHS, unknown, "strength", holder)
    type_code: dict[str, int] = {}
    edges = EdgeColumns(
        np.fromiter((index[d[0]] for d in deps), dtype=np.int64, count=m),
        np.fromiter((index[d[1]] for d in deps), dtype=np.int64, count=m),
        np.fromiter((d[3] == Strength.HARD.value for d in deps), dtype=np.bool_, count=m),
        np.fromiter((d[4] for d in deps), dtype=np.int64, count=m),
        np.fromiter(
            (type_code.setdefault(d[2], len(type_code)) for d in deps), dtype=np.int32, count=m
        ),
    )

    mems = rows.members
    k = len(mems)
    for unknown in {r[2] for r in mems} - set(MODES):
        decode(MODES, unknown, "mode", holder)
    groups = GroupColumns(
        np.fromiter((index[r[0]] for r in mems), dtype=np.int64, count=k),
        np.fromiter((index[r[1]] for r in mems), dtype=np.int64, count=k),
        np.fromiter((r[2] == MemberMode.STANDBY.value for r in mems), dtype=np.bool_, count=k),
        np.fromiter((r[3] for r in mems), dtype=np.int64, count=k),
        min_up,
    )
    return Graph.from_arrays(
        ids, kind, edges, list(type_code), groups, attributes=attributes, index=index
    )
