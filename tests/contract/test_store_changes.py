"""The contract of the later store additions, on every backend: where components came from
(``source``, ``external_id``), :meth:`Store.apply` with :class:`Changes`, versions checked on
write (``expect_version``), :meth:`Store.read_versioned`, and API keys beside the model.
"""

from __future__ import annotations

import multiprocessing
import threading
import uuid
from collections.abc import Callable, Iterator

import pytest

from impactgraph.engine.plan import Capacity, plan
from impactgraph.engine.propagate import propagate
from impactgraph.engine.scenario import Failure, Scenario
from impactgraph.errors import (
    ModelError,
    StoreError,
    UnknownComponentError,
    UnknownDependencyError,
    VersionConflictError,
)
from impactgraph.model import Component, Dependency, Kind, Member, Model, ModelIn, model_to_document
from impactgraph.render.formats import to_json
from impactgraph.store import Store, open_store
from impactgraph.store.base import ApiKeyRecord, Changes

from .test_store_contract import assert_unchanged, contents, edges, snapshot

SNOW = "servicenow"


def with_provenance(model: Model) -> Model:
    """``model`` with a source and key on some of its components."""
    components = []
    for i, c in enumerate(model.components):
        if i % 3 == 0:
            c = c.model_copy(update={"source": SNOW, "external_id": f"sys-{i:04d}"})
        elif i % 3 == 1:
            c = c.model_copy(update={"source": "backstage"})
        components.append(c)
    return Model.build(components, model.dependencies)


# ---- provenance --------------------------------------------------------------------------------


def test_provenance_round_trips_through_every_read(store: Store, spec_model: Model) -> None:
    model = with_provenance(spec_model)
    version = store.load(model)
    assert contents(store.read()) == contents(model)
    at, back = store.read_versioned()
    assert at == version and contents(back) == contents(model)
    graph = store.read_graph()
    for c in model.components:
        v = graph.index[c.id]
        assert graph.attr("source")[v] == c.source
        assert graph.attr("external_id")[v] == c.external_id
    document = model_to_document(back)
    assert contents(Model.from_input(ModelIn.model_validate(document))) == contents(model)


def test_provenance_round_trips_through_apply(store: Store, spec_model: Model) -> None:
    store.load(spec_model)
    odd = "cmdb:default/payments-api ✓ with spaces, quotes ' \" and 東京"
    new = Component(id="dc3", kind=Kind.SITE, source="backstage", external_id=odd)
    changed = Component(id="dc1", kind=Kind.SITE, source="csv")
    store.apply(Changes(upsert_components=[new, changed]))
    back = store.read()
    assert back.component("dc3") == new
    assert back.component("dc1") == changed
    assert back.component("dc2").source is None
    # replacing a component with its own source and key again is fine
    store.apply(Changes(upsert_components=[new.model_copy(update={"name": "Third"})]))
    assert store.read().component("dc3").external_id == odd


def test_two_components_with_one_source_key_are_refused_on_load(
    store: Store, spec_model: Model
) -> None:
    store.load(spec_model)
    before = snapshot(store)
    twins = Model.model_construct(
        components=(
            Component(id="a", kind=Kind.SITE, source=SNOW, external_id="x1"),
            Component(id="b", kind=Kind.SITE, source=SNOW, external_id="x1"),
            Component(id="c", kind=Kind.SITE, source="csv", external_id="x1"),  # other source
        ),
        dependencies=(),
    )
    with pytest.raises(ModelError) as raised:
        store.load(twins)
    (issue,) = raised.value.issues
    assert issue.component == "b" and issue.field == "external_id"
    assert "'a'" in issue.message and "'b'" in issue.message
    assert_unchanged(store, before)


