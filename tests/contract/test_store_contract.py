"""The contract every store keeps (``impactgraph.store.base``), run against each backend.

Models are compared as sets of components and sets of dependencies; a group's members keep
their order (they are a tuple inside the component).
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable

import pytest

from impactgraph.errors import InputError, ModelError, UnknownComponentError
from impactgraph.model import (
    Component,
    Dependency,
    Kind,
    Member,
    MemberMode,
    Model,
    ModelIn,
    Strength,
    model_to_document,
)
from impactgraph.store import Store, open_store

from .estates import ODD_IDS, random_estate, spec_example

Contents = tuple[frozenset[Component], frozenset[Dependency]]


def contents(model: Model) -> Contents:
    """What a model holds, order aside."""
    return frozenset(model.components), frozenset(model.dependencies)


def edges(model: Model) -> set[tuple[str, str, str]]:
    return {(d.source, d.target, d.type) for d in model.dependencies}


def snapshot(store: Store) -> tuple[Contents, int]:
    return contents(store.read()), store.version()


def assert_unchanged(store: Store, before: tuple[Contents, int]) -> None:
    assert snapshot(store) == before


# ---- load and read ----------------------------------------------------------------------------


def test_an_empty_store_reads_as_an_empty_model(store: Store) -> None:
    model = store.read()
    assert model.components == () and model.dependencies == ()
    stats = store.stats()
    assert (stats.components, stats.dependencies, stats.members) == (0, 0, 0)


def test_load_then_read_gives_the_same_model(store: Store, spec_model: Model) -> None:
    version = store.load(spec_model)
    back = store.read()
    assert contents(back) == contents(spec_model)
    assert version == store.version() > 0
    cluster = back.component("db-cluster")
    assert cluster.members == (
        Member(id="db-primary"),
        Member(id="db-standby", mode=MemberMode.STANDBY, activation=1800),
    )
    assert back.component("payments-api").tags == ("pci", "core")


def test_read_orders_components_by_id_and_edges_by_key(store: Store) -> None:
    model = random_estate(3)
    store.load(model)
    back = store.read()
    assert [c.id for c in back.components] == sorted(c.id for c in model.components)
    keys = [(d.source, d.target, d.type) for d in back.dependencies]
    assert keys == sorted(edges(model))


@pytest.mark.parametrize("seed", range(5))
def test_random_models_read_back_equal(store: Store, seed: int) -> None:
    model = random_estate(seed)
    store.load(model)
    assert contents(store.read()) == contents(model)


def test_a_load_replaces_the_whole_model(store: Store, spec_model: Model) -> None:
    store.load(random_estate(1))
    store.load(spec_model)
    assert contents(store.read()) == contents(spec_model)


def test_the_model_survives_closing_and_reopening(
    store: Store, store_url: str, spec_model: Model
) -> None:
    version = store.load(spec_model)
    store.close()
    again = open_store(store_url)
    try:
        assert contents(again.read()) == contents(spec_model)
        assert again.version() == version
    finally:
        again.close()


def test_load_reports_progress_up_to_the_total(store: Store) -> None:
    model = random_estate(7, n=60)
    calls: list[tuple[int, int]] = []
    store.load(model, progress=lambda done, total: calls.append((done, total)))
    assert calls, "progress was never called"
    dones = [d for d, _ in calls]
    assert dones == sorted(dones)
    done, total = calls[-1]
    assert done == total >= len(model.components) + len(model.dependencies)


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(
            Model.model_construct(
                components=(Component(id="a", kind=Kind.SERVICE),),
                dependencies=(Dependency(source="a", target="ghost"),),
            ),
            id="edge-to-unknown-id",
        ),
        pytest.param(
            Model.model_construct(
                components=(
                    Component(id="a", kind=Kind.SERVICE),
                    Component(id="a", kind=Kind.SITE),
                ),
                dependencies=(),
            ),
            id="duplicate-id",
        ),
        pytest.param(
            Model.model_construct(
                components=(Component(id="g", kind=Kind.GROUP, min_up=1),), dependencies=()
            ),
            id="group-without-members",
        ),
        pytest.param(
            Model.model_construct(
                components=(Component(id="a", kind=Kind.SERVICE),),
                dependencies=(Dependency(source="a", target="a"),),
            ),
            id="self-dependency",
        ),
    ],
)
def test_a_failed_load_leaves_the_store_exactly_as_before(
    store: Store, spec_model: Model, bad: Model
) -> None:
    store.load(spec_model)
    before = snapshot(store)
    with pytest.raises(ModelError):
        store.load(bad)
    assert_unchanged(store, before)


# ---- components --------------------------------------------------------------------------------


def test_upsert_adds_a_new_component(store: Store, spec_model: Model) -> None:
    store.load(spec_model)
    new = Component(id="dc3", kind=Kind.SITE, name="Third site", tags=("cold",))
    store.upsert_components([new])
    back = store.read()
    assert back.component("dc3") == new
    assert contents(back)[0] == contents(spec_model)[0] | {new}


def test_upsert_replaces_a_component_and_keeps_its_dependencies(
    store: Store, spec_model: Model
) -> None:
    store.load(spec_model)
    changed = Component(id="host1", kind=Kind.INFRASTRUCTURE, type="bare-metal", tier=1)
    store.upsert_components([changed])
    back = store.read()
    assert back.component("host1") == changed  # whole replacement: recovery_time is gone
    assert edges(back) == edges(spec_model)
    assert len(back.components) == len(spec_model.components)


def test_upsert_replaces_the_members_of_a_group(store: Store, spec_model: Model) -> None:
    store.load(spec_model)
    standby_first = Component(
        id="db-cluster",
        kind=Kind.GROUP,
        min_up=2,
        members=(
            Member(id="db-standby", mode=MemberMode.STANDBY, activation=600),
            Member(id="db-primary"),
            Member(id="db-replica"),
        ),
    )
    replica = Component(id="db-replica", kind=Kind.SERVICE)
    store.upsert_components([standby_first, replica])
    back = store.read()
    assert back.component("db-cluster").members == standby_first.members
    assert back.component("db-replica") == replica
    assert store.stats().members == 3


def test_upsert_that_turns_a_group_into_a_service_drops_its_members(
    store: Store, spec_model: Model
) -> None:
    store.load(spec_model)
    store.upsert_components([Component(id="db-cluster", kind=Kind.SERVICE)])
    assert store.read().component("db-cluster").members == ()
    assert store.stats().members == 0


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(
            [Component(id="pool", kind=Kind.GROUP, min_up=1, members=(Member(id="ghost"),))],
            id="member-unknown",
        ),
        pytest.param([Component(id="pool", kind=Kind.GROUP, min_up=1)], id="group-no-members"),
        pytest.param(
            [
                Component(
                    id="db-cluster", kind=Kind.GROUP, min_up=3, members=(Member(id="db-primary"),)
                )
            ],
            id="min_up-too-large",
        ),
        pytest.param(
            [Component(id="x", kind=Kind.SERVICE), Component(id="x", kind=Kind.SITE)],
            id="duplicate-in-batch",
        ),
        pytest.param(
            [
                Component(id="ok", kind=Kind.SERVICE),
                Component(id="db-cluster", kind=Kind.GROUP, members=(Member(id="db-cluster"),)),
            ],
            id="group-its-own-member",
        ),
    ],
)
def test_an_invalid_upsert_changes_nothing(
    store: Store, spec_model: Model, bad: list[Component]
) -> None:
    store.load(spec_model)
    before = snapshot(store)
    with pytest.raises(ModelError):
        store.upsert_components(bad)
    assert_unchanged(store, before)


BOTH_ACTIVE = Component(
    id="db-cluster",
    kind=Kind.GROUP,
    min_up=1,
    members=(Member(id="db-primary"), Member(id="db-standby")),
)


def test_delete_cascades_to_dependencies_and_member_entries(
    store: Store, spec_model: Model
) -> None:
    store.load(spec_model)
    store.upsert_components([BOTH_ACTIVE])
    store.delete_components(["host1", "db-primary"])
    back = store.read()
    assert {"host1", "db-primary"}.isdisjoint(c.id for c in back.components)
    expected = {e for e in edges(spec_model) if not {"host1", "db-primary"} & {e[0], e[1]}}
    assert edges(back) == expected
    assert back.component("db-cluster").members == (Member(id="db-standby"),)
    assert store.stats().members == 1


def test_deleting_the_only_active_member_is_refused(store: Store, spec_model: Model) -> None:
    # a group whose members are all standbys would be DOWN with nothing failed
    store.load(spec_model)
    before = snapshot(store)
    with pytest.raises(ModelError, match="db-cluster"):
        store.delete_components(["db-primary"])
    assert_unchanged(store, before)


def test_deleting_a_group_with_its_members_is_fine(store: Store, spec_model: Model) -> None:
    store.load(spec_model)
    store.delete_components(["db-primary", "db-standby", "db-cluster"])
    back = store.read()
    assert "db-cluster" not in back.by_id
    assert store.stats().members == 0
    assert not any("db-cluster" in e[:2] for e in edges(back))


def test_deleting_the_last_member_of_a_group_is_refused(store: Store, spec_model: Model) -> None:
    store.load(spec_model)
    store.upsert_components([BOTH_ACTIVE])
    store.delete_components(["db-primary"])
    before = snapshot(store)
    with pytest.raises(ModelError, match="at least one member"):
        store.delete_components(["db-standby"])
    assert_unchanged(store, before)


def test_deleting_below_min_up_is_refused(store: Store, spec_model: Model) -> None:
    store.load(spec_model)
    both_active = Component(
        id="db-cluster",
        kind=Kind.GROUP,
        min_up=2,
        members=(Member(id="db-primary"), Member(id="db-standby")),
    )
    store.upsert_components([both_active])
    before = snapshot(store)
    with pytest.raises(ModelError, match="min_up"):
        store.delete_components(["db-primary"])
    assert_unchanged(store, before)


def test_deleting_an_unknown_id_changes_nothing(store: Store, spec_model: Model) -> None:
    store.load(spec_model)
    before = snapshot(store)
    with pytest.raises(UnknownComponentError, match="ghost"):
        store.delete_components(["dc2", "ghost"])
    assert_unchanged(store, before)


# ---- dependencies ------------------------------------------------------------------------------


def test_upsert_dependencies_adds_and_replaces_by_key(store: Store, spec_model: Model) -> None:
    store.load(spec_model)
    softer = Dependency(source="payments-api", target="db-cluster", strength=Strength.SOFT)
    new = Dependency(source="reporting", target="dc2", type="located_at", tolerance=600)
    store.upsert_dependencies([softer, new])
    back = store.read()
    assert edges(back) == edges(spec_model) | {("reporting", "dc2", "located_at")}
    by_key = {(d.source, d.target, d.type): d for d in back.dependencies}
    assert by_key["payments-api", "db-cluster", "depends_on"] == softer
    assert by_key["reporting", "dc2", "located_at"] == new


def test_the_same_pair_may_hold_edges_of_several_types(store: Store, spec_model: Model) -> None:
    store.load(spec_model)
    store.upsert_dependencies([Dependency(source="host1", target="dc1", type="supplied_by")])
    assert {("host1", "dc1", "located_at"), ("host1", "dc1", "supplied_by")} <= edges(store.read())


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param([Dependency(source="host1", target="ghost")], id="unknown-target"),
        pytest.param([Dependency(source="ghost", target="host1")], id="unknown-source"),
        pytest.param([Dependency(source="host1", target="host1")], id="self"),
        pytest.param(
            [Dependency(source="dc2", target="dc1"), Dependency(source="dc2", target="dc1")],
            id="duplicate-in-batch",
        ),
    ],
)
def test_an_invalid_dependency_upsert_changes_nothing(
    store: Store, spec_model: Model, bad: list[Dependency]
) -> None:
    store.load(spec_model)
    before = snapshot(store)
    with pytest.raises(ModelError):
        store.upsert_dependencies(bad)
    assert_unchanged(store, before)


def test_delete_dependencies_by_key(store: Store, spec_model: Model) -> None:
    store.load(spec_model)
    gone = [("reporting", "settlement-batch", "depends_on"), ("host1", "dc1", "located_at")]
    store.delete_dependencies(gone)
    assert edges(store.read()) == edges(spec_model) - set(gone)


def test_deleting_an_unknown_dependency_changes_nothing(store: Store, spec_model: Model) -> None:
    store.load(spec_model)
    before = snapshot(store)
    with pytest.raises(InputError):
        # right pair, wrong type: the key is (source, target, type)
        store.delete_dependencies([("host1", "san1", "depends_on"), ("host1", "dc1", "runs_on")])
    assert_unchanged(store, before)


# ---- versions ----------------------------------------------------------------------------------


def test_every_write_grows_the_version_and_reads_do_not(store: Store, spec_model: Model) -> None:
    writes: list[Callable[[], int]] = [
        lambda: store.load(spec_model),
        lambda: store.upsert_components([Component(id="dc3", kind=Kind.SITE)]),
        lambda: store.upsert_dependencies([Dependency(source="dc3", target="dc1")]),
        lambda: store.delete_dependencies([("dc3", "dc1", "depends_on")]),
        lambda: store.delete_components(["dc3"]),
        lambda: store.wipe(),
    ]
    seen = [store.version()]
    for write in writes:
        version = write()
        assert version > seen[-1]
        assert store.version() == version
        store.read()
        store.stats()
        assert store.version() == version
        seen.append(version)


def test_failed_writes_do_not_change_the_version(store: Store, spec_model: Model) -> None:
    version = store.load(spec_model)
    failing: list[Callable[[], object]] = [
        lambda: store.upsert_components([Component(id="g", kind=Kind.GROUP, min_up=1)]),
        lambda: store.upsert_dependencies([Dependency(source="dc1", target="nowhere")]),
        lambda: store.delete_components(["nowhere"]),
        lambda: store.delete_dependencies([("dc1", "dc2", "depends_on")]),
        lambda: store.load(
            Model.model_construct(components=(), dependencies=(Dependency(source="a", target="b"),))
        ),
    ]
    for write in failing:
        with pytest.raises(InputError):
            write()
        assert store.version() == version


def test_a_new_sqlite_store_starts_at_version_zero(store: Store, store_url: str) -> None:
    if not store_url.startswith("sqlite:"):
        pytest.skip("a server store outlives the test; only its growth is part of the contract")
    assert store.version() == 0


# ---- export and odd ids ------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [None, 11, 12])
def test_export_then_load_round_trips_to_an_equal_model(store: Store, seed: int | None) -> None:
    model = spec_example() if seed is None else random_estate(seed)
    store.load(model)
    exported = store.read()
    text = json.dumps(model_to_document(exported), ensure_ascii=False)
    reloaded = Model.from_input(ModelIn.model_validate(json.loads(text)))
    store.wipe()
    store.load(reloaded)
    assert contents(store.read()) == contents(exported) == contents(model)


def test_odd_ids_are_stored_and_found_verbatim(store: Store) -> None:
    components = [Component(id=i, kind=Kind.SERVICE, name=i) for i in ODD_IDS]
    chain = [Dependency(source=a, target=b) for a, b in itertools.pairwise(ODD_IDS)]
    model = Model.build(components, chain)
    store.load(model)
    assert contents(store.read()) == contents(model)
    assert {c.id for c in store.read().components} == set(ODD_IDS)  # é and e + ́ stay apart

    drop = "'; DROP TABLE components; --"
    pool = Component(
        id="pool 💥", kind=Kind.GROUP, min_up=1, members=(Member(id=drop), Member(id="東京-dc"))
    )
    store.upsert_components([pool])
    store.upsert_dependencies([Dependency(source="a" * 1000, target="pool 💥", type="runs_on")])
    store.delete_dependencies([(ODD_IDS[0], ODD_IDS[1], "depends_on")])
    store.delete_components([drop])
    back = store.read()
    assert back.component("pool 💥").members == (Member(id="東京-dc"),)
    assert drop not in back.by_id
    assert ("a" * 1000, "pool 💥", "runs_on") in edges(back)
    assert (ODD_IDS[0], ODD_IDS[1], "depends_on") not in edges(back)
    assert store.stats().components == len(ODD_IDS)


# ---- concurrency, stats, wipe ------------------------------------------------------------------


def test_ten_concurrent_writers_lose_no_update(store: Store, store_url: str) -> None:
    store.load(spec_example())
    start = store.version()
    writers, each = 10, 5
    versions: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(writers)

    def write(w: int) -> None:
        try:
            own = open_store(store_url)
            try:
                barrier.wait()
                for i in range(each):
                    c = Component(id=f"w{w}-{i}", kind=Kind.SERVICE, team=f"team-{w}")
                    v = own.upsert_components([c])
                    own_dep = own.upsert_dependencies([Dependency(source=c.id, target="dc1")])
                    with lock:
                        versions.extend([v, own_dep])
            finally:
                own.close()
        except BaseException as e:  # collected and re-raised in the main thread
            with lock:
                errors.append(e)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert len(versions) == len(set(versions)) == 2 * writers * each
    assert min(versions) > start
    assert store.version() == max(versions)
    back = store.read()
    written = {f"w{w}-{i}" for w in range(writers) for i in range(each)}
    assert written <= set(back.by_id)
    assert {(cid, "dc1", "depends_on") for cid in written} <= edges(back)
    assert len(back.components) == len(spec_example().components) + len(written)


def test_stats_count_what_the_store_holds(store: Store, spec_model: Model) -> None:
    version = store.load(spec_model)
    stats = store.stats()
    assert stats.url == store.url
    assert stats.version == version
    assert (stats.components, stats.dependencies, stats.members) == (13, 13, 2)
    assert stats.by_kind == {
        "site": 2,
        "infrastructure": 3,
        "service": 5,
        "group": 1,
        "business_service": 2,
    }


def test_wipe_empties_the_store_and_grows_the_version(store: Store, spec_model: Model) -> None:
    loaded = store.load(spec_model)
    wiped = store.wipe()
    assert wiped > loaded == loaded
    assert store.read().components == () and store.read().dependencies == ()
    stats = store.stats()
    assert (stats.components, stats.dependencies, stats.members, stats.by_kind) == (0, 0, 0, {})
    store.load(spec_model)  # still usable
    assert contents(store.read()) == contents(spec_model)


def test_components_read_back_behave_like_validated_ones(store: Store, spec_model: Model) -> None:
    store.load(spec_model)
    back_by_id = store.read().by_id
    for original in spec_model.components:
        back = back_by_id[original.id]
        assert back.model_dump() == original.model_dump()
        assert hash(back) == hash(original)
        assert back.model_copy(update={"tier": 3}).tier == 3
        assert back.kind is original.kind and back.label == original.label
    deps = store.read().dependencies
    assert all(d.strength in (Strength.HARD, Strength.SOFT) for d in deps)
    back_model = store.read()
    Model.build(back_model.components, back_model.dependencies)  # passes the model's checks
