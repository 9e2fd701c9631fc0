"""The check-then-write body of every store write, written once for both stores.

A store opens one transaction, hands these functions its :class:`Writes` (what it can read
and write inside that transaction), and commits only if they return: a write that would
leave an invalid model raises before anything is committed, so the store and its version
stay exactly as they were. The checks are the model's own (:func:`check_references`), with
the components a write does not touch stood in for by placeholders.

>>> from impactgraph.model import Kind, Member
>>> class Held:  # a store that holds dc1 only, and writes nothing
...     def existing(self, ids): return {i for i in ids if i == "dc1"}
...     def put_components(self, components): pass
>>> pool = Component(id="pool", kind=Kind.GROUP, members=(Member(id="ghost"),))
>>> try:
...     upsert_components(Held(), [pool])
... except ModelError as e:
...     print(e)
1 error in model:
  component 'pool', field 'members': member 'ghost' is not a component in the model
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol

from impactgraph.errors import Issue, ModelError, UnknownComponentError, UnknownDependencyError
from impactgraph.model import Component, Dependency, Model, check_references
from impactgraph.store._codec import stand_in, trusted
from impactgraph.store.base import EdgeKey


class Writes(Protocol):
    """What a store reads and writes inside one write transaction."""

    def existing(self, ids: Collection[str]) -> set[str]:
        """The ids among ``ids`` that the store holds."""
        ...

    def groups_listing(self, ids: Sequence[str]) -> set[str]:
        """The groups that list any of ``ids`` as a member."""
        ...

    def groups(self, ids: Sequence[str]) -> list[Component]:
        """The components with these ids, members in order (ids not held are left out)."""
        ...

    def put_components(self, components: Sequence[Component]) -> None:
        """Create or replace components by id, and replace their member lists."""
        ...

    def remove_components(self, ids: Sequence[str]) -> None:
        """Delete components with every dependency and member entry that names them."""
        ...

    def put_dependencies(self, dependencies: Sequence[Dependency]) -> None:
        """Create or replace dependencies by (source, target, type)."""
        ...

    def remove_dependencies(self, keys: Sequence[EdgeKey]) -> set[int]:
        """Delete dependencies by key; the positions in ``keys`` of those that were found."""
        ...


def check_model(model: Model) -> None:
    """Refuse a whole model with dangling references, before a load writes anything."""
    _refuse_if(check_references(model.components, model.dependencies))


def upsert_components(writes: Writes, components: Sequence[Component]) -> None:
    """Check that every member named is in the batch or the store, then write."""
    referenced = {m.id for c in components for m in c.members}
    present = writes.existing(referenced - {c.id for c in components})
    _refuse_if(check_references([*components, *map(stand_in, sorted(present))], []))
    writes.put_components(components)


def delete_components(writes: Writes, ids: Sequence[str]) -> None:
    """Refuse unknown ids and groups left without enough members, then delete."""
    wanted = list(dict.fromkeys(ids))
    present = writes.existing(wanted)
    for cid in wanted:
        if cid not in present:
            raise UnknownComponentError(cid, "nothing was deleted")
    gone = set(wanted)
    affected = writes.groups_listing(wanted) - gone
    groups = [
        trusted(
            Component,
            {**g.__dict__, "members": tuple(m for m in g.members if m.id not in gone)},
        )
        for g in writes.groups(sorted(affected))
    ]
    others = {m.id for g in groups for m in g.members} - affected
    _refuse_if(check_references([*groups, *map(stand_in, sorted(others))], []))
    writes.remove_components(wanted)


def upsert_dependencies(writes: Writes, dependencies: Sequence[Dependency]) -> None:
    """Check that both ends of every dependency are in the store, then write."""
    named = {d.source for d in dependencies} | {d.target for d in dependencies}
    present = writes.existing(named)
    _refuse_if(check_references([stand_in(i) for i in sorted(present)], list(dependencies)))
    writes.put_dependencies(dependencies)


def delete_dependencies(writes: Writes, keys: Sequence[EdgeKey]) -> None:
    """Delete dependencies by key; the first key the store does not hold is an
    UnknownDependencyError."""
    wanted = list(dict.fromkeys((s, t, ty) for s, t, ty in keys))
    found = writes.remove_dependencies(wanted)
    for i, (source, target, type_) in enumerate(wanted):
        if i not in found:
            raise UnknownDependencyError(
                f"no dependency {source!r} → {target!r} of type {type_!r} in the "
                "store; nothing was deleted"
            )


def _refuse_if(issues: list[Issue]) -> None:
    if issues:
        raise ModelError(issues)


__all__ = [
    "Writes",
    "check_model",
    "delete_components",
    "delete_dependencies",
    "upsert_components",
    "upsert_dependencies",
]
