"""A store file of schema version 1 (before ``source``, ``external_id`` and API keys) opens
with this impactgraph: migrated in place where it can be written, read as it is where not."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from impactgraph.errors import StoreUnavailableError
from impactgraph.model import Component, Kind, Member, MemberMode
from impactgraph.store import sqlite as sqlite_module
from impactgraph.store.base import ApiKeyRecord, Changes
from impactgraph.store.sqlite import SCHEMA_VERSION, SqliteStore

#: the schema impactgraph wrote as version 1, verbatim
V1_SCHEMA = """
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
CREATE INDEX components_by_kind ON components (kind);
CREATE INDEX dependencies_by_target ON dependencies (target);
CREATE INDEX members_by_member ON members (member);
INSERT INTO components (id, name, kind, type, tier, rto, tags, min_up) VALUES
    ('dc1', 'Site A', 'site', NULL, NULL, NULL, NULL, NULL),
    ('db-a', NULL, 'service', 'database', 2, 3600, '["pci"]', NULL),
    ('db-b', NULL, 'service', 'database', NULL, NULL, NULL, NULL),
    ('db', NULL, 'group', NULL, NULL, NULL, NULL, 1);
INSERT INTO dependencies VALUES ('db-a', 'dc1', 'located_at', 'hard', 0);
INSERT INTO members VALUES ('db', 'db-a', 'active', 0, 0), ('db', 'db-b', 'standby', 600, 1);
UPDATE meta SET value = 7 WHERE key = 'version';
PRAGMA user_version = 1;
"""


def v1_file(path: Path) -> Path:
    db = sqlite3.connect(path)
    db.executescript(V1_SCHEMA)
    db.close()
    return path


def check_v1_data(store: SqliteStore) -> None:
    version, model = store.read_versioned()
    assert version == 7
    assert [c.id for c in model.components] == ["db", "db-a", "db-b", "dc1"]
    assert model.component("db-a") == Component(
        id="db-a", kind=Kind.SERVICE, type="database", tier=2, rto=3600, tags=("pci",)
    )
    assert model.component("db").members == (
        Member(id="db-a"),
        Member(id="db-b", mode=MemberMode.STANDBY, activation=600),
    )
    assert all(c.source is None and c.external_id is None for c in model.components)
    assert [(d.source, d.target, d.type) for d in model.dependencies] == [
        ("db-a", "dc1", "located_at")
    ]
    assert store.read_graph().attr("source") == (None,) * 4


def test_a_version_1_file_is_migrated_in_place_and_keeps_its_data(tmp_path: Path) -> None:
    path = v1_file(tmp_path / "old.db")
    with SqliteStore(path) as store:
        check_v1_data(store)
        assert store.keys() == []
        new = Component(id="dc2", kind=Kind.SITE, source="servicenow", external_id="abc")
        assert store.apply(Changes(upsert_components=[new])) == 8
        key = ApiKeyRecord(id="k_1", role="admin", digest="f" * 64, created="2026-11-28T16:50:00Z")
        store.add_key(key)
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
        columns = {row[1] for row in db.execute("PRAGMA table_info(components)")}
        assert {"source", "external_id"} <= columns
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        db.close()
    with SqliteStore(path) as again:  # opening a migrated file changes nothing
        assert again.read().component("dc2").external_id == "abc"
        assert again.key("k_1") == key and again.version() == 8


def test_a_migration_that_fails_leaves_the_file_at_version_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = v1_file(tmp_path / "old.db")
    broken = ("ALTER TABLE components ADD COLUMN source TEXT", "THIS IS NOT SQL")
    monkeypatch.setitem(sqlite_module._rows.MIGRATIONS, 1, broken)
    with pytest.raises(StoreUnavailableError):
        SqliteStore(path)
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 1
        columns = {row[1] for row in db.execute("PRAGMA table_info(components)")}
        assert "source" not in columns
    finally:
        db.close()
    monkeypatch.undo()
    with SqliteStore(path) as store:
        check_v1_data(store)


def test_a_version_1_file_that_cannot_be_written_is_read_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The read-only fallback (a read-only directory, simulated as in test_store_url)."""
    path = v1_file(tmp_path / "old.db")
    real = sqlite_module._connect

    def refusing(target: str, timeout: float, *, uri: bool = False) -> sqlite3.Connection:
        if uri:
            return real(target, timeout, uri=True)
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(sqlite_module, "_connect", refusing)
    with SqliteStore(path) as store:
        assert store.read_only is not None
        check_v1_data(store)
        assert store.keys() == [] and store.key("k_1") is None
        assert store.stats().components == 4
        with pytest.raises(StoreUnavailableError, match="can only be read"):
            store.apply(Changes(delete_components=["dc1"]))
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 1
    finally:
        db.close()


def test_two_stores_opening_a_version_1_file_at_once_both_work(tmp_path: Path) -> None:
    import threading

    path = v1_file(tmp_path / "old.db")
    stores: list[SqliteStore] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def open_it() -> None:
        barrier.wait()
        try:
            stores.append(SqliteStore(path))
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    try:
        assert not errors, errors
        for store in stores:
            check_v1_data(store)
    finally:
        for store in stores:
            store.close()


@pytest.mark.parametrize(
    ("sql", "found"),
    [
        ("UPDATE components SET source = 'has space' WHERE id = 'dc1'", "column source"),
        ("UPDATE components SET source = x'41' WHERE id = 'dc1'", "column source"),
        ("UPDATE components SET external_id = 'a' || char(10) WHERE id = 'dc1'", "external_id"),
        ("UPDATE components SET source = 'x', external_id = '' WHERE id = 'dc1'", "external_id"),
        ("UPDATE components SET external_id = 'k' WHERE id = 'dc1'", "column source"),
        (
            "UPDATE components SET source = 'x', external_id = 'k' WHERE id IN ('dc1', 'db-b')",
            "external_id",
        ),
        (
            "INSERT INTO api_keys VALUES ('k_1', 'root', '" + "0" * 64 + "', 't', NULL, NULL)",
            "role",
        ),
        ("INSERT INTO api_keys VALUES ('k_1', 'admin', 'xyz', 't', NULL, NULL)", "digest"),
    ],
)
def test_hand_edited_provenance_and_key_rows_are_reported(
    tmp_path: Path, sql: str, found: str
) -> None:
    from impactgraph.errors import StoreIntegrityError

    path = v1_file(tmp_path / "old.db")
    SqliteStore(path).close()  # migrated
    db = sqlite3.connect(path)
    db.execute(sql)
    db.commit()
    db.close()
    with SqliteStore(path) as store, pytest.raises(StoreIntegrityError, match=found):
        store.read()
        store.read_graph()
        store.keys()
