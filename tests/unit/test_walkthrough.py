"""examples/README.md's walk-through, re-run through the CLI: the facts the page states hold.

Each test runs the command the README shows (in-process, with click's runner) and asserts
what the prose around its output says, so the walk-through cannot drift from the tool.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from impactgraph.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
README = EXAMPLES / "README.md"
ESTATE = EXAMPLES / "estate.yaml"
PRIMARY_DC = EXAMPLES / "scenarios" / "primary-dc-lost.yaml"
H, M = 3600, 60
INF = None

# the five mistakes the README's sed command puts into a copy of the estate
BROKEN_EDITS = (
    (r"(?m)^  - id: dc-slough$", "  - id: dc-london"),
    (r"(?m)^    min_up: 2 .*HA admission.*$", "    min_up: 5"),
    (r"(?m)^    mtpd: 8h$", "    mtdp: 8h"),
    (r"impact_per_hour: 250000", "impact_per_hour: lots"),
    (r"tolerance: 6h\}", "tolerance: 6 hours}"),
)

Timeline = list[tuple[str, int, int | None]]


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """``impactgraph ARGS…`` in-process, in a clean directory, with no store configured."""
    monkeypatch.delenv("IMPACTGRAPH_STORE", raising=False)
    monkeypatch.delenv("NEO4J_URI", raising=False)
    monkeypatch.delenv("IMPACTGRAPH_DEBUG", raising=False)
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args: str | Path) -> Result:
        return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)

    return invoke


def _json(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _timelines(answer: dict[str, Any]) -> dict[str, Timeline]:
    return {
        cid: [(iv["state"], iv["from"], iv["to"]) for iv in ivs]
        for cid, ivs in answer["timelines"].items()
    }


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The estate loaded into a SQLite store, as README §3 does (once for the module)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('walkthrough') / 'demo.db'}"
    result = CliRunner().invoke(cli, ["load", str(ESTATE), "--store", url])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("loaded 101 components, 170 dependencies, 17 groups")
    return url


@pytest.fixture(scope="module")
def primary_dc(store: str) -> dict[str, Any]:
    """The primary-DC scenario's JSON answer read from the store (computed once)."""
    args = ["impact", "--store", store, "--scenario", str(PRIMARY_DC), "--format", "json"]
    return _json(CliRunner().invoke(cli, args))  # type: ignore[no-any-return]


def test_validate_reports_the_estate_size(run: Any) -> None:
    result = run("validate", ESTATE)
    assert result.exit_code == 0
    assert result.output.strip() == "ok: 101 components, 170 dependencies, 17 groups"


def test_broken_copy_reports_every_error_with_its_line_and_loads_nothing(
    run: Any, tmp_path: Path
) -> None:
    text = ESTATE.read_text(encoding="utf-8")
    for pattern, repl in BROKEN_EDITS:
        text, n = re.subn(pattern, repl, text)
        assert n >= 1, f"the README's sed edit {pattern!r} no longer matches estate.yaml"
    broken = tmp_path / "estate-broken.yaml"
    broken.write_text(text, encoding="utf-8")

    result = run("validate", broken)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert lines[0] == "error: 7 errors in model:"
    facts = [
        ("'dc-london'", "'id'", "duplicate id"),
        ("'vsphere-london'", "'min_up'", "outside 1..4"),
        ("'rack-slough-a'", "'needs'", "unknown component 'dc-slough'"),
        ("'rack-slough-b'", "'needs'", "unknown component 'dc-slough'"),
        ("'regulatory-etl'", "'tolerance'", "'6 hours'"),
        ("'card-payments'", "'impact_per_hour'", "'lots'"),
        ("'online-banking'", "'mtdp'", "did you mean 'mtpd'"),
    ]
    for line, fact in zip(lines[1:], facts, strict=True):
        assert re.match(rf"\s+{re.escape(str(broken))}:\d+: ", line), line
        assert all(part in line for part in fact), (line, fact)

    store = f"sqlite:///{tmp_path / 'demo.db'}"
    assert run("load", ESTATE, "--store", store).exit_code == 0
    assert run("load", broken, "--store", store).exit_code == 2
    stats = _json(run("db", "stats", "--store", store, "--format", "json"))
    assert stats["version"] == 1  # the failed load wrote nothing
    assert stats["components"] == 101


def test_the_store_gives_the_same_timelines_as_the_file(
    run: Any, primary_dc: dict[str, Any]
) -> None:
    from_file = _json(
        run("impact", "--model", ESTATE, "--scenario", PRIMARY_DC, "--format", "json")
    )
    assert _timelines(from_file) == _timelines(primary_dc)
    assert from_file["summary"] == primary_dc["summary"]