def test_an_upsert_that_takes_a_stored_source_key_is_refused(
    store: Store, spec_model: Model
) -> None:
    store.load(with_provenance(spec_model))
    holder = next(c for c in store.read().components if c.external_id)
    before = snapshot(store)
    thief = Component(id="thief", kind=Kind.SITE, source=SNOW, external_id=holder.external_id)
    with pytest.raises(ModelError) as raised:
        store.apply(Changes(upsert_components=[thief]))
    (issue,) = raised.value.issues
    assert issue.component == "thief" and issue.field == "external_id"
    assert repr(holder.id) in issue.message
    with pytest.raises(ModelError):  # the same through the single upsert
        store.upsert_components([thief])
    # two in one batch
    pair = [
        Component(id="p1", kind=Kind.SITE, source=SNOW, external_id="new-key"),
        Component(id="p2", kind=Kind.SITE, source=SNOW, external_id="new-key"),
    ]
    with pytest.raises(ModelError, match="'p1'"):
        store.apply(Changes(upsert_components=pair))
    assert_unchanged(store, before)


def test_a_source_key_moves_when_its_holder_is_deleted_or_replaced(
    store: Store, spec_model: Model
) -> None:
    store.load(with_provenance(spec_model))
    holder = next(c for c in store.read().components if c.external_id and not c.members)
    key = holder.external_id
    heir = Component(id="heir", kind=Kind.SITE, source=SNOW, external_id=key)
    store.apply(Changes(delete_components=[holder.id], upsert_components=[heir]))
    back = store.read()
    assert holder.id not in back.by_id and back.component("heir") == heir
    # replacing the holder with another key frees its own in the same batch
    other = Component(id="other", kind=Kind.SITE, source=SNOW, external_id="k2")
    store.apply(Changes(upsert_components=[other]))
    swap = [
        heir.model_copy(update={"external_id": "k2"}),
        other.model_copy(update={"external_id": key}),
    ]
    store.apply(Changes(upsert_components=swap))
    assert {c.id: c.external_id for c in store.read().components if c.id in ("heir", "other")} == {
        "heir": "k2",
        "other": key,
    }


def test_an_external_id_without_a_source_is_refused(store: Store, spec_model: Model) -> None:
    store.load(spec_model)
    before = snapshot(store)
    orphan = Component(id="orphan", kind=Kind.SITE, external_id="x1")
    with pytest.raises(ModelError) as raised:
        store.apply(Changes(upsert_components=[orphan]))
    (issue,) = raised.value.issues
    assert (issue.component, issue.field) == ("orphan", "external_id")
    assert "source" in issue.message
    with pytest.raises(ModelError):
        store.load(Model.model_construct(components=(orphan,), dependencies=()))
    assert_unchanged(store, before)


def test_provenance_leaves_the_engine_answers_alone(store: Store, spec_model: Model) -> None:
    def answers() -> str:
        graph = store.read_graph()
        out = []
        for failures in ((Failure("dc1"),), (Failure("san1", at=3600, duration=7200),)):
            impact = propagate(graph, Scenario(failures=failures))
            out.append(impact.as_dict())
            for capacity in (None, Capacity(total=1)):
                out.append(plan(graph, impact, capacity).as_dict())
        return to_json(out)

    store.load(spec_model)
    plain = answers()
    store.load(with_provenance(spec_model))
    assert answers() == plain


# ---- apply -------------------------------------------------------------------------------------


def test_apply_writes_all_four_parts_at_once(store: Store, spec_model: Model) -> None:
    before = store.load(spec_model)
    changes = Changes(
        delete_dependencies=[("host1", "dc1", "located_at")],
        delete_components=["fraud-svc"],
        upsert_components=[
            Component(id="dc3", kind=Kind.SITE),
            Component(id="host1", kind=Kind.INFRASTRUCTURE, tier=2),
        ],
        upsert_dependencies=[
            Dependency(source="host1", target="dc3", type="located_at"),
            Dependency(source="payments-api", target="dc3", tolerance=60),
        ],
    )
    version = store.apply(changes)
    assert version > before and store.version() == version
    back = store.read()
    assert "fraud-svc" not in back.by_id
    assert back.component("host1") == Component(id="host1", kind=Kind.INFRASTRUCTURE, tier=2)
    expected = {e for e in edges(spec_model) if "fraud-svc" not in e[:2]}
    expected -= {("host1", "dc1", "located_at")}
    expected |= {("host1", "dc3", "located_at"), ("payments-api", "dc3", "depends_on")}
    assert edges(back) == expected


