"""The check-then-write body of every store write, written once for both stores.

A store opens one transaction, hands :func:`apply` its :class:`Writes` (what it can read and
write inside that transaction) and the :class:`~impactgraph.store.base.Changes`, and commits
only if it returns: a write that would leave an invalid model raises before the transaction
commits, so the store and its version stay exactly as they were. The checks are the model's
own (:func:`check_references`), with the components a write does not touch stood in for by
placeholders.

The four parts run in order — delete dependencies, delete components, upsert components,
upsert dependencies — each seeing what the parts before it did, and the groups a deletion
touched are judged after the component upserts, so one batch may delete a member and give
its group new ones.

>>> from impactgraph.model import Kind, Member
>>> class Held:  # a store that holds dc1 only, and writes nothing
...     def existing(self, ids): return {i for i in ids if i == "dc1"}
...     def provenance(self, pairs): return {}
...     def groups(self, ids): return []
...     def put_components(self, components): pass
>>> pool = Component(id="pool", kind=Kind.GROUP, members=(Member(id="ghost"),))
>>> try:
...     apply(Held(), Changes(upsert_components=[pool]))
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
from impactgraph.store._codec import stand_in
from impactgraph.store.base import Changes, EdgeKey


class Writes(Protocol):
    """What a store reads and writes inside one write transaction."""

    def existing(self, ids: Collection[str]) -> set[str]:
        """The ids among ``ids`` that the store holds."""
        ...

    def provenance(self, pairs: Collection[tuple[str, str]]) -> dict[str, tuple[str, str]]:
        """The stored components that hold any of these ``(source, external_id)`` pairs:
        id → pair."""
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


def apply(writes: Writes, changes: Changes) -> None:
    """Check and write ``changes`` (see the module docstring); raise, before the transaction
    commits, at the first part that cannot be written or on a result that is not a model."""
    delete_dependencies(writes, changes.delete_dependencies)
    affected = _delete_components(writes, changes.delete_components)
    _upsert_components(writes, changes.upsert_components, affected)
    upsert_dependencies(writes, changes.upsert_dependencies)


def delete_dependencies(writes: Writes, keys: Sequence[EdgeKey]) -> None:
    """Delete dependencies by key; the first key the store does not hold is an
    UnknownDependencyError."""
    if not keys:
        return
    wanted = list(dict.fromkeys((s, t, ty) for s, t, ty in keys))
    found = writes.remove_dependencies(wanted)
    for i, (source, target, type_) in enumerate(wanted):
        if i not in found:
            raise UnknownDependencyError(
                f"no dependency {source!r} → {target!r} of type {type_!r} in the "
                "store; nothing was changed"
            )


def _delete_components(writes: Writes, ids: Sequence[str]) -> set[str]:
    """Refuse unknown ids, then delete; the groups that listed a deleted component (to be
    judged once the whole batch is written)."""
    if not ids:
        return set()
    wanted = list(dict.fromkeys(ids))
    present = writes.existing(wanted)
    for cid in wanted:
        if cid not in present:
            raise UnknownComponentError(cid, "nothing was changed")
    affected = writes.groups_listing(wanted) - set(wanted)
    writes.remove_components(wanted)
    return affected


def _upsert_components(writes: Writes, components: Sequence[Component], affected: set[str]) -> None:
    """Check the components written (every member named in the batch or the store, one
    component per source and external id) and the groups ``affected`` by a deletion as they
    will be, then write."""
    if not components and not affected:
        return
    batch = {c.id for c in components}
    touched = sorted(affected - batch)
    groups = writes.groups(touched) if touched else []
    judged = [*groups, *components]
    known = batch | {g.id for g in groups}
    named = {m.id for c in judged for m in c.members} - known
    pairs = {(c.source, c.external_id) for c in components if c.source and c.external_id}
    holders = {
        cid: pair
        for cid, pair in (writes.provenance(pairs) if pairs else {}).items()
        if cid not in known
    }
    present = writes.existing(named) if named else set()
    others = [stand_in(cid, holders.get(cid)) for cid in sorted(present | holders.keys())]
    # the stored holders first: a clash is reported on the component being written
    _refuse_if(check_references([*others, *judged], []))
    if components:
        writes.put_components(components)


def upsert_components(writes: Writes, components: Sequence[Component]) -> None:
    """Check that every member named is in the batch or the store, then write."""
    _upsert_components(writes, components, set())


def delete_components(writes: Writes, ids: Sequence[str]) -> None:
    """Refuse unknown ids and groups left without enough members, then delete."""
    _upsert_components(writes, (), _delete_components(writes, ids))


def upsert_dependencies(writes: Writes, dependencies: Sequence[Dependency]) -> None:
    """Check that both ends of every dependency are in the store, then write."""
    if not dependencies:
        return
    named = {d.source for d in dependencies} | {d.target for d in dependencies}
    present = writes.existing(named)
    _refuse_if(check_references([stand_in(i) for i in sorted(present)], list(dependencies)))
    writes.put_dependencies(dependencies)


def _refuse_if(issues: list[Issue]) -> None:
    if issues:
        raise ModelError(issues)


__all__ = [
    "Writes",
    "apply",
    "check_model",
    "delete_components",
    "delete_dependencies",
    "upsert_components",
    "upsert_dependencies",
]
