"""The graph is immutable and shareable: nothing can be assigned, no array written, and what is
derived from it is kept beside it, not in it."""

from __future__ import annotations

import dataclasses
import gc

import numpy as np
import pytest

from impactgraph.engine.propagate import propagate, topology
from impactgraph.engine.scenario import Failure, Scenario
from impactgraph.graph import ATTRIBUTES, Graph, derived
from impactgraph.model import Component, Dependency, Kind, Member, MemberMode, Model


def small_graph() -> Graph:
    return Graph.from_model(
        Model.build(
            [
                Component(id="dc1", kind=Kind.SITE, recovery_time="4h"),
                Component(id="a", kind=Kind.SERVICE, team="ops", tags=("pci",)),
                Component(id="b", kind=Kind.SERVICE),
                Component(
                    id="pool",
                    kind=Kind.GROUP,
                    min_up=1,
                    members=(Member(id="a"), Member(id="b", mode=MemberMode.STANDBY)),
                ),
                Component(id="shop", kind=Kind.BUSINESS_SERVICE, tier=1, rto="1h"),
            ],
            [
                Dependency(source="a", target="dc1", type="located_at"),
                Dependency(source="shop", target="pool", tolerance=60),
            ],
        )
    )


@pytest.mark.parametrize("field", ["ids", "index", "kind", "dependencies", "attrs", "extra"])
def test_graph_refuses_assignment(field: str) -> None:
    g = small_graph()
    # an unknown name fails too (TypeError: the frozen __setattr__ of a slotted class)
    with pytest.raises((dataclasses.FrozenInstanceError, AttributeError, TypeError)):
        setattr(g, field, None)


@pytest.mark.parametrize(
    "array",
    [
        lambda g: g.kind,
        lambda g: g.min_up,
        lambda g: g.dependencies.idx,
        lambda g: g.dependents.tol,
        lambda g: g.members.activation,
        lambda g: g.groups.idx,
    ],
)
def test_graph_arrays_are_read_only(array: object) -> None:
    g = small_graph()
    a = array(g)  # type: ignore[operator]
    with pytest.raises(ValueError, match="read-only"):
        a[0] = a[0]


def test_attributes_are_one_table_read_by_node() -> None:
    g = small_graph()
    assert set(ATTRIBUTES) >= {"name", "tier", "rto", "recovery_time", "team", "tags"}
    v = g.index["a"]
    assert g.attr("team")[v] == "ops"
    assert g.attr("tags")[v] == ("pci",)
    assert g.attr("rto")[g.index["shop"]] == 3600
    assert g.attr("name") == (None,) * g.n
    with pytest.raises(KeyError):
        g.attr("members")


def test_from_arrays_takes_attribute_columns_by_name() -> None:
    g = small_graph()
    again = Graph.from_arrays(
        g.ids,
        g.kind,
        *_edges_and_groups(g),
        attributes={"tier": [None, None, None, None, 1], "team": ["x"] * 5},
    )
    assert again.attr("tier")[4] == 1 and again.attr("team") == ("x",) * 5
    assert again.attr("rto") == (None,) * 5
    with pytest.raises(ValueError, match="unknown attribute"):
        Graph.from_arrays(g.ids, g.kind, *_edges_and_groups(g), attributes={"colour": [1] * 5})
    with pytest.raises(ValueError, match="values"):
        Graph.from_arrays(g.ids, g.kind, *_edges_and_groups(g), attributes={"tier": [1]})


def _edges_and_groups(g: Graph) -> tuple[object, ...]:
    from impactgraph.graph import EdgeColumns, GroupColumns

    dep, mem = g.dependencies, g.members
    src = np.repeat(np.arange(g.n, dtype=np.int64), np.diff(dep.ptr))
    grp = np.repeat(np.arange(g.n, dtype=np.int64), np.diff(mem.ptr))
    return (
        EdgeColumns(src, dep.idx, dep.hard, dep.tol, dep.type),
        g.edge_types,
        GroupColumns(grp, mem.idx, mem.standby, mem.activation, g.min_up),
    )


def test_derived_data_is_kept_beside_the_graph_once_and_dies_with_it() -> None:
    g = small_graph()
    calls: list[int] = []

    def build(graph: Graph) -> int:
        calls.append(graph.n)
        return graph.n * 2

    assert derived(g, "twice", build) == 10
    assert derived(g, "twice", build) == 10
    assert calls == [5]
    assert topology(g) is topology(g)
    # the same question twice, with the kernel's renumbering prepared once
    scenario = Scenario(failures=(Failure("dc1"),))
    assert propagate(g, scenario).as_dict() == propagate(g, scenario).as_dict()
    other = small_graph()
    assert derived(other, "twice", build) == 10 and calls == [5, 5]
    from impactgraph import graph as graph_module

    before = len(graph_module._DERIVED)
    del g
    gc.collect()
    assert len(graph_module._DERIVED) == before - 1


@pytest.mark.parametrize(
    "ids",
    [["b", "a", "ab", "A"], ["é", "e", "z", "ü"], ["a\x00", "a", "a\x00b", "\x00"]],
    ids=["ascii", "unicode", "nul"],
)
def test_id_rank_is_the_position_in_python_string_order(ids: list[str]) -> None:
    g = Graph.from_model(Model.build([Component(id=i, kind=Kind.SITE) for i in ids], []))
    assert [sorted(ids).index(i) for i in ids] == g.id_rank().tolist()
