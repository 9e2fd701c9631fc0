"""The server's estate: one snapshot per model version, built once however many requests ask,
seen again after a write made elsewhere; answers kept per snapshot."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from impactgraph.api.estate import Estate, Planned, Snapshot
from impactgraph.api.settings import Settings
from impactgraph.errors import TooLargeError, UnknownComponentError, VersionConflictError
from impactgraph.model import Component, Kind, Model
from impactgraph.store import Store, open_store
from impactgraph.store.base import Changes


def site(cid: str) -> Component:
    return Component(id=cid, kind=Kind.SITE)


def test_snapshot_builds_its_graph_once_for_all_threads() -> None:
    snapshot = Snapshot(1, Model.build([site("dc1"), site("dc2")]))
    with ThreadPoolExecutor(16) as pool:
        graphs = list(pool.map(lambda _: snapshot.graph, range(64)))
    assert all(g is graphs[0] for g in graphs) and graphs[0].n == 2
    with pytest.raises(UnknownComponentError):
        snapshot.component("dc9")


def test_answers_are_computed_once_and_bounded() -> None:
    snapshot = Snapshot(1, Model.build([site("dc1")]), answer_cache=2)
    calls = []
    gate = threading.Event()

    def slow() -> int:
        calls.append(1)
        gate.wait(5)
        return 42

    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(snapshot.answer, "q", slow) for _ in range(8)]
        gate.set()
        assert {f.result() for f in futures} == {42}
    assert len(calls) == 1
    snapshot.answer("a", lambda: 1)
    snapshot.answer("b", lambda: 2)  # "q" is the least recently used: gone
    assert snapshot.answer("q", lambda: 43) == 43


def test_answers_are_bounded_in_bytes_too() -> None:
    snapshot = Snapshot(1, Model.build([site("dc1")]), answer_cache=100, answer_bytes=1000)
    for n in range(5):  # 5 × 240 bytes: the oldest goes when the total passes 1,000
        snapshot.answer(n, lambda n=n: bytes([n]) * 240)
    assert snapshot.answer(0, lambda: b"again") == b"again"
    assert snapshot.answer(4, lambda: b"again") == bytes([4]) * 240
    big = b"x" * 251  # past a quarter of the budget: answered, never kept
    assert snapshot.answer("big", lambda: big) is big
    assert snapshot.answer("big", lambda: b"recomputed") == b"recomputed"
    assert snapshot.answer(4, lambda: b"again") == bytes([4]) * 240  # the big one pushed nothing


def test_a_failed_answer_is_not_kept() -> None:
    snapshot = Snapshot(1, Model.build([site("dc1")]))

    def boom() -> int:
        raise ValueError("no")

    with pytest.raises(ValueError):
        snapshot.answer("x", boom)
    assert snapshot.answer("x", lambda: 7) == 7


@pytest.fixture
def two_stores(store_url: str, store: Store) -> tuple[Store, Store]:
    return store, open_store(store_url)


def test_a_write_through_another_estate_is_seen(two_stores: tuple[Store, Store]) -> None:
    a, b = (Estate(s) for s in two_stores)
    first = a.snapshot()
    assert a.snapshot() is first  # no write: the same snapshot
    b.write(lambda snap: Planned(Changes(upsert_components=(site("dc1"),)), None))
    seen = a.snapshot()
    assert seen is not first and "dc1" in seen.model.by_id
    two_stores[1].close()


def test_a_stale_expected_version_is_refused(store: Store) -> None:
    estate = Estate(store)
    version, _ = estate.write(lambda s: Planned(Changes(upsert_components=(site("dc1"),)), None))
    with pytest.raises(VersionConflictError) as caught:
        estate.write(
            lambda s: Planned(Changes(upsert_components=(site("dc2"),)), None),
            expect_version=version - 1,
        )
    assert caught.value.actual == version
    assert estate.snapshot().version == version


def test_empty_changes_write_nothing(store: Store) -> None:
    estate = Estate(store)
    before = store.version()
    version, result = estate.write(lambda s: Planned(Changes(), "same"))
    assert (version, result) == (before, "same") and store.version() == before


def test_the_component_limit(store: Store) -> None:
    estate = Estate(store, max_components=2)
    estate.write(lambda s: Planned(Changes(upsert_components=(site("a"), site("b"))), None))
    with pytest.raises(TooLargeError):
        estate.write(lambda s: Planned(Changes(upsert_components=(site("c"),)), None))
    # replacing and deleting stay allowed
    estate.write(
        lambda s: Planned(Changes(upsert_components=(site("c"),), delete_components=("a",)), None)
    )
    assert sorted(estate.snapshot().model.by_id) == ["b", "c"]


def test_settings_from_the_environment_hide_the_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("IMPACTGRAPH_STORE", "neo4j://neo4j:hunter2@db:7687")
    monkeypatch.setenv("IMPACTGRAPH_MAX_PAGE", "50")
    settings = Settings()
    assert settings.store == "neo4j://neo4j:hunter2@db:7687" and settings.max_page == 50
    assert "hunter2" not in repr(settings) and "hunter2" not in str(settings)
    assert settings.store_label == "neo4j://neo4j:***@db:7687"


def test_an_app_stopped_at_once_leaves_its_store_closable(store: Store) -> None:
    """The app warms its snapshot up in a thread; stopping the app waits for it, so that the
    store closed next is never closed under a read in flight (a Neo4j driver fails then)."""
    from fastapi.testclient import TestClient

    from impactgraph.api import Settings, create_app
    from impactgraph.model import Component, Dependency, Kind

    n = 400
    comps = [site("dc"), *(Component(id=f"s{i}", kind=Kind.SERVICE) for i in range(n))]
    store.load(Model.build(comps, [Dependency(source=f"s{i}", target="dc") for i in range(n)]))
    for _ in range(5):
        with TestClient(create_app(Settings(), store=store)):
            pass  # started (the warm-up begins) and stopped at once
        assert not any(t.name == "warm-up" and t.is_alive() for t in threading.enumerate())
    assert store.version() >= 1  # the store still answers
