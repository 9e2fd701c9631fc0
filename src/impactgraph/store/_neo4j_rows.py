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

from impactgraph.errors import InternalError, StoreIntegrityError
from impactgraph.model import Component, Dependency, Kind, MemberMode, Strength
from impactgraph.store import _codec, _cypher
from impactgraph.store._codec import COMPONENT_FIELDS, ID_AT, ColumnRows, StoredRows
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
_by_target_and_type = operator.itemgetter(0, 1)
#: components per page of a whole-model read (one record each)
READ_CHUNK = 10_000


def rel_type(dependency_type: str) -> str:
    """The relationship type that holds a dependency type."""
    return REL_TYPES.get(dependency_type, CUSTOM_REL)


# ---- whole-model load batches -----------------------------------------------------------------


def component_batches(components: Sequence[Component], batch: int) -> Iterator[dict[str, Any]]:
    """Parameters of ``load_components``: rows as lists, one kind label per batch."""
    kind = {k: k.value for k in Kind}
    by_label: dict[str, list[list[Any]]] = {}
    for c in components:
        values = c.__dict__
        row = [values[field] for field in _LOAD_FIELDS]
        row[_KIND_AT] = kind[c.kind]
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
    strength = {s: s.value for s in Strength}  # a dict is faster than Enum.value
    by_rel: dict[str, list[Dependency]] = {}
    for d in dependencies:
        by_rel.setdefault(rel_type(d.type), []).append(d)
    for rel, group in by_rel.items():
        group.sort(key=lambda d: d.target)
        for start in range(0, len(group), batch):
            yield {
                "rel": rel,
                "rows": [
                    [nodes[d.source], nodes[d.target], d.type, strength[d.strength], d.tolerance]
                    for d in group[start : start + batch]
                ],
            }


def member_batches(
    components: Sequence[Component], nodes: dict[str, int], batch: int
) -> Iterator[dict[str, Any]]:
    """Parameters of ``load_members`` (``nodes`` as for :func:`dependency_batches`)."""
    mode = {m: m.value for m in MemberMode}
    rows = (
        [nodes[c.id], nodes[m.id], mode[m.mode], m.activation, i]
        for c in components
        if c.members
        for i, m in enumerate(c.members)
    )
    while chunk := list(islice(rows, batch)):
        yield {"rows": chunk}


# ---- reading ----------------------------------------------------------------------------------


def stored_rows(tx: ManagedTransaction, gen: int) -> StoredRows:
    """Generation ``gen`` as rows in the order :mod:`impactgraph.store._codec` reads
    (components by id, dependencies by key, members by group and position), held as columns.

    ``cypher/read_generation.cypher`` pages through the components by id, :data:`READ_CHUNK`
    at a time, each page one record of lists (the driver's cost is per record, not per value).
    """
    statement = _cypher.statement("read_generation")
    chunk = READ_CHUNK
    rows: list[list[Any]] = []
    after = ""
    while True:
        page = tx.run(statement, gen=gen, after=after, batch=chunk).single(strict=True)[0]
        rows += page
        if len(page) < chunk:
            break
        after = page[-1][ID_AT]
    width = len(COMPONENT_FIELDS)
    columns = _transposed(rows, width + 2)
    ids, outs, entries = columns[ID_AT], columns[width], columns[width + 1]
    if any(map(operator.ge, ids, ids[1:])):  # C speed; the (gen, id) index gives this order
        raise InternalError("Neo4j returned the components out of id order")
    try:
        for out in outs:
            if len(out) > 1:
                out.sort(key=_by_target_and_type)
        for listed in entries:
            if len(listed) > 1:
                listed.sort(key=_first)
    except TypeError:  # a value of another type, or none, where impactgraph writes a key
        raise StoreIntegrityError(
            f"{HOLDER} holds a dependency or member entry without its key (target, type or "
            "position), edited by hand or written by another program: load the model again"
        ) from None
    sources = [s for s, out in zip(ids, outs, strict=True) for _ in out]
    groups = [g for g, listed in zip(ids, entries, strict=True) for _ in listed]
    dependencies = _transposed([e for out in outs for e in out], 4)
    members = _transposed([e for listed in entries for e in listed], 4)[1:]  # no position
    return StoredRows(
        components=ColumnRows(columns[:width]),
        dependencies=ColumnRows([sources, *dependencies]),
        members=ColumnRows([groups, *members]),
        holder=HOLDER,
    )


def _transposed(rows: list[list[Any]], width: int) -> list[Sequence[Any]]:
    """``width`` columns of equally long rows."""
    return list(zip(*rows, strict=True)) if rows else [()] * width


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
