"""The benchmark estate generator: deterministic, the size asked, valid, shaped like an estate."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import networkx as nx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import estate_gen

from impactgraph.engine.impact import State
from impactgraph.engine.propagate import propagate
from impactgraph.engine.scenario import Failure, Scenario
from impactgraph.graph import Graph
from impactgraph.model import Kind, MemberMode, check_references

N = 10_000


@pytest.fixture(scope="module")
def estate() -> estate_gen.Estate:
    return estate_gen.generate(N, seed=11)


def _fingerprint(e: estate_gen.Estate) -> tuple[object, ...]:
    return (
        e.ids,
        e.kinds,
        e.types,
        e.tier,
        e.rto,
        e.recovery_time,
        e.restart_time,
        e.impact_per_hour,
        e.team,
        e.edge_src,
        e.edge_dst,
        e.edge_type,
        e.edge_hard,
        e.edge_tol,
        e.groups,
    )


def test_same_seed_same_estate_and_other_seed_other_estate(estate: estate_gen.Estate) -> None:
    assert _fingerprint(estate_gen.generate(N, seed=11)) == _fingerprint(estate)
    assert _fingerprint(estate_gen.generate(N, seed=12)) != _fingerprint(estate)


@pytest.mark.parametrize("n", [2_000, 10_000, 37_000])
def test_size_is_within_one_percent_with_about_two_edges_per_component(n: int) -> None:
    e = estate_gen.generate(n, seed=3)
    assert abs(e.n - n) <= 0.01 * n
    assert len(set(e.ids)) == e.n
    assert 1.8 <= e.edge_count / e.n <= 2.2


def test_every_edge_names_existing_components_once(estate: estate_gen.Estate) -> None:
    n = estate.n
    assert all(0 <= s < n for s in estate.edge_src)
    assert all(0 <= t < n for t in estate.edge_dst)
    assert all(s != t for s, t in zip(estate.edge_src, estate.edge_dst, strict=True))
    keys = list(zip(estate.edge_src, estate.edge_dst, estate.edge_type, strict=True))
    assert len(set(keys)) == len(keys)
    ids = set(estate.ids)
    for row in estate.edge_rows():
        assert row.source in ids and row.target in ids
    for gid, _, members in estate.group_rows():
        assert gid in ids and all(m in ids for m, _, _ in members)


def test_the_model_validates_with_every_attribute(estate: estate_gen.Estate) -> None:
    model = estate.to_model(check=False)
    assert check_references(model.components, model.dependencies) == []
    assert len(model.components) == estate.n
    assert len(model.dependencies) == estate.dependency_count
    for c in model.components:
        assert c.team is not None, c.id
        assert c.restart_time is not None, c.id
        if c.kind is not Kind.GROUP:
            assert c.recovery_time is not None, c.id
        if c.kind is Kind.BUSINESS_SERVICE:
            assert c.tier in (1, 2, 3) and c.rto and c.mtpd and c.impact_per_hour
            assert c.rto <= c.mtpd
        if c.type == "database":
            assert c.backup_interval and c.rpo
        if c.kind is Kind.GROUP:
            active = [m for m in c.members if m.mode is MemberMode.ACTIVE]
            assert c.min_up is not None and 1 <= c.min_up <= len(active), c.id
            assert all(m.activation > 0 for m in c.members if m.mode is MemberMode.STANDBY)


def test_rows_and_model_give_the_same_graph(estate: estate_gen.Estate) -> None:
    from_rows = estate.to_graph()
    from_model = Graph.from_model(estate.to_model(check=False))
    assert from_rows.ids == from_model.ids
    assert (from_rows.dependencies.idx == from_model.dependencies.idx).all()
    assert (from_rows.dependencies.tol == from_model.dependencies.tol).all()
    assert (from_rows.members.idx == from_model.members.idx).all()
    assert (from_rows.members.activation == from_model.members.activation).all()


def test_the_estate_has_the_layers_and_features_of_a_real_one(estate: estate_gen.Estate) -> None:
    types = Counter(estate.types)
    for t in (
        "power",
        "network",
        "saas",
        "data_centre",
        "rack",
        "san",
        "host",
        "vm",
        "database",
        "database_cluster",
        "message_queue",
        "service_pool",
        "application",
        "business_service",
    ):
        assert types[t] > 0, t
    assert types["data_centre"] == estate_gen.SITES
    assert not all(estate.edge_hard)  # soft dependencies
    assert any(estate.edge_tol)  # queues and batch windows ride through
    assert any(sb for _, _, ms in estate.groups for _, sb, _ in ms)  # standbys
    g = nx.DiGraph(zip(*estate.edge_arrays(), strict=True))
    assert any(len(c) > 1 for c in nx.strongly_connected_components(g))  # a few cycles


def test_a_site_lost_for_good_takes_down_about_thirty_percent(estate: estate_gen.Estate) -> None:
    down = estate_gen.down_until_recovered(estate, ["site-0"])
    assert 0.25 <= len(down) / estate.n <= 0.35


def test_down_until_recovered_matches_the_engine(estate: estate_gen.Estate) -> None:
    """SPEC §3 with an infinite failure: DOWN at ∞ iff the quick fixpoint says so."""
    graph = estate.to_graph()
    impact = propagate(graph, Scenario(failures=(Failure("site-0"),)))
    engine = {
        cid
        for cid, tl in impact.timelines.items()
        if tl[-1].state is State.DOWN and tl[-1].end is None
    }
    quick = {estate.ids[v] for v in estate_gen.down_until_recovered(estate, ["site-0"])}
    assert engine == quick


def test_too_small_an_estate_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 200"):
        estate_gen.generate(50)
