"""Two real server processes (``impactgraph serve``) over one SQLite store share nothing but
the store: a write through one is read through the other on its next request."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from impactgraph.apikeys import create_key
from impactgraph.store import open_store


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[tuple[list[str], str, Path]]:
    """Two servers over one store: their base URLs, an editor key, the log of the first."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    with closing(open_store(url)) as store:
        key, _ = create_key(store, "editor")
    procs, bases = [], []
    logs = [tmp_path / f"server{i}.log" for i in range(2)]
    try:
        for log in logs:
            port = free_port()
            procs.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "impactgraph",
                        "serve",
                        "--store",
                        url,
                        "--port",
                        str(port),
                    ],
                    stdout=log.open("w"),
                    stderr=subprocess.STDOUT,
                )
            )
            bases.append(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 60
        for base, proc in zip(bases, procs, strict=True):
            while True:
                assert proc.poll() is None, logs[procs.index(proc)].read_text()
                try:
                    if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        yield bases, key, logs[0]
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_a_write_through_one_is_read_through_the_other(
    servers: tuple[list[str], str, Path],
) -> None:
    (a, b), key, log = servers
    headers = {"Authorization": f"Bearer {key}"}
    model = {"version": 1, "components": [{"id": "dc1", "kind": "site"}]}
    assert httpx.put(a + "/v1/model", json=model, headers=headers).status_code == 200
    got = httpx.get(b + "/v1/components/dc1", headers=headers)
    assert got.status_code == 200 and got.json() == {"id": "dc1", "kind": "site"}
    created = httpx.post(b + "/v1/components", json={"id": "dc2", "kind": "site"}, headers=headers)
    assert created.status_code == 201
    listed = httpx.get(a + "/v1/components", headers=headers).json()
    assert [c["id"] for c in listed["items"]] == ["dc1", "dc2"]
    assert listed["version"] == int(created.headers["Impactgraph-Model-Version"])
    stale = httpx.patch(
        a + "/v1/components/dc1",
        json={"tier": 1},
        headers={**headers, "If-Match": '"1"'},
    )
    assert stale.status_code == 412
    assert key not in log.read_text()  # the access log names requests, never their keys
