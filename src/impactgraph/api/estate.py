"""The estate a server process serves: one immutable :class:`Snapshot` per model version, and
every write, through :class:`Estate`.

A snapshot is the model at one version with what is derived from it (the engine's graph,
indexes, answers), each built at most once and shared by every request that reads that version.
:meth:`Estate.snapshot` asks the store for its version on every call and reads the model again
(once, however many requests ask at the same moment) when the version moved; so a server sees a
write made through another process, or another replica over the same Neo4j, on its next
request, and processes share nothing but the store.

Writes are compare-and-swaps: each is computed from a snapshot and applied only if the model is
still at that snapshot's version. Within one process the writes take turns; between processes
a write that lost the race is computed again from a fresh snapshot (up to ``write_attempts``
times), unless the client named the version it expects (``If-Match``): then it fails with a
:class:`~impactgraph.errors.VersionConflictError`.

>>> from impactgraph.model import Component, Kind
>>> snap = Snapshot(3, Model.build([Component(id="dc1", kind=Kind.SITE)]))
>>> snap.component("dc1").kind, snap.graph.n, snap.answer(("n",), lambda: 42)
(<Kind.SITE: 'site'>, 1, 42)
"""

from __future__ import annotations

import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast

from impactgraph.errors import TooLargeError, UnknownComponentError, VersionConflictError
from impactgraph.graph import Graph
from impactgraph.model import Component, Model
from impactgraph.store.base import Changes, Store

T = TypeVar("T")

_UNSET: Any = object()
#: the most bytes of answers a snapshot keeps, unless told otherwise
DEFAULT_ANSWER_BYTES = 64 * 1024 * 1024


class _Cell:
    """One value computed at most once at a time (a failed computation leaves it unset)."""

    __slots__ = ("lock", "value")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.value: Any = _UNSET

    def get(self, compute: Callable[[], T]) -> T:
        value = self.value
        if value is _UNSET:
            with self.lock:
                value = self.value
                if value is _UNSET:
                    value = self.value = compute()
        return cast(T, value)


class _Derived:
    """What a snapshot derives from its model: kept values, and an LRU of answers bounded in
    count (``capacity``) and in bytes (``max_bytes``, counting answers kept as bytes or text)."""

    def __init__(self, capacity: int, max_bytes: int = DEFAULT_ANSWER_BYTES) -> None:
        self.lock = threading.Lock()
        self.kept: dict[Hashable, _Cell] = {}
        self.answers: OrderedDict[Hashable, _Cell] = OrderedDict()
        self.capacity = capacity
        self.max_bytes = max_bytes
        self.sizes: dict[Hashable, int] = {}
        self.bytes = 0

    def kept_cell(self, key: Hashable) -> _Cell:
        with self.lock:
            cell = self.kept.get(key)
            if cell is None:
                cell = self.kept[key] = _Cell()
            return cell

    def answer_cell(self, key: Hashable) -> _Cell:
        with self.lock:
            cell = self.answers.get(key)
            if cell is None:
                cell = self.answers[key] = _Cell()
                while len(self.answers) > self.capacity:
                    self._drop(next(iter(self.answers)))
            else:
                self.answers.move_to_end(key)
            return cell

    def weigh(self, key: Hashable, value: object) -> None:
        """Count the size of an answer just computed; drop the least recently used answers
        while the total is past ``max_bytes`` (this one too, when it alone is past a quarter
        of it: a few huge answers must not push out everything else)."""
        if not isinstance(value, bytes | str):
            return
        with self.lock:
            if key in self.sizes or key not in self.answers:
                return
            size = len(value)
            self.sizes[key] = size
            self.bytes += size
            if size > self.max_bytes // 4:
                self._drop(key)
            while self.bytes > self.max_bytes and self.answers:
                self._drop(next(iter(self.answers)))

    def _drop(self, key: Hashable) -> None:
        self.answers.pop(key, None)
        self.bytes -= self.sizes.pop(key, 0)


