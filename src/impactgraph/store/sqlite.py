"""The embedded store: one estate model in one SQLite file (the default, no server needed).

Durability and concurrency: WAL journal, ``synchronous=FULL``, one ``BEGIN IMMEDIATE``
transaction per write and a ``busy_timeout`` so that writers in other threads or processes
wait for each other instead of failing. Every write is checked before it commits: a write
that would leave an invalid model raises :class:`~impactgraph.errors.ModelError` and is
rolled back, so the store and its version are exactly as before. Waiting for another
writer's lock is bounded by the query timeout (:class:`~impactgraph.store.base.Timeouts`).

A store that cannot be written — a read-only file, or a file in a read-only directory where
SQLite cannot make its ``-wal`` and ``-shm`` files — is opened read-only (``mode=ro``, or
``immutable=1`` when not even the shared-memory file can be made): it answers every read,
and every write is a :class:`~impactgraph.errors.StoreUnavailableError` that says why
(:attr:`SqliteStore.read_only`). Rows edited by hand are reported by
:mod:`impactgraph.store._integrity`, by table, row and column.

Schema (``PRAGMA user_version`` = :data:`SCHEMA_VERSION`)::

    meta(key PRIMARY KEY, value)                     -- 'version': the model version
    components(id PRIMARY KEY, name, kind, …, tags JSON, source, external_id, min_up)
    dependencies(source, target, type, strength, tolerance; PRIMARY KEY (source, target, type))
    members(grp, member, mode, activation, position; PRIMARY KEY (grp, member))
    api_keys(id PRIMARY KEY, role, digest, created, name, revoked)   -- beside the model

A file of an older schema (version 1: no ``source``, ``external_id`` or ``api_keys``) is
migrated in place when it is opened, in one transaction; where it cannot be written it is
read as it is, the missing columns as NULL.

Threads and processes: one connection per store, its use serialised by a lock, so one store
may be shared by the threads of a server; other processes (and other stores on the same file)
take turns through SQLite's own locks (``BEGIN IMMEDIATE`` and the busy timeout). A write
given ``expect_version`` compares it with the stored version inside its ``BEGIN IMMEDIATE``
transaction, so of two writers racing from the same version only one can write.

``read()`` gives components ordered by id, dependencies by ``(source, target, type)`` and
each group's members in the order they were given.

>>> import tempfile, os
>>> from impactgraph.model import Component, Dependency, Kind, Model
>>> path = os.path.join(tempfile.mkdtemp(), "estate.db")
>>> store = SqliteStore(path)
>>> store.load(Model.build([Component(id="dc1", kind=Kind.SITE),
...                         Component(id="host1", kind=Kind.INFRASTRUCTURE)],
...                        [Dependency(source="host1", target="dc1", type="located_at")]))
1
>>> [c.id for c in store.read().components], store.version()
(['dc1', 'host1'], 1)
>>> store.close()
"""

from __future__ import annotations

import json
import operator
import sqlite3
import threading
from collections.abc import Collection, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from itertools import compress, count, islice
from pathlib import Path
from typing import Any, Unpack
from urllib.parse import quote

from impactgraph._gc import no_gc
from impactgraph.engine import explain
from impactgraph.engine.explain import Reached
from impactgraph.errors import StoreIntegrityError, StoreUnavailableError, VersionConflictError
from impactgraph.graph import Graph
from impactgraph.model import Component, Dependency, Model
from impactgraph.store import _checks, _codec
from impactgraph.store import _sqlite_rows as _rows
from impactgraph.store._codec import COMPONENT_FIELDS, StoredRows
from impactgraph.store._integrity import damaged, key_records
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

#: the schema this code writes; a file with a larger ``user_version`` is refused, a smaller
#: one migrated (:data:`~impactgraph.store._sqlite_rows.MIGRATIONS`)
SCHEMA_VERSION = 2
#: rows per ``executemany`` call (and per progress report) during a load
BATCH = 50_000

#: who holds the rows, in error messages
_HOLDER = "the store"


