"""Fixtures for the CLI tests: the SPEC §3 worked example as a model file, and a runner."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from impactgraph.cli.main import cli

# SPEC §3 worked example; card-payments carries an RTO and a cost so the summary has money
SPEC_MODEL = """\
version: 1
components:
  - {id: dc1, kind: site}
  - {id: dc2, kind: site}
  - id: san1
    kind: infrastructure
    needs: [{id: dc1, type: located_at}]
  - id: host1
    kind: infrastructure
    needs: [{id: dc1, type: located_at}, san1]
  - id: host2
    kind: infrastructure
    needs: [{id: dc2, type: located_at}]
  - id: db-primary
    kind: service
    type: database
    needs: [{id: host1, type: runs_on}]
  - id: db-standby
    kind: service
    type: database
    needs: [{id: host2, type: runs_on}]
  - id: db-cluster
    kind: group
    min_up: 1
    members: [db-primary, {id: db-standby, mode: standby, activation: 30m}]
  - id: fraud-svc
    kind: service
    needs: [{id: host1, type: runs_on}]
  - id: payments-api
    kind: service
    needs: [{id: host2, type: runs_on}, db-cluster, {id: fraud-svc, strength: soft}]
  - id: card-payments
    kind: business_service
    tier: 1
    rto: 4h
    impact_per_hour: 1000
    needs: [payments-api]
  - id: settlement-batch
    kind: service
    needs: [{id: host1, type: runs_on}]
  - id: reporting
    kind: business_service
    tier: 2
    needs: [{id: settlement-batch, tolerance: 4h}]
"""

Run = Callable[..., Result]


@pytest.fixture
def spec_model(tmp_path: Path) -> Path:
    """The SPEC §3 worked example written as a model file."""
    path = tmp_path / "spec-example.yaml"
    path.write_text(SPEC_MODEL, encoding="utf-8")
    return path


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Run:
    """Run ``impactgraph ARGS…`` in-process in a clean directory with no store configured."""
    monkeypatch.delenv("IMPACTGRAPH_STORE", raising=False)
    monkeypatch.delenv("IMPACTGRAPH_DEBUG", raising=False)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args: str | Path) -> Result:
        return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)

    return invoke
