"""The production store: one estate model in a Neo4j server, through the official driver.

Graph layout (what architects see in Neo4j's own tools)::

    (:Meta {key: 'impactgraph', version, gen, next_gen, schema})
    (:Component:Service {id, gen, kind, name, type, tier, rto, …, tags, min_up})
    (a)-[:DEPENDS_ON|RUNS_ON|LOCATED_AT|SUPPLIED_BY {type, strength, tolerance}]->(b)   a needs b
    (a)-[:DEPENDS {type: 'replicates_to', …}]->(b)      any other (custom) dependency type
    (g)-[:HAS_MEMBER {mode, activation, position}]->(m)  group g needs its member m

Kind labels come from :data:`KIND_LABELS` and relationship types from :data:`REL_TYPES`:
fixed allow-lists, passed as parameters to Cypher's dynamic labels and types, so no user
string is ever part of a statement (:mod:`impactgraph.store._neo4j_rows`). Every statement is
a file under ``cypher/`` (:mod:`impactgraph.store._cypher`); connections and the driver's
errors are :mod:`impactgraph.store._neo4j_connection`'s job.

Atomic whole-model loads: every component carries the *generation* ``gen`` it belongs to and
``:Meta.gen`` names the live one. A load writes the next generation beside the live model in
``UNWIND`` batches (each its own managed write transaction, retried on transient errors),
then makes it live with one small write to ``:Meta`` (the commit point), then deletes older
generations. Readers only see the live generation, so a load that fails or a server that
dies mid-load leaves the old model; left-over nodes of an abandoned generation are deleted
by the next load. Every other write is one transaction that first locks ``:Meta`` and bumps
the version (writers queue there, so none is lost), then checks and writes
(:mod:`impactgraph.store._checks`).

Reachability (:meth:`Neo4jStore.reachable`) is answered by the database itself
(``cypher/blast_radius.cypher``, ``dependencies.cypher``), so a large estate is not read whole.

Timeouts (:class:`~impactgraph.store.base.Timeouts`): reaching the server — TCP, TLS, the Bolt
handshake, login and routing — takes at most ``connect`` seconds (the driver's
``connection_timeout`` and ``connection_acquisition_timeout``: a port that accepts and never
answers fails in that time, not the driver's 60 s); every transaction carries ``query`` as
its server-side timeout, and retries of transient failures stop after
``min(RETRY_SECONDS, query)``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from typing import Any, TypeVar, Unpack

from neo4j import GraphDatabase, ManagedTransaction, Query, unit_of_work
from neo4j import exceptions as neo4j_errors

from impactgraph._gc import no_gc
from impactgraph.engine.explain import Reached, check_reach
from impactgraph.errors import (
    StoreError,
    StoreIntegrityError,
    StoreUrlError,
    UnknownComponentError,
)
from impactgraph.graph import Graph
from impactgraph.model import Component, Dependency, Model
from impactgraph.store import _checks, _codec, _cypher
from impactgraph.store._neo4j_connection import (
    HOW_TO_START,
    connection_settings,
    driver_errors,
    redact,
    runner,
    single,
)
from impactgraph.store._neo4j_rows import (
    CUSTOM_REL,
    KIND_LABELS,
    MEMBER_REL,
    REL_TYPES,
    Writes,
    component_batches,
    dependency_batches,
    member_batches,
    rel_type,
    stored_rows,
)
from impactgraph.store.base import ClosedOnExit, EdgeKey, Progress, Reach, StoreStats, Timeouts

#: the layout this code writes into ``:Meta.schema``; a larger one is refused
SCHEMA_VERSION = 1
#: rows per transaction during a whole-model load (and per progress report)
BATCH = 10_000
#: transactions of one load that run side by side (one client core, one server core)
WORKERS = 2
#: how long the driver keeps retrying a transaction that fails transiently, in seconds
RETRY_SECONDS = 60.0

# the driver logs connection failures that we raise as errors; keep them off stderr
logging.getLogger("neo4j").addHandler(logging.NullHandler())

_T = TypeVar("_T")


class Neo4jStore(ClosedOnExit):
    """A :class:`~impactgraph.store.base.Store` in a Neo4j 5 server.

    Parameters
    ----------
    url
        ``neo4j://user:password@host:port`` (or ``bolt://``, ``neo4j+s://``, …), optionally
        with ``/database``. Without credentials in the URL, ``NEO4J_USER`` and
        ``NEO4J_PASSWORD`` are used.
    timeouts
        How long to wait for the server; by default from the environment
        (:meth:`Timeouts.from_environment <impactgraph.store.base.Timeouts.from_environment>`).

    Raises
    ------
    StoreUrlError
        The URL (or a timeout in the environment) cannot be read.
    StoreUnavailableError
        The server does not answer within the connect timeout, or refuses the user and
        password.
    StoreIntegrityError
        The database holds a newer impactgraph layout than this code understands.
    """

    def __init__(self, url: str, timeouts: Timeouts | None = None) -> None:
        uri, user, password, self.database = connection_settings(url)
        self.url = redact(url)
        self._user = user
        self.timeouts = timeouts or Timeouts.from_environment()
        try:
            self._driver = GraphDatabase.driver(
                uri,
                auth=(user, password),
                max_transaction_retry_time=min(RETRY_SECONDS, self.timeouts.query),
                # connect, TLS, handshake, login: each attempt, and all of them together
                connection_timeout=self.timeouts.connect,
                connection_acquisition_timeout=self.timeouts.connect,
                user_agent="impactgraph",
            )
        except (ValueError, neo4j_errors.ConfigurationError) as e:
            raise StoreUrlError(f"bad Neo4j URL {self.url!r}: {e}") from None
        try:
            with self._errors():
                self._driver.verify_connectivity()
                self._ensure_schema()
        except BaseException:
            self._driver.close()
            raise

    # ---- plumbing -------------------------------------------------------------------------

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Driver errors as impactgraph errors that say what to do."""
        with driver_errors(self.url, self._user):
            yield

    def _timed(
        self, work: Callable[[ManagedTransaction], _T]
    ) -> Callable[[ManagedTransaction], _T]:
        """``work`` with the query timeout, which the server enforces on its transaction."""
        return unit_of_work(timeout=self.timeouts.query)(work)

    def _write(self, work: Callable[[ManagedTransaction], _T]) -> _T:
        """Run ``work`` in one managed write transaction (retried on transient errors)."""
        with self._errors(), self._driver.session(database=self.database) as session:
            return session.execute_write(self._timed(work))

    def _load_write(self, work: Callable[[ManagedTransaction], _T]) -> _T:
        """:meth:`_write` for load batches: the server sends no deprecation notices (``id()``)."""
        with (
            self._errors(),
            self._driver.session(
                database=self.database,
                notifications_disabled_classifications=["DEPRECATION"],
            ) as session,
        ):
            return session.execute_write(self._timed(work))

    def _read(self, work: Callable[[ManagedTransaction], _T]) -> _T:
        with (
            self._errors(),
            self._driver.session(database=self.database, fetch_size=BATCH) as session,
        ):
            return session.execute_read(self._timed(work))

    def _ensure_schema(self) -> None:
        with self._driver.session(database=self.database) as session:
            for name in _cypher.names():
                if name.startswith("schema_"):
                    try:
                        query = Query(_cypher.statement(name), timeout=self.timeouts.query)
                        session.run(query).consume()
                    except neo4j_errors.ClientError as e:
                        # another process created the same constraint at the same moment
                        if "already exists" not in (e.message or "").lower():
                            raise

            def init(tx: ManagedTransaction) -> int:
                row = single(tx, "meta_init", schema=SCHEMA_VERSION)
                return int(row["schema"])

            found = session.execute_write(self._timed(init))
        if found > SCHEMA_VERSION:
            raise StoreIntegrityError(
                f"Neo4j at {self.url} holds impactgraph layout {found}, newer than this "
                f"impactgraph understands ({SCHEMA_VERSION}); upgrade impactgraph"
            )

    def _checked(self, check: Callable[[Writes], None]) -> int:
        """One write transaction: lock ``:Meta`` and grow the version, then ``check`` (which
        raises, so that nothing commits, or writes); the new version."""

        def work(tx: ManagedTransaction) -> int:
            row = single(tx, "meta_begin_write")
            check(Writes(tx, int(row["gen"])))
            return int(row["version"])

        return self._write(work)

    # ---- the Store protocol ---------------------------------------------------------------

    def version(self) -> int:
        """The model version: 0 for a new database, one more after every successful write."""
        return self._read(lambda tx: int(single(tx, "meta_read")["version"]))

    def load(self, model: Model, *, progress: Progress | None = None) -> int:
        """Replace the whole model atomically (see the module docstring); the new version.

        ``progress(done, total)`` is called after each batch of rows (components,
        dependencies and member entries all count).
        """
        _checks.check_model(model)
        members = sum(len(c.members) for c in model.components)
        total = len(model.components) + len(model.dependencies) + members
        done = 0
        if progress:
            progress(0, total)
        gen = self._write(lambda tx: int(single(tx, "load_reserve_generation")["gen"]))
        nodes: dict[str, int] = {}  # component id -> internal id of its new node
        try:
            with ThreadPoolExecutor(WORKERS, thread_name_prefix="neo4j-load") as pool:
                # each phase is complete before the next: edges name the nodes written before.
                # Component batches lock only their new nodes, so they run side by side; edge
                # batches lock shared nodes in any order and would deadlock (then back off for
                # minutes), so they run one at a time
                for name, batches, in_flight in (
                    ("load_components", component_batches(model.components, BATCH), 2 * WORKERS),
                    ("load_dependencies", dependency_batches(model.dependencies, nodes, BATCH), 1),
                    ("load_members", member_batches(model.components, nodes, BATCH), 1),
                ):
                    running: set[Future[tuple[int, list[tuple[str, int]]]]] = set()
                    while True:
                        params = next(batches, None)
                        if params is not None:
                            running.add(pool.submit(self._load_write, _loader(name, gen, params)))
                        if running and (params is None or len(running) >= in_flight):
                            finished, running = wait(running, return_when=FIRST_COMPLETED)
                            for future in finished:
                                rows, created = future.result()
                                nodes.update(created)
                                done += rows
                                if progress:
                                    progress(done, total)
                        if params is None and not running:
                            break
            switched = self._write(lambda tx: single(tx, "load_switch", gen=gen))
        except BaseException:
            self._drop_generation(gen)
            raise
        self._delete_old_generations()
        return int(switched["version"])

    def read(self) -> Model:
        """The whole model: components by id, dependencies by (source, target, type)."""
        with no_gc():
            return _codec.model_from_rows(self._read(_live_rows))

    def read_graph(self) -> Graph:
        """The whole model as a graph, straight from the rows (no pydantic object)."""
        with no_gc():
            return _codec.graph_from_rows(self._read(_live_rows))

    def reachable(
        self, component_id: str, *, upward: bool, **reach: Unpack[Reach]
    ) -> list[Reached]:
        """What needs ``component_id`` (``upward``: ``cypher/blast_radius.cypher``) or what it
        needs (``cypher/dependencies.cypher``), transitively, answered by the database."""
        statement = _cypher.statement("blast_radius" if upward else "dependencies")
        types, strength = reach.get("types"), reach.get("strength")
        wanted = sorted(set(types)) if types else None

        def work(tx: ManagedTransaction) -> list[Reached]:
            if tx.run(_cypher.statement("component_exists"), id=component_id).single() is None:
                raise UnknownComponentError(component_id)
            known = [r["type"] for r in tx.run(_cypher.statement("edge_types"))] if wanted else []
            check_reach(known, wanted, strength)
            found = tx.run(
                statement,
                id=component_id,
                depth=reach.get("depth"),
                types=wanted,
                strength=strength,
            )
            return [Reached(r["id"], int(r["depth"]), r["kind"], r["name"]) for r in found]

        return self._read(work)

    def upsert_components(self, components: Sequence[Component]) -> int:
        """Create or replace components by id, members included; their dependencies stay."""
        components = list(components)
        return self._checked(lambda writes: _checks.upsert_components(writes, components))

    def delete_components(self, ids: Sequence[str]) -> int:
        """Delete components with every dependency and member entry that names them.

        Raises :class:`UnknownComponentError` for an id the store does not hold and
        :class:`ModelError` if a group would be left without enough members.
        """
        ids = list(ids)
        return self._checked(lambda writes: _checks.delete_components(writes, ids))

    def upsert_dependencies(self, dependencies: Sequence[Dependency]) -> int:
        """Create or replace dependencies keyed by (source, target, type)."""
        dependencies = list(dependencies)
        return self._checked(lambda writes: _checks.upsert_dependencies(writes, dependencies))

    def delete_dependencies(self, keys: Sequence[EdgeKey]) -> int:
        """Delete dependencies by (source, target, type); unknown: UnknownDependencyError."""
        keys = list(keys)
        return self._checked(lambda writes: _checks.delete_dependencies(writes, keys))

    def stats(self) -> StoreStats:
        """Counts by kind, dependencies, member entries and the version."""

        def work(tx: ManagedTransaction) -> StoreStats:
            meta = single(tx, "meta_read")
            by_kind = {
                r["kind"]: int(r["n"])
                for r in tx.run(_cypher.statement("stats_by_kind"), gen=meta["gen"])
            }
            edges = single(tx, "stats_edges", gen=meta["gen"])
            return StoreStats(
                url=self.url,
                version=int(meta["version"]),
                components=sum(by_kind.values()),
                dependencies=int(edges["dependencies"]),
                members=int(edges["members"]),
                by_kind=dict(sorted(by_kind.items())),
            )

        return self._read(work)

    def wipe(self) -> int:
        """Delete the whole model (a switch to an empty generation); the new version."""
        gen = self._write(lambda tx: int(single(tx, "load_reserve_generation")["gen"]))
        switched = self._write(lambda tx: single(tx, "load_switch", gen=gen))
        self._delete_old_generations()
        return int(switched["version"])

    def close(self) -> None:
        """Close the driver (the store cannot be used afterwards)."""
        self._driver.close()

    def __repr__(self) -> str:
        return f"Neo4jStore({self.url!r})"

    # ---- queries for users who live in Neo4j ------------------------------------------------

    def query(self, name: str, **parameters: Any) -> list[dict[str, Any]]:
        """Run the read statement ``cypher/NAME.cypher`` with parameters; rows as dicts.

        Used for ``shortest_path`` (and the statements behind :meth:`reachable`).
        """
        statement = _cypher.statement(name)

        def work(tx: ManagedTransaction) -> list[dict[str, Any]]:
            return [r.data() for r in tx.run(statement, parameters)]

        return self._read(work)

    # ---- generations ------------------------------------------------------------------------

    def _delete_old_generations(self) -> None:
        while self._write(runner("delete_old_generations", batch=BATCH, column="deleted")):
            pass

    def _drop_generation(self, gen: int) -> None:
        """Best effort: delete what a failed load wrote (the next load does it otherwise)."""
        try:
            while self._write(runner("delete_generation", gen=gen, batch=BATCH, column="deleted")):
                pass
        except (StoreError, neo4j_errors.Neo4jError, neo4j_errors.DriverError):
            pass


def _live_rows(tx: ManagedTransaction) -> _codec.StoredRows:
    return stored_rows(tx, single(tx, "meta_read")["gen"])


def _loader(
    name: str, gen: int, params: dict[str, Any]
) -> Callable[[ManagedTransaction], tuple[int, list[tuple[str, int]]]]:
    """A transaction function for one load batch: ``(rows written, [(id, node), …])``.

    The pairs are what ``load_components`` returns (component id, internal node id); the
    edge statements return nothing.
    """

    def work(tx: ManagedTransaction) -> tuple[int, list[tuple[str, int]]]:
        result = tx.run(_cypher.statement(name), params, gen=gen)
        created = [(r[0], r[1]) for r in result]
        return len(params["rows"]), created

    return work


__all__ = [
    "CUSTOM_REL",
    "HOW_TO_START",
    "KIND_LABELS",
    "MEMBER_REL",
    "REL_TYPES",
    "Neo4jStore",
    "connection_settings",
    "redact",
    "rel_type",
]
