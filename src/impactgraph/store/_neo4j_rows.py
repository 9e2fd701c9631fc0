"""The Neo4j store's rows: the graph layout's allow-lists, the model as statement parameters
(whole-model load batches and single writes), and the stored graph read back as rows.

Kind labels come from :data:`KIND_LABELS` and relationship types from :data:`REL_TYPES`:
fixed allow-lists, passed as parameters to Cypher's dynamic labels and types, so no user
string is ever part of a statement.

>>> rel_type("runs_on"), rel_type("replicates_to")
('RUNS_ON', 'DEPENDS')
"""

from __future__ import annotations

import operator
from collections.abc import Collection, Iterator, Sequence
from itertools import islice
from typing import Any

from neo4j import ManagedTransaction

from impactgraph.errors import InternalError
from impactgraph.model import Component, Dependency, Kind
from impactgraph.store import _codec, _cypher
from impactgraph.store._codec import COMPONENT_FIELDS, StoredRows
from impactgraph.store._neo4j_connection import run
from impactgraph.store.base import EdgeKey

KIND_LABELS: dict[Kind, str] = {
    Kind.BUSINESS_SERVICE: "BusinessService",
    Kind.SERVICE: "Service",
    Kind.INFRASTRUCTURE: "Infrastructure",
    Kind.SITE: "Site",
    Kind.SUPPLIER: "Supplier",
    Kind.GROUP: "Group",
}
REL_TYPES: dict[str, str] = {
    "depends_on": "DEPENDS_ON",
    "runs_on": "RUNS_ON",
    "located_at": "LOCATED_AT",
    "supplied_by": "SUPPLIED_BY",
}
#: the relationship type of every custom dependency type (kept in its ``type`` property)
CUSTOM_REL = "DEPENDS"
MEMBER_REL = "HAS_MEMBER"
#: who holds the rows, in error messages
HOLDER = "the Neo4j store"

#: the order of a row of ``cypher/load_components.cypher``
_LOAD_FIELDS = (
    "id", "name", "kind", "type", "tier", "rto", "rpo", "mtpd", "recovery_time",
    "restart_time", "backup_interval", "impact_per_hour", "owner", "team", "tags", "min_up",
    "source", "external_id",
)  # fmt: skip
if set(_LOAD_FIELDS) != set(COMPONENT_FIELDS):  # pragma: no cover - a new field in model.py
    raise InternalError("cypher/load_components.cypher does not store every Component field")
_KIND_AT = _LOAD_FIELDS.index("kind")
_TAGS_AT = _LOAD_FIELDS.index("tags")
_first = operator.itemgetter(0)
_by_group_and_position = operator.itemgetter(0, 4)


def rel_type(dependency_type: str) -> str:
    """The relationship type that holds a dependency type."""
    return REL_TYPES.get(dependency_type, CUSTOM_REL)


# ---- whole-model load batches -----------------------------------------------------------------


def component_batches(components: Sequence[Component], batch: int) -> Iterator[dict[str, Any]]:
    """Parameters of ``load_components``: rows as lists, one kind label per batch."""
    by_label: dict[str, list[list[Any]]] = {}
    for c in components:
        values = c.__dict__
        row = [values[field] for field in _LOAD_FIELDS]
        row[_KIND_AT] = c.kind.value
        row[_TAGS_AT] = list(c.tags) if c.tags else None
        by_label.setdefault(KIND_LABELS[c.kind], []).append(row)
    for label, rows in by_label.items():
        for start in range(0, len(rows), batch):
            yield {"label": label, "rows": rows[start : start + batch]}


def dependency_batches(
    dependencies: Sequence[Dependency], nodes: dict[str, int], batch: int
) -> Iterator[dict[str, Any]]:
    """Parameters of ``load_dependencies``: one relationship type per batch, by target.

    ``nodes`` (component id -> internal node id) is read when the first batch is asked for,
    so it may still be filled after this generator is made. Sorting by target keeps a
    node's new relationships in few transactions.
    """
    by_rel: dict[str, list[Dependency]] = {}
    for d in dependencies:
        by_rel.setdefault(rel_type(d.type), []).append(d)
    for rel, group in by_rel.items():
        group.sort(key=lambda d: d.target)
        for start in range(0, len(group), batch):
            yield {
                "rel": rel,
                "rows": [
                    [nodes[d.source], nodes[d.target], d.type, d.strength.value, d.tolerance]
                    for d in group[start : start + batch]
                ],
            }


def member_batches(
    components: Sequence[Component], nodes: dict[str, int], batch: int
) -> Iterator[dict[str, Any]]:
    """Parameters of ``load_members`` (``nodes`` as for :func:`dependency_batches`)."""
    rows = (
        [nodes[c.id], nodes[m.id], m.mode.value, m.activation, i]
        for c in components
        if c.members
        for i, m in enumerate(c.members)
    )
    while chunk := list(islice(rows, batch)):
        yield {"rows": chunk}