def test_apply_sees_its_own_earlier_parts(store: Store, spec_model: Model) -> None:
    store.load(spec_model)
    # a dependency on a component upserted in the same batch; a group given new members in
    # the same batch that deletes its only active one
    cluster = Component(id="db-cluster", kind=Kind.GROUP, min_up=1, members=(Member(id="db-new"),))
    store.apply(
        Changes(
            delete_components=["db-primary"],
            upsert_components=[cluster, Component(id="db-new", kind=Kind.SERVICE)],
            upsert_dependencies=[Dependency(source="db-new", target="host2", type="runs_on")],
        )
    )
    back = store.read()
    assert back.component("db-cluster").members == (Member(id="db-new"),)
    assert ("db-new", "host2", "runs_on") in edges(back)
    assert "db-primary" not in back.by_id


def test_apply_cascades_component_deletes(store: Store, spec_model: Model) -> None:
    store.load(spec_model)
    store.apply(Changes(delete_components=["host1", "db-standby"]))
    back = store.read()
    assert not {e for e in edges(back) if {"host1", "db-standby"} & set(e[:2])}
    assert back.component("db-cluster").members == (Member(id="db-primary"),)
    assert store.stats().members == 1


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        pytest.param(
            Changes(
                upsert_components=[Component(id="dc3", kind=Kind.SITE)],
                delete_dependencies=[("host1", "dc1", "located_at"), ("host1", "dc1", "runs_on")],
            ),
            UnknownDependencyError,
            id="unknown-dependency-delete",
        ),
        pytest.param(
            Changes(
                delete_dependencies=[("host1", "dc1", "located_at")],
                delete_components=["dc2", "ghost"],
            ),
            UnknownComponentError,
            id="unknown-component-delete",
        ),
        pytest.param(
            Changes(
                delete_components=["dc2"],
                upsert_components=[
                    Component(id="dc3", kind=Kind.SITE),
                    Component(id="pool", kind=Kind.GROUP, members=(Member(id="ghost"),)),
                ],
            ),
            ModelError,
            id="dangling-member",
        ),
        pytest.param(
            Changes(
                upsert_components=[Component(id="dc3", kind=Kind.SITE)],
                upsert_dependencies=[Dependency(source="dc3", target="dc2")],
                delete_components=["dc2"],
            ),
            ModelError,
            id="dependency-on-a-deleted-component",
        ),
        pytest.param(
            Changes(delete_components=["db-primary"]),
            ModelError,
            id="group-left-without-an-active-member",
        ),
    ],
)
def test_a_failing_part_changes_nothing(
    store: Store, spec_model: Model, changes: Changes, error: type[Exception]
) -> None:
    store.load(spec_model)
    before = snapshot(store)
    with pytest.raises(error):
        store.apply(changes)
    assert_unchanged(store, before)


def test_empty_changes_keep_the_version(store: Store, spec_model: Model) -> None:
    version = store.load(spec_model)
    assert not Changes()
    assert store.apply(Changes()) == version
    assert store.apply(Changes(), expect_version=version) == version
    with pytest.raises(VersionConflictError):
        store.apply(Changes(), expect_version=version - 1)
    assert store.version() == version


def test_expect_version_guards_apply(store: Store, spec_model: Model) -> None:
    version = store.load(spec_model)
    add = Changes(upsert_components=[Component(id="dc3", kind=Kind.SITE)])
    new = store.apply(add, expect_version=version)
    assert new > version
    before = snapshot(store)
    stale = Changes(upsert_components=[Component(id="dc4", kind=Kind.SITE)])
    with pytest.raises(VersionConflictError) as raised:
        store.apply(stale, expect_version=version)
    assert (raised.value.expected, raised.value.actual) == (version, new)
    assert raised.value.http_status == 412
    assert f"version {new}, not {version}" in str(raised.value)
    assert_unchanged(store, before)


