"""Ids: readable slugs, clashes settled the same way whatever the order."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from impactgraph.importers.ids import assign, candidates, slug

names = st.lists(
    st.tuples(st.text(max_size=6), st.sampled_from(["server", "db", "app"])),
    min_size=1,
    max_size=30,
)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(names, st.randoms())
def test_ids_are_unique_slugs_and_do_not_depend_on_order(
    rows: list[tuple[str, str]], rnd: object
) -> None:
    offers = {
        f"key{i}": candidates(f"key{i}", n, f"{n} {c}", fallback=c) for i, (n, c) in enumerate(rows)
    }
    ids = assign(offers)
    assert sorted(ids) == sorted(offers)
    assert len(set(ids.values())) == len(ids)
    assert all(slug(v) == v and v for v in ids.values())
    keys = list(offers)
    rnd.shuffle(keys)  # type: ignore[attr-defined]
    assert assign({k: offers[k] for k in keys}) == ids


def test_unique_names_keep_their_plain_slug() -> None:
    ids = assign({k: candidates(k, n, f"{n} server") for k, n in [("a", "Web 1"), ("b", "DB")]})
    assert ids == {"a": "web-1", "b": "db"}