@dataclass(frozen=True, eq=False)
class Snapshot:
    """The model at one version, and what is derived from it (built lazily, once)."""

    version: int
    model: Model
    #: answers kept by :meth:`answer` (least recently used ones go first)
    answer_cache: int = 256
    #: and at most this many bytes of them
    answer_bytes: int = DEFAULT_ANSWER_BYTES
    _derived: _Derived = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_derived", _Derived(self.answer_cache, self.answer_bytes))

    @property
    def graph(self) -> Graph:
        """The engine's graph of the model, built on first use and shared."""
        return self.derived(("graph",), lambda: Graph.from_model(self.model))

    def component(self, component_id: str) -> Component:
        """The component with this id; :class:`~impactgraph.errors.UnknownComponentError`
        (404) if the model has none."""
        found = self.model.by_id.get(component_id)
        if found is None:
            raise UnknownComponentError(component_id, f"not in the model at version {self.version}")
        return found

    def derived(self, key: Hashable, build: Callable[[], T]) -> T:
        """A value derived from the model (an index, the graph), built once and kept as long
        as the snapshot."""
        return self._derived.kept_cell(key).get(build)

    def answer(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The answer under ``key``, computed once and kept in a bounded LRU; concurrent
        requests for the same key wait for one computation. An error is not kept."""
        if self.answer_cache <= 0:
            return compute()
        value = self._derived.answer_cell(key).get(compute)
        self._derived.weigh(key, value)
        return value


@dataclass(frozen=True)
class Planned(Generic[T]):
    """A write computed from a snapshot: the changes to apply and what to answer."""

    changes: Changes
    result: T


class Estate:
    """The store a server serves, its current :class:`Snapshot`, and every write to it."""

    def __init__(
        self,
        store: Store,
        *,
        answer_cache: int = 256,
        answer_bytes: int = DEFAULT_ANSWER_BYTES,
        write_attempts: int = 30,
        max_components: int | None = None,
    ) -> None:
        self.store = store
        self.answer_cache = answer_cache
        self.answer_bytes = answer_bytes
        self.write_attempts = write_attempts
        self.max_components = max_components
        self._current: Snapshot | None = None
        self._reading = threading.Lock()
        self._writing = threading.Lock()

    def snapshot(self) -> Snapshot:
        """The model at the store's current version (read again only when it moved)."""
        version = self.store.version()
        current = self._current
        if current is not None and current.version == version:
            return current
        with self._reading:  # one read per new version, however many requests wait for it
            current = self._current
            if current is None or current.version != version:
                read_version, model = self.store.read_versioned()
                current = Snapshot(read_version, model, self.answer_cache, self.answer_bytes)
                self._current = current
            return current

    def write(
        self, plan: Callable[[Snapshot], Planned[T]], *, expect_version: int | None = None
    ) -> tuple[int, T]:
        """Compute a write from the current snapshot and apply it as a compare-and-swap; the
        new version (the current one when the changes are empty) and the plan's result.

        With ``expect_version`` (a client's ``If-Match``) a model at another version is a
        :class:`~impactgraph.errors.VersionConflictError` at once; without it a lost race is
        computed again from a fresh snapshot.
        """
        with self._writing:
            for attempt in range(self.write_attempts):
                snap = self.snapshot()
                if expect_version is not None and snap.version != expect_version:
                    raise VersionConflictError(expected=expect_version, actual=snap.version)
                planned = plan(snap)
                if not planned.changes:
                    return snap.version, planned.result
                self.check_changes(snap.model, planned.changes)
                try:
                    version = self.store.apply(planned.changes, expect_version=snap.version)
                except VersionConflictError:
                    if expect_version is not None or attempt + 1 == self.write_attempts:
                        raise
                    time.sleep(random.uniform(0, 0.005 * (attempt + 1)))
                    continue
                return version, planned.result
        raise AssertionError("unreachable: the last attempt returns or raises")

    def load(self, model: Model, *, expect_version: int | None = None) -> int:
        """Replace the whole model (all or nothing); the new version."""
        self.check_count(len(model.components))
        with self._writing:
            return self.store.load(model, expect_version=expect_version)

    def check_count(self, components: int) -> None:
        """A :class:`~impactgraph.errors.TooLargeError` if a model of this many components is
        above the server's limit."""
        if self.max_components is not None and components > self.max_components:
            raise TooLargeError(
                f"the model would hold {components:,} components; this server takes at most "
                f"{self.max_components:,} (IMPACTGRAPH_MAX_COMPONENTS)"
            )

    def check_changes(self, model: Model, changes: Changes) -> None:
        """A :class:`~impactgraph.errors.TooLargeError` if ``changes`` would leave ``model``
        above the server's component limit."""
        if self.max_components is None:
            return
        held = model.by_id
        gone = {cid for cid in changes.delete_components if cid in held}
        new = {c.id for c in changes.upsert_components if c.id not in held or c.id in gone}
        self.check_count(len(held) - len(gone) + len(new))