def test_expect_version_guards_load(store: Store, spec_model: Model, estate: Callable) -> None:
    version = store.load(spec_model)
    other = estate(5)
    before = snapshot(store)
    with pytest.raises(VersionConflictError):
        store.load(other, expect_version=version + 1)
    assert_unchanged(store, before)
    new = store.load(other, expect_version=version)
    assert new > version and contents(store.read()) == contents(other)


def test_a_write_during_a_guarded_load_makes_the_load_fail(
    store: Store, store_url: str, spec_model: Model, estate: Callable
) -> None:
    """Neo4j writes a load in many transactions: a write that commits between the first
    check and the switch is caught at the switch (SQLite's load is one transaction)."""
    if store_url.startswith("sqlite:"):
        pytest.skip("a SQLite load is one transaction: no write can come in during it")
    version = store.load(spec_model)
    other = store.__class__(store_url)  # type: ignore[call-arg]
    slipped: list[int] = []

    def progress(done: int, total: int) -> None:
        if done and not slipped:
            add = Changes(upsert_components=[Component(id="slipped", kind=Kind.SITE)])
            slipped.append(other.apply(add))

    try:
        with pytest.raises(VersionConflictError) as raised:
            store.load(estate(3, n=30), progress=progress, expect_version=version)
    finally:
        other.close()
    assert (raised.value.expected, raised.value.actual) == (version, slipped[0])
    back = store.read()
    assert contents(back)[0] == contents(spec_model)[0] | {Component(id="slipped", kind=Kind.SITE)}
    assert store.version() == slipped[0]


