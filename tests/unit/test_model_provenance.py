"""A component's provenance: ``source`` (the system it came from) and ``external_id`` (its key
there). Checked like every other field, written back by exports, ignored by the engine."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from impactgraph.errors import ModelError
from impactgraph.graph import Graph
from impactgraph.model import Component, Kind, Model, check_references, model_to_document
from impactgraph.modelfile import load_model_file, parse_model_text, write_model_file


@pytest.mark.parametrize(
    "source", ["servicenow", "backstage", "csv", "api", "a", "x" * 64, "v1.2_b-c", "SNOW"]
)
def test_good_sources(source: str) -> None:
    assert Component(id="a", kind=Kind.SITE, source=source).source == source


@pytest.mark.parametrize("source", ["", "x" * 65, "with space", "ünïcode", "a/b", "a:b", "a\n"])
def test_bad_sources(source: str) -> None:
    with pytest.raises(ValidationError, match="letters, digits"):
        Component(id="a", kind=Kind.SITE, source=source)


@pytest.mark.parametrize(
    "key", ["a", "component:default/payments-api", "x" * 512, "东京 ✓ with spaces", "'\"`$"]
)
def test_good_external_ids(key: str) -> None:
    c = Component(id="a", kind=Kind.SITE, source="s", external_id=key)
    assert c.external_id == key


@pytest.mark.parametrize(
    ("key", "says"),
    [
        ("", "empty"),
        ("x" * 513, "at most 512"),
        ("tab\there", "control character"),
        ("nul\0", "control character"),
        ("del\x7f", "control character"),
        ("c1\x85", "control character"),
    ],
)
def test_bad_external_ids(key: str, says: str) -> None:
    with pytest.raises(ValidationError, match=says):
        Component(id="a", kind=Kind.SITE, source="s", external_id=key)


def test_an_external_id_needs_a_source_and_names_one_component_of_it() -> None:
    components = [
        Component(id="a", kind=Kind.SITE, source="snow", external_id="k1"),
        Component(id="b", kind=Kind.SITE, source="snow", external_id="k1"),
        Component(id="c", kind=Kind.SITE, source="csv", external_id="k1"),
        Component(id="d", kind=Kind.SITE, external_id="k2"),
        Component(id="e", kind=Kind.SITE, source="snow"),  # a source alone is fine
        Component(id="f", kind=Kind.SITE, source="snow"),
    ]
    issues = check_references(components, [])
    assert [(i.component, i.field, i.path) for i in issues] == [
        ("b", "external_id", ("components", 1, "external_id")),
        ("d", "external_id", ("components", 3, "external_id")),
    ]
    assert "'a'" in issues[0].message and "'b'" in issues[0].message
    assert "source" in issues[1].message
    with pytest.raises(ModelError):
        Model.build(components)


def test_model_files_take_provenance_with_lines(tmp_path: Path) -> None:
    text = """version: 1
components:
  - {id: dc1, kind: site, source: servicenow, external_id: 9f2c}
  - {id: dc2, kind: site, source: servicenow, external_id: 9f2c}
  - {id: dc3, kind: site, sorce: csv}
"""
    with pytest.raises(ModelError) as raised:
        parse_model_text(text, "m.yaml")
    found = [(i.line, i.component, i.field) for i in raised.value.issues]
    assert found == [(4, "dc2", "external_id"), (5, "dc3", "sorce")]
    assert "did you mean 'source'?" in raised.value.issues[1].message


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_exports_keep_provenance(tmp_path: Path, suffix: str) -> None:
    model = Model.build(
        [
            Component(id="dc1", kind=Kind.SITE, source="servicenow", external_id="sys:1 é"),
            Component(id="dc2", kind=Kind.SITE, source="csv"),
            Component(id="dc3", kind=Kind.SITE),
        ]
    )
    doc = model_to_document(model)
    assert doc["components"][0] == {
        "id": "dc1",
        "kind": "site",
        "source": "servicenow",
        "external_id": "sys:1 é",
    }
    assert doc["components"][2] == {"id": "dc3", "kind": "site"}  # nothing new when unset
    path = tmp_path / f"estate{suffix}"
    write_model_file(model, path)
    assert load_model_file(path) == model


def test_the_graph_holds_provenance_as_attributes() -> None:
    model = Model.build(
        [
            Component(id="dc1", kind=Kind.SITE, source="servicenow", external_id="k"),
            Component(id="dc2", kind=Kind.SITE),
        ]
    )
    graph = Graph.from_model(model)
    assert graph.attr("source") == ("servicenow", None)
    assert graph.attr("external_id") == ("k", None)
