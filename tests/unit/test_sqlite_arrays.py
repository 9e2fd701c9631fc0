"""``SqliteStore.read_graph`` reads each column as one JSON array (``_arrays``); the graph must
be the one the rows read one by one (``_rows``) give, value for value and type for type, and
whatever the arrays cannot carry exactly, or the checks refuse, must end in the row-by-row
read's own answer: the same graph, or the same error naming the same table, row and column."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from contract.estates import random_estate, spec_example
from impactgraph.graph import ATTRIBUTES, Graph
from impactgraph.model import Component, Kind, Model
from impactgraph.store import _codec
from impactgraph.store.sqlite import SqliteStore


def _same(a: Graph, b: Graph) -> None:
    """The same graph: ids, index, arrays (values and dtypes), edge types, and every attribute
    value of the same type."""
    assert a.ids == b.ids
    assert dict(a.index) == dict(b.index)
    assert a.edge_types == b.edge_types
    for name in ("kind", "min_up"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype and np.array_equal(x, y), name
    for name in ("dependencies", "dependents", "members", "groups"):
        for x, y in zip(getattr(a, name), getattr(b, name), strict=True):
            assert x.dtype == y.dtype and np.array_equal(x, y), name
    for field in ATTRIBUTES:
        x, y = a.attr(field), b.attr(field)
        assert x == y, field
        assert [type(v) for v in x] == [type(v) for v in y], field


def _by_rows(store: SqliteStore) -> Graph:
    return _codec.graph_from_rows(store._rows()[1])


def _no_row_read(store: SqliteStore, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse() -> Any:
        raise AssertionError("read_graph read the rows one by one")

    monkeypatch.setattr(store, "_rows", refuse)


ODD_TEXT = 'q\'u"o`te \\ tab\t nl\n nul\x00 ctl\x01 é e\u0301 東京 💥 \u2028 [1,"x"] null'


def _odd_model() -> Model:
    """Values JSON arrays must carry exactly: odd text, floats that 15 digits do not hold."""
    comps = [
        Component(id="a", kind=Kind.SITE, name=ODD_TEXT, impact_per_hour=0.1 + 0.2),
        Component(id="b", kind=Kind.SERVICE, team=ODD_TEXT, tags=("x", ODD_TEXT), rto=0),
        Component(id="c", kind=Kind.SERVICE, impact_per_hour=123456789.12345679, tier=9),
        Component(id=ODD_TEXT, kind=Kind.SERVICE, impact_per_hour=999999999999.9999, owner=""),
        Component(id="e", kind=Kind.SERVICE, impact_per_hour=5, mtpd=3153600000),
    ]
    return Model.build(comps, [])


MODELS = {
    "spec": spec_example,
    "odd": _odd_model,
    "empty": lambda: Model.build([], []),
    **{f"random-{seed}": (lambda seed=seed: random_estate(seed, 200)) for seed in range(3)},
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_arrays_give_the_graph_of_the_rows(
    tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with SqliteStore(tmp_path / "s.db") as store:
        store.load(MODELS[name]())
        by_rows = _by_rows(store)
        _no_row_read(store, monkeypatch)
        _same(store.read_graph(), by_rows)


def _edited(tmp_path: Path, sql: str, *params: Any) -> Path:
    path = tmp_path / "s.db"
    with SqliteStore(path) as store:
        store.load(spec_example())
    db = sqlite3.connect(path)
    with db:
        db.execute(sql, params)
    db.close()
    return path


#: hand edits (SQL, parameters): values JSON arrays cannot hold exactly, or the checks refuse
EDITS = {
    "a REAL in a duration (15 digits in JSON)": (
        "UPDATE components SET rto = 0.1 + 0.2 WHERE id = 'dc1'",
    ),
    "an infinite REAL in a duration (no JSON)": (
        "UPDATE components SET rto = 9e999 WHERE id = 'dc1'",
    ),
    "a REAL in a text column (stored as its text), fine": (
        "UPDATE components SET name = 0.1 + 0.2 WHERE id = 'dc1'",
    ),
    "a BLOB in a text column": ("UPDATE components SET name = x'00ff' WHERE id = 'dc1'",),
    "a BLOB in a duration": ("UPDATE dependencies SET tolerance = x'01' WHERE source = 'san1'",),
    "a BLOB in the real column": (
        "UPDATE components SET impact_per_hour = x'01' WHERE id = 'dc1'",
    ),
    "text that is not UTF-8": (
        "UPDATE components SET name = CAST(x'ff41' AS TEXT) WHERE id = 'dc1'",
    ),
    "text in a tolerance": ("UPDATE dependencies SET tolerance = 'x' WHERE source = 'san1'",),
    "an integer id": ("UPDATE components SET id = 7 WHERE id = 'reporting'",),
    "text in the real column": ("UPDATE components SET impact_per_hour = 'lots' WHERE id = 'dc1'",),
    "an integer kind": ("UPDATE components SET kind = 3 WHERE id = 'dc1'",),
    "tags as a number": ("UPDATE components SET tags = 12 WHERE id = 'dc1'",),
    "a valid REAL amount, fine": (
        "UPDATE components SET impact_per_hour = 0.1 + 0.2 WHERE id = 'dc1'",
    ),
    "odd text, fine": ("UPDATE components SET name = ? WHERE id = 'dc1'", ODD_TEXT),
}


def _outcome(read: Any) -> tuple[str, Any]:
    try:
        return "graph", read()
    except Exception as e:  # the outcome compared is the error itself
        return type(e).__name__, str(e)


@pytest.mark.parametrize("what", sorted(EDITS))
def test_what_arrays_cannot_carry_ends_as_the_rows_end(tmp_path: Path, what: str) -> None:
    with SqliteStore(_edited(tmp_path, *EDITS[what])) as store:
        kind, value = _outcome(store.read_graph)
        expected_kind, expected = _outcome(lambda: _by_rows(store))
    assert kind == expected_kind
    if kind == "graph":
        _same(value, expected)
        assert "fine" in what
    else:
        assert value == expected
        assert "fine" not in what


def test_a_bad_row_is_named_after_the_arrays_refused_it(tmp_path: Path) -> None:
    path = _edited(tmp_path, "UPDATE components SET rto = 0.1 + 0.2 WHERE id = 'dc1'")
    with (
        SqliteStore(path) as store,
        pytest.raises(Exception, match=r"0\.30000000000000004 in components row 'dc1', column rto"),
    ):
        store.read_graph()