def test_concurrent_loads_leave_the_model_of_the_last_one_that_succeeded(
    store: Store, store_url: str, estate: Callable
) -> None:
    """Loads racing each other: each one either succeeds or says another load replaced the
    model; the model is then the one whose load returned the highest version."""
    models = [estate(seed, n=60) for seed in (21, 22, 23)]
    results: list[tuple[int, int]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(models))

    def load(i: int) -> None:
        with open_store(store_url) as own:
            barrier.wait()
            for _ in range(3):
                try:
                    v = own.load(models[i])
                except BaseException as e:  # each one is judged below
                    with lock:
                        errors.append(e)
                else:
                    with lock:
                        results.append((v, i))

    threads = [threading.Thread(target=load, args=(i,)) for i in range(len(models))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert all(
        isinstance(e, StoreError) and "another load replaced the model" in str(e) for e in errors
    ), errors
    version, winner = max(results)
    assert store.version() == version, (sorted(results), [repr(e) for e in errors])
    assert contents(store.read()) == contents(models[winner])


def test_read_versioned_reads_the_version_with_its_model(store: Store, spec_model: Model) -> None:
    assert store.read_versioned() == (store.version(), store.read())
    loaded = store.load(spec_model)
    version, model = store.read_versioned()
    assert version == loaded and contents(model) == contents(spec_model)
    after = store.apply(Changes(upsert_components=[Component(id="dc3", kind=Kind.SITE)]))
    version, model = store.read_versioned()
    assert version == after and "dc3" in model.by_id


def test_read_versioned_is_consistent_under_writes(store: Store, store_url: str) -> None:
    """Every write adds one component: a snapshot at version v holds exactly the components
    of the writes up to v."""
    base = store.load(Model.build([Component(id="c-0", kind=Kind.SITE)]))
    stop = threading.Event()
    errors: list[BaseException] = []

    def write() -> None:
        try:
            with open_store(store_url) as own:
                i = 1
                while not stop.is_set() and i < 200:
                    own.apply(Changes(upsert_components=[Component(id=f"c-{i}", kind=Kind.SITE)]))
                    i += 1
        except BaseException as e:
            errors.append(e)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        seen = set()
        for _ in range(15):
            version, model = store.read_versioned()
            assert len(model.components) == version - base + 1, version
            seen.add(version)
    finally:
        stop.set()
        writer.join(timeout=120)
    assert not errors, errors


# ---- races -------------------------------------------------------------------------------------


def _racers(n: int) -> list[Changes]:
    return [
        Changes(upsert_components=[Component(id=f"racer-{i}", kind=Kind.SITE)]) for i in range(n)
    ]


def _race(apply: Callable[[int, Changes], int], n: int) -> tuple[list[int], list[BaseException]]:
    """``n`` threads call ``apply(i, changes_i)`` at once; what they returned and raised."""
    won: list[int] = []
    lost: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(n)
    racers = _racers(n)

    def run(i: int) -> None:
        barrier.wait()
        try:
            v = apply(i, racers[i])
        except BaseException as e:
            with lock:
                lost.append(e)
        else:
            with lock:
                won.append(v)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return won, lost


def _exactly_one_won(
    store: Store, version: int, won: list[int], lost: list[BaseException], n: int
) -> None:
    assert len(won) == 1, (won, lost)
    assert len(lost) == n - 1 and all(isinstance(e, VersionConflictError) for e in lost), lost
    assert store.version() == won[0] > version
    assert sum(cid.startswith("racer-") for cid in store.read().by_id) == 1


@pytest.mark.parametrize("shared", [True, False], ids=["one-store", "a-store-each"])
def test_racing_writers_from_one_version_one_wins(
    store: Store, store_url: str, spec_model: Model, shared: bool
) -> None:
    n = 6
    version = store.load(spec_model)
    own = [store if shared else open_store(store_url) for _ in range(n)]
    try:
        won, lost = _race(lambda i, ch: own[i].apply(ch, expect_version=version), n)
    finally:
        for s in own:
            if s is not store:
                s.close()
    _exactly_one_won(store, version, won, lost, n)


def _process_racer(url: str, i: int, version: int, barrier: object, results: object) -> None:
    with open_store(url) as own:
        barrier.wait()  # type: ignore[attr-defined]
        try:
            own.apply(_racers(i + 1)[i], expect_version=version)
        except VersionConflictError:
            results.put(("lost", i))  # type: ignore[attr-defined]
        except BaseException as e:
            results.put(("error", repr(e)))  # type: ignore[attr-defined]
        else:
            results.put(("won", i))  # type: ignore[attr-defined]


def test_racing_processes_from_one_version_one_wins(
    store: Store, store_url: str, spec_model: Model
) -> None:
    if not store_url.startswith("sqlite:"):
        pytest.skip("processes over one file are SQLite's case; the server has the thread race")
    n = 4
    version = store.load(spec_model)
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(n)
    results = ctx.Queue()
    procs = [
        ctx.Process(target=_process_racer, args=(store_url, i, version, barrier, results))
        for i in range(n)
    ]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=120) for _ in range(n)]
    for p in procs:
        p.join(timeout=60)
    assert sorted(o[0] for o in outcomes) == ["lost"] * (n - 1) + ["won"], outcomes
    assert store.version() == version + 1


def test_one_store_shared_by_threads_serves_them_all(store: Store, spec_model: Model) -> None:
    """A server shares one store object between its request threads."""
    store.load(spec_model)
    start = store.version()
    n, each = 6, 5
    errors: list[BaseException] = []
    versions: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(n)

    def work(w: int) -> None:
        try:
            barrier.wait()
            for i in range(each):
                c = Component(
                    id=f"t{w}-{i}", kind=Kind.SERVICE, source="api", external_id=f"{w}.{i}"
                )
                v = store.apply(
                    Changes(
                        upsert_components=[c],
                        upsert_dependencies=[Dependency(source=c.id, target="dc1")],
                    )
                )
                at, model = store.read_versioned()
                assert at >= v and c.id in model.by_id
                assert store.reachable("dc1", upward=True)
                store.keys()
                with lock:
                    versions.append(v)
        except BaseException as e:
            with lock:
                errors.append(e)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert sorted(versions) == list(range(start + 1, start + n * each + 1))
    assert len(store.read().components) == len(spec_model.components) + n * each


