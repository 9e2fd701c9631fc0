"""The production store: one estate model in a Neo4j server, through the official driver.

Graph layout (what architects see in Neo4j's own tools)::

    (:Meta {key: 'impactgraph', version, gen, next_gen, schema})
    (:Component:Service {id, gen, kind, name, type, tier, rto, …, tags, source, external_id,
                         min_up})
    (a)-[:DEPENDS_ON|RUNS_ON|LOCATED_AT|SUPPLIED_BY {type, strength, tolerance}]->(b)   a needs b
    (a)-[:DEPENDS {type: 'replicates_to', …}]->(b)      any other (custom) dependency type
    (g)-[:HAS_MEMBER {mode, activation, position}]->(m)  group g needs its member m
    (:ApiKey {id, role, digest, created, name, revoked})  beside the model, in no generation

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
by the next load. Of two loads that overlap, the one that reserved the later generation
wins: the other fails with a :class:`~impactgraph.errors.StoreError` that says another load
replaced the model (at its switch, or earlier if the winner's clean-up took its nodes), and
never reports success for a model that is not live. Every other write is one transaction
that first locks ``:Meta`` and bumps the version (writers queue there, so none is lost), then
checks and writes (:mod:`impactgraph.store._checks`).

Versions: a write given ``expect_version`` compares it with the version it finds once it holds
the ``:Meta`` lock, so two writers racing from the same version cannot both write. A load
checks before it writes its first batch, and again at its switch, under the lock (a write
that slipped in between makes it fail and drop what it wrote). :meth:`Neo4jStore.read_versioned`
reads the version before and after the rows in one read transaction and reads again if they
differ (at last under the ``:Meta`` lock, where no write can commit).

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
import operator
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
    VersionConflictError,
)
from impactgraph.graph import Graph
from impactgraph.model import Component, Dependency, Model
from impactgraph.store import _checks, _codec, _cypher
from impactgraph.store._integrity import KEY_RULES, key_records
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
    HOLDER,
    KIND_LABELS,
    MEMBER_REL,
    REL_TYPES,
    Props,
    Writes,
    component_batches,
    dependency_batches,
    member_batches,
    rel_type,
    stored_rows,
)
from impactgraph.store.base import (
    ApiKeyRecord,
    Changes,
    ClosedOnExit,
    EdgeKey,
    Progress,
    Reach,
    StoreStats,
    Timeouts,
)

#: the layout this code writes into ``:Meta.schema``; a larger one is refused, a smaller one
#: marked as this one (2 added ``source`` and ``external_id`` and ``:ApiKey`` nodes, which need
#: no data written)
SCHEMA_VERSION = 2
#: the properties of an ``:ApiKey`` node, in :class:`ApiKeyRecord` order
KEY_FIELDS = tuple(KEY_RULES)
#: optimistic reads of :meth:`Neo4jStore.read_versioned` before it reads under the lock
READ_ATTEMPTS = 3
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

    def _checked(self, check: Callable[[Writes], None], expect_version: int | None) -> int:
        """One write transaction: lock ``:Meta`` and grow the version, compare the version it
        had with ``expect_version``, then ``check`` (which raises, so that nothing commits, or
        writes); the new version."""

        def work(tx: ManagedTransaction) -> int:
            row = single(tx, "meta_begin_write")
            _expect(int(row["version"]) - 1, expect_version)
            check(Writes(tx, int(row["gen"])))
            return int(row["version"])

        return self._write(work)

    def _locked_check(self, tx: ManagedTransaction, expect_version: int | None) -> None:
        """Lock ``:Meta`` (without a change) and compare its version with ``expect_version``."""
        row = single(tx, "meta_lock")
        _expect(int(row["version"]), expect_version)

    # ---- the Store protocol ---------------------------------------------------------------

    def version(self) -> int:
        """The model version: 0 for a new database, one more after every successful write."""
        return self._read(lambda tx: int(single(tx, "meta_read")["version"]))

    def load(
        self, model: Model, *, progress: Progress | None = None, expect_version: int | None = None
    ) -> int:
        """Replace the whole model atomically (see the module docstring); the new version.

        ``progress(done, total)`` is called after each batch of rows (components,
        dependencies and member entries all count). With ``expect_version``, a store at
        another version — before the first batch, or at the switch — is a
        :class:`VersionConflictError` and the model stays as it was. API keys stay.
        """
        _checks.check_model(model)
        members = sum(len(c.members) for c in model.components)
        total = len(model.components) + len(model.dependencies) + members
        done = 0
        if progress:
            progress(0, total)

        def reserve(tx: ManagedTransaction) -> int:
            if expect_version is not None:
                self._locked_check(tx, expect_version)
            return int(single(tx, "load_reserve_generation")["gen"])

        def switch(tx: ManagedTransaction) -> dict[str, Any]:
            row = single(tx, "meta_lock")
            if int(row["gen"]) > gen:
                raise StoreError(self._superseded)
            _expect(int(row["version"]), expect_version)  # a write may have come in since
            return single(tx, "load_switch", gen=gen)

        gen = self._write(reserve)
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
            switched = self._write(switch)
        except StoreError as e:
            self._drop_generation(gen)
            if e.args[0] != self._superseded and self._live_generation() > gen:
                raise StoreError(self._superseded) from e  # its nodes were cleaned up under it
            raise
        except BaseException:
            self._drop_generation(gen)
            raise
        self._delete_old_generations()
        return int(switched["version"])

    @property
    def _superseded(self) -> str:
        return (
            f"Neo4j at {self.url}: another load replaced the model while this one was being "
            "written, and won; nothing of this load was kept (load it again to make it the model)"
        )

    def _live_generation(self) -> int:
        try:
            return int(self._read(lambda tx: single(tx, "meta_read")["gen"]))
        except StoreError:
            return -1

    def read(self) -> Model:
        """The whole model: components by id, dependencies by (source, target, type)."""
        with no_gc():
            return _codec.model_from_rows(self._read(_live_rows))

    def read_versioned(self) -> tuple[int, Model]:
        """The version and the whole model at that version (see the module docstring)."""

        def optimistic(tx: ManagedTransaction) -> tuple[int, _codec.StoredRows] | None:
            for _ in range(READ_ATTEMPTS):
                meta = single(tx, "meta_read")
                rows = stored_rows(tx, meta["gen"])
                if single(tx, "meta_read")["version"] == meta["version"]:
                    return int(meta["version"]), rows
            return None

        def locked(tx: ManagedTransaction) -> tuple[int, _codec.StoredRows]:
            meta = single(tx, "meta_lock")
            return int(meta["version"]), stored_rows(tx, meta["gen"])

        with no_gc():
            found = self._read(optimistic) or self._write(locked)
            return found[0], _codec.model_from_rows(found[1])

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

    def apply(self, changes: Changes, *, expect_version: int | None = None) -> int:
        """Write ``changes`` in one transaction that first locks ``:Meta``: delete
        dependencies, delete components, upsert components, upsert dependencies; return the
        new version.

        Raises :class:`UnknownDependencyError` or :class:`UnknownComponentError` for a key or
        id to delete that the store does not hold, :class:`ModelError` for a result that is
        not a valid model and :class:`VersionConflictError` when ``expect_version`` is given
        and the store is at another; any of them changes nothing. Empty changes write nothing
        and return the current version.
        """
        if not changes:
            version = self.version()
            _expect(version, expect_version)
            return version
        frozen = Changes(
            upsert_components=tuple(changes.upsert_components),
            delete_components=tuple(changes.delete_components),
            upsert_dependencies=tuple(changes.upsert_dependencies),
            delete_dependencies=tuple(changes.delete_dependencies),
        )  # the transaction may be retried: iterate the parts each time
        return self._checked(lambda writes: _checks.apply(writes, frozen), expect_version)

    def upsert_components(self, components: Sequence[Component]) -> int:
        """Create or replace components by id, members included; their dependencies stay."""
        return self.apply(Changes(upsert_components=tuple(components)))

    def delete_components(self, ids: Sequence[str]) -> int:
        """Delete components with every dependency and member entry that names them.

        Raises :class:`UnknownComponentError` for an id the store does not hold and
        :class:`ModelError` if a group would be left without enough members.
        """
        return self.apply(Changes(delete_components=tuple(ids)))

    def upsert_dependencies(self, dependencies: Sequence[Dependency]) -> int:
        """Create or replace dependencies keyed by (source, target, type)."""
        return self.apply(Changes(upsert_dependencies=tuple(dependencies)))

    def delete_dependencies(self, keys: Sequence[EdgeKey]) -> int:
        """Delete dependencies by (source, target, type); unknown: UnknownDependencyError."""
        return self.apply(Changes(delete_dependencies=tuple(keys)))

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
        """Delete the whole model (a switch to an empty generation); the new version. API
        keys stay."""
        gen = self._write(lambda tx: int(single(tx, "load_reserve_generation")["gen"]))
        switched = self._write(lambda tx: single(tx, "load_switch", gen=gen))
        self._delete_old_generations()
        return int(switched["version"])

    # ---- API keys (beside the model: no version, untouched by load and wipe) ----------------

    def add_key(self, record: ApiKeyRecord) -> None:
        """Keep a new API key; an id the store holds already is a ``ValueError``."""
        params = {
            "id": record.id,
            "role": record.role,
            "digest": record.digest,
            "created": record.created,
            "name": record.name,
            "revoked": record.revoked,
        }

        statement = _cypher.statement("key_add")

        def work(tx: ManagedTransaction) -> None:
            try:
                tx.run(statement, params).consume()
            except neo4j_errors.ConstraintError:
                raise ValueError(f"the store holds an API key {record.id!r} already") from None

        self._write(work)

    def keys(self) -> list[ApiKeyRecord]:
        """Every API key, revoked ones included, by created time, then id."""
        return self._keys("keys_read")

    def key(self, key_id: str) -> ApiKeyRecord | None:
        """The API key with this id, or None."""
        found = self._keys("key_read", id=key_id)
        return found[0] if found else None

    def _keys(self, name: str, **parameters: Any) -> list[ApiKeyRecord]:
        statement = _cypher.statement(name)
        fields = operator.itemgetter(*KEY_FIELDS)

        def work(tx: ManagedTransaction) -> list[tuple[Any, ...]]:
            return [fields(Props(props)) for (props,) in tx.run(statement, parameters)]

        return key_records(self._read(work), HOLDER)

    def revoke_key(self, key_id: str, when: str) -> bool:
        """Mark a key revoked at ``when``; False if there is no such key. A key revoked before
        keeps its first time."""
        if not (isinstance(when, str) and when):
            raise ValueError(f"a revocation time is ISO 8601 text, not {when!r}")
        statement = _cypher.statement("key_revoke")

        def work(tx: ManagedTransaction) -> bool:
            return tx.run(statement, id=key_id, when=when).single() is not None

        return self._write(work)

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


def _expect(version: int, expect_version: int | None) -> None:
    """A version other than ``expect_version`` (if given) is a conflict."""
    if expect_version is not None and version != expect_version:
        raise VersionConflictError(expected=expect_version, actual=version)


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
        found = result.single()
        created = list(zip(found[0], found[1], strict=True)) if found is not None else []
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
