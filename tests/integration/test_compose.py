"""docker-compose.yml validates with the docker compose client (no engine runs here)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def compose_command() -> list[str]:
    """``docker compose`` (v2) or ``docker-compose`` (v1), whichever this machine has."""
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=60)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    pytest.skip("no docker compose client on this machine")


def config(env_file: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    return subprocess.run(
        [*compose_command(), "--env-file", str(env_file), "-f", "docker-compose.yml", "config"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_compose_config_is_valid_and_wires_impactgraph_to_neo4j() -> None:
    done = config(ROOT / ".env.example")
    assert done.returncode == 0, done.stderr
    services = yaml.safe_load(done.stdout)["services"]
    neo4j, app = services["neo4j"], services["impactgraph"]
    assert neo4j["image"] == "neo4j:5.26-community"
    assert neo4j["environment"]["NEO4J_AUTH"] == "neo4j/change-me-please"
    assert "healthcheck" in neo4j and neo4j["volumes"]
    assert app["environment"]["NEO4J_URI"] == "neo4j://neo4j:7687"
    assert app["environment"]["NEO4J_PASSWORD"] == "change-me-please"
    assert app["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert app["build"]["dockerfile"] == "Dockerfile"
    api = services["api"]  # the HTTP API and the page, over the same Neo4j
    assert api["command"][:1] == ["serve"] and "0.0.0.0" in api["command"]
    assert api["environment"]["NEO4J_URI"] == "neo4j://neo4j:7687"
    assert api["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert "/readyz" in " ".join(api["healthcheck"]["test"])
    published = [str(p) for p in api["ports"]]
    assert any("127.0.0.1" in p and "8000" in p for p in published), published


def test_compose_refuses_to_run_without_a_password(tmp_path: Path) -> None:
    empty = tmp_path / "empty.env"
    empty.write_text("NEO4J_USER=neo4j\n")
    done = config(empty)
    assert done.returncode != 0
    assert "NEO4J_PASSWORD" in done.stderr
