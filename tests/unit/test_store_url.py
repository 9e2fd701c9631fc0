"""Which store a URL opens, and the errors for URLs and files that cannot be a store."""

from __future__ import annotations

import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import types
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from impactgraph.cli.main import cli
from impactgraph.errors import (
    InputError,
    StoreIntegrityError,
    StoreUnavailableError,
    StoreUrlError,
)
from impactgraph.model import Component, Kind, Model
from impactgraph.store import DEFAULT_URL, ENV_VAR, Timeouts, open_store, store_location
from impactgraph.store import sqlite as sqlite_module
from impactgraph.store.base import CONNECT_ENV, QUERY_ENV
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


# ---- malformed URLs, timeouts and read-only stores (issue 13) -------------------------------

MALFORMED = [
    "neo4j://[::1",
    "neo4j://u:secret@[::1",
    "bolt://h:99999",
    "bolt://h:abc",
    "neo4j://h:0",
    "neo4j://",
    "bolt://:7687",
    "estate\x00.db",
    "sqlite:///a\nb.db",
]


@pytest.mark.parametrize("url", MALFORMED)
def test_a_malformed_url_is_a_store_url_error_before_anything_opens(url: str) -> None:
    with pytest.raises(StoreUrlError) as caught:
        open_store(url)
    assert "secret" not in str(caught.value)


@pytest.mark.parametrize("url", MALFORMED[:4])
def test_the_cli_exits_2_on_a_malformed_url(url: str) -> None:
    result = CliRunner().invoke(cli, ["impact", "--fail", "x", "--store", url])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output


def test_timeouts_come_from_the_environment() -> None:
    assert Timeouts.from_environment({}) == Timeouts(connect=10.0, query=300.0)
    found = Timeouts.from_environment({CONNECT_ENV: "2", QUERY_ENV: " 0.5 "})
    assert found == Timeouts(connect=2.0, query=0.5)


@pytest.mark.parametrize("value", ["abc", "0", "-1", "nan", "inf", "1e9"])
def test_a_timeout_that_is_not_a_sensible_number_is_refused(value: str) -> None:
    with pytest.raises(StoreUrlError, match=CONNECT_ENV):
        Timeouts.from_environment({CONNECT_ENV: value})


def test_the_sqlite_store_waits_for_a_writer_no_longer_than_the_query_timeout(
    tmp_path: Path,
) -> None:
    path = tmp_path / "estate.db"
    store = SqliteStore(path, Timeouts(query=0.2))
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    start = time.monotonic()
    try:
        with pytest.raises(StoreUnavailableError, match="locked"):
            store.wipe()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        store.close()
    assert time.monotonic() - start < 5


@contextmanager
def _silent_server() -> Iterator[int]:
    """A TCP port on 127.0.0.1 that accepts connections and never says anything."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    done = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not done.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        done.set()
        thread.join()
        for conn in held:
            conn.close()
        server.close()


@pytest.mark.parametrize("scheme", ["neo4j", "bolt"])
def test_a_server_that_never_answers_is_unavailable_within_the_connect_timeout(
    scheme: str,
) -> None:
    from impactgraph.store.neo4j import Neo4jStore

    with _silent_server() as port:
        start = time.monotonic()
        with pytest.raises(StoreUnavailableError, match="cannot reach Neo4j"):
            Neo4jStore(f"{scheme}://neo4j:pw@127.0.0.1:{port}", Timeouts(connect=1.0))
        assert time.monotonic() - start < 4


def test_the_cli_gives_up_on_a_silent_server_after_the_configured_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(CONNECT_ENV, "1")
    with _silent_server() as port:
        start = time.monotonic()
        url = f"neo4j://neo4j:pw@127.0.0.1:{port}"
        result = CliRunner().invoke(cli, ["impact", "--fail", "x", "--store", url])
        assert time.monotonic() - start < 4
    assert result.exit_code == 2, result.output
    assert "cannot reach Neo4j" in result.output


def _stored(path: Path) -> None:
    with SqliteStore(path) as store:
        store.load(Model.build([Component(id="dc1", kind=Kind.SITE)]))


def test_a_store_sqlite_cannot_write_is_opened_read_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read-only directory, simulated (root ignores permissions): SQLite's writable open
    fails as it does when it cannot make its ``-wal`` and ``-shm`` files there."""
    path = tmp_path / "estate.db"
    _stored(path)
    real = sqlite_module._connect

    def refusing(target: str, timeout: float, *, uri: bool = False) -> sqlite3.Connection:
        if uri:
            return real(target, timeout, uri=True)
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(sqlite_module, "_connect", refusing)
    with SqliteStore(path) as store:
        assert store.read_only is not None
        assert [c.id for c in store.read().components] == ["dc1"]
        assert store.read_graph().ids == ("dc1",)
        assert store.stats().components == 1
        with pytest.raises(StoreUnavailableError, match="can only be read"):
            store.wipe()
    with pytest.raises(StoreUnavailableError, match="cannot create store"):
        SqliteStore(tmp_path / "new.db")


def test_writing_a_read_only_file_says_it_can_only_be_read(tmp_path: Path) -> None:
    path = tmp_path / "estate.db"
    _stored(path)
    with SqliteStore(path) as store:
        store._db.close()  # the file turns read-only under an open store
        store._db = sqlite_module._connect(f"file:{path}?mode=ro", 1.0, uri=True)
        assert store.version() == 1
        with pytest.raises(StoreUnavailableError, match="can only be read"):
            store.wipe()


def _read_only_mount(target: Path, *command: str) -> subprocess.CompletedProcess[str]:
    """``command`` with ``target`` bind-mounted read-only in a private mount namespace (root
    ignores file permissions, so chmod cannot make a read-only directory for it)."""
    mount = 'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" "$0" && exec "$@"'
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", mount, str(target), *command],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _can_mount_read_only(tmp_path: Path) -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = _read_only_mount(tmp_path, "sh", "-c", f"! touch {tmp_path}/probe 2>/dev/null")
    return probe.returncode == 0


@pytest.mark.parametrize("read_only", ["directory", "file"])
def test_a_store_in_a_read_only_place_can_be_read_but_not_written(
    tmp_path: Path, read_only: str
) -> None:
    if not _can_mount_read_only(tmp_path):
        pytest.skip("needs unshare and mount (root) to make a read-only directory")
    path = tmp_path / "estate.db"
    _stored(path)
    target = tmp_path if read_only == "directory" else path
    run = [sys.executable, "-m", "impactgraph"]
    read = _read_only_mount(target, *run, "db", "stats", "--format", "json", "--store", str(path))
    assert read.returncode == 0, read.stderr
    assert '"components": 1' in read.stdout.replace('"components":1', '"components": 1')
    impact = _read_only_mount(target, *run, "impact", "--fail", "dc1", "--store", str(path))
    assert impact.returncode == 0, impact.stderr
    wipe = _read_only_mount(target, *run, "db", "wipe", "--yes", "--store", str(path))
    assert wipe.returncode == 2, wipe.stderr
    assert "read" in wipe.stderr and "Traceback" not in wipe.stderr