def test_primary_dc_lost_what_the_planner_reads(primary_dc: dict[str, Any]) -> None:
    tl = _timelines(primary_dc)
    assert primary_dc["scenario"]["failures"] == [{"id": "dc-london", "at": 0, "duration": None}]
    assert primary_dc["scenario"]["horizon"] == 24 * H
    # card payments fails over: DOWN 30m, then DEGRADED (fraud scoring is a soft dependency)
    assert tl["card-payments"] == [("DOWN", 0, 30 * M), ("DEGRADED", 30 * M, INF)]
    # the Kafka weak point: the bus is DOWN for good; core banking's 1h spool runs out
    assert tl["kafka-events"] == [("DOWN", 0, INF)]
    assert tl["core-banking-slough-1"] == [
        ("DOWN", 0, 30 * M),
        ("DEGRADED", 30 * M, H),
        ("DOWN", H, INF),
    ]
    kafka_pattern = [("DOWN", 0, 45 * M), ("DEGRADED", 45 * M, H), ("DOWN", H, INF)]
    for service in (
        "online-banking",
        "mobile-banking",
        "branch-banking",
        "customer-contact",
        "customer-onboarding",
    ):
        assert tl[service] == kafka_pattern, service
    assert tl["hr-services"] == [("DOWN", 0, INF)]
    assert tl["regulatory-reporting"] == [("DEGRADED", 18 * H, INF)]
    assert "customer-notifications" not in tl
    assert "dc-slough" not in tl
    summary = primary_dc["summary"]
    assert (summary["down"], summary["degraded"]) == (57, 32)
    assert len(tl) == 64
    assert summary["money_lost"] == pytest.approx(6_145_750)
    online = next(b for b in summary["business_services"] if b["id"] == "online-banking")
    assert online["money_lost"] == pytest.approx(2_850_000)


def test_with_a_kafka_bus_that_survives_london_the_failover_holds(run: Any, tmp_path: Path) -> None:
    text = ESTATE.read_text(encoding="utf-8")
    fixed, n = re.subn(r"(    tags: \[kafka\]\n    min_up: )2", r"\g<1>1", text)
    assert n == 1
    model = tmp_path / "estate-kafka-min-up-1.yaml"
    model.write_text(fixed, encoding="utf-8")
    answer = _json(run("impact", "--model", model, "--scenario", PRIMARY_DC, "--format", "json"))
    tl = _timelines(answer)
    for service in ("online-banking", "mobile-banking", "branch-banking"):
        assert tl[service] == [("DOWN", 0, 45 * M), ("DEGRADED", 45 * M, INF)], service


@pytest.mark.parametrize(
    ("scenario", "rows", "down", "degraded", "money", "facts"),
    [
        (
            "power-supplier-failure",
            63,
            58,
            30,
            568_750,
            {
                "dc-london": [("DOWN", 5 * H, 7 * H)],
                "online-banking": [
                    ("DOWN", 5 * H, 5 * H + 45 * M),
                    ("DEGRADED", 5 * H + 45 * M, 6 * H),
                    ("DOWN", 6 * H, 7 * H),
                ],
            },
        ),
        (
            "cloud-region-outage",
            26,
            18,
            8,
            1_808_000,
            {
                "online-banking": [("DOWN", 0, 8 * H)],
                "mobile-banking": [("DOWN", 0, 8 * H)],
                "card-payments": [("DEGRADED", 0, 8 * H)],
            },
        ),
        (
            "identity-provider-outage",
            16,
            16,
            0,
            700_500,
            {"online-banking": [("DOWN", 0, 3 * H)], "mobile-banking": [("DOWN", 0, 3 * H)]},
        ),
        (
            "ransomware-databases",
            43,
            43,
            0,
            36_552_000,
            {"regulatory-reporting": [("DOWN", 12 * H, INF)]},
        ),
    ],
)
def test_the_other_scenarios_as_summarised(
    run: Any,
    store: str,
    scenario: str,
    rows: int,
    down: int,
    degraded: int,
    money: float,
    facts: dict[str, Timeline],
) -> None:
    path = EXAMPLES / "scenarios" / f"{scenario}.yaml"
    answer = _json(run("impact", "--store", store, "--scenario", path, "--format", "json"))
    tl = _timelines(answer)
    assert len(tl) == rows
    assert (answer["summary"]["down"], answer["summary"]["degraded"]) == (down, degraded)
    assert answer["summary"]["money_lost"] == pytest.approx(money)
    for cid, timeline in facts.items():
        assert tl[cid] == timeline, cid
    hit = {b["id"] for b in answer["summary"]["business_services"]}
    if scenario == "ransomware-databases":
        assert len(answer["scenario"]["failures"]) == 7  # seven data stores tagged database
        assert "customer-notifications" not in hit and len(hit) == 8


def test_at_two_hours(run: Any, store: str) -> None:
    answer = _json(
        run("impact", "--store", store, "--scenario", PRIMARY_DC, "--at", "2h", "--format", "json")
    )
    assert answer["at"] == 2 * H
    states = [c["state"] for c in answer["components"]]
    assert (states.count("DOWN"), states.count("DEGRADED")) == (47, 15)
    online = next(c for c in answer["components"] if c["id"] == "online-banking")
    assert (online["state"], online["from"], online["to"]) == ("DOWN", H, INF)


