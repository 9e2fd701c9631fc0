"""API keys: made with 256 random bits, kept as a digest, checked in constant time."""

from __future__ import annotations

import hashlib

import pytest

from impactgraph.apikeys import (
    CachedKeys,
    authenticate,
    create_key,
    parse_key,
    revoke_key,
)
from impactgraph.errors import UnknownApiKeyError
from impactgraph.store import Store


def test_a_key_is_kept_as_a_digest_only(store: Store) -> None:
    key, record = create_key(store, "editor", "sync")
    key_id, secret = parse_key(key) or ("", "")
    assert key_id == record.id and len(secret) >= 43  # 32 bytes, URL-safe base64
    stored = store.key(record.id)
    assert stored is not None and stored.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in repr(stored) and stored.digest not in repr(stored)
    assert authenticate(store, key) == stored
    assert authenticate(store, key + "x") is None
    assert authenticate(store, key.replace(record.id, "k_" + "0" * 16)) is None


def test_two_keys_differ(store: Store) -> None:
    assert create_key(store, "reader")[0] != create_key(store, "reader")[0]


def test_revoked_keys_fail_and_unknown_ids_are_errors(store: Store) -> None:
    key, record = create_key(store, "admin")
    revoked = revoke_key(store, record.id)
    assert revoked.revoked is not None
    assert authenticate(store, key) is None
    with pytest.raises(UnknownApiKeyError):
        revoke_key(store, "k_ffffffffffffffff")


def test_the_cache_forgets_and_expires(store: Store) -> None:
    key, record = create_key(store, "reader")
    cached = CachedKeys(store, seconds=60)
    assert authenticate(cached, key) is not None
    store.revoke_key(record.id, "2026-01-01T00:00:00Z")
    assert authenticate(cached, key) is not None  # trusted for up to 60 s …
    cached.forget(record.id)
    assert authenticate(cached, key) is None  # … unless told
    assert authenticate(CachedKeys(store, seconds=0), key) is None


def test_bad_roles_are_refused(store: Store) -> None:
    with pytest.raises(Exception, match="role"):
        create_key(store, "root")
