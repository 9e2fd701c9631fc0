"""The embedded store: one estate model in one SQLite file (the default, no server needed).

Durability and concurrency: WAL journal, ``synchronous=FULL``, one ``BEGIN IMMEDIATE``
transaction per write and a ``busy_timeout`` so that writers in other threads or processes
wait for each other instead of failing. Every write is checked before it commits: a write
that would leave an invalid model raises :class:`~impactgraph.errors.ModelError` and is
rolled back, so the store and its version are exactly as before.

Schema (``PRAGMA user_version`` = :data:`SCHEMA_VERSION`)::

    meta(key PRIMARY KEY, value)                     -- 'version': the model version
    components(id PRIMARY KEY, name, kind, …, tags JSON, min_up)
    dependencies(source, target, type, strength, tolerance; PRIMARY KEY (source, target, type))
    members(grp, member, mode, activation, position; PRIMARY KEY (grp, member))

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

import gc
import json
import operator
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from pydantic import BaseModel

from impactgraph.errors import (
    InputError,
    ModelError,
    StoreIntegrityError,
    StoreUnavailableError,
    UnknownComponentError,
)
from impactgraph.graph import KIND_CODE, Graph
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
from impactgraph.store.base import EdgeKey, Progress, StoreStats

#: the schema this code writes; a file with a larger ``user_version`` is refused
SCHEMA_VERSION = 1
#: how long a writer waits for another writer's transaction before giving up
BUSY_TIMEOUT_MS = 60_000
#: rows per ``executemany`` call (and per progress report) during a load
BATCH = 50_000

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('version', 0);
CREATE TABLE components (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT, kind TEXT NOT NULL, type TEXT, tier INTEGER,
    rto INTEGER, rpo INTEGER, mtpd INTEGER, recovery_time INTEGER, restart_time INTEGER,
    backup_interval INTEGER, impact_per_hour REAL, owner TEXT, team TEXT,
    tags TEXT, min_up INTEGER
) WITHOUT ROWID;
CREATE TABLE dependencies (
    source TEXT NOT NULL, target TEXT NOT NULL, type TEXT NOT NULL,
    strength TEXT NOT NULL, tolerance INTEGER NOT NULL,
    PRIMARY KEY (source, target, type)
) WITHOUT ROWID;
CREATE TABLE members (
    grp TEXT NOT NULL, member TEXT NOT NULL, mode TEXT NOT NULL,
    activation INTEGER NOT NULL, position INTEGER NOT NULL,
    PRIMARY KEY (grp, member)
) WITHOUT ROWID;
"""
# secondary indexes, dropped and rebuilt around a bulk load (a sorted build beats row-by-row)
_INDEXES = {
    "components_by_kind": "CREATE INDEX components_by_kind ON components (kind)",
    "dependencies_by_target": "CREATE INDEX dependencies_by_target ON dependencies (target)",
    "members_by_member": "CREATE INDEX members_by_member ON members (member)",
}

# every field of Component but ``members`` (a table of its own), in field order; tags as JSON
_COMPONENT_COLUMNS = tuple(f for f in Component.model_fields if f != "members")
_TAGS = _COMPONENT_COLUMNS.index("tags")
_component_values = operator.itemgetter(*_COMPONENT_COLUMNS)
_INSERT_COMPONENT = (
    f"INSERT INTO components ({', '.join(_COMPONENT_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(_COMPONENT_COLUMNS))})"
)
_UPSERT_COMPONENT = (
    _INSERT_COMPONENT
    + " ON CONFLICT (id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _COMPONENT_COLUMNS[1:])
)
_SELECT_COMPONENTS = f"SELECT {', '.join(_COMPONENT_COLUMNS)} FROM components"
_INSERT_DEPENDENCY = (
    "INSERT INTO dependencies (source, target, type, strength, tolerance) VALUES (?, ?, ?, ?, ?)"
)
_INSERT_MEMBER = (
    "INSERT INTO members (grp, member, mode, activation, position) VALUES (?, ?, ?, ?, ?)"
)

_T = TypeVar("_T")
_M = TypeVar("_M", bound=BaseModel)
_KINDS = {k.value: k for k in Kind}
_STRENGTHS = {s.value: s for s in Strength}
_MODES = {m.value: m for m in MemberMode}