def test_explain_finds_the_kafka_link(run: Any, store: str) -> None:
    first = run("explain", "--store", store, "--scenario", PRIMARY_DC, "-c", "online-banking")
    assert first.exit_code == 0
    hops = first.output.splitlines()
    assert hops[0].split()[:3] == ["online-banking", "DOWN", "0s–45m"]
    assert hops[-1].split() == ["dc-london", "DOWN", "0s–∞", "failed"]
    slough = run(
        "explain",
        "--store",
        store,
        "--scenario",
        PRIMARY_DC,
        "-c",
        "core-banking-slough-1",
        "--at",
        "2h",
    )
    assert slough.exit_code == 0
    assert "kafka-events (hard, depends_on, tolerance 1h)" in slough.output.splitlines()[0]
    up = run("explain", "--store", store, "--scenario", PRIMARY_DC, "-c", "dc-slough")
    assert up.exit_code == 2
    assert "stays UP" in up.stderr


def test_deps_as_shown(run: Any, store: str) -> None:
    up = _json(run("deps", "kafka-events", "--up", "--store", store, "--format", "json"))
    rows = up if isinstance(up, list) else up["components"]
    assert len(rows) == 27
    down = run("deps", "online-banking", "--down", "--depth", "2", "--store", store)
    assert down.output.startswith("online-banking needs 8 components (depth ≤ 2)")
    site = run("deps", "dc-london", "--up", "--type", "located_at", "--store", store)
    assert site.output.startswith("8 components need dc-london")


def test_spec_example_json_is_the_spec_table(run: Any) -> None:
    spec = EXAMPLES / "spec-example.yaml"
    answer = _json(run("impact", "--model", spec, "--fail", "dc1", "--format", "json"))
    down_forever = [("DOWN", 0, INF)]
    failover = [("DOWN", 0, 30 * M), ("DEGRADED", 30 * M, INF)]
    assert _timelines(answer) == {
        **dict.fromkeys(
            ["dc1", "san1", "host1", "db-primary", "fraud-svc", "settlement-batch"], down_forever
        ),
        **dict.fromkeys(["db-cluster", "payments-api", "card-payments"], failover),
        "reporting": [("DOWN", 4 * H, INF)],
    }
    assert answer["scenario"] == {
        "failures": [{"id": "dc1", "at": 0, "duration": None}],
        "horizon": 86400,
    }
    assert answer["timelines"]["dc1"][0]["cause"] == {"via": None, "rule": "failed"}
    assert answer["timelines"]["db-cluster"][0]["cause"] == {"via": "db-primary", "rule": "group"}

    short = _json(run("impact", "--model", spec, "--fail", "dc1+3h", "--format", "json"))
    tl = _timelines(short)
    assert "reporting" not in tl
    assert all(ivs[-1][2] == 3 * H for ivs in tl.values())


def test_diagram_renders_the_images_the_readme_shows(run: Any, tmp_path: Path) -> None:
    dot = run("diagram", "--model", EXAMPLES / "spec-example.yaml", "--fail", "dc1")
    assert dot.exit_code == 0
    assert dot.output.startswith("digraph impactgraph {")
    assert '"reporting" [label="reporting\\nDOWN 4h–∞"' in dot.output
    for image in ("spec-dc1.png", "kafka-dc-london.png"):
        committed = EXAMPLES / "img" / image
        assert committed.stat().st_size < 200_000
        assert f"](img/{image})" in README.read_text(encoding="utf-8")


def test_check_and_recover_as_described(run: Any, store: str) -> None:
    commands = set(cli.commands)
    if not {"check", "recover"} <= commands:
        pytest.skip("check/recover are not registered")
    check = run("check", "--store", store, "--format", "json")
    assert check.exit_code == 3
    plan = _json(
        run(
            "recover",
            "--store",
            store,
            "--scenario",
            PRIMARY_DC,
            "--teams",
            "3",
            "--format",
            "json",
        )
    )
    assert len(plan["steps"]) == 42
    assert max(s["wave"] for s in plan["steps"]) == 7
    services = {b["id"]: b for b in plan["business_services"]}
    assert services["card-payments"]["breach"] == 0
    late_on_kafka = {
        sid for sid, b in services.items() if b["breach"] and "kafka-events" in b["critical_chain"]
    }
    assert late_on_kafka == {
        "online-banking",
        "mobile-banking",
        "branch-banking",
        "customer-contact",
        "customer-onboarding",
    }
    assert plan["totals"]["breaches"] == 6


def test_readme_quotes_the_outputs_it_claims(run: Any, store: str) -> None:
    """Spot checks that the pasted output is still the tool's (table text, not just JSON)."""
    text = README.read_text(encoding="utf-8")
    validate = run("validate", ESTATE).output.strip()
    assert validate in text
    explain = run(
        "explain",
        "--store",
        store,
        "--scenario",
        PRIMARY_DC,
        "-c",
        "core-banking-slough-1",
        "--at",
        "2h",
    ).output
    assert explain.rstrip() in text
    spec = run(
        "impact", "--model", EXAMPLES / "spec-example.yaml", "--fail", "dc1", "--format", "json"
    ).output
    assert spec.rstrip() in text
