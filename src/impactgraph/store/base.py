"""The ``Store`` protocol: where an estate model lives between runs (SQLite embedded, or Neo4j).

Every implementation passes one contract suite (``tests/contract``). Rules every store keeps:

* every write is atomic: it happens whole or not at all; a write that would leave an invalid
  model (unknown ids, a group without members, …) raises :class:`~impactgraph.errors.ModelError`
  and changes nothing;
* ``version()`` changes (grows) on every successful write and never on a read or a failed write;
* ``read()`` gives back an equal model (same components and dependencies; order by id, edges by
  ``(source, target, type)``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from impactgraph.model import Component, Dependency, Model

#: called with (done, total) during long loads, for progress bars
Progress = Callable[[int, int], None]

#: identifies one dependency: (source, target, type)
EdgeKey = tuple[str, str, str]


@dataclass(frozen=True)
class StoreStats:
    """What a store holds."""

    url: str
    version: int
    components: int
    dependencies: int
    members: int
    by_kind: dict[str, int]


@runtime_checkable
class Store(Protocol):
    """A place that holds one estate model."""

    url: str

    def load(self, model: Model, *, progress: Progress | None = None) -> int:
        """Replace the whole model atomically; return the new version."""
        ...

    def read(self) -> Model:
        """The whole model (empty if nothing was loaded)."""
        ...

    def version(self) -> int:
        """A number that grows on every successful write (0 for a new store)."""
        ...

    def upsert_components(self, components: Sequence[Component]) -> int:
        """Create or replace components by id (members included); return the new version."""
        ...

    def delete_components(self, ids: Sequence[str]) -> int:
        """Delete components with every dependency and member entry that names them.

        Unknown ids are a :class:`~impactgraph.errors.UnknownComponentError`; a delete that
        leaves a group without members is a :class:`~impactgraph.errors.ModelError`.
        """
        ...

    def upsert_dependencies(self, dependencies: Sequence[Dependency]) -> int:
        """Create or replace dependencies keyed by (source, target, type)."""
        ...

    def delete_dependencies(self, keys: Sequence[EdgeKey]) -> int:
        """Delete dependencies by (source, target, type); unknown keys are an InputError."""
        ...

    def stats(self) -> StoreStats:
        """Counts and version."""
        ...

    def wipe(self) -> int:
        """Delete everything; return the new version."""
        ...

    def close(self) -> None:
        """Release connections and files."""
        ...