class SqliteStore(ClosedOnExit):
    """A :class:`~impactgraph.store.base.Store` in one SQLite file.

    Parameters
    ----------
    path
        The database file; created (with its schema) if it does not exist. Its directory
        must exist. Relative paths are relative to the current directory.

    Raises
    ------
    StoreUnavailableError
        The file cannot be opened or is not an SQLite database.
    StoreIntegrityError
        The file holds a newer schema than this version of impactgraph understands, or
        tables that are not an impactgraph store.
    """

    def __init__(self, path: str | Path, timeouts: Timeouts | None = None) -> None:
        self.path = Path(path)
        self.url = f"sqlite:///{path}"
        self.timeouts = timeouts or Timeouts.from_environment()
        #: why the store can only be read (a read-only file or directory), else None
        self.read_only: str | None = None
        # one connection per store, usable from any thread (the lock serialises its use)
        self._lock = threading.RLock()
        # the last graph read and its version, for reachable()
        self._graph: tuple[int, Graph] | None = None
        # how components are selected, and whether there are API keys: an old schema read
        # where it cannot be migrated lacks columns and the keys table
        self._select = _rows.SELECT_COMPONENTS
        self._has_keys = True
        try:
            self._db = _connect(str(path), self.timeouts.query)
        except sqlite3.Error as e:
            if not _refused_write(e):
                raise StoreUnavailableError(self._unavailable(e)) from None
            self._open_read_only(e)
            return
        try:
            self._configure()
            self._ensure_schema()
        except StoreUnavailableError as e:
            self._db.close()
            cause = e.__cause__
            if not (isinstance(cause, sqlite3.Error) and _refused_write(cause)):
                raise
            self._open_read_only(cause)
        except sqlite3.DatabaseError as e:
            self._db.close()
            if not _refused_write(e):
                raise StoreUnavailableError(self._unavailable(e)) from None
            self._open_read_only(e)
        except Exception:
            self._db.close()
            raise

    def _configure(self) -> None:
        busy_ms = round(self.timeouts.query * 1000)
        self._db.execute(f"PRAGMA busy_timeout = {busy_ms}")
        mode = self._db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        self._db.execute("PRAGMA synchronous = FULL")
        self._db.execute("PRAGMA cache_size = -65536")
        self._db.execute("PRAGMA temp_store = MEMORY")
        self._db.execute("PRAGMA journal_size_limit = 67108864")
        if str(mode).lower() != "wal" and str(self.path) != ":memory:":
            raise StoreUnavailableError(
                f"cannot open store {self.path}: SQLite refused WAL mode ({mode}); "
                "is the file on a network file system?"
            )

    def _open_read_only(self, refused: sqlite3.Error) -> None:
        """Open an existing store that cannot be written (its file or its directory is
        read-only): ``mode=ro``, or ``immutable=1`` when SQLite cannot make the shared-memory
        file beside it (nothing can write there anyway, unless a ``-wal`` file holds changes).
        """
        if not self.path.is_file():
            raise StoreUnavailableError(
                f"cannot create store {self.path}: {refused} (is its directory writable?)"
            ) from None
        self.read_only = f"{refused}: the file or its directory is read-only"
        target = "file:" + quote(str(self.path.resolve()))
        wal = Path(f"{self.path}-wal")
        options = ["mode=ro"]
        if not (wal.exists() and wal.stat().st_size > 0):
            options.append("immutable=1")
        error: sqlite3.Error = refused
        for option in options:
            try:
                self._db = _connect(f"{target}?{option}", self.timeouts.query, uri=True)
            except sqlite3.Error as e:
                error = e
                continue
            try:
                with self._errors():
                    if self._check_schema(self._db) < SCHEMA_VERSION:
                        self._read_old_schema(self._db)
                return
            except StoreUnavailableError as e:
                self._db.close()
                error = e.__cause__ if isinstance(e.__cause__, sqlite3.Error) else error
            except BaseException:
                self._db.close()
                raise
        raise StoreUnavailableError(
            f"cannot open store {self.path} even to read it: {error} ({self.read_only})"
        ) from None

    def _unavailable(self, error: sqlite3.Error) -> str:
        where = self.path.resolve(strict=False)
        if not where.parent.is_dir():
            return f"cannot open store {self.path}: directory {where.parent} does not exist"
        return f"cannot open store {self.path}: {error} (is it an SQLite database file?)"

    def _check_schema(self, db: sqlite3.Connection) -> int:
        """The schema version ``db`` holds (0: an empty file); newer or foreign schemas are a
        :class:`StoreIntegrityError`."""
        found = int(db.execute("PRAGMA user_version").fetchone()[0])
        if found > SCHEMA_VERSION:
            raise StoreIntegrityError(
                f"store {self.path} has schema version {found}, newer than this "
                f"impactgraph understands ({SCHEMA_VERSION}); upgrade impactgraph"
            )
        if found == 0:
            tables = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
            if tables:
                raise StoreIntegrityError(
                    f"{self.path} is an SQLite database but not an impactgraph store "
                    f"(it has tables {sorted(t[0] for t in tables)[:5]}); use another file"
                )
            if self.read_only:
                raise StoreUnavailableError(
                    f"store {self.path} is empty and cannot be written ({self.read_only})"
                )
        return found

    def _ensure_schema(self) -> None:
        """Make the schema in an empty file, or migrate an older one, in one transaction (a
        second process opening the same file waits, then finds it done)."""
        with self._write() as db:
            found = self._check_schema(db)
            if found == SCHEMA_VERSION:
                return
            if found == 0:
                statements = [s for s in _rows.SCHEMA.split(";") if s.strip()]
            else:
                statements = [s for v in range(found, SCHEMA_VERSION) for s in _rows.MIGRATIONS[v]]
            for statement in statements:
                db.execute(statement)
            for name, create in _rows.INDEXES.items():
                db.execute(f"DROP INDEX IF EXISTS {name}")
                db.execute(create)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _read_old_schema(self, db: sqlite3.Connection) -> None:
        """Read a file of an older schema as it is (it cannot be migrated): the columns it
        lacks as NULL, no API keys unless it has their table."""
        columns = {row[1] for row in db.execute("PRAGMA table_info(components)")}
        self._select = _rows.select_components(columns)
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        self._has_keys = "api_keys" in tables

    # ---- transactions ---------------------------------------------------------------------

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """SQLite's own errors as store errors that name the file."""
        try:
            yield
        except sqlite3.ProgrammingError as e:
            raise StoreUnavailableError(f"store {self.path}: {e}") from e
        except sqlite3.OperationalError as e:
            if str(e).startswith(("no such table", "no such column")):
                raise StoreIntegrityError(
                    f"store {self.path} is damaged ({e}): a table was changed by hand or by "
                    "another program; load the model into a new store"
                ) from e
            if _refused_write(e) and str(e).startswith("attempt to write"):
                raise StoreUnavailableError(
                    f"store {self.path} can only be read ({e}); to change it, make the file "
                    "and its directory writable, or copy it somewhere writable"
                ) from e
            # locked past the busy timeout, disk full, I/O error
            raise StoreUnavailableError(f"store {self.path}: {e}") from e
        except sqlite3.DatabaseError as e:
            raise StoreIntegrityError(f"store {self.path} is damaged: {e}") from e

    @contextmanager
    def _transaction(self, begin: str) -> Iterator[sqlite3.Connection]:
        """One transaction opened with ``begin``: committed whole, or rolled back on any error."""
        with self._lock, self._errors():
            db = self._db
            db.execute(begin)
            try:
                yield db
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def _write(self) -> AbstractContextManager[sqlite3.Connection]:
        """A ``BEGIN IMMEDIATE`` transaction: writers in other connections wait for it."""
        if self.read_only:
            raise StoreUnavailableError(
                f"store {self.path} can only be read ({self.read_only}); to change it, make "
                "the file and its directory writable, or copy it somewhere writable"
            )
        return self._transaction("BEGIN IMMEDIATE")

    def _snapshot(self) -> AbstractContextManager[sqlite3.Connection]:
        """A read transaction: every query inside sees the same committed state."""
        return self._transaction("BEGIN")

    def _bump(self, db: sqlite3.Connection) -> int:
        self._version(db)  # a damaged version is reported, not grown
        row = db.execute(
            "UPDATE meta SET value = value + 1 WHERE key = 'version' RETURNING value"
        ).fetchone()
        return int(row[0])

    def _version(self, db: sqlite3.Connection) -> int:
        """The stored model version; anything but a whole number is damage."""
        row = db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        value = None if row is None else row[0]
        if type(value) is not int or value < 0:
            raise damaged(
                _HOLDER, value, "meta row 'version', column value", "a whole number from 0"
            )
        return value

    def _expect(self, db: sqlite3.Connection, expect_version: int | None) -> int:
        """The stored version; one other than ``expect_version`` (if given) is a conflict."""
        version = self._version(db)
        if expect_version is not None and version != expect_version:
            raise VersionConflictError(expected=expect_version, actual=version)
        return version

    # ---- the Store protocol ---------------------------------------------------------------

    def version(self) -> int:
        """The model version: 0 for a new store, one more after every successful write."""
        with self._snapshot() as db:
            return self._version(db)

    def load(
        self, model: Model, *, progress: Progress | None = None, expect_version: int | None = None
    ) -> int:
        """Replace the whole model in one transaction; return the new version.

        ``progress(done, total)`` is called after each batch of rows (components,
        dependencies and member entries all count). With ``expect_version``, a store at
        another version is a :class:`VersionConflictError` and nothing is written. API keys
        stay.
        """
        with no_gc():
            return self._load(model, progress, expect_version)

    def _load(self, model: Model, progress: Progress | None, expect: int | None) -> int:
        _checks.check_model(model)
        # rows in primary-key order: appending to a b-tree beats inserting all over it
        components = sorted(map(_rows.component_row, model.components), key=_first)
        dependencies = sorted(map(_rows.dependency_row, model.dependencies))  # keys are unique
        members = _rows.member_rows(model.components)
        members.sort(key=_first_two)
        total = len(components) + len(dependencies) + len(members)
        done = 0
        if progress:
            progress(0, total)
        with self._write() as db:
            self._expect(db, expect)
            for table in ("members", "dependencies", "components"):
                db.execute(f"DELETE FROM {table}")
            for name in _rows.INDEXES:
                db.execute(f"DROP INDEX IF EXISTS {name}")
            for sql, rows in (
                (_rows.INSERT_COMPONENT, iter(components)),
                (_rows.INSERT_DEPENDENCY, iter(dependencies)),
                (_rows.INSERT_MEMBER, iter(members)),
            ):
                while batch := list(islice(rows, BATCH)):
                    db.executemany(sql, batch)
                    done += len(batch)
                    if progress:
                        progress(done, total)
            for create in _rows.INDEXES.values():
                db.execute(create)
            return self._bump(db)

    def read(self) -> Model:
        """The whole model: components by id, dependencies by (source, target, type)."""
        return self.read_versioned()[1]

    def read_versioned(self) -> tuple[int, Model]:
        """The version and the whole model at that version, from one snapshot."""
        with no_gc():
            version, rows = self._rows()
            return version, _codec.model_from_rows(rows)

    def read_graph(self) -> Graph:
        """The whole model as a graph, straight from the stored columns (no pydantic object).

        The columns are read as JSON arrays (:meth:`_arrays`, three times faster than a row
        each). If anything is amiss there (a value no JSON array holds exactly, a value the
        checks refuse), the rows are read again one by one, as :meth:`read` reads them, so
        that the error names the table, row and column exactly as ever.
        """
        with no_gc():
            try:
                version, rows = self._arrays()
                graph = _codec.graph_from_rows(rows)
            except (StoreIntegrityError, ValueError, TypeError, LookupError, _NotArrays):
                version, rows = self._rows()
                graph = _codec.graph_from_rows(rows)
        with self._lock:
            self._graph = (version, graph)
        return graph

    def reachable(
        self, component_id: str, *, upward: bool, **reach: Unpack[Reach]
    ) -> list[Reached]:
        """What needs ``component_id`` (``upward``) or what it needs, transitively: the
        engine's walk (:func:`impactgraph.engine.explain.reachable`) on the stored graph,
        which is read again only when the version has changed."""
        with self._lock:
            held = self._graph
        graph = held[1] if held is not None and held[0] == self.version() else self.read_graph()
        return explain.reachable(graph, component_id, upward=upward, **reach)

    def _rows(self) -> tuple[int, StoredRows]:
        """The version and every row, from one snapshot."""
        with self._snapshot() as db:
            version = self._version(db)
            rows = StoredRows(
                components=db.execute(
                    f"{self._select} ORDER BY {_rows.COMPONENT_ORDER}"
                ).fetchall(),
                dependencies=db.execute(_rows.SELECT_DEPENDENCIES).fetchall(),
                members=db.execute(_rows.SELECT_MEMBERS).fetchall(),
                holder=_HOLDER,
                tags=_rows.stored_tags,
            )
        return int(version), rows

    def _arrays(self) -> tuple[int, StoredRows]:
        """The version and every row, from one snapshot, read column by column: each column
        of a table is one JSON array, but for :data:`~._sqlite_rows.EXACT_COLUMNS`, whose
        array says only where a value is, the values read row by row (few have one). A value
        no JSON array can hold (a BLOB, text that is not UTF-8) is a :class:`_NotArrays`."""
        select, order = self._select, _rows.COMPONENT_ORDER
        exact = _rows.EXACT_COLUMNS
        arrays = [f"{c} IS NOT NULL" if c in exact else c for c in COMPONENT_FIELDS]
        with self._snapshot() as db:
            version = self._version(db)
            try:
                texts = [
                    db.execute(sql).fetchone()
                    for sql in (
                        _rows.select_arrays(select, arrays, order),
                        _rows.DEPENDENCY_ARRAYS,
                        _rows.MEMBER_ARRAYS,
                    )
                ]
                given = {
                    c: db.execute(_rows.select_present(select, c, order)).fetchall() for c in exact
                }
            except sqlite3.Error as e:
                raise _NotArrays(str(e)) from e
        components, dependencies, members = (
            [json.loads(array) for array in text] for text in texts
        )
        for c, values in given.items():
            at = COMPONENT_FIELDS.index(c)
            column: list[Any] = [None] * len(components[at])
            for i, (value,) in zip(compress(count(), components[at]), values, strict=True):
                column[i] = value
            components[at] = column
        rows = StoredRows(
            components=_codec.ColumnRows(components),
            dependencies=_codec.ColumnRows(dependencies),
            members=_codec.ColumnRows(members),
            holder=_HOLDER,
            tags=_rows.stored_tags,
        )
        return int(version), rows

    def apply(self, changes: Changes, *, expect_version: int | None = None) -> int:
        """Write ``changes`` in one ``BEGIN IMMEDIATE`` transaction: delete dependencies,
        delete components, upsert components, upsert dependencies; return the new version.

        Raises :class:`UnknownDependencyError` or :class:`UnknownComponentError` for a key or
        id to delete that the store does not hold, :class:`ModelError` for a result that is
        not a valid model and :class:`VersionConflictError` when ``expect_version`` is given
        and the store is at another; any of them changes nothing. Empty changes write nothing
        and return the current version.
        """
        if not changes:
            with self._snapshot() as db:
                return self._expect(db, expect_version)
        with self._write() as db:
            self._expect(db, expect_version)
            _checks.apply(_Writes(db), changes)
            return self._bump(db)

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
        """Counts by table and by kind, and the version, from one snapshot."""
        with self._snapshot() as db:
            version = self._version(db)
            by_kind = dict(
                db.execute(
                    "SELECT kind, count(*) FROM components GROUP BY kind ORDER BY kind"
                ).fetchall()
            )
            deps = db.execute("SELECT count(*) FROM dependencies").fetchone()[0]
            mems = db.execute("SELECT count(*) FROM members").fetchone()[0]
        return StoreStats(
            url=self.url,
            version=int(version),
            components=sum(by_kind.values()),
            dependencies=int(deps),
            members=int(mems),
            by_kind=by_kind,
        )

    def wipe(self) -> int:
        """Delete the whole model; return the new version (the version is not reset, API keys
        stay)."""
        with self._write() as db:
            for table in ("members", "dependencies", "components"):
                db.execute(f"DELETE FROM {table}")
            return self._bump(db)

    # ---- API keys (beside the model: no version, untouched by load and wipe) ----------------

    def add_key(self, record: ApiKeyRecord) -> None:
        """Keep a new API key; an id the store holds already is a ``ValueError``."""
        row = (record.id, record.role, record.digest, record.created, record.name, record.revoked)
        with self._write() as db:
            try:
                db.execute(_rows.INSERT_KEY, row)
            except sqlite3.IntegrityError:
                raise ValueError(f"the store holds an API key {record.id!r} already") from None

    def keys(self) -> list[ApiKeyRecord]:
        """Every API key, revoked ones included, by created time, then id."""
        if not self._has_keys:
            return []
        with self._snapshot() as db:
            rows = db.execute(_rows.SELECT_KEYS + " ORDER BY created, id").fetchall()
        return key_records(rows, _HOLDER)

    def key(self, key_id: str) -> ApiKeyRecord | None:
        """The API key with this id, or None."""
        if not self._has_keys:
            return None
        with self._snapshot() as db:
            rows = db.execute(_rows.SELECT_KEYS + " WHERE id = ?", (key_id,)).fetchall()
        found = key_records(rows, _HOLDER)
        return found[0] if found else None

    def revoke_key(self, key_id: str, when: str) -> bool:
        """Mark a key revoked at ``when``; False if there is no such key. A key revoked before
        keeps its first time."""
        if not (isinstance(when, str) and when):
            raise ValueError(f"a revocation time is ISO 8601 text, not {when!r}")
        with self._write() as db:
            return db.execute(_rows.REVOKE_KEY, (when, key_id)).rowcount == 1

    def close(self) -> None:
        """Close the connection (the store cannot be used afterwards)."""
        with self._lock:
            self._db.close()

    def __repr__(self) -> str:
        return f"SqliteStore({str(self.path)!r})"


