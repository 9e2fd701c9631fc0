"""Which store a URL opens, and the errors for URLs and files that cannot be a store."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import types
from pathlib import Path

import pytest

from impactgraph.errors import InputError, StoreIntegrityError, StoreUnavailableError
from impactgraph.model import Component, Kind, Model
from impactgraph.store import DEFAULT_URL, ENV_VAR, open_store, store_location
from impactgraph.store.sqlite import SCHEMA_VERSION, SqliteStore


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///estate.db", ("sqlite", "estate.db")),
        ("sqlite:///data/estate.db", ("sqlite", "data/estate.db")),
        ("sqlite:////var/lib/ig/estate.db", ("sqlite", "/var/lib/ig/estate.db")),
        ("SQLite:///Estate.db", ("sqlite", "Estate.db")),
        ("estate.db", ("sqlite", "estate.db")),
        ("./my estate.db", ("sqlite", "./my estate.db")),
        ("/abs/estate.db", ("sqlite", "/abs/estate.db")),
        ("C:\\ig\\estate.db", ("sqlite", "C:\\ig\\estate.db")),
        ("neo4j://neo4j:pw@127.0.0.1:7687", ("neo4j", "neo4j://neo4j:pw@127.0.0.1:7687")),
        ("bolt://127.0.0.1:7687", ("neo4j", "bolt://127.0.0.1:7687")),
        ("neo4j+s://db.example.com", ("neo4j", "neo4j+s://db.example.com")),
    ],
)
def test_store_location(url: str, expected: tuple[str, str]) -> None:
    assert store_location(url) == expected


@pytest.mark.parametrize(
    "url",
    ["postgres://u:pw@host/db", "http://host", "sqlite://estate.db", "sqlite:///", "sqlite:x.db"],
)
def test_an_unknown_url_names_itself_and_the_accepted_forms(url: str) -> None:
    with pytest.raises(InputError) as caught:
        store_location(url)
    message = str(caught.value)
    assert url.split("//")[0] in message
    assert "sqlite:///" in message and "neo4j://" in message


def test_a_password_in_a_bad_url_is_not_repeated() -> None:
    with pytest.raises(InputError) as caught:
        store_location("mysql://admin:hunter2@db:3306/x")
    assert "hunter2" not in str(caught.value)
    assert "admin:***@db" in str(caught.value)


def test_without_a_url_the_environment_then_the_default_decide(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.delenv("NEO4J_URI", raising=False)
    assert store_location(None) == store_location(DEFAULT_URL) == ("sqlite", "impactgraph.db")
    monkeypatch.setenv("NEO4J_URI", "bolt://127.0.0.1:7687")
    assert store_location(None) == ("neo4j", "bolt://127.0.0.1:7687")
    monkeypatch.setenv(ENV_VAR, "sqlite:////srv/estate.db")  # wins over NEO4J_URI
    assert store_location(None) == ("sqlite", "/srv/estate.db")
    assert store_location("other.db") == ("sqlite", "other.db")  # the argument wins


def test_the_default_store_is_a_file_in_the_current_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.delenv("NEO4J_URI", raising=False)
    monkeypatch.chdir(tmp_path)
    store = open_store()
    try:
        assert isinstance(store, SqliteStore)
        store.load(Model.build([Component(id="dc1", kind=Kind.SITE)]))
    finally:
        store.close()
    assert (tmp_path / "impactgraph.db").is_file()


@pytest.mark.parametrize("form", ["sqlite:///{rel}", "sqlite:///{abs}", "{rel}", "{abs}"])
def test_every_sqlite_form_opens_the_same_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, form: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    first = SqliteStore(tmp_path / "sub" / "estate.db")
    first.load(Model.build([Component(id="dc1", kind=Kind.SITE)]))
    first.close()
    store = open_store(form.format(rel="sub/estate.db", abs=tmp_path / "sub" / "estate.db"))
    try:
        assert [c.id for c in store.read().components] == ["dc1"]
        assert store.version() == 1
    finally:
        store.close()


def test_neo4j_urls_go_to_the_neo4j_store(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []

    class FakeNeo4jStore:
        def __init__(self, url: str) -> None:
            opened.append(url)

    fake = types.ModuleType("impactgraph.store.neo4j")
    fake.Neo4jStore = FakeNeo4jStore  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "impactgraph.store.neo4j", fake)
    store = open_store("neo4j://neo4j:pw@127.0.0.1:7687")
    assert isinstance(store, FakeNeo4jStore)
    assert opened == ["neo4j://neo4j:pw@127.0.0.1:7687"]


# ---- files that cannot be a store ----------------------------------------------------------


def test_a_missing_directory_is_unavailable_and_named(tmp_path: Path) -> None:
    path = tmp_path / "no" / "such" / "dir" / "estate.db"
    with pytest.raises(StoreUnavailableError) as caught:
        open_store(f"sqlite:///{path}")
    assert str(path.parent) in str(caught.value)
    assert not path.parent.exists()


def test_a_file_that_is_not_sqlite_is_unavailable_and_named(tmp_path: Path) -> None:
    path = tmp_path / "estate.yaml"
    path.write_text("version: 1\ncomponents: []\n" * 100)
    with pytest.raises(StoreUnavailableError) as caught:
        open_store(str(path))
    assert str(path) in str(caught.value)
    assert path.read_text().startswith("version: 1")  # left alone


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "estate.db"
    SqliteStore(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StoreIntegrityError, match="upgrade impactgraph"):
        open_store(str(path))


def test_another_applications_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE invoices (id INTEGER)")
    db.commit()
    db.close()
    with pytest.raises(StoreIntegrityError, match="not an impactgraph store"):
        open_store(str(path))


def test_a_closed_store_says_so(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "estate.db")
    store.close()
    with pytest.raises(StoreUnavailableError, match=r"estate\.db"):
        store.read()


def test_a_writer_that_waits_too_long_gets_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "estate.db"
    store = SqliteStore(path)
    store._db.execute("PRAGMA busy_timeout = 50")  # keep the test fast
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the write lock
    try:
        with pytest.raises(StoreUnavailableError, match="locked"):
            store.wipe()
        assert store.version() == 0  # readers are not blocked in WAL mode
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert store.wipe() == 1
    store.close()


WRITER = """
import sys
from impactgraph.model import Component, Kind
from impactgraph.store import open_store
store = open_store(sys.argv[1])
print(" ".join(str(store.upsert_components([Component(id=f"p{sys.argv[2]}-{i}",
                                                      kind=Kind.SERVICE)]))
               for i in range(10)))
"""


def test_writers_in_other_processes_wait_for_each_other(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'estate.db'}"
    open_store(url).close()
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, url, str(p)], stdout=subprocess.PIPE)
        for p in range(4)
    ]
    versions = [int(v) for p in procs for v in p.communicate(timeout=120)[0].split()]
    assert all(p.returncode == 0 for p in procs)
    assert sorted(versions) == list(range(1, 41))
    store = open_store(url)
    assert len(store.read().components) == 40
    store.close()
