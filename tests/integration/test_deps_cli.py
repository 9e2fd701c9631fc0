"""``impactgraph deps --store neo4j://…`` answers with the database's own queries, and says the
same as the engine does on the model file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from impactgraph.cli.main import cli
from impactgraph.modelfile import load_model_file
from impactgraph.store.neo4j import Neo4jStore

ESTATE = Path(__file__).resolve().parents[2] / "examples" / "estate.yaml"

pytestmark = pytest.mark.neo4j


def _deps(*args: str) -> dict[str, object]:
    result = CliRunner().invoke(cli, ["deps", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "args",
    [
        ("dc-london", "--up"),
        ("online-banking", "--down"),
        ("kafka-events", "--up", "--depth", "2"),
        ("dc-london", "--up", "--type", "located_at"),
        ("card-payments", "--down", "--strength", "hard"),
    ],
)
def test_deps_from_neo4j_equals_deps_from_the_file(
    neo4j_store: Neo4jStore, neo4j_url: str, args: tuple[str, ...]
) -> None:
    neo4j_store.load(load_model_file(ESTATE))
    in_db = _deps(*args, "--store", neo4j_url)
    from_file = _deps(*args, "--model", str(ESTATE))

    def key(doc: dict[str, object]) -> set[tuple[object, ...]]:
        rows = doc["components"]
        assert isinstance(rows, list)
        return {(r["id"], r["kind"], r["depth"]) for r in rows}

    assert key(in_db) == key(from_file)
    assert key(in_db)


def test_unknown_component_in_neo4j_is_exit_2(neo4j_store: Neo4jStore, neo4j_url: str) -> None:
    neo4j_store.load(load_model_file(ESTATE))
    result = CliRunner().invoke(cli, ["deps", "no-such-thing", "--up", "--store", neo4j_url])
    assert result.exit_code == 2
    assert "no-such-thing" in result.stderr