class SqliteStore:
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

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.url = f"sqlite:///{path}"
        # one connection per store, usable from any thread (the lock serialises its use)
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(
                str(path),
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.Error as e:
            raise StoreUnavailableError(self._unavailable(e)) from None
        try:
            self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            mode = self._db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            self._db.execute("PRAGMA synchronous = FULL")
            self._db.execute("PRAGMA cache_size = -65536")
            self._db.execute("PRAGMA temp_store = MEMORY")
            self._db.execute("PRAGMA journal_size_limit = 67108864")
            if str(mode).lower() != "wal" and str(path) != ":memory:":
                raise StoreUnavailableError(
                    f"cannot open store {self.path}: SQLite refused WAL mode ({mode}); "
                    "is the file on a network file system?"
                )
            self._ensure_schema()
        except sqlite3.DatabaseError as e:
            self._db.close()
            raise StoreUnavailableError(self._unavailable(e)) from None
        except Exception:
            self._db.close()
            raise

    def _unavailable(self, error: sqlite3.Error) -> str:
        where = self.path.resolve(strict=False)
        if not where.parent.is_dir():
            return f"cannot open store {self.path}: directory {where.parent} does not exist"
        return f"cannot open store {self.path}: {error} (is it an SQLite database file?)"

    def _ensure_schema(self) -> None:
        with self._write() as db:
            found = db.execute("PRAGMA user_version").fetchone()[0]
            if found > SCHEMA_VERSION:
                raise StoreIntegrityError(
                    f"store {self.path} has schema version {found}, newer than this "
                    f"impactgraph understands ({SCHEMA_VERSION}); upgrade impactgraph"
                )
            if found == 0:
                tables = db.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                ).fetchall()
                if tables:
                    raise StoreIntegrityError(
                        f"{self.path} is an SQLite database but not an impactgraph store "
                        f"(it has tables {sorted(t[0] for t in tables)[:5]}); use another file"
                    )
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                for create in _INDEXES.values():
                    db.execute(create)
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    # ---- transactions ---------------------------------------------------------------------

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """SQLite's own errors as store errors that name the file."""
        try:
            yield
        except sqlite3.ProgrammingError as e:
            raise StoreUnavailableError(f"store {self.path}: {e}") from e
        except sqlite3.OperationalError as e:
            # locked past the busy timeout, disk full, read-only file, I/O error
            raise StoreUnavailableError(f"store {self.path}: {e}") from e
        except sqlite3.DatabaseError as e:
            raise StoreIntegrityError(f"store {self.path} is damaged: {e}") from e

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One ``BEGIN IMMEDIATE`` transaction: committed whole, or rolled back on any error."""
        with self._lock, self._errors():
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    @contextmanager
    def _snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: every query inside sees the same committed state."""
        with self._lock, self._errors():
            db = self._db
            db.execute("BEGIN")
            try:
                yield db
            finally:
                if db.in_transaction:
                    db.execute("COMMIT")

    def _bump(self, db: sqlite3.Connection) -> int:
        row = db.execute(
            "UPDATE meta SET value = value + 1 WHERE key = 'version' RETURNING value"
        ).fetchone()
        return int(row[0])

    # ---- the Store protocol ---------------------------------------------------------------

    def version(self) -> int:
        """The model version: 0 for a new store, one more after every successful write."""
        with self._snapshot() as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        return int(row[0])

    def load(self, model: Model, *, progress: Progress | None = None) -> int:
        """Replace the whole model in one transaction; return the new version.

        ``progress(done, total)`` is called after each batch of rows (components,
        dependencies and member entries all count).
        """
        with _bulk():
            return self._load(model, progress)

    def _load(self, model: Model, progress: Progress | None) -> int:
        issues = check_references(model.components, model.dependencies)
        if issues:
            raise ModelError(issues)
        # rows in primary-key order: appending to a b-tree beats inserting all over it
        components = sorted(map(_component_row, model.components), key=_first)
        dependencies = sorted(map(_dependency_row, model.dependencies))  # keys are unique
        members = [
            (c.id, m.id, m.mode, m.activation, i)
            for c in model.components
            if c.members
            for i, m in enumerate(c.members)
        ]
        members.sort(key=_first_two)
        total = len(components) + len(dependencies) + len(members)
        done = 0
        if progress:
            progress(0, total)
        with self._write() as db:
            for table in ("members", "dependencies", "components"):
                db.execute(f"DELETE FROM {table}")
            for name in _INDEXES:
                db.execute(f"DROP INDEX IF EXISTS {name}")
            for sql, rows in (
                (_INSERT_COMPONENT, iter(components)),
                (_INSERT_DEPENDENCY, iter(dependencies)),
                (_INSERT_MEMBER, iter(members)),
            ):
                while batch := list(islice(rows, BATCH)):
                    db.executemany(sql, batch)
                    done += len(batch)
                    if progress:
                        progress(done, total)
            for create in _INDEXES.values():
                db.execute(create)
            return self._bump(db)

    def read(self) -> Model:
        """The whole model: components by id, dependencies by (source, target, type)."""
        with _bulk(), self._snapshot() as db:
            members: dict[str, list[Member]] = {}
            for grp, member, mode, activation in db.execute(
                "SELECT grp, member, mode, activation FROM members ORDER BY grp, position"
            ):
                members.setdefault(grp, []).append(_member(member, mode, activation))
            components = [
                _component(row, members) for row in db.execute(_SELECT_COMPONENTS + " ORDER BY id")
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
                for s, t, ty, st, tol in db.execute(
                    "SELECT source, target, type, strength, tolerance FROM dependencies "
                    "ORDER BY source, target, type"
                )
            ]
        return Model.model_construct(components=tuple(components), dependencies=tuple(dependencies))

    def read_graph(self) -> Graph:
        """The whole model as an indexed graph, straight from the rows (no pydantic objects):
        attributes go to :attr:`Graph.columns`; ``graph.model`` is built only if asked for."""
        with _bulk(), self._snapshot() as db:
            rows = db.execute(_SELECT_COMPONENTS + " ORDER BY id").fetchall()
            cols = list(zip(*rows, strict=True)) if rows else [() for _ in _COMPONENT_COLUMNS]
            ids = list(cols[_COMPONENT_COLUMNS.index("id")])
            index = {cid: i for i, cid in enumerate(ids)}
            kinds = cols[_COMPONENT_COLUMNS.index("kind")]
            kind_code = {k.value: KIND_CODE[k] for k in Kind}
            for k in set(kinds) - set(kind_code):
                _decode(_KINDS, k, "kind")
            kind = np.fromiter((kind_code[k] for k in kinds), dtype=np.int8, count=len(ids))
            columns: dict[str, list[Any]] = {
                name: list(cols[i])
                for i, name in enumerate(_COMPONENT_COLUMNS)
                if name not in ("id", "kind")
            }
            columns["tags"] = [tuple(json.loads(t)) if t else () for t in columns["tags"]]
            min_up_col = cols[_COMPONENT_COLUMNS.index("min_up")]
            min_up = np.fromiter((k or 0 for k in min_up_col), dtype=np.int32, count=len(ids))
            deps = db.execute(
                "SELECT source, target, type, strength, tolerance FROM dependencies "
                "ORDER BY source, target, type"
            ).fetchall()
            type_code: dict[str, int] = {}
            m = len(deps)
            src = np.fromiter((index[d[0]] for d in deps), dtype=np.int64, count=m)
            dst = np.fromiter((index[d[1]] for d in deps), dtype=np.int64, count=m)
            typ = np.fromiter(
                (type_code.setdefault(d[2], len(type_code)) for d in deps), dtype=np.int32, count=m
            )
            hard = np.fromiter((d[3] == "hard" for d in deps), dtype=np.bool_, count=m)
            tol = np.fromiter((d[4] for d in deps), dtype=np.int64, count=m)
            mems = db.execute(
                "SELECT grp, member, mode, activation FROM members ORDER BY grp, position"
            ).fetchall()
            k = len(mems)
            for grp in {r[0] for r in mems if min_up[index[r[0]]] == 0}:
                min_up[index[grp]] = 1  # min_up unset means 1
            groups = (
                np.fromiter((index[r[0]] for r in mems), dtype=np.int64, count=k),
                np.fromiter((index[r[1]] for r in mems), dtype=np.int64, count=k),
                np.fromiter((r[2] == "standby" for r in mems), dtype=np.bool_, count=k),
                np.fromiter((r[3] for r in mems), dtype=np.int64, count=k),
                min_up,
            )
        graph = Graph.from_arrays(
            ids, kind, src, dst, hard, tol, typ, list(type_code), groups, index=index
        )
        graph.columns = columns
        return graph

    def upsert_components(self, components: Sequence[Component]) -> int:
        """Create or replace components by id, members included; their dependencies stay."""
        with self._write() as db:
            referenced = {m.id for c in components for m in c.members}
            present = _existing(db, referenced - {c.id for c in components})
            issues = check_references([*components, *(_stand_in(i) for i in present)], [])
            if issues:
                raise ModelError(issues)
            db.executemany(_UPSERT_COMPONENT, map(_component_row, components))
            db.executemany("DELETE FROM members WHERE grp = ?", ((c.id,) for c in components))
            db.executemany(
                _INSERT_MEMBER,
                (
                    (c.id, m.id, m.mode, m.activation, i)
                    for c in components
                    for i, m in enumerate(c.members)
                ),
            )
            return self._bump(db)

    def delete_components(self, ids: Sequence[str]) -> int:
        """Delete components with every dependency and member entry that names them.

        Raises :class:`UnknownComponentError` for an id the store does not hold and
        :class:`ModelError` if a group would be left without enough members.
        """
        wanted = list(dict.fromkeys(ids))
        with self._write() as db:
            present = _existing(db, wanted)
            for cid in wanted:
                if cid not in present:
                    raise UnknownComponentError(cid, "nothing was deleted")
            rows = [(cid,) for cid in wanted]
            affected = {
                grp
                for (cid,) in rows
                for (grp,) in db.execute("SELECT grp FROM members WHERE member = ?", (cid,))
            } - present
            db.executemany("DELETE FROM dependencies WHERE source = ?", rows)
            db.executemany("DELETE FROM dependencies WHERE target = ?", rows)
            db.executemany(
                "DELETE FROM members WHERE grp = ? OR member = ?", ((cid, cid) for cid in wanted)
            )
            db.executemany("DELETE FROM components WHERE id = ?", rows)
            groups = _components(db, affected)
            others = {m.id for g in groups for m in g.members} - affected
            issues = check_references([*groups, *map(_stand_in, sorted(others))], [])
            if issues:
                raise ModelError(issues)
            return self._bump(db)

    def upsert_dependencies(self, dependencies: Sequence[Dependency]) -> int:
        """Create or replace dependencies keyed by (source, target, type)."""
        with self._write() as db:
            named = {d.source for d in dependencies} | {d.target for d in dependencies}
            present = _existing(db, named)
            issues = check_references([_stand_in(i) for i in present], list(dependencies))
            if issues:
                raise ModelError(issues)
            db.executemany(
                _INSERT_DEPENDENCY + " ON CONFLICT (source, target, type) DO UPDATE SET "
                "strength = excluded.strength, tolerance = excluded.tolerance",
                map(_dependency_row, dependencies),
            )
            return self._bump(db)

    def delete_dependencies(self, keys: Sequence[EdgeKey]) -> int:
        """Delete dependencies by (source, target, type); an unknown key is an InputError."""
        wanted = list(dict.fromkeys(tuple(k) for k in keys))
        with self._write() as db:
            for source, target, type_ in wanted:
                gone = db.execute(
                    "DELETE FROM dependencies WHERE source = ? AND target = ? AND type = ?",
                    (source, target, type_),
                ).rowcount
                if gone != 1:
                    raise InputError(
                        f"no dependency {source!r} → {target!r} of type {type_!r} in the "
                        "store; nothing was deleted"
                    )
            return self._bump(db)

    def stats(self) -> StoreStats:
        """Counts by table and by kind, and the version, from one snapshot."""
        with self._snapshot() as db:
            version = db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()[0]
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
        """Delete the whole model; return the new version (the version is not reset)."""
        with self._write() as db:
            for table in ("members", "dependencies", "components"):
                db.execute(f"DELETE FROM {table}")
            return self._bump(db)

    def close(self) -> None:
        """Close the connection (the store cannot be used afterwards)."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SqliteStore({str(self.path)!r})"


@contextmanager
def _bulk() -> Iterator[None]:
    """No cyclic garbage collection while hundreds of thousands of rows become objects.

    The collector would otherwise walk the whole growing heap again and again (rows and
    models hold no reference cycles), which costs more than building the objects.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# ---- rows ↔ model ---------------------------------------------------------------------------


