"""The question routes: each answer is the CLI's ``--format json`` answer plus ``model_version``.

Every test runs on each store of the API conftest (SQLite always; Neo4j with
``IMPACTGRAPH_TEST_NEO4J``).

Every comparison is made against the CLI run in-process on the same store, so that
``impactgraph impact --format json`` and ``POST /v1/impact`` cannot drift apart: the body is the
CLI's text with one more line, ``"model_version": N``, before the closing brace.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from impactgraph.api import create_app
from impactgraph.api.questions import (
    MAX_FAILURES,
    blast_radius,
    seconds_param,
    types_param,
    with_version,
)
from impactgraph.api.settings import Settings
from impactgraph.apikeys import create_key
from impactgraph.cli.main import cli
from impactgraph.engine.explain import dependents
from impactgraph.engine.scenario import failure_spec
from impactgraph.errors import QueryError
from impactgraph.graph import Graph
from impactgraph.model import Component, Dependency, Kind, Model
from impactgraph.modelfile import load_model_file, write_model_file
from impactgraph.render.formats import to_json
from impactgraph.store import Store

ROOT = Path(__file__).resolve().parents[2]
SPEC_EXAMPLE = ROOT / "examples" / "spec-example.yaml"
ESTATE = ROOT / "examples" / "estate.yaml"
PROBLEM = "application/problem+json"
INF = None
M30, H3, H4 = 1800, 3 * 3600, 4 * 3600

#: SPEC §3, dc1 fails at 0 for ∞: component → [(state, from, to)]
SPEC_DC1_FOREVER = {
    **{
        c: [("DOWN", 0, INF)]
        for c in ("dc1", "san1", "host1", "db-primary", "fraud-svc", "settlement-batch")
    },
    **{
        c: [("DOWN", 0, M30), ("DEGRADED", M30, INF)]
        for c in ("db-cluster", "payments-api", "card-payments")
    },
    "reporting": [("DOWN", H4, INF)],
}
#: SPEC §3, dc1 fails for 3h: reporting is not listed and every ∞ becomes 3h
SPEC_DC1_3H = {
    cid: [(s, a, H3 if b is INF else b) for s, a, b in ivs]
    for cid, ivs in SPEC_DC1_FOREVER.items()
    if cid != "reporting"
}

#: ids a CMDB may hand over: slashes, colons, spaces, percent signs, '?', '#', any Unicode
ODD_IDS = (
    "component:default/payments",
    "site with spaces",
    "ünïcödé/数据库",
    "50%/x?y#z",
    "trailing/",
)


@dataclass
class Served:
    """A store, the API over it, a reader key, and the CLI on the same store."""

    url: str
    store: Store
    client: TestClient

    def cli(self, *args: str, code: int = 0) -> str:
        """``impactgraph ARGS --store URL`` in-process: its stdout."""
        result = CliRunner().invoke(cli, [*args, "--store", self.url], catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result.stdout

    def version(self) -> int:
        return self.store.version()


Serve = Callable[[Path], Served]


@pytest.fixture
def serve(store: Store, store_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Serve]:
    """Load a model file into the test's store (each backend of the API conftest) and serve it
    to a client with a reader key."""
    monkeypatch.delenv("IMPACTGRAPH_STORE", raising=False)
    opened: list[TestClient] = []

    def make(model_file: Path) -> Served:
        store.load(load_model_file(model_file))
        key, _ = create_key(store, "reader", "questions")
        app = create_app(Settings(key_cache_seconds=0), store=store)
        client = TestClient(app, headers={"Authorization": f"Bearer {key}"})
        opened.append(client.__enter__())
        return Served(store_url, store, client)

    yield make
    for client in opened:
        client.__exit__(None, None, None)


@pytest.fixture
def spec(serve: Serve) -> Served:
    """The SPEC §3 worked example, served."""
    return serve(SPEC_EXAMPLE)


@pytest.fixture
def estate(serve: Serve) -> Served:
    """examples/estate.yaml (101 components), served."""
    return serve(ESTATE)


@pytest.fixture
def odd(serve: Serve, tmp_path: Path) -> Served:
    """A model whose ids hold '/', ':', spaces, '%', '?', '#' and Unicode, served."""
    site, host, app, svc, leaf = ODD_IDS
    model = Model.build(
        [
            Component(id=site, kind=Kind.SITE),
            Component(id=host, kind=Kind.INFRASTRUCTURE),
            Component(id=app, kind=Kind.SERVICE),
            Component(id=svc, kind=Kind.SERVICE),
            Component(id=leaf, kind=Kind.BUSINESS_SERVICE, rto=3600, impact_per_hour=100),
        ],
        [
            Dependency(source=host, target=site, type="located_at"),
            Dependency(source=app, target=host, type="runs_on"),
            Dependency(source=svc, target=app),
            Dependency(source=leaf, target=svc, tolerance=600),
        ],
    )
    path = tmp_path / "odd.yaml"
    write_model_file(model, path)
    return serve(path)


def body_of(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    doc = json.loads(response.text)
    assert isinstance(doc, dict)
    return doc


def same_as_cli(served: Served, response: Any, cli_stdout: str) -> dict[str, Any]:
    """The answer is the CLI's JSON with ``model_version`` as its last key: the same keys and
    values in the same order, the same text but for that one line; and the headers name the
    same version."""
    doc = body_of(response)
    version = served.version()
    assert list(doc)[-1] == "model_version"
    assert doc.pop("model_version") == version
    assert list(doc.items()) == list(json.loads(cli_stdout).items())
    assert response.text == cli_stdout[:-3] + f',\n  "model_version": {version}\n}}\n'
    assert response.headers["etag"] == f'"{version}"'
    assert response.headers["impactgraph-model-version"] == str(version)
    return doc


def same_deps_as_cli(served: Served, response: Any, cli_stdout: str) -> dict[str, Any]:
    """:func:`same_as_cli` for ``deps``. The API walks the snapshot's graph on every backend;
    the CLI asks a Neo4j store itself, which lists the same components at the same depths
    but orders those of one depth by id (the stores' contract, tests/contract): there the
    order within a depth is not compared."""
    if not served.url.startswith("neo4j"):
        return same_as_cli(served, response, cli_stdout)
    doc = body_of(response)
    version = served.version()
    assert list(doc)[-1] == "model_version" and doc.pop("model_version") == version
    expected = json.loads(cli_stdout)
    assert list(doc) == list(expected)

    def by_depth(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return sorted(rows, key=lambda r: (r["depth"], r["id"]))

    assert [r["depth"] for r in doc["components"]] == sorted(r["depth"] for r in doc["components"])
    assert by_depth(doc["components"]) == by_depth(expected.pop("components"))
    assert {k: v for k, v in doc.items() if k != "components"} == expected
    assert response.headers["etag"] == f'"{version}"'
    return doc


def timelines(doc: dict[str, Any]) -> dict[str, list[tuple[str, int, int | None]]]:
    return {
        cid: [(iv["state"], iv["from"], iv["to"]) for iv in ivs]
        for cid, ivs in doc["timelines"].items()
    }


def problem(response: Any, status: int, kind: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    doc = json.loads(response.text)
    assert doc["status"] == status
    assert doc["type"].endswith("/" + kind), doc
    assert isinstance(doc, dict)
    return doc


def path_of(component_id: str, question: str) -> str:
    return f"/v1/components/{quote(component_id, safe='')}/{question}"


# ---- the SPEC worked example ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("failure", "cli_fail", "expected"),
    [
        ({"target": "dc1"}, "dc1", SPEC_DC1_FOREVER),
        ({"target": "dc1", "at": 0, "duration": "3h"}, "dc1+3h", SPEC_DC1_3H),
        ({"target": "dc1", "duration": H3}, "dc1+3h", SPEC_DC1_3H),
        ({"target": "dc1", "duration": "PT3H", "at": "0s"}, "dc1@0+3h", SPEC_DC1_3H),
    ],
)
def test_spec_worked_example_impact(
    spec: Served, failure: dict[str, Any], cli_fail: str, expected: dict[str, Any]
) -> None:
    response = spec.client.post("/v1/impact", json={"failures": [failure]})
    doc = same_as_cli(spec, response, spec.cli("impact", "--fail", cli_fail, "--format", "json"))
    assert timelines(doc) == expected
    assert "dc2" not in doc["timelines"] and "host2" not in doc["timelines"]


def test_impact_body_reads_as_a_scenario_file(spec: Served, tmp_path: Path) -> None:
    scenario = {
        "name": "primary data centre lost",
        "description": "not used",
        "failures": [{"target": "dc1", "duration": "3h"}, {"target": "kind:supplier"}],
        "horizon": "12h",
    }
    scenario["failures"] = scenario["failures"][:1]  # the example has no supplier
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(scenario), encoding="utf-8")
    response = spec.client.post("/v1/impact", json=scenario)
    doc = same_as_cli(
        spec, response, spec.cli("impact", "--scenario", str(path), "--format", "json")
    )
    assert doc["scenario"]["name"] == "primary data centre lost"
    assert doc["scenario"]["horizon"] == 12 * 3600
    assert timelines(doc) == SPEC_DC1_3H


def test_impact_at_a_moment_is_the_snapshot(spec: Served) -> None:
    response = spec.client.post("/v1/impact", json={"failures": [{"target": "dc1"}], "at": "1h"})
    doc = same_as_cli(
        spec, response, spec.cli("impact", "--fail", "dc1", "--at", "1h", "--format", "json")
    )
    assert doc["at"] == 3600
    states = {c["id"]: c["state"] for c in doc["components"]}
    assert states["card-payments"] == "DEGRADED" and states["dc1"] == "DOWN"
    assert "reporting" not in states  # DOWN only from 4h
    seconds = spec.client.post("/v1/impact", json={"failures": [{"target": "dc1"}], "at": 3600})
    assert seconds.text == response.text


@pytest.mark.parametrize(
    ("teams", "cli_teams"),
    [(None, None), (1, "1"), ("2", "2"), ({"dba": 1, "*": 1}, "dba=1,*=1"), ("dba=1", "dba=1")],
)
def test_spec_worked_example_recovery_plan(spec: Served, teams: Any, cli_teams: str | None) -> None:
    body: dict[str, Any] = {"failures": [{"target": "dc1"}]}
    if teams is not None:
        body["teams"] = teams
    args = ["recover", "--fail", "dc1", "--format", "json"]
    if cli_teams is not None:
        args += ["--teams", cli_teams]
    doc = same_as_cli(spec, spec.client.post("/v1/recovery-plan", json=body), spec.cli(*args))
    # SPEC §4: a step for every component DOWN until ∞; none for the group or DEGRADED ones
    stepped = {s["component"] for s in doc["steps"]}
    down_until_recovered = {
        "dc1",
        "san1",
        "host1",
        "db-primary",
        "fraud-svc",
        "settlement-batch",
        "reporting",
    }
    assert stepped == down_until_recovered
    assert {s["component"]: s["action"] for s in doc["steps"]}["dc1"] == "restore"
    assert {b["id"] for b in doc["business_services"]} == {"card-payments", "reporting"}
    assert list(doc) == ["steps", "business_services", "totals", "warnings"]


def test_recovery_plan_of_a_failure_that_ends_has_no_steps(spec: Served) -> None:
    body = {"failures": [{"target": "dc1", "duration": "3h"}], "horizon": "1d"}
    doc = same_as_cli(
        spec,
        spec.client.post("/v1/recovery-plan", json=body),
        spec.cli("recover", "--fail", "dc1+3h", "--horizon", "1d", "--format", "json"),
    )
    assert doc["steps"] == []


# ---- questions on examples/estate.yaml -------------------------------------------------------


@pytest.mark.parametrize(
    ("component", "query", "fail"),
    [
        ("dc-london", {}, "dc-london"),
        ("okta-idp", {"at": "1h", "duration": "90m"}, "okta-idp@1h+90m"),
        ("core-banking-db", {"at": "3600", "duration": "inf"}, "core-banking-db@1h"),
        ("san-london", {"duration": "PT2H"}, "san-london+2h"),
        ("hr-services", {}, "hr-services"),
    ],
)
def test_blast_radius_is_the_cli_impact(
    estate: Served, component: str, query: dict[str, str], fail: str
) -> None:
    response = estate.client.get(path_of(component, "blast-radius"), params=query)
    doc = same_as_cli(estate, response, estate.cli("impact", "--fail", fail, "--format", "json"))
    assert doc["timelines"][component][0]["cause"] == {"via": None, "rule": "failed"}


def test_blast_radius_depth_keeps_what_is_near_and_counts_it(estate: Served) -> None:
    whole = body_of(estate.client.get(path_of("dc-london", "blast-radius")))
    graph = Graph.from_model(load_model_file(ESTATE))
    for depth in (1, 2, 3):
        doc = body_of(
            estate.client.get(path_of("dc-london", "blast-radius"), params={"depth": depth})
        )
        near = {"dc-london"} | {c for c, _ in dependents(graph, "dc-london", depth)}
        assert set(doc["timelines"]) == set(whole["timelines"]) & near
        assert doc["timelines"] == {c: whole["timelines"][c] for c in doc["timelines"]}
        downs = [c for c, ivs in doc["timelines"].items() if any(i["state"] == "DOWN" for i in ivs)]
        assert doc["summary"]["down"] == len(downs)
        assert doc["scenario"] == whole["scenario"]
        assert doc["model_version"] == whole["model_version"]
    far = body_of(estate.client.get(path_of("dc-london", "blast-radius"), params={"depth": 10**6}))
    assert far == whole


@pytest.mark.parametrize(
    ("component", "query", "options"),
    [
        ("dc-london", {}, []),
        ("dc-london", {"depth": "2"}, ["--depth", "2"]),
        (
            "dc-london",
            {"types": "located_at,runs_on"},
            ["--type", "located_at", "--type", "runs_on"],
        ),
        (
            "dc-london",
            {"types": ["located_at", "runs_on"]},
            ["--type", "runs_on", "--type", "located_at"],
        ),
        ("core-banking-db", {"strength": "hard"}, ["--strength", "hard"]),
        ("okta-idp", {"strength": "soft", "depth": "1"}, ["--strength", "soft", "--depth", "1"]),
        ("core-banking-db", {"types": "member"}, ["--type", "member"]),
    ],
)
def test_dependents_are_deps_up(
    estate: Served, component: str, query: dict[str, Any], options: list[str]
) -> None:
    response = estate.client.get(path_of(component, "dependents"), params=query)
    doc = same_deps_as_cli(
        estate, response, estate.cli("deps", component, "--up", *options, "--format", "json")
    )
    assert doc["direction"] == "up"


@pytest.mark.parametrize(
    ("component", "query", "options"),
    [
        ("card-payments", {}, []),
        ("card-payments", {"depth": "1"}, ["--depth", "1"]),
        (
            "online-banking",
            {"types": "depends_on,member", "strength": "hard"},
            ["--type", "depends_on", "--type", "member", "--strength", "hard"],
        ),
        ("payments-db", {"types": "member"}, ["--type", "member"]),
    ],
)
def test_dependencies_are_deps_down(
    estate: Served, component: str, query: dict[str, Any], options: list[str]
) -> None:
    response = estate.client.get(path_of(component, "dependencies"), params=query)
    doc = same_deps_as_cli(
        estate, response, estate.cli("deps", component, "--down", *options, "--format", "json")
    )
    assert doc["direction"] == "down"
    assert doc["components"]


@pytest.mark.parametrize(
    ("component", "fails", "at"),
    [
        ("card-payments", ["dc-london"], None),
        ("card-payments", ["dc-london"], "2h"),
        ("online-banking", ["okta-idp@1h+2h", "kind:site"], None),
        ("regulatory-reporting", ["dc-london"], None),
    ],
)
def test_explain_is_the_cli_chain(
    estate: Served, component: str, fails: list[str], at: str | None
) -> None:
    query: dict[str, Any] = {"fail": fails}
    options = [a for f in fails for a in ("--fail", f)]
    if at is not None:
        query["at"] = at
        options += ["--at", at]
    response = estate.client.get(path_of(component, "explain"), params=query)
    chain = json.loads(estate.cli("explain", *options, "-c", component, "--format", "json"))
    cli_text = to_json({"chain": chain})
    doc = same_as_cli(estate, response, cli_text)
    assert doc["chain"] == chain
    assert doc["chain"][0]["component"] == component
    assert doc["chain"][-1]["rule"] == "failed"


def test_checks_are_the_cli_findings(estate: Served) -> None:
    out = estate.cli("check", "--format", "json", code=3)  # the example estate has findings
    doc = same_as_cli(estate, estate.client.get("/v1/checks"), out)
    assert doc["findings"] and list(doc) == ["findings", "warnings"]


def test_the_version_moves_with_a_write_and_answers_follow(estate: Served) -> None:
    before = estate.client.get(path_of("dc-london", "blast-radius"))
    version = estate.version()
    assert before.headers["etag"] == f'"{version}"'
    assert json.loads(before.text)["model_version"] == version
    again = estate.client.get(path_of("dc-london", "blast-radius"))
    assert again.text == before.text and again.headers["etag"] == before.headers["etag"]

    estate.store.upsert_components([Component(id="new-app", kind=Kind.SERVICE)])
    estate.store.upsert_dependencies(
        [Dependency(source="new-app", target="dc-london", type="located_at")]
    )
    after = estate.client.get(path_of("dc-london", "blast-radius"))
    moved = estate.version()
    assert moved != version
    assert after.headers["etag"] == f'"{moved}"'
    assert after.headers["impactgraph-model-version"] == str(moved)
    doc = same_as_cli(
        estate, after, estate.cli("impact", "--fail", "dc-london", "--format", "json")
    )
    assert "new-app" in doc["timelines"] and "new-app" not in json.loads(before.text)["timelines"]
    for route in ("dependents", "dependencies", "explain?fail=dc-london"):
        r = estate.client.get(
            path_of("dc-london", route.split("?")[0]) + route[len(route.split("?")[0]) :]
        )
        assert r.headers["etag"] == f'"{moved}"', route
    assert estate.client.get("/v1/checks").headers["etag"] == f'"{moved}"'

    estate.store.load(load_model_file(SPEC_EXAMPLE))  # the whole model replaced
    loaded = estate.version()
    assert loaded not in (version, moved)
    problem(estate.client.get(path_of("dc-london", "blast-radius")), 404, "unknown-component")
    spec_answer = estate.client.post("/v1/impact", json={"failures": [{"target": "dc1"}]})
    assert json.loads(spec_answer.text)["model_version"] == loaded
    assert timelines(json.loads(spec_answer.text)) == SPEC_DC1_FOREVER


# ---- ids of any form --------------------------------------------------------------------------


@pytest.mark.parametrize("component", ODD_IDS)
def test_ids_with_slashes_colons_spaces_and_unicode(odd: Served, component: str) -> None:
    url = path_of(component, "blast-radius")
    same_as_cli(
        odd,
        odd.client.get(url, params={"duration": "2h"}),
        odd.cli("impact", "--fail", failure_spec(component) + "+2h", "--format", "json"),
    )
    for direction, flag in (("dependents", "--up"), ("dependencies", "--down")):
        doc = same_deps_as_cli(
            odd,
            odd.client.get(path_of(component, direction)),
            odd.cli("deps", component, flag, "--format", "json"),
        )
        assert doc["component"] == component
    chain = json.loads(
        odd.cli("explain", "--fail", failure_spec(ODD_IDS[0]), "-c", component, "--format", "json")
    )
    response = odd.client.get(
        path_of(component, "explain"), params={"fail": failure_spec(ODD_IDS[0])}
    )
    assert body_of(response)["chain"] == chain


def test_an_odd_id_in_a_body_is_named_exactly(odd: Served) -> None:
    target = "id:" + ODD_IDS[3]
    doc = body_of(odd.client.post("/v1/impact", json={"failures": [{"target": target}]}))
    assert doc["scenario"]["failures"] == [{"id": ODD_IDS[3], "at": 0, "duration": None}]
    assert set(doc["timelines"]) == set(ODD_IDS[3:])


# ---- bad input: problems naming what is wrong -----------------------------------------------


def test_unknown_component_is_404(estate: Served) -> None:
    for route in ("blast-radius", "dependents", "dependencies"):
        doc = problem(estate.client.get(path_of("dc-nowhere/x", route)), 404, "unknown-component")
        assert doc["component"] == "dc-nowhere/x"
        assert "dc-nowhere/x" in doc["detail"]
    doc = problem(
        estate.client.get(path_of("dc-nowhere", "explain"), params={"fail": "dc-london"}),
        404,
        "unknown-component",
    )
    assert doc["component"] == "dc-nowhere"


@pytest.mark.parametrize(
    ("body", "kind", "names"),
    [
        ({"failures": []}, "invalid-scenario", "'failures' must be a non-empty list"),
        ({}, "invalid-request", "failures"),
        (
            {"failures": [{"target": "dc-london", "duration": "3x"}]},
            "invalid-scenario",
            "body: failures[0]: field 'duration': cannot read duration '3x'",
        ),
        (
            {"failures": [{"target": "dc-london", "at": "-1h"}]},
            "invalid-scenario",
            "failures[0]: field 'at': negative duration",
        ),
        ({"failures": [{"target": "dc-london", "at": -5}]}, "invalid-request", "failures.0.at"),
        ({"failures": [{"target": "dc-london", "at": 1.5}]}, "invalid-request", "failures.0.at"),
        (
            {"failures": [{"target": "dc-london", "duration": "101y"}]},
            "invalid-scenario",
            "field 'duration'",
        ),
        (
            {"failures": [{"target": "dc-london", "duration": 4_000_000_000}]},
            "invalid-request",
            "longer than the maximum",
        ),
        (
            {"failures": [{"target": "dc-london"}], "horizon": "soon"},
            "invalid-scenario",
            "field 'horizon'",
        ),
        (
            {"failures": [{"target": "dc-london", "when": "1h"}]},
            "invalid-request",
            "failures.0.when",
        ),
        ({"failures": [{"target": "dc-london"}], "extra": 1}, "invalid-request", "extra"),
        ({"failures": [{"duration": "1h"}]}, "invalid-request", "failures.0.target"),
        ({"failures": [{"target": "kind:nope"}]}, "invalid-scenario", "no kind 'nope'"),
        (
            {"failures": [{"target": "tag:no-such-tag"}]},
            "invalid-scenario",
            "selector 'tag:no-such-tag' matches no component",
        ),
        ({"failures": [{"target": "site:atlantis"}]}, "invalid-scenario", "'atlantis'"),
        (
            {"failures": [{"target": "dc-nowhere"}]},
            "invalid-scenario",
            "unknown component 'dc-nowhere'",
        ),
        (
            {"failures": [{"target": "dc-london"}], "at": "later"},
            "invalid-scenario",
            "body: field 'at'",
        ),
    ],
)
def test_bad_scenarios_are_422_naming_the_field(
    estate: Served, body: dict[str, Any], kind: str, names: str
) -> None:
    for route in ("/v1/impact", "/v1/recovery-plan"):
        if route == "/v1/recovery-plan" and "at" in body:
            continue  # a plan has no moment: 'at' is an unknown field there
        doc = problem(estate.client.post(route, json=body), 422, kind)
        text = doc["detail"] + json.dumps(doc.get("errors", []))
        assert names in text, doc


def test_too_many_failures_is_422(estate: Served) -> None:
    body = {"failures": [{"target": "dc-london"}] * (MAX_FAILURES + 1)}
    doc = problem(estate.client.post("/v1/impact", json=body), 422, "invalid-request")
    assert doc["errors"][0]["field"] == "failures"


@pytest.mark.parametrize(
    ("teams", "kind", "names"),
    [
        (0, "invalid-request", "teams"),
        (True, "invalid-request", "teams"),
        ({"dba": 0}, "invalid-request", "teams"),
        ({"dba": "two"}, "invalid-request", "teams"),
        ("dba=two", "invalid-capacity", "field 'teams'"),
        ("dba=1,dba=2", "invalid-capacity", "given twice"),
        ([1], "invalid-request", "teams"),
    ],
)
def test_bad_teams_are_422(estate: Served, teams: Any, kind: str, names: str) -> None:
    body = {"failures": [{"target": "dc-london"}], "teams": teams}
    doc = problem(estate.client.post("/v1/recovery-plan", json=body), 422, kind)
    assert names in doc["detail"]


@pytest.mark.parametrize(
    ("route", "query", "kind", "names"),
    [
        ("blast-radius", {"at": "soon"}, "bad-query", "query parameter 'at'"),
        ("blast-radius", {"duration": "-3h"}, "bad-query", "query parameter 'duration'"),
        ("blast-radius", {"duration": "99999999999"}, "bad-query", "query parameter 'duration'"),
        ("blast-radius", {"at": "inf"}, "bad-query", "query parameter 'at'"),
        ("blast-radius", {"depth": "0"}, "invalid-request", "query.depth"),
        ("blast-radius", {"depth": "x"}, "invalid-request", "query.depth"),
        ("dependents", {"depth": "0"}, "invalid-request", "query.depth"),
        ("dependents", {"depth": str(10**8)}, "invalid-request", "query.depth"),
        ("dependents", {"types": "nope"}, "bad-query", "unknown dependency type(s) nope"),
        ("dependencies", {"strength": "medium"}, "invalid-request", "query.strength"),
        ("explain", {}, "invalid-scenario", "'fail'"),
        ("explain", {"fail": "dc-london@"}, "invalid-scenario", "query parameter 'fail'"),
        ("explain", {"fail": "kind:nope"}, "invalid-scenario", "no kind 'nope'"),
        ("explain", {"fail": "dc-nowhere"}, "invalid-scenario", "unknown component 'dc-nowhere'"),
        ("explain", {"fail": "dc-london", "at": "1w2"}, "bad-query", "query parameter 'at'"),
        ("explain", {"fail": "okta-idp"}, "bad-query", "stays UP"),
    ],
)
def test_bad_query_parameters_are_422_naming_them(
    estate: Served, route: str, query: dict[str, str], kind: str, names: str
) -> None:
    response = estate.client.get(path_of("card-payments", route), params=query)
    doc = problem(response, 422, kind)
    text = doc["detail"] + json.dumps(doc.get("errors", []))
    assert names in text, doc


def test_every_question_needs_a_key(estate: Served) -> None:
    anonymous = TestClient(estate.client.app)
    asks = [
        ("post", "/v1/impact", {"failures": [{"target": "dc-london"}]}),
        ("post", "/v1/recovery-plan", {"failures": [{"target": "dc-london"}]}),
        ("get", path_of("dc-london", "blast-radius"), None),
        ("get", path_of("dc-london", "dependents"), None),
        ("get", path_of("dc-london", "dependencies"), None),
        ("get", path_of("card-payments", "explain") + "?fail=dc-london", None),
        ("get", "/v1/checks", None),
    ]
    for method, url, body in asks:
        response = anonymous.request(method, url, json=body)
        problem(response, 401, "unauthenticated")


def test_openapi_documents_answers_and_problems(estate: Served) -> None:
    spec = estate.client.get("/openapi.json").json()
    paths = spec["paths"]
    for path, method, statuses in (
        ("/v1/impact", "post", {"200", "401", "403", "422"}),
        ("/v1/recovery-plan", "post", {"200", "401", "403", "422"}),
        ("/v1/components/{component_id}/blast-radius", "get", {"200", "404", "422"}),
        ("/v1/components/{component_id}/dependents", "get", {"200", "404", "422"}),
        ("/v1/components/{component_id}/dependencies", "get", {"200", "404", "422"}),
        ("/v1/components/{component_id}/explain", "get", {"200", "404", "422"}),
        ("/v1/checks", "get", {"200", "401"}),
    ):
        operation = paths[path][method]
        assert statuses <= set(operation["responses"]), path
        assert operation["responses"]["200"]["content"]["application/json"]["schema"], path
    schemas = spec["components"]["schemas"]
    assert schemas["ImpactIn"]["additionalProperties"] is False
    assert schemas["FailureIn"]["additionalProperties"] is False
    assert schemas["RecoveryPlanIn"]["additionalProperties"] is False
    assert "model_version" in schemas["ImpactAnswer"]["required"]


# ---- the answer functions --------------------------------------------------------------------


def test_with_version_adds_the_last_key() -> None:
    text = to_json({"a": [1, 2], "b": {"c": None}})
    out = with_version(text, 12).decode()
    assert json.loads(out) == {"a": [1, 2], "b": {"c": None}, "model_version": 12}
    assert out.startswith(text[:-3]) and out.endswith('"model_version": 12\n}\n')


def test_seconds_and_types_parameters() -> None:
    assert seconds_param("at", None) is None
    assert seconds_param("at", "0") == 0
    assert seconds_param("at", " 90m ") == 5400
    assert seconds_param("d", "∞", infinite=True) is None
    assert seconds_param("at", str(100 * 365 * 86400)) == 100 * 365 * 86400
    for bad in ("", "-1", "1.5.2", "inf", str(100 * 365 * 86400 + 1), "٣"):
        with pytest.raises(QueryError, match="query parameter 'at'"):
            seconds_param("at", bad)
    assert types_param(["runs_on,located_at", "runs_on", " ,member"]) == (
        "located_at",
        "member",
        "runs_on",
    )


def test_blast_radius_function_matches_its_depth_walk() -> None:
    graph = Graph.from_model(load_model_file(SPEC_EXAMPLE))
    whole = blast_radius(graph, "dc1")
    assert whole.as_dict()["timelines"].keys() == SPEC_DC1_FOREVER.keys()
    near = blast_radius(graph, "dc1", depth=2)
    assert set(near.timelines) == {
        "dc1",
        "san1",
        "host1",
        "db-primary",
        "fraud-svc",
        "settlement-batch",
    }
    assert near.summary.down == 6 and near.summary.degraded == 0
    assert near.summary.business_services == []
    later = blast_radius(graph, "dc1", at=3600, duration=H3, depth=1)
    assert later.timelines["dc1"][0].start == 3600 and later.timelines["dc1"][0].end == 3600 + H3
