"""The production store: one estate model in a Neo4j server, through the official driver.

Graph layout (what architects see in Neo4j's own tools)::

    (:Meta {key: 'impactgraph', version, gen, next_gen, schema})
    (:Component:Service {id, gen, kind, name, type, tier, rto, …, tags, min_up})
    (a)-[:DEPENDS_ON|RUNS_ON|LOCATED_AT|SUPPLIED_BY {type, strength, tolerance}]->(b)   a needs b
    (a)-[:DEPENDS {type: 'replicates_to', …}]->(b)      any other (custom) dependency type
    (g)-[:HAS_MEMBER {mode, activation, position}]->(m)  group g needs its member m

Kind labels come from :data:`KIND_LABELS` and relationship types from :data:`REL_TYPES`:
fixed allow-lists, passed as parameters to Cypher's dynamic labels and types, so no user
string is ever part of a statement. Every statement is a file under ``cypher/``
(:mod:`impactgraph.store._cypher`).

Atomic whole-model loads: every component carries the *generation* ``gen`` it belongs to and
``:Meta.gen`` names the live one. A load writes the next generation beside the live model in
``UNWIND`` batches (each its own managed write transaction, retried on transient errors),
then makes it live with one small write to ``:Meta`` (the commit point), then deletes older
generations. Readers only see the live generation, so a load that fails or a server that
dies mid-load leaves the old model; left-over nodes of an abandoned generation are deleted
by the next load. Every other write is one transaction that first locks ``:Meta`` and bumps
the version (writers queue there, so none is lost), then checks and writes.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from itertools import islice
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from neo4j import GraphDatabase, ManagedTransaction, unit_of_work
from neo4j import exceptions as neo4j_errors

from impactgraph.errors import (
    InputError,
    ModelError,
    StoreError,
    StoreIntegrityError,
    StoreUnavailableError,
    UnknownComponentError,
)
from impactgraph.model import (
    Component,
    Dependency,
    Kind,
    Member,
    MemberMode,
    Model,
    Strength,
    check_references,
)
from impactgraph.store import _cypher
from impactgraph.store.base import EdgeKey, Progress, StoreStats

#: the layout this code writes into ``:Meta.schema``; a larger one is refused
SCHEMA_VERSION = 1
#: rows per transaction during a whole-model load (and per progress report)
BATCH = 10_000
#: transactions of one load that run side by side (one client core, one server core)
WORKERS = 2
#: how long the driver keeps retrying a transaction that fails transiently, in seconds
RETRY_SECONDS = 60.0
#: the server ends a user query (blast radius, paths) that runs longer, in seconds
QUERY_SECONDS = 120.0
#: how to start a server, for error messages
HOW_TO_START = "start one with scripts/neo4j-local start (or docker compose up -d neo4j)"

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

# the driver logs connection failures that we raise as errors; keep them off stderr
logging.getLogger("neo4j").addHandler(logging.NullHandler())

_COMPONENT_FIELDS = tuple(f for f in Component.model_fields if f != "members")
#: the order of a row of ``cypher/load_components.cypher``
_LOAD_FIELDS = (
    "id", "name", "kind", "type", "tier", "rto", "rpo", "mtpd", "recovery_time",
    "restart_time", "backup_interval", "impact_per_hour", "owner", "team", "tags", "min_up",
)  # fmt: skip
if set(_LOAD_FIELDS) != set(_COMPONENT_FIELDS):  # pragma: no cover - a new field in model.py
    raise ImportError("cypher/load_components.cypher does not store every Component field")
_KIND_AT = _LOAD_FIELDS.index("kind")
_TAGS_AT = _LOAD_FIELDS.index("tags")
_KINDS = {k.value: k for k in Kind}
_STRENGTHS = {s.value: s for s in Strength}
_MODES = {m.value: m for m in MemberMode}
_T = TypeVar("_T")


def rel_type(dependency_type: str) -> str:
    """The relationship type that holds a dependency type.

    >>> rel_type("runs_on"), rel_type("replicates_to")
    ('RUNS_ON', 'DEPENDS')
    """
    return REL_TYPES.get(dependency_type, CUSTOM_REL)


def connection_settings(url: str) -> tuple[str, str, str, str | None]:
    """``(driver URI, user, password, database)`` from a store URL and the environment.

    User and password come from the URL, else ``NEO4J_USER`` (default ``neo4j``) and
    ``NEO4J_PASSWORD``; a path names the database (default: the server's default one).

    >>> connection_settings("neo4j://neo4j:s%40cret@127.0.0.1:7687")
    ('neo4j://127.0.0.1:7687', 'neo4j', 's@cret', None)
    >>> connection_settings("bolt://u:p@db.example:7687/estate")[::3]
    ('bolt://db.example:7687', 'estate')
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as e:
        raise InputError(f"bad Neo4j URL {redact(url)!r}: {e}") from None
    if not parts.hostname:
        raise InputError(f"Neo4j URL {redact(url)!r} names no host; use neo4j://user:pw@host:port")
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    uri = f"{parts.scheme}://{host}" + (f":{port}" if port else "")
    user = unquote(parts.username) if parts.username else os.environ.get("NEO4J_USER", "neo4j")
    password = (
        unquote(parts.password)
        if parts.password is not None
        else os.environ.get("NEO4J_PASSWORD", "")
    )
    database = parts.path.strip("/") or None
    return uri, user, password, database


def redact(url: str) -> str:
    """The URL without its password.

    >>> redact("neo4j://neo4j:secret@127.0.0.1:7687")
    'neo4j://neo4j:***@127.0.0.1:7687'
    """
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    return parts._replace(netloc=f"{parts.username}:***@{netloc}").geturl()


class Neo4jStore:
    """A :class:`~impactgraph.store.base.Store` in a Neo4j 5 server.

    Parameters
    ----------
    url
        ``neo4j://user:password@host:port`` (or ``bolt://``, ``neo4j+s://``, …), optionally
        with ``/database``. Without credentials in the URL, ``NEO4J_USER`` and
        ``NEO4J_PASSWORD`` are used.

    Raises
    ------
    StoreUnavailableError
        The server does not answer, or refuses the user and password.
    StoreIntegrityError
        The database holds a newer impactgraph layout than this code understands.
    """

    def __init__(self, url: str) -> None:
        uri, user, password, self.database = connection_settings(url)
        self.url = redact(url)
        self._user = user
        try:
            self._driver = GraphDatabase.driver(
                uri,
                auth=(user, password),
                max_transaction_retry_time=RETRY_SECONDS,
                connection_timeout=5.0,
                user_agent="impactgraph",
            )
        except (ValueError, neo4j_errors.ConfigurationError) as e:
            raise InputError(f"bad Neo4j URL {self.url!r}: {e}") from None
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
        try:
            yield
        except neo4j_errors.AuthError as e:
            raise StoreUnavailableError(
                f"Neo4j at {self.url} refused user {self._user!r}: wrong user or password "
                f"({e.message}); give them in the URL (neo4j://user:password@host:port) or in "
                "NEO4J_USER / NEO4J_PASSWORD"
            ) from None
        except (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired) as e:
            raise StoreUnavailableError(
                f"cannot reach Neo4j at {self.url} ({_reason(e)}); is the server running? "
                f"{HOW_TO_START}"
            ) from None
        except neo4j_errors.DriverError as e:
            raise StoreUnavailableError(f"Neo4j at {self.url}: {e}") from None
        except neo4j_errors.Neo4jError as e:
            raise StoreError(f"Neo4j at {self.url} refused a statement: {e.message}") from None

    def _write(self, work: Callable[[ManagedTransaction], _T]) -> _T:
        """Run ``work`` in one managed write transaction (retried on transient errors)."""
        with self._errors(), self._driver.session(database=self.database) as session:
            return session.execute_write(work)

    def _load_write(self, work: Callable[[ManagedTransaction], _T]) -> _T:
        """:meth:`_write` for load batches: the server sends no deprecation notices (``id()``)."""
        with (
            self._errors(),
            self._driver.session(
                database=self.database,
                notifications_disabled_classifications=["DEPRECATION"],
            ) as session,
        ):
            return session.execute_write(work)

    def _read(self, work: Callable[[ManagedTransaction], _T]) -> _T:
        with (
            self._errors(),
            self._driver.session(database=self.database, fetch_size=BATCH) as session,
        ):
            return session.execute_read(work)

    def _ensure_schema(self) -> None:
        with self._driver.session(database=self.database) as session:
            for name in _cypher.names():
                if name.startswith("schema_"):
                    try:
                        session.run(_cypher.statement(name)).consume()
                    except neo4j_errors.ClientError as e:
                        # another process created the same constraint at the same moment
                        if "already exists" not in (e.message or "").lower():
                            raise

            def init(tx: ManagedTransaction) -> int:
                row = _single(tx, "meta_init", schema=SCHEMA_VERSION)
                return int(row["schema"])

            found = session.execute_write(init)
        if found > SCHEMA_VERSION:
            raise StoreIntegrityError(
                f"Neo4j at {self.url} holds impactgraph layout {found}, newer than this "
                f"impactgraph understands ({SCHEMA_VERSION}); upgrade impactgraph"
            )

    # ---- the Store protocol ---------------------------------------------------------------

    def version(self) -> int:
        """The model version: 0 for a new database, one more after every successful write."""
        return self._read(lambda tx: int(_single(tx, "meta_read")["version"]))

    def load(self, model: Model, *, progress: Progress | None = None) -> int:
        """Replace the whole model atomically (see the module docstring); the new version.

        ``progress(done, total)`` is called after each batch of rows (components,
        dependencies and member entries all count).
        """
        issues = check_references(model.components, model.dependencies)
        if issues:
            raise ModelError(issues)
        members = sum(len(c.members) for c in model.components)
        total = len(model.components) + len(model.dependencies) + members
        done = 0
        if progress:
            progress(0, total)
        gen = self._write(lambda tx: int(_single(tx, "load_reserve_generation")["gen"]))
        nodes: dict[str, int] = {}  # component id -> internal id of its new node
        try:
            with ThreadPoolExecutor(WORKERS, thread_name_prefix="neo4j-load") as pool:
                # each phase is complete before the next: edges name the nodes written before.
                # Component batches lock only their new nodes, so they run side by side; edge
                # batches lock shared nodes in any order and would deadlock (then back off for
                # minutes), so they run one at a time
                for name, batches, in_flight in (
                    ("load_components", _component_batches(model.components), 2 * WORKERS),
                    ("load_dependencies", _dependency_batches(model.dependencies, nodes), 1),
                    ("load_members", _member_batches(model.components, nodes), 1),
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
            switched = self._write(lambda tx: _single(tx, "load_switch", gen=gen))
        except BaseException:
            self._drop_generation(gen)
            raise
        self._delete_old_generations()
        return int(switched["version"])

    def read(self) -> Model:
        """The whole model: components by id, dependencies by (source, target, type)."""

        def work(tx: ManagedTransaction) -> Model:
            gen = _single(tx, "meta_read")["gen"]
            members: dict[str, list[tuple[int, Member]]] = {}
            for group, member, mode, activation, position in tx.run(
                _cypher.statement("read_members"), gen=gen
            ):
                members.setdefault(group, []).append(
                    (
                        position,
                        _trusted(
                            Member,
                            {
                                "id": member,
                                "mode": _decode(_MODES, mode, "mode"),
                                "activation": activation,
                            },
                        ),
                    )
                )
            components = [
                _component(record[0], members.get(record[0]["id"], []))
                for record in tx.run(_cypher.statement("read_components"), gen=gen)
            ]
            dependencies = [
                _trusted(
                    Dependency,
                    {
                        "source": s,
                        "target": t,
                        "type": ty,
                        "strength": _decode(_STRENGTHS, st, "strength"),
                        "tolerance": tol,
                    },
                )
                for s, t, ty, st, tol in tx.run(_cypher.statement("read_dependencies"), gen=gen)
            ]
            components.sort(key=lambda c: c.id)
            dependencies.sort(key=lambda d: (d.source, d.target, d.type))
            return Model.model_construct(
                components=tuple(components), dependencies=tuple(dependencies)
            )

        return self._read(work)

    def upsert_components(self, components: Sequence[Component]) -> int:
        """Create or replace components by id, members included; their dependencies stay."""
        components = list(components)

        def work(tx: ManagedTransaction) -> int:
            version, gen = _begin(tx)
            referenced = {m.id for c in components for m in c.members}
            present = _existing(tx, gen, referenced - {c.id for c in components})
            issues = check_references([*components, *map(_stand_in, sorted(present))], [])
            if issues:
                raise ModelError(issues)
            ids = [c.id for c in components]
            _run(tx, "upsert_components", gen=gen, rows=[_component_row(c) for c in components])
            _run(tx, "delete_members_of_groups", gen=gen, ids=ids)
            _run(tx, "create_members", gen=gen, rows=_member_rows(components))
            return version

        return self._write(work)

    def delete_components(self, ids: Sequence[str]) -> int:
        """Delete components with every dependency and member entry that names them.

        Raises :class:`UnknownComponentError` for an id the store does not hold and
        :class:`ModelError` if a group would be left without enough members.
        """
        wanted = list(dict.fromkeys(ids))

        def work(tx: ManagedTransaction) -> int:
            version, gen = _begin(tx)
            present = _existing(tx, gen, wanted)
            for cid in wanted:
                if cid not in present:
                    raise UnknownComponentError(cid, "nothing was deleted")
            gone = set(wanted)
            affected = {
                r["id"] for r in tx.run(_cypher.statement("groups_of_members"), gen=gen, ids=wanted)
            } - gone
            groups = [
                _component(r["g"], [(0, m) for m in _members(r["members"]) if m.id not in gone])
                for r in tx.run(_cypher.statement("read_groups"), gen=gen, ids=sorted(affected))
            ]
            others = {m.id for g in groups for m in g.members} - affected
            issues = check_references([*groups, *map(_stand_in, sorted(others))], [])
            if issues:
                raise ModelError(issues)
            _run(tx, "delete_components", gen=gen, ids=wanted)
            return version

        return self._write(work)

    def upsert_dependencies(self, dependencies: Sequence[Dependency]) -> int:
        """Create or replace dependencies keyed by (source, target, type)."""
        dependencies = list(dependencies)

        def work(tx: ManagedTransaction) -> int:
            version, gen = _begin(tx)
            named = {d.source for d in dependencies} | {d.target for d in dependencies}
            present = _existing(tx, gen, named)
            issues = check_references([_stand_in(i) for i in sorted(present)], dependencies)
            if issues:
                raise ModelError(issues)
            _run(
                tx, "upsert_dependencies", gen=gen, rows=[_dependency_row(d) for d in dependencies]
            )
            return version

        return self._write(work)

    def delete_dependencies(self, keys: Sequence[EdgeKey]) -> int:
        """Delete dependencies by (source, target, type); an unknown key is an InputError."""
        wanted = list(dict.fromkeys(tuple(k) for k in keys))

        def work(tx: ManagedTransaction) -> int:
            version, gen = _begin(tx)
            rows = [
                {"i": i, "source": s, "target": t, "type": ty, "rel": rel_type(ty)}
                for i, (s, t, ty) in enumerate(wanted)
            ]
            found = {
                r["i"] for r in tx.run(_cypher.statement("delete_dependencies"), gen=gen, rows=rows)
            }
            for i, (source, target, type_) in enumerate(wanted):
                if i not in found:
                    raise InputError(
                        f"no dependency {source!r} → {target!r} of type {type_!r} in the "
                        "store; nothing was deleted"
                    )
            return version

        return self._write(work)

    def stats(self) -> StoreStats:
        """Counts by kind, dependencies, member entries and the version."""

        def work(tx: ManagedTransaction) -> StoreStats:
            meta = _single(tx, "meta_read")
            by_kind = {
                r["kind"]: int(r["n"])
                for r in tx.run(_cypher.statement("stats_by_kind"), gen=meta["gen"])
            }
            edges = _single(tx, "stats_edges", gen=meta["gen"])
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
        gen = self._write(lambda tx: int(_single(tx, "load_reserve_generation")["gen"]))
        switched = self._write(lambda tx: _single(tx, "load_switch", gen=gen))
        self._delete_old_generations()
        return int(switched["version"])

    def close(self) -> None:
        """Close the driver (the store cannot be used afterwards)."""
        self._driver.close()

    def __enter__(self) -> Neo4jStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Neo4jStore({self.url!r})"

    # ---- queries for users who live in Neo4j ------------------------------------------------

    def query(self, name: str, **parameters: Any) -> list[dict[str, Any]]:
        """Run the read statement ``cypher/NAME.cypher`` with parameters; rows as dicts.

        Used for ``blast_radius``, ``dependencies`` and ``shortest_path``.
        """
        statement = _cypher.statement(name)

        @unit_of_work(timeout=QUERY_SECONDS)
        def work(tx: ManagedTransaction) -> list[dict[str, Any]]:
            return [r.data() for r in tx.run(statement, parameters)]

        return self._read(work)

    # ---- generations ------------------------------------------------------------------------

    def _delete_old_generations(self) -> None:
        while self._write(_runner("delete_old_generations", batch=BATCH, single="deleted")):
            pass

    def _drop_generation(self, gen: int) -> None:
        """Best effort: delete what a failed load wrote (the next load does it otherwise)."""
        try:
            while self._write(_runner("delete_generation", gen=gen, batch=BATCH, single="deleted")):
                pass
        except (StoreError, neo4j_errors.Neo4jError, neo4j_errors.DriverError):
            pass


# ---- statements -------------------------------------------------------------------------------


def _run(tx: ManagedTransaction, name: str, **parameters: Any) -> None:
    tx.run(_cypher.statement(name), parameters).consume()


def _single(tx: ManagedTransaction, name: str, **parameters: Any) -> dict[str, Any]:
    record = tx.run(_cypher.statement(name), parameters).single(strict=True)
    return record.data()


def _runner(
    name: str, *, single: str | None = None, **parameters: Any
) -> Callable[[ManagedTransaction], int]:
    """A transaction function that runs one statement.

    It returns column ``single`` of the one row, or else the number of ``rows`` it was given.
    """

    def work(tx: ManagedTransaction) -> int:
        if single is None:
            _run(tx, name, **parameters)
            return len(parameters.get("rows", ()))
        return int(_single(tx, name, **parameters)[single])

    return work


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


def _begin(tx: ManagedTransaction) -> tuple[int, int]:
    """Lock ``:Meta`` and grow the version: ``(new version, live generation)``."""
    row = _single(tx, "meta_begin_write")
    return int(row["version"]), int(row["gen"])


def _existing(tx: ManagedTransaction, gen: int, ids: Sequence[str] | set[str]) -> set[str]:
    if not ids:
        return set()
    result = tx.run(_cypher.statement("components_existing"), gen=gen, ids=list(ids))
    return {r["id"] for r in result}


# ---- rows ↔ model -----------------------------------------------------------------------------


def _component_row(c: Component) -> dict[str, Any]:
    values = c.__dict__
    props: dict[str, Any] = {}
    for field in _COMPONENT_FIELDS:
        v = values[field]
        if v is None or v == ():
            continue
        if field == "tags":
            v = list(v)
        elif field == "kind":
            v = v.value
        props[field] = v
    return {"label": KIND_LABELS[c.kind], "props": props}


def _component_batches(components: Sequence[Component]) -> Iterator[dict[str, Any]]:
    """Parameters of ``load_components``: rows as lists, one kind label per batch."""
    by_label: dict[str, list[list[Any]]] = {}
    for c in components:
        values = c.__dict__
        row = [values[field] for field in _LOAD_FIELDS]
        row[_KIND_AT] = c.kind.value
        row[_TAGS_AT] = list(c.tags) if c.tags else None
        by_label.setdefault(KIND_LABELS[c.kind], []).append(row)
    for label, rows in by_label.items():
        for start in range(0, len(rows), BATCH):
            yield {"label": label, "rows": rows[start : start + BATCH]}


def _dependency_batches(
    dependencies: Sequence[Dependency], nodes: dict[str, int]
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
        for start in range(0, len(group), BATCH):
            yield {
                "rel": rel,
                "rows": [
                    [nodes[d.source], nodes[d.target], d.type, d.strength.value, d.tolerance]
                    for d in group[start : start + BATCH]
                ],
            }


def _member_batches(
    components: Sequence[Component], nodes: dict[str, int]
) -> Iterator[dict[str, Any]]:
    """Parameters of ``load_members`` (``nodes`` as for :func:`_dependency_batches`)."""
    rows = (
        [nodes[c.id], nodes[m.id], m.mode.value, m.activation, i]
        for c in components
        if c.members
        for i, m in enumerate(c.members)
    )
    while batch := list(islice(rows, BATCH)):
        yield {"rows": batch}


def _dependency_row(d: Dependency) -> dict[str, Any]:
    return {
        "source": d.source,
        "target": d.target,
        "type": d.type,
        "rel": rel_type(d.type),
        "strength": d.strength.value,
        "tolerance": d.tolerance,
    }


def _member_rows(components: Sequence[Component] | tuple[Component, ...]) -> list[dict[str, Any]]:
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


def _members(rows: list[list[Any]]) -> list[Member]:
    return [
        _trusted(Member, {"id": i, "mode": _decode(_MODES, mode, "mode"), "activation": a})
        for i, mode, a in rows
    ]


def _component(props: dict[str, Any], members: list[tuple[int, Member]]) -> Component:
    values = {field: props.get(field) for field in _COMPONENT_FIELDS}
    values["kind"] = _decode(_KINDS, values["kind"], "kind")
    tags = values["tags"]
    values["tags"] = tuple(tags) if tags else ()
    members.sort(key=lambda pm: pm[0])
    values["members"] = tuple(m for _, m in members)
    return _trusted(Component, values)


_M = TypeVar("_M")


def _trusted(cls: type[_M], values: dict[str, Any]) -> _M:
    """An instance from values validated before they were stored (no validation again)."""
    instance = cls.__new__(cls)
    object.__setattr__(instance, "__dict__", values)
    object.__setattr__(instance, "__pydantic_fields_set__", set(values))
    object.__setattr__(instance, "__pydantic_extra__", None)
    object.__setattr__(instance, "__pydantic_private__", None)
    return instance


def _decode(table: dict[str, _T], value: Any, what: str) -> _T:
    try:
        return table[value]
    except (KeyError, TypeError):
        raise StoreIntegrityError(
            f"the Neo4j store holds {what} {value!r}, which impactgraph does not know"
        ) from None


def _reason(error: Exception) -> str:
    """The useful part of a driver's connection error, on one line."""
    text = str(error)
    found = re.search(r"\(reason ([^)]*)\)", text)
    return found.group(1) if found else " ".join(text.split())


def _stand_in(component_id: str) -> Component:
    """A placeholder for a component already in the store, so that references to it check."""
    return Component.model_construct(id=component_id, kind=Kind.SERVICE)


__all__ = ["CUSTOM_REL", "KIND_LABELS", "MEMBER_REL", "REL_TYPES", "Neo4jStore"]