# ---- reading ----------------------------------------------------------------------------------


def stored_rows(tx: ManagedTransaction, gen: int) -> StoredRows:
    """Generation ``gen`` as rows in the order :mod:`impactgraph.store._codec` reads."""
    fields = operator.itemgetter(*COMPONENT_FIELDS)
    components = [
        fields(Props(props)) for (props,) in tx.run(_cypher.statement("read_components"), gen=gen)
    ]
    components.sort(key=_first)
    members = [tuple(r) for r in tx.run(_cypher.statement("read_members"), gen=gen)]
    members.sort(key=_by_group_and_position)
    dependencies = [tuple(r) for r in tx.run(_cypher.statement("read_dependencies"), gen=gen)]
    dependencies.sort()
    return StoredRows(
        components=components,
        dependencies=dependencies,
        members=[r[:4] for r in members],
        holder=HOLDER,
    )


class Props(dict[str, Any]):
    """A node's property map, in which a property that is not stored reads as None."""

    def __missing__(self, key: str) -> None:
        return None


# ---- single writes ----------------------------------------------------------------------------


class Writes:
    """What :mod:`impactgraph.store._checks` reads and writes, inside one transaction on the
    live generation ``gen``."""

    def __init__(self, tx: ManagedTransaction, gen: int) -> None:
        self._tx = tx
        self._gen = gen

    def existing(self, ids: Collection[str]) -> set[str]:
        if not ids:
            return set()
        result = self._tx.run(
            _cypher.statement("components_existing"), gen=self._gen, ids=list(ids)
        )
        return {r["id"] for r in result}

    def provenance(self, pairs: Collection[tuple[str, str]]) -> dict[str, tuple[str, str]]:
        result = self._tx.run(
            _cypher.statement("components_by_provenance"),
            gen=self._gen,
            pairs=[{"source": s, "external_id": e} for s, e in pairs],
        )
        return {r["id"]: (r["source"], r["external_id"]) for r in result}

    def groups_listing(self, ids: Sequence[str]) -> set[str]:
        result = self._tx.run(_cypher.statement("groups_of_members"), gen=self._gen, ids=list(ids))
        return {r["id"] for r in result}

    def groups(self, ids: Sequence[str]) -> list[Component]:
        fields = operator.itemgetter(*COMPONENT_FIELDS)
        return [
            _codec.component(
                fields(Props(r["g"])),
                [_codec.member(i, mode, a, HOLDER) for i, mode, a in r["members"]],
                HOLDER,
            )
            for r in self._tx.run(_cypher.statement("read_groups"), gen=self._gen, ids=list(ids))
        ]

    def put_components(self, components: Sequence[Component]) -> None:
        gen = self._gen
        rows = [_component_row(c) for c in components]
        run(self._tx, "upsert_components", gen=gen, rows=rows)
        run(self._tx, "delete_members_of_groups", gen=gen, ids=[c.id for c in components])
        run(self._tx, "create_members", gen=gen, rows=_member_rows(components))

    def remove_components(self, ids: Sequence[str]) -> None:
        run(self._tx, "delete_components", gen=self._gen, ids=list(ids))

    def put_dependencies(self, dependencies: Sequence[Dependency]) -> None:
        rows = [_dependency_row(d) for d in dependencies]
        run(self._tx, "upsert_dependencies", gen=self._gen, rows=rows)

    def remove_dependencies(self, keys: Sequence[EdgeKey]) -> set[int]:
        rows = [
            {"i": i, "source": s, "target": t, "type": ty, "rel": rel_type(ty)}
            for i, (s, t, ty) in enumerate(keys)
        ]
        result = self._tx.run(_cypher.statement("delete_dependencies"), gen=self._gen, rows=rows)
        return {r["i"] for r in result}


def _component_row(c: Component) -> dict[str, Any]:
    values = c.__dict__
    props: dict[str, Any] = {}
    for field in COMPONENT_FIELDS:
        v = values[field]
        if v is None or v == ():
            continue
        if field == "tags":
            v = list(v)
        elif field == "kind":
            v = v.value
        props[field] = v
    return {"label": KIND_LABELS[c.kind], "props": props}


def _dependency_row(d: Dependency) -> dict[str, Any]:
    return {
        "source": d.source,
        "target": d.target,
        "type": d.type,
        "rel": rel_type(d.type),
        "strength": d.strength.value,
        "tolerance": d.tolerance,
    }


def _member_rows(components: Sequence[Component]) -> list[dict[str, Any]]:
    return [
        {
            "group": c.id,
            "member": m.id,
            "mode": m.mode.value,
            "activation": m.activation,
            "position": i,
        }
        for c in components
        if c.members
        for i, m in enumerate(c.members)
    ]