_first = operator.itemgetter(0)
_first_two = operator.itemgetter(0, 1)


def _component_row(c: Component) -> tuple[Any, ...]:
    # reading __dict__ directly: attribute access costs more than the rest of the row
    row: tuple[Any, ...] = _component_values(c.__dict__)
    tags = row[_TAGS]
    return (
        *row[:_TAGS],
        json.dumps(list(tags), ensure_ascii=False) if tags else None,
        *row[_TAGS + 1 :],
    )


def _dependency_row(d: Dependency) -> tuple[str, str, str, str, int]:
    # Strength is a StrEnum: sqlite3 binds it as its text
    return (d.source, d.target, d.type, d.strength, d.tolerance)


def _component(row: tuple[Any, ...], members: dict[str, list[Member]]) -> Component:
    values = dict(zip(_COMPONENT_COLUMNS, row, strict=True))
    kind = values["kind"]
    values["kind"] = _KINDS[kind] if kind in _KINDS else _decode(_KINDS, kind, "kind")
    tags = values["tags"]
    values["tags"] = tuple(json.loads(tags)) if tags else ()
    values["members"] = tuple(members.get(values["id"], ()))
    return _trusted(Component, values)


def _member(member_id: str, mode: str, activation: int) -> Member:
    return _trusted(
        Member, {"id": member_id, "mode": _decode(_MODES, mode, "mode"), "activation": activation}
    )


