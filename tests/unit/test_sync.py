"""The sync rule (impactgraph.sync): counts, ownership by source, idempotence, dry runs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from impactgraph.errors import ModelError
from impactgraph.model import Component, Dependency, Kind, Model
from impactgraph.sync import apply_to, edge_key, plan_sync


def comp(cid: str, source: str | None = None, **kw: object) -> Component:
    return Component(id=cid, kind=Kind.SERVICE, source=source, **kw)  # type: ignore[arg-type]


def dep(a: str, b: str, **kw: object) -> Dependency:
    return Dependency(source=a, target=b, **kw)  # type: ignore[arg-type]


def estate() -> Model:
    return Model.build(
        [
            comp("a", "cmdb"),
            comp("b", "cmdb"),
            comp("hand"),
            comp("other", "backstage"),
        ],
        [dep("a", "b"), dep("hand", "a"), dep("other", "b"), dep("b", "hand")],
    )


def test_counts_and_removal_by_source() -> None:
    plan = plan_sync(
        estate(),
        [comp("a"), comp("c", tier=1)],
        [dep("a", "c")],
        source="cmdb",
        remove_missing=True,
        validate=True,
    )
    report = plan.report
    assert report.components.counts() == {"created": 1, "updated": 0, "unchanged": 1, "removed": 1}
    assert report.components.removed == ("b",)
    # a -> b goes with b; b -> hand and other -> b too; hand -> a stays (hand-written)
    assert set(report.dependencies.removed) == {
        "a -> b (depends_on)",
        "b -> hand (depends_on)",
        "other -> b (depends_on)",
    }
    assert report.dependencies.created == ("a -> c (depends_on)",)
    assert plan.result is not None
    assert {c.id for c in plan.result.components} == {"a", "c", "hand", "other"}
    assert plan.result.component("c").source == "cmdb"
    assert {edge_key(d) for d in plan.result.dependencies} == {
        ("a", "c", "depends_on"),
        ("hand", "a", "depends_on"),
    }


def test_missing_edges_of_owned_components_go_others_stay() -> None:
    plan = plan_sync(estate(), [comp("a"), comp("b")], [], source="cmdb", remove_missing=True)
    assert plan.report.components.removed == ()
    # a -> b and b -> hand are owned by cmdb (their from is a cmdb component); the rest stay
    assert set(plan.changes.delete_dependencies) == {
        ("a", "b", "depends_on"),
        ("b", "hand", "depends_on"),
    }


def test_without_remove_missing_nothing_is_removed() -> None:
    plan = plan_sync(estate(), [comp("a")], [], source="cmdb", remove_missing=False)
    assert not plan.changes
    assert plan.report.components.counts()["unchanged"] == 1
    assert not plan.report.changed


def test_update_is_detected_and_hand_written_is_adopted() -> None:
    plan = plan_sync(
        estate(), [comp("a", tier=2), comp("hand")], [], source="cmdb", remove_missing=False
    )
    assert plan.report.components.updated == ("a", "hand")
    assert [c.source for c in plan.changes.upsert_components] == ["cmdb", "cmdb"]


def test_other_sources_are_never_overwritten() -> None:
    with pytest.raises(ModelError) as err:
        plan_sync(estate(), [comp("other")], [], source="cmdb", remove_missing=False)
    assert err.value.issues[0].component == "other"
    assert "backstage" in err.value.issues[0].message


def test_bad_sends_are_all_reported() -> None:
    with pytest.raises(ModelError) as err:
        plan_sync(
            estate(),
            [comp("x"), comp("x"), comp("y", "elsewhere")],
            [dep("x", "a"), dep("x", "a")],
            source=None,
            remove_missing=True,
        )
    fields = {i.field for i in err.value.issues}
    assert {"source", "components[1].id", "dependencies[1]"} <= fields


def test_dry_run_validation_names_dangling_references() -> None:
    with pytest.raises(ModelError) as err:
        plan_sync(
            estate(),
            [comp("n")],
            [dep("n", "ghost")],
            source="cmdb",
            remove_missing=False,
            validate=True,
        )
    assert "ghost" in str(err.value)


ids = st.sampled_from(["a", "b", "c", "d", "e", "hand", "other"])


@settings(max_examples=150, deadline=None)
@given(
    sent=st.lists(st.tuples(ids, st.none() | st.integers(1, 3)), unique_by=lambda x: x[0]),
    edges=st.lists(st.tuples(ids, ids), unique=True),
    remove=st.booleans(),
)
def test_a_sync_applied_then_repeated_changes_nothing(
    sent: list[tuple[str, int | None]], edges: list[tuple[str, str]], remove: bool
) -> None:
    current = estate()
    names = {c for c, _ in sent}
    components = [comp(c, tier=t) for c, t in sent if c != "other"]
    names.discard("other")
    dependencies = [dep(a, b) for a, b in edges if a != b and a in names and b in names]
    try:
        plan = plan_sync(current, components, dependencies, source="cmdb", remove_missing=remove)
        after = apply_to(current, plan.changes)
    except ModelError:
        return  # e.g. a cmdb component that another kept component's member list needs
    for c in components:
        assert after.component(c.id).tier == c.tier
        assert after.component(c.id).source == "cmdb"
    kept = {edge_key(d) for d in after.dependencies}
    assert {edge_key(d) for d in dependencies} <= kept
    assert after.component("other").source == "backstage"  # never touched
    again = plan_sync(after, components, dependencies, source="cmdb", remove_missing=remove)
    assert not again.changes
    assert not again.report.changed
