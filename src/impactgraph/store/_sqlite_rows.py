"""The SQLite store's schema and statements, and its rows ↔ model values (one job: what the
file holds and how a model's objects become rows)."""

from __future__ import annotations

import json
import operator
from collections.abc import Collection, Sequence
from typing import Any

from impactgraph.model import Component, Dependency
from impactgraph.store._codec import COMPONENT_FIELDS

API_KEYS_TABLE = """CREATE TABLE api_keys (
    id TEXT PRIMARY KEY NOT NULL, role TEXT NOT NULL, digest TEXT NOT NULL,
    created TEXT NOT NULL, name TEXT, revoked TEXT
) WITHOUT ROWID"""
SCHEMA = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('version', 0);
CREATE TABLE components (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT, kind TEXT NOT NULL, type TEXT, tier INTEGER,
    rto INTEGER, rpo INTEGER, mtpd INTEGER, recovery_time INTEGER, restart_time INTEGER,
    backup_interval INTEGER, impact_per_hour REAL, owner TEXT, team TEXT,
    tags TEXT, source TEXT, external_id TEXT, min_up INTEGER
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
{API_KEYS_TABLE};
"""
#: what each older schema version needs to become :data:`SCHEMA_VERSION` (run in order, in
#: one transaction); the secondary indexes are made again after them
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        "ALTER TABLE components ADD COLUMN source TEXT",
        "ALTER TABLE components ADD COLUMN external_id TEXT",
        API_KEYS_TABLE,
    ),
}
# secondary indexes, dropped and rebuilt around a bulk load (a sorted build beats row-by-row)
INDEXES = {
    "components_by_kind": "CREATE INDEX components_by_kind ON components (kind)",
    "dependencies_by_target": "CREATE INDEX dependencies_by_target ON dependencies (target)",
    "members_by_member": "CREATE INDEX members_by_member ON members (member)",
    "components_by_provenance": "CREATE INDEX components_by_provenance ON components "
    "(source, external_id) WHERE external_id IS NOT NULL",
}

# a component row in COMPONENT_FIELDS order; tags as JSON text
_TAGS = COMPONENT_FIELDS.index("tags")
_component_values = operator.itemgetter(*COMPONENT_FIELDS)
INSERT_COMPONENT = (
    f"INSERT INTO components ({', '.join(COMPONENT_FIELDS)}) "
    f"VALUES ({', '.join('?' * len(COMPONENT_FIELDS))})"
)
UPSERT_COMPONENT = (
    INSERT_COMPONENT
    + " ON CONFLICT (id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in COMPONENT_FIELDS[1:])
)
SELECT_COMPONENTS = f"SELECT {', '.join(COMPONENT_FIELDS)} FROM components"
SELECT_PROVENANCE = "SELECT id FROM components WHERE source = ? AND external_id = ?"
KEY_COLUMNS = ("id", "role", "digest", "created", "name", "revoked")
INSERT_KEY = (
    f"INSERT INTO api_keys ({', '.join(KEY_COLUMNS)}) VALUES ({', '.join('?' * len(KEY_COLUMNS))})"
)
SELECT_KEYS = f"SELECT {', '.join(KEY_COLUMNS)} FROM api_keys"
REVOKE_KEY = "UPDATE api_keys SET revoked = coalesce(revoked, ?) WHERE id = ?"


def select_components(columns: Collection[str]) -> str:
    """:data:`SELECT_COMPONENTS` for a table that has only ``columns`` (an older schema read
    where it cannot be migrated): the missing ones read as NULL."""
    return (
        "SELECT "
        + ", ".join(c if c in columns else f"NULL AS {c}" for c in COMPONENT_FIELDS)
        + " FROM components"
    )


COMPONENT_ORDER = "id"
DEPENDENCY_COLUMNS = ("source", "target", "type", "strength", "tolerance")
DEPENDENCY_ORDER = "source, target, type"
MEMBER_COLUMNS = ("grp", "member", "mode", "activation")
MEMBER_ORDER = "grp, position"
_FROM_DEPENDENCIES = f"SELECT {', '.join(DEPENDENCY_COLUMNS)} FROM dependencies"
_FROM_MEMBERS = f"SELECT {', '.join(MEMBER_COLUMNS)} FROM members"
SELECT_DEPENDENCIES = f"{_FROM_DEPENDENCIES} ORDER BY {DEPENDENCY_ORDER}"
SELECT_MEMBERS = f"{_FROM_MEMBERS} ORDER BY {MEMBER_ORDER}"
#: component columns whose values a JSON array cannot carry exactly (SQLite writes a REAL in
#: JSON with 15 significant digits): read row by row beside the arrays
EXACT_COLUMNS = ("impact_per_hour",)


def select_arrays(select: str, columns: Sequence[str], order: str) -> str:
    """One row: each of ``columns`` of ``select``'s rows, in ``order``, as one JSON array.

    Many values in one text and one ``json.loads`` make far fewer Python objects than a row
    each (a million rows read three times faster). The rows reach the aggregates in the
    order of the subquery (SQLite runs a subquery with ORDER BY under an aggregate as a
    co-routine, row by row in that order), and every array comes from the same rows.
    """
    arrays = ", ".join(f"json_group_array({c})" for c in columns)
    return f"SELECT {arrays} FROM ({select} ORDER BY {order})"


def select_present(select: str, column: str, order: str) -> str:
    """The values of ``column`` of ``select``'s rows that are not NULL, in ``order`` (the
    :data:`EXACT_COLUMNS` beside their arrays)."""
    return f"SELECT {column} FROM ({select}) WHERE {column} IS NOT NULL ORDER BY {order}"


DEPENDENCY_ARRAYS = select_arrays(_FROM_DEPENDENCIES, DEPENDENCY_COLUMNS, DEPENDENCY_ORDER)
MEMBER_ARRAYS = select_arrays(_FROM_MEMBERS, MEMBER_COLUMNS, MEMBER_ORDER)
INSERT_DEPENDENCY = (
    "INSERT INTO dependencies (source, target, type, strength, tolerance) VALUES (?, ?, ?, ?, ?)"
)
INSERT_MEMBER = (
    "INSERT INTO members (grp, member, mode, activation, position) VALUES (?, ?, ?, ?, ?)"
)


def component_row(c: Component) -> tuple[Any, ...]:
    # reading __dict__ directly: attribute access costs more than the rest of the row
    row: tuple[Any, ...] = _component_values(c.__dict__)
    tags = row[_TAGS]
    return (
        *row[:_TAGS],
        json.dumps(list(tags), ensure_ascii=False) if tags else None,
        *row[_TAGS + 1 :],
    )


def dependency_row(d: Dependency) -> tuple[str, str, str, str, int]:
    # Strength is a StrEnum: sqlite3 binds it as its text
    return (d.source, d.target, d.type, d.strength, d.tolerance)


def member_rows(components: Sequence[Component]) -> list[tuple[str, str, str, int, int]]:
    return [
        (c.id, m.id, m.mode, m.activation, i)
        for c in components
        if c.members
        for i, m in enumerate(c.members)
    ]


def stored_tags(stored: str | None) -> tuple[str, ...]:
    """Tags from their JSON text (a list); anything else is a ``ValueError``."""
    if stored is None:
        return ()
    tags = json.loads(stored)
    if not isinstance(tags, list):
        raise ValueError(f"tags stored as JSON {type(tags).__name__}")
    return tuple(tags)
