"""The ``Store`` protocol: where an estate model lives between runs (SQLite embedded, or Neo4j).

Every implementation passes one contract suite (``tests/contract``). Rules every store keeps:

* every write is atomic: it happens whole or not at all; a write that would leave an invalid
  model (unknown ids, a group without members, …) raises :class:`~impactgraph.errors.ModelError`
  and changes nothing;
* ``version()`` changes (grows) on every successful write and never on a read or a failed write;
  a write given ``expect_version`` happens only if the model is at that version when the write
  takes its lock (else :class:`~impactgraph.errors.VersionConflictError`, nothing changed), so
  of two writers that read the same version only one can write;
* :meth:`Store.apply` writes one :class:`Changes` in one transaction; the single upserts and
  deletes are :meth:`Store.apply` with one part;
* API keys (:class:`ApiKeyRecord`) are kept beside the model, not in it: adding or revoking one
  grows no version, and ``load()`` and ``wipe()`` leave them alone;
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
>>> bool(Changes()), bool(Changes(delete_components=["dc1"]))
(False, True)
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
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
class Changes:
    """One atomic batch of writes, applied in this order: delete dependencies, delete
    components (with their dependencies and member entries), upsert components (by id,
    members included), upsert dependencies (by ``(source, target, type)``)."""

    upsert_components: Sequence[Component] = ()
    delete_components: Sequence[str] = ()
    upsert_dependencies: Sequence[Dependency] = ()
    delete_dependencies: Sequence[EdgeKey] = ()

    def __bool__(self) -> bool:
        """False when all four parts are empty."""
        return bool(
            self.upsert_components
            or self.delete_components
            or self.upsert_dependencies
            or self.delete_dependencies
        )


#: the roles an API key may have, least to most
KEY_ROLES = ("reader", "editor", "admin")
_DIGEST = re.compile(r"[0-9a-f]{64}")


def valid_digest(value: object) -> bool:
    """Whether ``value`` reads as a hex SHA-256 digest (64 lowercase hex digits)."""
    return isinstance(value, str) and _DIGEST.fullmatch(value) is not None


@dataclass(frozen=True)
class ApiKeyRecord:
    """An API key as a store keeps it: never the secret, only its SHA-256 digest.

    ``id`` (the public key id, e.g. ``k_3f9a…``) and ``digest`` (hex SHA-256 of the secret) are
    made by the caller; times are ISO 8601 UTC text (``2026-11-28T16:50:00Z``). A record that
    breaks these rules is a ``ValueError`` (a programming error, not the user's).

    >>> ApiKeyRecord(id="k_1", role="reader", digest="0" * 64, created="2026-11-28T16:50:00Z")
    ApiKeyRecord(id='k_1', role='reader', created='2026-11-28T16:50:00Z', name=None, revoked=None)
    """

    id: str
    #: ``reader``, ``editor`` or ``admin`` (:data:`KEY_ROLES`)
    role: str
    #: hex SHA-256 of the secret (64 lowercase hex digits; not in the repr, kept out of logs)
    digest: str = field(repr=False)
    created: str
    name: str | None = None
    revoked: str | None = None

    def __post_init__(self) -> None:
        problem = key_problem(self)
        if problem:
            raise ValueError(f"API key record {self.id!r}: {problem}")


def key_problem(record: ApiKeyRecord) -> str | None:
    """What is wrong with a key record's values, or None."""
    text = (record.id, record.role, record.digest, record.created)
    if not all(type(v) is str and v for v in text):
        return "id, role, digest and created must be non-empty text"
    if not all(v is None or (type(v) is str and v) for v in (record.name, record.revoked)):
        return "name and revoked must be non-empty text or None"
    if record.role not in KEY_ROLES:
        return f"role {record.role!r} is not one of {', '.join(KEY_ROLES)}"
    if not valid_digest(record.digest):
        return "digest must be a hex SHA-256 (64 lowercase hex digits)"
    return None


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

    def load(
        self, model: Model, *, progress: Progress | None = None, expect_version: int | None = None
    ) -> int:
        """Replace the whole model atomically; return the new version.

        With ``expect_version``, a store at another version raises
        :class:`~impactgraph.errors.VersionConflictError` and nothing is written.
        """
        ...

    def read(self) -> Model:
        """The whole model (empty if nothing was loaded)."""
        ...

    def read_versioned(self) -> tuple[int, Model]:
        """The version and the model at that version, read in one consistent snapshot."""
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

    def apply(self, changes: Changes, *, expect_version: int | None = None) -> int:
        """Write ``changes`` in one transaction (in the order :class:`Changes` gives); return
        the new version.

        An unknown dependency key to delete is an
        :class:`~impactgraph.errors.UnknownDependencyError`, an unknown component id to delete
        an :class:`~impactgraph.errors.UnknownComponentError`; a result that is not a valid
        model a :class:`~impactgraph.errors.ModelError` with every issue. With
        ``expect_version``, a store at another version when the write takes its lock raises
        :class:`~impactgraph.errors.VersionConflictError`. Any error changes nothing. Empty
        changes write nothing and return the current version (after the version check).
        """
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
        """Delete the whole model (API keys stay); return the new version."""
        ...

    def add_key(self, record: ApiKeyRecord) -> None:
        """Keep a new API key (an id the store holds already is a ``ValueError``)."""
        ...

    def keys(self) -> list[ApiKeyRecord]:
        """Every API key, revoked ones included, by ``created`` then ``id``."""
        ...

    def key(self, key_id: str) -> ApiKeyRecord | None:
        """The API key with this id, or None."""
        ...

    def revoke_key(self, key_id: str, when: str) -> bool:
        """Mark a key revoked at ``when`` (ISO 8601 UTC); False if there is no such key. A key
        revoked before keeps its first time (and True is returned)."""
        ...

    def close(self) -> None:
        """Release connections and files."""
        ...