def _trusted(cls: type[_M], values: dict[str, Any]) -> _M:
    """An instance from values that were validated before they were stored.

    What ``cls.model_construct(**values)`` does when every field is given, without its
    per-field alias and default lookups (twice as fast, which matters at a million rows).
    """
    fields_set = _ALL_FIELDS.get(cls)
    if fields_set is None:
        return cls.model_construct(**values)
    instance = cls.__new__(cls)
    _set(instance, "__dict__", values)
    _set(instance, "__pydantic_fields_set__", fields_set.copy())
    _set(instance, "__pydantic_extra__", None)
    _set(instance, "__pydantic_private__", None)
    return instance


_set = object.__setattr__
#: models that :func:`_trusted` may build directly (no post-init hook, no extra fields)
_ALL_FIELDS: dict[type[BaseModel], set[str]] = {
    cls: set(cls.model_fields)
    for cls in (Component, Dependency, Member)
    if cls.__pydantic_post_init__ is None and cls.model_config.get("extra") != "allow"
}


def _decode(table: dict[str, _T], value: str, column: str) -> _T:
    try:
        return table[value]
    except KeyError:
        raise StoreIntegrityError(
            f"the store holds {column} {value!r}, which impactgraph does not know"
        ) from None


def _stand_in(component_id: str) -> Component:
    """A placeholder for a component already in the store, so that references to it check."""
    return Component.model_construct(id=component_id, kind=Kind.SERVICE)


def _existing(db: sqlite3.Connection, ids: Iterable[str]) -> set[str]:
    """The ids among ``ids`` that the store holds."""
    found: set[str] = set()
    for cid in ids:
        if db.execute("SELECT 1 FROM components WHERE id = ?", (cid,)).fetchone():
            found.add(cid)
    return found


def _components(db: sqlite3.Connection, ids: Iterable[str]) -> list[Component]:
    """The components with these ids, members included (ids not held are left out)."""
    out = []
    for cid in sorted(ids):
        row = db.execute(_SELECT_COMPONENTS + " WHERE id = ?", (cid,)).fetchone()
        if row is None:
            continue
        members = {
            cid: [
                _member(m, mode, a)
                for m, mode, a in db.execute(
                    "SELECT member, mode, activation FROM members WHERE grp = ? ORDER BY position",
                    (cid,),
                )
            ]
        }
        out.append(_component(row, members))
    return out