# ---- API keys ----------------------------------------------------------------------------------


def _digest(i: int) -> str:
    return f"{i:064x}"


@pytest.fixture
def key_ids(store_url: str) -> Iterator[Callable[[str], str]]:
    """Key ids of this test only (a server is shared, and keeps its keys): ``key_ids("a")``;
    the server's keys of this test are deleted afterwards."""
    prefix = f"k_{uuid.uuid4().hex[:12]}_"
    yield lambda name: prefix + name
    if not store_url.startswith("sqlite:"):
        from neo4j import GraphDatabase

        from impactgraph.store.neo4j import connection_settings

        uri, user, password, database = connection_settings(store_url)
        with GraphDatabase.driver(uri, auth=(user, password)) as driver:
            driver.execute_query(
                "MATCH (k:ApiKey) WHERE k.id STARTS WITH $prefix DETACH DELETE k",
                prefix=prefix,
                database_=database,
            )


def test_api_keys_are_kept_found_and_revoked(
    store: Store, spec_model: Model, key_ids: Callable[[str], str]
) -> None:
    a, b, zero, nope = key_ids("a"), key_ids("b"), key_ids("0"), key_ids("nope")

    def mine() -> list[ApiKeyRecord]:
        held = store.keys()
        return [k for k in held if k.id.startswith(key_ids(""))]

    version = store.load(spec_model)
    assert mine() == [] and store.key(a) is None
    late = ApiKeyRecord(id=a, role="admin", digest=_digest(1), created="2026-11-28T17:00:00Z")
    early = ApiKeyRecord(
        id=b, role="reader", digest=_digest(2), created="2026-11-28T16:50:00Z", name="ci"
    )
    tie = ApiKeyRecord(id=zero, role="editor", digest=_digest(3), created=late.created)
    for record in (late, early, tie):
        assert store.add_key(record) is None
    assert mine() == [early, tie, late]  # by created, then id
    assert store.key(b) == early and store.key(nope) is None
    with pytest.raises(ValueError):
        store.add_key(ApiKeyRecord(id=a, role="reader", digest=_digest(9), created="x"))
    assert store.key(a) == late

    assert store.revoke_key(a, "2026-11-29T08:00:00Z") is True
    assert store.key(a) == ApiKeyRecord(
        id=a, role="admin", digest=_digest(1), created=late.created, revoked="2026-11-29T08:00:00Z"
    )
    assert store.revoke_key(a, "2026-12-01T00:00:00Z") is True  # the first time stays
    assert store.key(a).revoked == "2026-11-29T08:00:00Z"  # type: ignore[union-attr]
    assert store.revoke_key(nope, "2026-11-29T08:00:00Z") is False
    assert store.version() == version  # keys are not the model

    store.load(spec_model)
    store.wipe()
    store.apply(Changes(upsert_components=[Component(id="dc9", kind=Kind.SITE)]))
    assert [k.id for k in mine()] == [b, zero, a]
    assert contents(store.read())[0] == frozenset({Component(id="dc9", kind=Kind.SITE)})


def test_key_records_refuse_what_no_caller_should_give() -> None:
    ok = {"id": "k_1", "role": "reader", "digest": _digest(1), "created": "2026-11-28T16:50:00Z"}
    ApiKeyRecord(**ok)
    for bad in (
        {"role": "root"},
        {"digest": "not-hex"},
        {"digest": "AB" * 32},
        {"id": ""},
        {"created": ""},
        {"name": ""},
    ):
        with pytest.raises(ValueError):
            ApiKeyRecord(**{**ok, **bad})
