"""Continuity checks on the model, and the ``check`` command's exit codes."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from impactgraph.cli.main import cli
from impactgraph.engine.checks import Finding, check
from impactgraph.graph import ATTRIBUTES, EdgeRow, Graph
from impactgraph.model import (
    Component,
    Dependency,
    Kind,
    Member,
    MemberMode,
    Model,
    Strength,
    model_to_document,
)

H = 3600


def codes(findings: list[Finding]) -> set[tuple[str, str]]:
    return {(f.code, f.component) for f in findings if f.counts}


def estate(**overrides: Component) -> Model:
    """site ← host ← db (data store) ← app ← shop (tier 1); a tier-3 reporting tool."""
    c = Component
    comps = {
        "site": c(id="site", kind=Kind.SITE, recovery_time="2h"),
        "host": c(id="host", kind=Kind.INFRASTRUCTURE, recovery_time="1h"),
        "db": c(
            id="db", kind=Kind.SERVICE, type="database", recovery_time="30m", backup_interval="15m"
        ),
        "app": c(id="app", kind=Kind.SERVICE, recovery_time="10m"),
        "shop": c(
            id="shop",
            kind=Kind.BUSINESS_SERVICE,
            tier=1,
            rto="4h",
            mtpd="8h",
            rpo="1h",
            recovery_time="0",
        ),
        "tool": c(id="tool", kind=Kind.SERVICE, tier=3, rto="1d", recovery_time="5m"),
    }
    comps.update(overrides)
    deps = [
        Dependency(source="host", target="site"),
        Dependency(source="db", target="host"),
        Dependency(source="app", target="db"),
        Dependency(source="shop", target="app"),
    ]
    return Model.build(list(comps.values()), deps)


def test_a_sound_estate_has_no_findings() -> None:
    # chain below shop: 0 + 10m + 30m + 1h + 2h = 3h40m ≤ 4h; backups every 15m ≤ RPO 1h
    assert codes(check(Graph.from_model(estate()))) == set()


def test_rto_longer_than_mtpd() -> None:
    m = estate(
        shop=Component(
            id="shop", kind=Kind.BUSINESS_SERVICE, tier=1, rto="9h", mtpd="8h", recovery_time="0"
        )
    )
    assert ("rto-exceeds-mtpd", "shop") in codes(check(Graph.from_model(m)))


def test_recovery_chain_longer_than_rto_names_the_chain() -> None:
    # site now takes 3h: 0 + 10m + 30m + 1h + 3h = 4h40m > 4h
    m = estate(site=Component(id="site", kind=Kind.SITE, recovery_time="3h"))
    found = [f for f in check(Graph.from_model(m)) if f.code == "recovery-chain-exceeds-rto"]
    assert [(f.component, f.severity) for f in found] == [("shop", "high")]  # tier 1
    assert "4h40m" in found[0].message
    assert "shop → app → db → host → site" in found[0].message


def test_rpo_against_backup_interval_of_a_store_below() -> None:
    m = estate(
        db=Component(
            id="db", kind=Kind.SERVICE, type="database", recovery_time="30m", backup_interval="4h"
        )
    )
    found = [f for f in check(Graph.from_model(m)) if f.code == "rpo-exceeds-backup"]
    assert [f.component for f in found] == ["shop"]
    assert "db" in found[0].message and "4h" in found[0].message


def test_tier_inversion() -> None:
    m = Model.build(
        estate().components, [*estate().dependencies, Dependency(source="shop", target="tool")]
    )
    assert ("tier-inversion", "shop") in codes(check(Graph.from_model(m)))


def test_groups_take_the_fastest_min_up_members() -> None:
    c = Component
    m = Model.build(
        [
            c(id="slow", kind=Kind.SERVICE, recovery_time="10h"),
            c(id="fast", kind=Kind.SERVICE, recovery_time="1h"),
            c(id="pair", kind=Kind.GROUP, min_up=1, members=(Member(id="slow"), Member(id="fast"))),
            c(id="svc", kind=Kind.BUSINESS_SERVICE, rto="2h", recovery_time="0"),
        ],
        [Dependency(source="svc", target="pair")],
    )
    assert codes(check(Graph.from_model(m))) == set()  # 1h through the fast member


def test_missing_data_is_a_warning_not_a_finding() -> None:
    m = estate(app=Component(id="app", kind=Kind.SERVICE))  # no recovery_time
    findings = check(Graph.from_model(m))
    warn = [f for f in findings if not f.counts]
    assert ("missing-recovery-time", "app") in {(f.code, f.component) for f in warn}
    assert codes(findings) == set()


def _write(tmp_path: Path, model: Model) -> Path:
    import yaml

    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(model_to_document(model)))
    return path


def test_check_command_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    good = _write(tmp_path, estate())
    assert runner.invoke(cli, ["check", "--model", str(good)]).exit_code == 0
    bad = _write(tmp_path, estate(site=Component(id="site", kind=Kind.SITE, recovery_time="3h")))
    out = runner.invoke(cli, ["check", "--model", str(bad), "--format", "json"])
    assert out.exit_code == 3
    assert '"recovery-chain-exceeds-rto"' in out.output
    missing = runner.invoke(cli, ["check", "--model", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 2


def test_a_graph_of_plain_columns_gives_the_same_findings() -> None:
    """check() reads the graph's attribute table: a graph built from columns, as a store
    reads it (no pydantic components), gives the same findings as one from the model."""
    model = estate(
        tool=Component(id="tool", kind=Kind.SERVICE, tier=3, rto="1d", rpo="1m"),
        shop=Component(id="shop", kind=Kind.BUSINESS_SERVICE, tier=1, rto="1h", mtpd="30m"),
    )
    comps = model.components
    graph = Graph.from_rows(
        [c.id for c in comps],
        [c.kind for c in comps],
        [
            EdgeRow(d.source, d.target, d.type, d.strength is Strength.HARD, d.tolerance)
            for d in model.dependencies
        ],
        [
            (c.id, c.min_up or 1, [(m.id, m.mode is MemberMode.STANDBY, 0) for m in c.members])
            for c in comps
            if c.kind is Kind.GROUP
        ],
        attributes={name: [getattr(c, name) for c in comps] for name in ATTRIBUTES},
    )
    expected = check(Graph.from_model(model))
    assert len(expected) > 3
    assert check(graph) == expected
