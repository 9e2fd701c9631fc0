"""The picture routes (``/v1/diagrams/…``), the runbook and the search: every route in every
format as its OpenAPI document declares it, answers kept per model version, problems for bad
input, SVG that is well-formed XML with each component's id on its node, hostile ids escaped.

Pictures are compared with the diagram library's own, drawn in-process on the same model: the
route must add nothing and lose nothing.
"""

from __future__ import annotations

import json
import typing
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from impactgraph.api import Settings, create_app
from impactgraph.api import diagrams as diagram_routes
from impactgraph.apikeys import create_key
from impactgraph.engine.plan import Capacity, plan
from impactgraph.engine.propagate import propagate
from impactgraph.engine.scenario import Scenario, parse_failure
from impactgraph.graph import Graph
from impactgraph.model import Component, Dependency, Kind, Model
from impactgraph.modelfile import parse_model_text
from impactgraph.render.diagrams import (
    COLLAPSE_CHOICES,
    MEDIA_TYPES,
    DiagramOptions,
    draw,
)
from impactgraph.render.diagrams import (
    FORMATS as LIBRARY_FORMATS,
)
from impactgraph.render.runbook import plan_markdown
from impactgraph.store import Store, open_store

from .conftest import SPEC_DOCUMENT

Auth = dict[str, dict[str, str]]
SVG = "{http://www.w3.org/2000/svg}"
PROBLEM = "application/problem+json"

#: every picture route, with the query that makes it draw the SPEC example's dc1 failing
PICTURES: dict[str, dict[str, Any]] = {
    "/v1/diagrams/estate": {},
    "/v1/diagrams/component/payments-api": {"depth": 1},
    "/v1/diagrams/impact": {"fail": "dc1"},
    "/v1/diagrams/timeline": {"fail": "dc1"},
    "/v1/diagrams/recovery": {"fail": "dc1", "teams": "2"},
    "/v1/diagrams/schedule": {"fail": "dc1", "teams": "2"},
}
FORMATS = ("svg", "png", "pdf", "dot", "mermaid", "json")
#: what each format's body starts with (or holds)
LOOKS = {
    "svg": lambda b: b.lstrip().startswith(b"<?xml") and b"<svg" in b,
    "png": lambda b: b.startswith(b"\x89PNG\r\n\x1a\n"),
    "pdf": lambda b: b.startswith(b"%PDF-"),
    "dot": lambda b: b.startswith(b"digraph impactgraph {"),
    "mermaid": lambda b: b"flowchart" in b or b"gantt" in b,
    "json": lambda b: set(json.loads(b)) >= {"kind", "svg", "shown", "model_version"},
}


def spec_graph(store: Store) -> Graph:
    """The graph the server draws from: the model as the store reads it back."""
    return Graph.from_model(store.read())


def nodes(svg: str | bytes) -> dict[str, ET.Element]:
    """The SVG's node groups by their id (the XML parser decodes the entities)."""
    root = ET.fromstring(svg)
    return {
        g.attrib["id"]: g
        for g in root.iter(SVG + "g")
        if g.attrib.get("class") == "node" and "id" in g.attrib
    }


def assert_inert(svg: str | bytes) -> None:
    """No element that runs script and no event-handler attribute anywhere."""
    for element in ET.fromstring(svg).iter():
        assert element.tag.rsplit("}", 1)[-1] not in ("script", "foreignObject", "iframe")
        assert not any(name.lower().startswith("on") for name in element.attrib), element.attrib


@pytest.fixture
def spec_store(tmp_path: Path) -> Iterator[Store]:
    store = open_store(f"sqlite:///{tmp_path / 'diagrams.db'}")
    store.load(parse_model_text(json.dumps(SPEC_DOCUMENT), "spec", "json"))
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def spec_app(spec_store: Store) -> FastAPI:
    return create_app(Settings(key_cache_seconds=0), store=spec_store)


@pytest.fixture
def reader(spec_store: Store) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_key(spec_store, 'reader')[0]}"}


