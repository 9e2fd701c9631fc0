"""The ``Store`` protocol: where an estate model lives between runs (SQLite embedded, or Neo4j).

Every implementation passes one contract suite (``tests/contract``). Rules every store keeps:

* every write is atomic: it happens whole or not at all; a write that would leave an invalid
  model (unknown ids, a group without members, …) raises :class:`~impactgraph.errors.ModelError`
  and changes nothing;
* ``version()`` changes (grows) on every successful write and never on a read or a failed write;
* ``read()`` gives back an equal model (same components and dependencies; order by id, edges by
  ``(source, target, type)``), and ``read_graph()`` the graph of that model, built straight
  from the stored rows (no pydantic object);
* ``reachable()`` answers as :func:`impactgraph.engine.explain.reachable` does on that graph
  (the same components at the same depths), whether the store walks the graph itself or has
  its database do it;
* no store waits without end: reaching it takes at most :attr:`Timeouts.connect` seconds
  (``$IMPACTGRAPH_STORE_TIMEOUT``, 10 by default) and one transaction at most
  :attr:`Timeouts.query` (``$IMPACTGRAPH_QUERY_TIMEOUT``, 300 by default), else a
  :class:`~impactgraph.errors.StoreUnavailableError`;
* rows a store cannot have written itself (edited by hand, or by a newer impactgraph) are a
  :class:`~impactgraph.errors.StoreIntegrityError` that names the table, row and column.

>>> Timeouts.from_environment({"IMPACTGRAPH_STORE_TIMEOUT": "2.5"})
Timeouts(connect=2.5, query=300.0)
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, Self, TypedDict, Unpack, runtime_checkable

from impactgraph.engine.explain import Reached
from impactgraph.errors import StoreUrlError
from impactgraph.graph import Graph
from impactgraph.model import Component, Dependency, Model

#: called with (done, total) during long loads, for progress bars
Progress = Callable[[int, int], None]

#: identifies one dependency: (source, target, type)
EdgeKey = tuple[str, str, str]


#: seconds to reach a store, unless ``$IMPACTGRAPH_STORE_TIMEOUT`` says otherwise
CONNECT_SECONDS = 10.0
#: seconds one transaction may run, unless ``$IMPACTGRAPH_QUERY_TIMEOUT`` says otherwise
#: (reading a million components back from Neo4j takes about 200 s here)
QUERY_SECONDS = 300.0
CONNECT_ENV = "IMPACTGRAPH_STORE_TIMEOUT"
QUERY_ENV = "IMPACTGRAPH_QUERY_TIMEOUT"
#: the longest either timeout may be set to: a day
MAX_SECONDS = 86_400.0


@dataclass(frozen=True)
class Timeouts:
    """How long a store may take, in seconds: to connect, and to run one transaction."""

    connect: float = CONNECT_SECONDS
    query: float = QUERY_SECONDS

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Timeouts:
        """The timeouts that ``$IMPACTGRAPH_STORE_TIMEOUT`` and ``$IMPACTGRAPH_QUERY_TIMEOUT``
        set (seconds, more than 0 and at most a day), else the defaults.

        Raises :class:`~impactgraph.errors.StoreUrlError` for a value that is not such a number.
        """
        env = os.environ if environ is None else environ
        return cls(
            connect=_seconds(env, CONNECT_ENV, CONNECT_SECONDS),
            query=_seconds(env, QUERY_ENV, QUERY_SECONDS),
        )


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (0 < value <= MAX_SECONDS):  # NaN fails too
        raise StoreUrlError(
            f"{name}={text[:40]!r} is not a number of seconds; give one more than 0 and at most "
            f"{MAX_SECONDS:.0f} (a day), or unset it for the default"
        )
    return value


@dataclass(frozen=True)
class StoreStats:
    """What a store holds."""

    url: str
    version: int
    components: int
    dependencies: int
    members: int
    by_kind: dict[str, int]


class Reach(TypedDict, total=False):
    """How far a reachability walk goes (each key may be left out, or None for no limit)."""

    #: at most this many hops
    depth: int | None
    #: only dependencies of these types (``member`` for group membership)
    types: Collection[str] | None
    #: only ``hard`` or only ``soft`` dependencies (membership counts as hard)
    strength: str | None


class ClosedOnExit:
    """``with store: …`` closes the store at the end of the block."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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

    def read_graph(self) -> Graph:
        """The whole model as a graph, columnar: no pydantic component is built."""
        ...

    def reachable(
        self, component_id: str, *, upward: bool, **reach: Unpack[Reach]
    ) -> list[Reached]:
        """What needs ``component_id`` (``upward``) or what it needs, transitively.

        Rows come in BFS order (by depth) with their depth in hops; ``depth`` stops the walk,
        ``types`` keeps only those dependency types (``member`` for group membership) and
        ``strength`` only ``hard`` or ``soft`` edges (membership counts as hard). An id the
        store does not hold is an :class:`~impactgraph.errors.UnknownComponentError`; an
        unknown type or strength a :class:`~impactgraph.errors.QueryError`.
        """
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
        """Delete dependencies by (source, target, type); unknown: UnknownDependencyError."""
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