class _NotArrays(Exception):
    """Stored values that no JSON array can hold: read the rows one by one instead."""


class _Writes:
    """What :mod:`impactgraph.store._checks` reads and writes, inside one transaction."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def existing(self, ids: Collection[str]) -> set[str]:
        db = self._db
        return {
            cid
            for cid in ids
            if db.execute("SELECT 1 FROM components WHERE id = ?", (cid,)).fetchone()
        }

    def provenance(self, pairs: Collection[tuple[str, str]]) -> dict[str, tuple[str, str]]:
        db = self._db
        return {cid: pair for pair in pairs for (cid,) in db.execute(_rows.SELECT_PROVENANCE, pair)}

    def groups_listing(self, ids: Sequence[str]) -> set[str]:
        db = self._db
        return {
            grp
            for cid in ids
            for (grp,) in db.execute("SELECT grp FROM members WHERE member = ?", (cid,))
        }

    def groups(self, ids: Sequence[str]) -> list[Component]:
        db = self._db
        out = []
        for cid in ids:
            row = db.execute(_rows.SELECT_COMPONENTS + " WHERE id = ?", (cid,)).fetchone()
            if row is None:
                continue
            members = [
                _codec.member(m, mode, a, _HOLDER)
                for m, mode, a in db.execute(
                    "SELECT member, mode, activation FROM members WHERE grp = ? ORDER BY position",
                    (cid,),
                )
            ]
            out.append(_codec.component(row, members, _HOLDER, _rows.stored_tags))
        return out

    def put_components(self, components: Sequence[Component]) -> None:
        db = self._db
        db.executemany(_rows.UPSERT_COMPONENT, map(_rows.component_row, components))
        db.executemany("DELETE FROM members WHERE grp = ?", ((c.id,) for c in components))
        db.executemany(_rows.INSERT_MEMBER, _rows.member_rows(components))

    def remove_components(self, ids: Sequence[str]) -> None:
        db = self._db
        rows = [(cid,) for cid in ids]
        db.executemany("DELETE FROM dependencies WHERE source = ?", rows)
        db.executemany("DELETE FROM dependencies WHERE target = ?", rows)
        db.executemany("DELETE FROM members WHERE grp = ? OR member = ?", ((c, c) for c in ids))
        db.executemany("DELETE FROM components WHERE id = ?", rows)

    def put_dependencies(self, dependencies: Sequence[Dependency]) -> None:
        self._db.executemany(
            _rows.INSERT_DEPENDENCY + " ON CONFLICT (source, target, type) DO UPDATE SET "
            "strength = excluded.strength, tolerance = excluded.tolerance",
            map(_rows.dependency_row, dependencies),
        )

    def remove_dependencies(self, keys: Sequence[EdgeKey]) -> set[int]:
        db = self._db
        return {
            i
            for i, key in enumerate(keys)
            if db.execute(
                "DELETE FROM dependencies WHERE source = ? AND target = ? AND type = ?", key
            ).rowcount
            == 1
        }


# ---- connections ----------------------------------------------------------------------------


def _connect(target: str, timeout: float, *, uri: bool = False) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), usable from any thread;
    ``timeout`` is how long a statement waits for another connection's lock."""
    return sqlite3.connect(
        target, timeout=timeout, isolation_level=None, check_same_thread=False, uri=uri
    )


def _refused_write(error: sqlite3.Error) -> bool:
    """Whether SQLite failed because it may not write there (a read-only file, or a read-only
    directory where it cannot make the journal files), not because the file is bad."""
    name = getattr(error, "sqlite_errorname", "")
    text = str(error)
    return name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN")) or text.startswith(
        ("attempt to write a readonly database", "unable to open database file")
    )


# ---- model → rows ---------------------------------------------------------------------------


_first = operator.itemgetter(0)
_first_two = operator.itemgetter(0, 1)