@pytest.fixture
def api(spec_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(spec_app) as c:
        yield c


# ---- every route, every format ---------------------------------------------------------------


def test_the_routes_take_the_librarys_formats_and_choices() -> None:
    assert set(typing.get_args(diagram_routes.Format)) == {*LIBRARY_FORMATS, "json"}
    assert set(FORMATS) == {*LIBRARY_FORMATS, "json"}
    collapse = typing.get_args(typing.get_args(diagram_routes.Collapse)[0])
    assert set(collapse) == set(COLLAPSE_CHOICES)


@pytest.mark.parametrize("path", PICTURES)
def test_every_picture_in_every_format_as_declared(
    spec_app: FastAPI, reader: dict[str, str], path: str
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        schema = schemathesis.openapi.from_asgi("/openapi.json", spec_app)
    template = path.replace("payments-api", "{component_id}")
    operation = schema[template]["GET"]
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]
    for fmt in FORMATS:
        query = {**PICTURES[path], "format": fmt}
        params = {"component_id": "payments-api"} if "{" in template else None
        case = operation.Case(query=query, path_parameters=params)
        response = case.call_and_validate(headers=reader, checks=checks)
        assert response.status_code == 200, (fmt, response.text)
        media = MEDIA_TYPES.get(fmt, "application/json")
        assert response.headers["content-type"] == [media]
        assert response.headers["etag"] == ['"1"']
        assert response.headers["impactgraph-model-version"] == ["1"]
        assert LOOKS[fmt](response.content), (fmt, response.content[:80])


def test_pictures_are_the_librarys(
    api: TestClient, reader: dict[str, str], spec_store: Store
) -> None:
    graph = spec_graph(spec_store)
    impact = propagate(graph, Scenario(failures=(parse_failure("dc1@1h+3h"),)))
    recovery = plan(graph, impact, Capacity(total=2))
    expected = {
        "/v1/diagrams/estate": draw("estate", graph, DiagramOptions()),
        "/v1/diagrams/component/payments-api?depth=1": draw(
            "estate", graph, DiagramOptions(focus="payments-api", depth=1)
        ),
        "/v1/diagrams/impact?fail=dc1@1h%2B3h&context=0": draw(
            "impact", graph, DiagramOptions(context=0), impact
        ),
        "/v1/diagrams/timeline?fail=dc1@1h%2B3h&components=true": draw(
            "timeline", graph, DiagramOptions(components=True), impact
        ),
        "/v1/diagrams/recovery?fail=dc1@1h%2B3h&teams=2": draw(
            "recovery", graph, DiagramOptions(), impact, recovery
        ),
        "/v1/diagrams/schedule?fail=dc1@1h%2B3h&teams=2&max_nodes=3&collapse=kind": draw(
            "schedule", graph, DiagramOptions(max_nodes=3, collapse="kind"), impact, recovery
        ),
    }
    for url, diagram in expected.items():
        dot = api.get(url + ("&" if "?" in url else "?") + "format=dot", headers=reader)
        assert dot.text == diagram.dot + "\n", url
        answer = api.get(url + ("&" if "?" in url else "?") + "format=json", headers=reader).json()
        assert answer["kind"] == diagram.kind
        assert answer["shown"] == sorted(diagram.shown)
        assert answer["notes"] == list(diagram.notes)
        assert answer["collapsed"] == {k: list(v) for k, v in diagram.collapsed.items()}
        assert answer["model_version"] == 1


def test_svg_is_well_formed_with_each_component_on_its_node(
    api: TestClient, reader: dict[str, str]
) -> None:
    answer = api.get("/v1/diagrams/impact?fail=dc1&format=json", headers=reader).json()
    drawn = nodes(answer["svg"])
    assert set(answer["shown"]) <= set(drawn)
    assert {"dc1", "host1", "payments-api", "card-payments", "reporting"} <= set(answer["shown"])
    assert_inert(answer["svg"])
    svg = api.get("/v1/diagrams/impact?fail=dc1", headers=reader)
    assert svg.content.decode() == answer["svg"]


def test_estate_and_component_take_failures_to_colour_by(
    api: TestClient, reader: dict[str, str], spec_store: Store
) -> None:
    plain = api.get("/v1/diagrams/component/host1?format=dot", headers=reader).text
    coloured = api.get("/v1/diagrams/component/host1?format=dot&fail=dc1", headers=reader).text
    assert plain != coloured
    graph = spec_graph(spec_store)
    impact = propagate(graph, Scenario(failures=(parse_failure("dc1"),)))
    assert coloured == draw("estate", graph, DiagramOptions(focus="host1"), impact).dot + "\n"


def test_collapsed_past_max_nodes(api: TestClient, reader: dict[str, str]) -> None:
    answer = api.get(
        "/v1/diagrams/estate?format=json&max_nodes=3&collapse=site", headers=reader
    ).json()
    assert answer["collapsed"] and answer["notes"]
    assert any("collapsed" in note for note in answer["notes"])
    held = {cid for ids in answer["collapsed"].values() for cid in ids}
    assert held | set(answer["shown"]) == {c["id"] for c in SPEC_DOCUMENT["components"]}


# ---- kept per version ------------------------------------------------------------------------


def test_answers_are_kept_per_model_version(
    api: TestClient, reader: dict[str, str], spec_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[str] = []
    real = diagram_routes.draw

    def counting(kind: str, *args: Any, **kwargs: Any) -> Any:
        drawn.append(kind)
        return real(kind, *args, **kwargs)

    monkeypatch.setattr(diagram_routes, "draw", counting)
    first = api.get("/v1/diagrams/estate?format=json", headers=reader)
    again = api.get("/v1/diagrams/estate?format=json", headers=reader)
    assert first.content == again.content and drawn == ["estate"]
    api.get("/v1/diagrams/estate?format=svg", headers=reader)  # another format: another answer
    api.get("/v1/diagrams/estate?format=json&max_nodes=5", headers=reader)  # other options
    assert drawn == ["estate"] * 3

    editor = {"Authorization": f"Bearer {create_key(spec_store, 'editor')[0]}"}
    made = api.post("/v1/components", json={"id": "dc3", "kind": "site"}, headers=editor)
    assert made.status_code == 201
    moved = api.get("/v1/diagrams/estate?format=json", headers=reader)
    assert moved.headers["ETag"] == '"2"' and moved.json()["model_version"] == 2
    assert "dc3" in moved.json()["shown"] and "dc3" not in first.json()["shown"]
    assert drawn == ["estate"] * 4


# ---- the runbook and the search --------------------------------------------------------------


def test_runbook_is_recover_format_markdown(
    api: TestClient, reader: dict[str, str], spec_store: Store
) -> None:
    r = api.get("/v1/runbook", params={"fail": ["dc1"], "teams": "dba=1,*=1"}, headers=reader)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/markdown; charset=utf-8"
    assert r.headers["ETag"] == '"1"'
    graph = spec_graph(spec_store)
    recovery = plan(
        graph,
        propagate(graph, Scenario(failures=(parse_failure("dc1"),))),
        Capacity.parse("dba=1,*=1"),
    )
    assert r.text == plan_markdown(recovery, "Recovery runbook: dc1 lost") + "\n"
    assert r.text.startswith("# Recovery runbook: dc1 lost")


@pytest.mark.parametrize(
    ("q", "first", "matched"),
    [
        ("host1", "host1", "id"),  # exact id before host1… prefixes
        ("HOST", "host1", "id"),  # case-insensitive
        ("cluster", "db-cluster", "id"),
        ("payments", "payments-api", "id"),  # a prefix before card-payments
    ],
)
def test_search_by_id(
    api: TestClient, reader: dict[str, str], q: str, first: str, matched: str
) -> None:
    r = api.get("/v1/search", params={"q": q}, headers=reader)
    assert r.status_code == 200 and r.headers["ETag"] == '"1"'
    items = r.json()["items"]
    assert items[0]["id"] == first and items[0]["matched"] == matched
    assert r.json()["model_version"] == 1


def test_search_by_name_and_tag(tmp_path: Path) -> None:
    model = Model.build(
        [
            Component(id="a1", kind=Kind.SERVICE, name="Card Gateway", tags=("pci", "tier1")),
            Component(id="b2", kind=Kind.SERVICE, name="Ledger", tags=("pci-scope",)),
            Component(id="pci", kind=Kind.SITE),
        ],
        [Dependency(source="a1", target="pci")],
    )
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:
        store.load(model)
        key = {"X-API-Key": create_key(store, "reader")[0]}
        with TestClient(create_app(Settings(), store=store)) as c:
            hits = c.get("/v1/search?q=pci", headers=key).json()["items"]
            assert [(h["id"], h["matched"]) for h in hits] == [
                ("pci", "id"),
                ("a1", "tag"),
                ("b2", "tag"),
            ]
            gateway = c.get("/v1/search?q=gateway", headers=key).json()["items"]
            assert [(h["id"], h["name"], h["matched"]) for h in gateway] == [
                ("a1", "Card Gateway", "name")
            ]
            assert c.get("/v1/search?q=pci&limit=1", headers=key).json()["items"][0]["id"] == "pci"
            assert c.get("/v1/search?q=nothing", headers=key).json()["items"] == []


# ---- problems --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "status", "problem"),
    [
        ("/v1/diagrams/impact", 422, "invalid-scenario"),  # no failures
        ("/v1/diagrams/timeline?fail=", 422, "invalid-scenario"),
        ("/v1/diagrams/impact?fail=nowhere", 422, "invalid-scenario"),  # unknown id
        ("/v1/diagrams/impact?fail=kind:nonsense", 422, "invalid-scenario"),
        ("/v1/diagrams/impact?fail=dc1@soon", 422, "invalid-scenario"),
        ("/v1/diagrams/impact?fail=dc1&horizon=later", 422, "bad-query"),
        ("/v1/diagrams/impact?fail=dc1&format=gif", 422, "invalid-request"),
        ("/v1/diagrams/impact?fail=dc1&context=-1", 422, "invalid-request"),
        ("/v1/diagrams/estate?max_nodes=0", 422, "invalid-request"),
        ("/v1/diagrams/estate?max_nodes=100000", 422, "invalid-request"),
        ("/v1/diagrams/estate?collapse=tier", 422, "invalid-request"),
        ("/v1/diagrams/estate?fail=nowhere", 422, "invalid-scenario"),
        ("/v1/diagrams/recovery?fail=dc1&teams=dba", 422, "invalid-capacity"),
        ("/v1/diagrams/schedule?fail=dc1&teams=0", 422, "invalid-capacity"),
        ("/v1/diagrams/component/nowhere", 404, "unknown-component"),
        ("/v1/diagrams/component/host1?depth=0", 422, "invalid-request"),
        ("/v1/runbook?teams=2", 422, "invalid-scenario"),
        ("/v1/runbook?fail=dc1&teams=a=b", 422, "invalid-capacity"),
        ("/v1/search", 422, "invalid-request"),
        ("/v1/search?q=%20%20", 422, "invalid-request"),
        ("/v1/search?q=x&limit=1000", 422, "invalid-request"),
    ],
)
def test_bad_input_is_a_problem(
    api: TestClient, reader: dict[str, str], url: str, status: int, problem: str
) -> None:
    r = api.get(url, headers=reader)
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"] == PROBLEM
    assert r.json()["type"].endswith("/" + problem)


def test_failures_are_read_as_the_question_routes_read_them(
    api: TestClient, reader: dict[str, str]
) -> None:
    for spec in ("dc1@", 'id:"dc1', "dc1+3x", "", "nowhere"):
        picture = api.get("/v1/diagrams/impact", params={"fail": spec}, headers=reader).json()
        explain = api.get(
            "/v1/components/host1/explain", params={"fail": spec}, headers=reader
        ).json()
        assert picture["detail"] == explain["detail"], spec
        assert picture["type"] == explain["type"]


# ---- hostile ids -----------------------------------------------------------------------------

HOSTILE = (
    "<script>alert(1)</script>",
    '" onload="alert(1)',
    "a&amp;b <b>",
    "]]><!-- x -->",
    "back\\slash",
    "%percent",
    "ids/with/slashes",
    "javascript:alert(1)",
    "end",
)


@pytest.fixture
def hostile(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    comps = [Component(id="site", kind=Kind.SITE)]
    comps += [Component(id=cid, kind=Kind.SERVICE, name=f"<i>{cid}</i>") for cid in HOSTILE]
    comps.append(Component(id="biz", kind=Kind.BUSINESS_SERVICE, rto="1h", tier=1))
    deps = [Dependency(source=cid, target="site") for cid in HOSTILE]
    deps += [Dependency(source="biz", target=cid) for cid in HOSTILE]
    with open_store(f"sqlite:///{tmp_path / 'hostile.db'}") as store:
        store.load(Model.build(comps, deps))
        key = {"Authorization": f"Bearer {create_key(store, 'reader')[0]}"}
        with TestClient(create_app(Settings(), store=store)) as c:
            yield c, key


def test_hostile_ids_are_escaped(hostile: tuple[TestClient, dict[str, str]]) -> None:
    client, key = hostile
    urls = [
        "/v1/diagrams/estate?format=json",
        "/v1/diagrams/impact?format=json&fail=site",
        "/v1/diagrams/recovery?format=json&fail=site",
        "/v1/diagrams/timeline?format=json&fail=site&components=true",
    ]
    for url in urls:
        answer = client.get(url, headers=key).json()
        assert_inert(answer["svg"])
        drawn = nodes(answer["svg"])
        assert set(HOSTILE) <= set(answer["shown"]), url
        if "timeline" not in url:
            assert set(HOSTILE) <= set(drawn), url
        assert "<script>" not in answer["svg"] and "<i>" not in answer["svg"]
    for cid in HOSTILE:
        picture = client.get(
            f"/v1/diagrams/component/{quote(cid, safe='')}?format=svg", headers=key
        )
        assert picture.status_code == 200, (cid, picture.text)
        assert cid in nodes(picture.content)
        assert_inert(picture.content)
        mermaid = client.get(
            f"/v1/diagrams/component/{quote(cid, safe='')}?format=mermaid", headers=key
        ).text
        assert "<script>" not in mermaid and "<i>" not in mermaid
    failed = client.get(
        "/v1/diagrams/impact", params={"fail": 'id:"<script>alert(1)</script>"'}, headers=key
    )
    assert failed.status_code == 200
    assert "<script>alert(1)</script>" in nodes(failed.content)
    assert_inert(failed.content)
