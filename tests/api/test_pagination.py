"""Keyset pages neither skip nor repeat while another client writes."""

from __future__ import annotations

import threading
import time

from fastapi.testclient import TestClient

Auth = dict[str, dict[str, str]]

STABLE = [f"c{i:03d}" for i in range(120)]


def test_pages_neither_skip_nor_repeat_under_writes(client: TestClient, auth: Auth) -> None:
    model = {"version": 1, "components": [{"id": cid, "kind": "site"} for cid in STABLE]}
    assert client.put("/v1/model", json=model, headers=auth["editor"]).status_code == 200
    stop = threading.Event()
    writes = 0

    def writer() -> None:  # ids that fall between the stable ones, made and deleted
        nonlocal writes
        n = 0
        while not stop.is_set():
            cid = f"c{n % 120:03d}-{n}"
            r = client.post(
                "/v1/components", json={"id": cid, "kind": "site"}, headers=auth["editor"]
            )
            assert r.status_code == 201, r.text
            if n % 2:
                assert (
                    client.delete(f"/v1/components/{cid}", headers=auth["editor"]).status_code
                    == 204
                )
            n += 1
            writes = n

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        seen: list[str] = []
        versions = set()
        cursor = None
        while True:
            params = {"limit": "7", **({"cursor": cursor} if cursor else {})}
            r = client.get("/v1/components", params=params, headers=auth["reader"])
            assert r.status_code == 200, r.text
            page = r.json()
            versions.add(page["version"])
            seen += [c["id"] for c in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
            # let at least one write land between this page and the next, however slow the
            # store's writes are next to its reads (Neo4j): the pages must interleave
            written, deadline = writes, time.monotonic() + 30
            while writes == written and time.monotonic() < deadline:
                time.sleep(0.005)
    finally:
        stop.set()
        thread.join()
    assert writes > 3 and len(versions) > 1, "the writer did not interleave with the pages"
    assert len(seen) == len(set(seen)), "a component was listed twice"
    assert seen == sorted(seen)
    assert set(STABLE) <= set(seen), "a component that was there throughout was skipped"


def test_dependency_pages_cover_all(client: TestClient, auth: Auth, spec_loaded: int) -> None:
    everything = client.get("/v1/dependencies", params={"limit": "1000"}, headers=auth["reader"])
    total = [tuple(d.values()) for d in everything.json()["items"]]
    seen, cursor = [], None
    while True:
        params = {"limit": "3", **({"cursor": cursor} if cursor else {})}
        page = client.get("/v1/dependencies", params=params, headers=auth["reader"]).json()
        seen += [tuple(d.values()) for d in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            break
    assert seen == total and len(total) == 13
