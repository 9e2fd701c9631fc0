"""The shipped examples: the estate loads, reads like a real estate, and every scenario resolves
and behaves as its comments say (SPEC §3 and §5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from impactgraph.engine.impact import Impact, State
from impactgraph.engine.propagate import propagate
from impactgraph.engine.scenario import resolve, select
from impactgraph.graph import Graph
from impactgraph.model import Kind, MemberMode, Model
from impactgraph.modelfile import load_model_file
from impactgraph.scenariofile import load_scenario_file

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SCENARIOS = sorted((EXAMPLES / "scenarios").glob("*.yaml"))
H = 3600
M = 60


@pytest.fixture(scope="module")
def model() -> Model:
    return load_model_file(EXAMPLES / "estate.yaml")


@pytest.fixture(scope="module")
def graph(model: Model) -> Graph:
    return Graph.from_model(model)


def _run(graph: Graph, name: str) -> Impact:
    return propagate(graph, load_scenario_file(EXAMPLES / "scenarios" / name))


def _timeline(impact: Impact, cid: str) -> list[tuple[str, int, int | None]]:
    return [(iv.state.value, iv.start, iv.end) for iv in impact.timelines.get(cid, [])]


def test_the_estate_has_the_shape_the_issue_asks_for(model: Model) -> None:
    comps = model.components
    assert 80 <= len(comps) <= 150
    sites = {c.id: c.type for c in comps if c.kind is Kind.SITE}
    assert sites == {
        "dc-london": "data_centre",
        "dc-slough": "data_centre",
        "aws-eu-west-2": "cloud_region",
    }
    supplier_types = {c.type for c in comps if c.kind is Kind.SUPPLIER}
    assert {"power", "network", "saas"} <= supplier_types
    saas_tags = {t for c in comps if c.type == "saas" for t in c.tags}
    assert {"identity", "email", "payments"} <= saas_tags
    types = {c.type for c in comps}
    assert {
        "san",
        "host",
        "vm_cluster",
        "database",
        "database_cluster",
        "message_queue",
        "service_pool",
    } <= types


def test_business_services_carry_tiers_objectives_and_owners(model: Model) -> None:
    services = [c for c in model.components if c.kind is Kind.BUSINESS_SERVICE]
    assert 6 <= len(services) <= 10
    assert {c.tier for c in services} == {1, 2, 3}
    for c in services:
        assert c.rto and c.mtpd and c.rto <= c.mtpd, c.id
        assert c.impact_per_hour and c.owner and c.team, c.id


def test_every_component_has_recovery_and_restart_times_and_stores_have_backups(
    model: Model,
) -> None:
    for c in model.components:
        assert c.recovery_time is not None and c.restart_time is not None, c.id
        assert c.team, c.id
        if c.type == "database":
            assert c.backup_interval and c.rpo, c.id


def test_redundancy_and_buffers_are_modelled(model: Model) -> None:
    groups = [c for c in model.components if c.kind is Kind.GROUP]
    standbys = [m for g in groups for m in g.members if m.mode is MemberMode.STANDBY]
    assert standbys and all(m.activation > 0 for m in standbys)
    assert any((g.min_up or 1) > 1 for g in groups)  # pools that need more than one member
    assert any(d.tolerance > 0 for d in model.dependencies)
    assert any(d.strength.value == "soft" for d in model.dependencies)


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_every_scenario_loads_and_its_selectors_resolve(graph: Graph, path: Path) -> None:
    scenario = load_scenario_file(path)
    assert scenario.name
    for failure in scenario.failures:
        assert select(graph, failure.target)
    assert resolve(graph, scenario)


def test_there_are_the_five_scenarios() -> None:
    assert {p.stem for p in SCENARIOS} == {
        "primary-dc-lost",
        "identity-provider-outage",
        "power-supplier-failure",
        "ransomware-databases",
        "cloud-region-outage",
    }


def test_primary_dc_lost_fails_over_to_slough(graph: Graph) -> None:
    impact = _run(graph, "primary-dc-lost.yaml")
    assert _timeline(impact, "dc-london") == [("DOWN", 0, None)]
    # Patroni promotes the Slough replica after 5m; the pool keeps 2 of 4 API instances
    assert _timeline(impact, "payments-db") == [("DOWN", 0, 5 * M), ("DEGRADED", 5 * M, None)]
    assert _timeline(impact, "sql-hr") == [("DOWN", 0, None)]  # no replica outside London
    assert "dc-slough" not in impact.timelines
    assert "aws-eu-west-2" not in impact.timelines


def test_power_supplier_failure_is_ridden_through_for_four_hours(graph: Graph) -> None:
    impact = _run(graph, "power-supplier-failure.yaml")
    assert _timeline(impact, "ukpn-power") == [("DOWN", H, 7 * H)]
    assert _timeline(impact, "dc-london") == [("DOWN", 5 * H, 7 * H)]
    assert "dc-slough" not in impact.timelines


def test_identity_provider_outage_stops_customer_log_in_for_three_hours(graph: Graph) -> None:
    impact = _run(graph, "identity-provider-outage.yaml")
    assert _timeline(impact, "sso-gateway") == [("DOWN", 0, 3 * H)]
    assert _timeline(impact, "mobile-banking") == [("DOWN", 0, 3 * H)]
    assert "card-payments" not in impact.timelines


def test_ransomware_takes_every_database(graph: Graph, model: Model) -> None:
    impact = _run(graph, "ransomware-databases.yaml")
    databases = {c.id for c in model.components if "database" in c.tags}
    assert databases == {r.id for r in impact.failures}
    tier1 = {c.id for c in model.components if c.kind is Kind.BUSINESS_SERVICE and c.tier == 1}
    hit = {b.id for b in impact.summary.business_services if b.worst is State.DOWN}
    assert tier1 <= hit


def test_cloud_region_outage_ends_with_the_region(graph: Graph) -> None:
    impact = _run(graph, "cloud-region-outage.yaml")
    assert _timeline(impact, "eks-prod") == [("DOWN", 0, 8 * H)]
    assert "dc-london" not in impact.timelines
    for timeline in impact.timelines.values():
        assert all(iv.end is not None and iv.end <= 8 * H for iv in timeline)
