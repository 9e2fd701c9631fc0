"""``SqliteStore.read_graph`` (straight from rows to arrays) equals the graph of ``read()``."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from contract.estates import random_estate, spec_example
from impactgraph.cli.main import cli
from impactgraph.engine.propagate import propagate
from impactgraph.engine.scenario import Failure, Scenario
from impactgraph.errors import StoreIntegrityError
from impactgraph.graph import ATTRIBUTES, Graph
from impactgraph.modelfile import load_model_file
from impactgraph.store.sqlite import SqliteStore

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _edges(g: Graph) -> set[tuple[str, str, str, bool, int]]:
    dep = g.dependencies
    return {
        (g.ids[a], g.ids[b], g.edge_types[t], bool(h), int(tol))
        for a, b, t, h, tol in zip(
            g.edge_sources(), dep.idx, dep.type, dep.hard, dep.tol, strict=True
        )
    }


def _members(g: Graph) -> dict[str, tuple[int, list[tuple[str, bool, int]]]]:
    mem = g.members
    return {
        g.ids[v]: (
            int(g.min_up[v]),
            [
                (g.ids[int(mem.idx[e])], bool(mem.standby[e]), int(mem.activation[e]))
                for e in range(int(mem.ptr[v]), int(mem.ptr[v + 1]))
            ],
        )
        for v in range(g.n)
        if mem.ptr[v + 1] > mem.ptr[v]
    }


MODELS = {
    "spec": spec_example,
    "estate": lambda: load_model_file(EXAMPLES / "estate.yaml"),
    **{f"random-{seed}": (lambda seed=seed: random_estate(seed)) for seed in range(4)},
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_read_graph_equals_graph_of_read(tmp_path: Path, name: str) -> None:
    store = SqliteStore(tmp_path / "s.db")
    store.load(MODELS[name]())
    slow = Graph.from_model(store.read())
    fast = store.read_graph()
    assert fast.ids == slow.ids
    assert fast.kind.tolist() == slow.kind.tolist()
    assert fast.min_up.tolist() == slow.min_up.tolist()
    assert _edges(fast) == _edges(slow)
    assert _members(fast) == _members(slow)
    for field in ATTRIBUTES:
        assert fast.attr(field) == slow.attr(field), field
    store.close()


#: rows edited by hand: (what, SQL, what the error names)
HAND_EDITS = [
    ("an unknown kind", "UPDATE components SET kind = 'spaceship' WHERE id = 'dc1'",
     "'spaceship' in components row 'dc1', column kind"),
    ("an unknown strength", "UPDATE dependencies SET strength = 'medium' WHERE source = 'san1'",
     "'medium' in dependencies row ('san1', 'dc1', 'located_at'), column strength"),
    ("an unknown mode", "UPDATE members SET mode = 'asleep' WHERE member = 'db-standby'",
     "'asleep' in members row ('db-cluster', 'db-standby'), column mode"),
    ("tags that are not JSON", "UPDATE components SET tags = '{not json' WHERE id = 'dc1'",
     "'{not json' in components row 'dc1', column tags"),
    ("tags that are JSON but not a list",
     "UPDATE components SET tags = '{\"a\": 1}' WHERE id = 'dc1'",
     "in components row 'dc1', column tags"),
    ("tags that are not text", "UPDATE components SET tags = '[1]' WHERE id = 'dc1'",
     "'[1]' in components row 'dc1', column tags"),
    ("text in a duration", "UPDATE components SET rto = 'soon' WHERE id = 'dc1'",
     "'soon' in components row 'dc1', column rto"),
    ("a duration past the maximum",
     "UPDATE components SET rto = 9223372036854775807 WHERE id = 'dc1'",
     "9223372036854775807 in components row 'dc1', column rto"),
    ("a negative duration", "UPDATE dependencies SET tolerance = -5 WHERE source = 'san1'",
     "-5 in dependencies row ('san1', 'dc1', 'located_at'), column tolerance"),
    ("a non-finite amount", "UPDATE components SET impact_per_hour = 9e999 WHERE id = 'dc1'",
     "inf in components row 'dc1', column impact_per_hour"),
    ("a tier of 0", "UPDATE components SET tier = 0 WHERE id = 'dc1'",
     "0 in components row 'dc1', column tier"),
    ("a member naming a missing component",
     "INSERT INTO members VALUES ('db-cluster', 'ghost', 'active', 0, 9)",
     "'ghost' in members row ('db-cluster', 'ghost'), column member"),
    ("members of a component that is no group",
     "INSERT INTO members VALUES ('dc1', 'host1', 'active', 0, 0)",
     "'dc1' in members row ('dc1', 'host1'), column group"),
    ("a dependency to a missing id",
     "INSERT INTO dependencies VALUES ('host1', 'ghost', 'depends_on', 'hard', 0)",
     "'ghost' in dependencies row ('host1', 'ghost', 'depends_on'), column target"),
    ("a dependency from a missing id",
     "INSERT INTO dependencies VALUES ('ghost', 'dc1', 'depends_on', 'hard', 0)",
     "'ghost' in dependencies row ('ghost', 'dc1', 'depends_on'), column source"),
    ("a NULL version", "UPDATE meta SET value = NULL WHERE key = 'version'",
     "None in meta row 'version', column value"),
    ("no version", "DELETE FROM meta", "None in meta row 'version', column value"),
    ("an empty id", "UPDATE components SET id = '' WHERE id = 'reporting'", "column id"),
]  # fmt: skip


def _edited(tmp_path: Path, sql: str) -> Path:
    path = tmp_path / "s.db"
    with SqliteStore(path) as store:
        store.load(spec_example())
    db = sqlite3.connect(path)
    with db:
        db.execute(sql)
    db.close()
    return path


@pytest.mark.parametrize(("what", "sql", "names"), HAND_EDITS, ids=[e[0] for e in HAND_EDITS])
def test_rows_edited_by_hand_are_an_integrity_error_naming_table_row_column(
    tmp_path: Path, what: str, sql: str, names: str
) -> None:
    with SqliteStore(_edited(tmp_path, sql)) as store:
        for read in (store.read, store.read_graph, store.version, store.stats):
            if "version" not in names and read in (store.version, store.stats):
                continue
            with pytest.raises(StoreIntegrityError, match=re.escape(names)):
                read()


def test_a_dropped_table_is_an_integrity_error(tmp_path: Path) -> None:
    store = SqliteStore(_edited(tmp_path, "DROP TABLE members"))
    with store, pytest.raises(StoreIntegrityError, match="no such table: members"):
        store.read_graph()


@pytest.mark.parametrize("command", [["impact", "--fail", "dc1"], ["db", "export"], ["check"]])
@pytest.mark.parametrize(("what", "sql", "names"), HAND_EDITS[:3] + HAND_EDITS[3:17:4])
def test_the_cli_reports_rows_edited_by_hand_with_exit_2(
    tmp_path: Path, command: list[str], what: str, sql: str, names: str
) -> None:
    path = _edited(tmp_path, sql)
    result = CliRunner().invoke(cli, [*command, "--store", str(path)])
    assert result.exit_code == 2, result.output
    assert names in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("target", ["dc-london", "kind:supplier", "tag:database"])
def test_same_answer_from_the_file_and_from_the_store(tmp_path: Path, target: str) -> None:
    """Causes included: the store reads edges back in another order than the file lists them."""
    model = load_model_file(EXAMPLES / "estate.yaml")
    store = SqliteStore(tmp_path / "s.db")
    store.load(model)
    scenario = Scenario((Failure(target, duration=7200), Failure("dc-slough", at=3600)))
    from_file = propagate(Graph.from_model(model), scenario).as_dict()
    assert propagate(store.read_graph(), scenario).as_dict() == from_file
    assert propagate(Graph.from_model(store.read()), scenario).as_dict() == from_file
    store.close()
