"""The default connect timeout: a port that accepts TCP and never answers fails with
StoreUnavailableError (exit 2) in about 10 s, not the driver's 60 s (issue 13)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest

from impactgraph.store.base import CONNECT_ENV, CONNECT_SECONDS


@pytest.mark.slow
def test_the_cli_gives_up_on_a_silent_server_within_the_default_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(CONNECT_ENV, raising=False)
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)  # the kernel accepts; nobody ever answers
    port = server.getsockname()[1]
    try:
        start = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "impactgraph", "impact", "--fail", "x",
             "--store", f"neo4j://neo4j:pw@127.0.0.1:{port}"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        took = time.monotonic() - start
    finally:
        server.close()
    assert result.returncode == 2, result.stderr
    assert "cannot reach Neo4j" in result.stderr
    assert CONNECT_SECONDS - 1 < took < CONNECT_SECONDS + 5
