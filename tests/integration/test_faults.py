"""Faults: no server, a wrong password, and a server killed (SIGKILL) in the middle of a load.

The kill test starts a server of its own (``scripts/neo4j-local`` with a private instance
folder and port, the cached jars shared) so that the shared test server is never touched.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from impactgraph.errors import StoreUnavailableError
from impactgraph.model import Model
from impactgraph.store import neo4j as neo4j_store_module
from impactgraph.store.neo4j import Neo4jStore

from .estates import random_model

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "neo4j-local"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def contents(model: Model) -> tuple[frozenset[object], frozenset[object]]:
    return frozenset(model.components), frozenset(model.dependencies)


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "impactgraph", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "IMPACTGRAPH_DEBUG": ""},
    )


# ---- no server, wrong password ---------------------------------------------------------------


def test_no_server_is_one_clear_error_naming_the_uri_and_the_fix() -> None:
    url = f"neo4j://neo4j:secret@127.0.0.1:{free_port()}"
    with pytest.raises(StoreUnavailableError) as caught:
        Neo4jStore(url)
    message = str(caught.value)
    assert "127.0.0.1" in message and "scripts/neo4j-local start" in message
    assert "secret" not in message  # the password is never shown


def test_no_server_through_the_cli_exits_2_without_a_traceback() -> None:
    port = free_port()
    done = cli("db", "stats", "--store", f"bolt://neo4j:pw@127.0.0.1:{port}")
    assert done.returncode == 2
    assert done.stderr.startswith("error: cannot reach Neo4j at bolt://neo4j:***@127.0.0.1:")
    assert "scripts/neo4j-local start" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


@pytest.mark.neo4j
def test_a_wrong_password_is_a_clear_error(neo4j_url: str) -> None:
    wrong = neo4j_url.replace("@", "-wrong@", 1)
    with pytest.raises(StoreUnavailableError, match="wrong user or password"):
        Neo4jStore(wrong)
    done = cli("db", "stats", "--store", wrong, "--format", "json")
    assert done.returncode == 2
    assert "wrong user or password" in done.stderr and "Traceback" not in done.stderr


# ---- a server killed in the middle of a load -------------------------------------------------


class LocalServer:
    """A private scripts/neo4j-local instance: start, SIGKILL, start again, stop."""

    def __init__(self, home: Path, port: int) -> None:
        cache = Path(os.environ.get("NEO4J_LOCAL_HOME", Path.home() / ".cache/impactgraph/neo4j"))
        self.env = {
            **os.environ,
            "NEO4J_LOCAL_HOME": str(home),
            "NEO4J_LOCAL_DIST": os.environ.get("NEO4J_LOCAL_DIST", str(cache / "dist")),
            "NEO4J_LOCAL_PORT": str(port),
            "PYTHON": sys.executable,
        }
        self.home = home

    def _script(self, command: str) -> str:
        done = subprocess.run(
            [str(SCRIPT), command], env=self.env, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""

    def start(self) -> str:
        return self._script("start")

    def stop(self) -> None:
        self._script("stop")

    def kill(self) -> None:
        pid = int((self.home / "instance" / "run" / "neo4j-local.pid").read_text())
        os.kill(pid, signal.SIGKILL)


@pytest.fixture
def own_server(tmp_path: Path, neo4j_url: str) -> Iterator[LocalServer]:
    server = LocalServer(tmp_path / "neo4j", free_port())
    try:
        yield server
    finally:
        server.stop()


def component_nodes(store: Neo4jStore) -> int:
    """Component nodes of every generation (live or not)."""
    rows = store._read(  # under the hood on purpose: every generation, live or not
        lambda tx: tx.run("MATCH (c:Component) RETURN count(c) AS n").single(strict=True)["n"]
    )
    return int(rows)


@pytest.mark.neo4j
@pytest.mark.slow
def test_a_server_killed_mid_load_keeps_the_old_model_or_the_new_one(
    own_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # small batches: many commits, so the kill lands with the new generation half written
    monkeypatch.setattr(neo4j_store_module, "BATCH", 500)
    monkeypatch.setattr(neo4j_store_module, "RETRY_SECONDS", 2.0)
    old, new = random_model(1, n=300), random_model(2, n=8000)
    url = own_server.start()

    # 1. killed while the new generation is being written: the old model survives
    store = Neo4jStore(url)
    store.load(old)
    killed: list[int] = []

    def kill_half_way(done: int, total: int) -> None:
        if not killed and done >= total // 2:
            killed.append(done)
            own_server.kill()

    with pytest.raises(StoreUnavailableError):
        store.load(new, progress=kill_half_way)
    store.close()
    assert killed
    url = own_server.start()
    store = Neo4jStore(url)
    assert contents(store.read()) == contents(old)
    assert store.stats().components == len(old.components)

    # 2. killed after the switch, while the old generation is deleted: the new model is live
    def kill_then_clean() -> None:
        own_server.kill()
        raise StoreUnavailableError("killed by the test")

    monkeypatch.setattr(store, "_delete_old_generations", kill_then_clean)
    with pytest.raises(StoreUnavailableError):
        store.load(new)
    store.close()
    url = own_server.start()
    store = Neo4jStore(url)
    try:
        assert contents(store.read()) == contents(new)
        # the next load clears every older or abandoned generation
        store.load(old)
        assert contents(store.read()) == contents(old)
        assert component_nodes(store) == len(old.components)
    finally:
        store.close()
