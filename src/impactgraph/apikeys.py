"""API keys for the HTTP API: made here, kept hashed in the store, checked in constant time.

A key reads ``igk_<id>_<secret>``: ``<id>`` (``k_`` and 16 hex digits) names the key in
listings and revocations; ``<secret>`` is 256 random bits from :mod:`secrets`, URL-safe base64.
The store keeps only the hex SHA-256 of the secret (:class:`~impactgraph.store.base.
ApiKeyRecord`), so the key is shown once, when it is made, and never again. A presented key is
looked up by its id and its secret's digest compared with :func:`hmac.compare_digest`; an
unknown id costs the same comparison against a stand-in digest.

Roles, least to most: ``reader`` (read the estate, ask questions), ``editor`` (and change the
estate), ``admin`` (and manage keys).

>>> parse_key("igk_k_0123456789abcdef_" + "A" * 43)
('k_0123456789abcdef', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')
>>> parse_key("Bearer nonsense") is None
True
>>> allows("editor", "reader"), allows("reader", "editor")
(True, False)
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from datetime import UTC, datetime
from typing import Protocol

from impactgraph.errors import InputError, UnknownApiKeyError, quote
from impactgraph.store.base import KEY_ROLES, ApiKeyRecord, Store

#: the roles a key may have, least to most
ROLES = KEY_ROLES
PREFIX = "igk_"
#: the longest text read as a key (a real one is 66 characters)
MAX_KEY_LENGTH = 200
_KEY = re.compile(r"^igk_(k_[0-9a-f]{16})_([A-Za-z0-9_-]{43,128})$")
_STAND_IN = hashlib.sha256(b"no such key").hexdigest()


def digest(secret: str) -> str:
    """The hex SHA-256 of a key's secret, as the store keeps it."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def now() -> str:
    """The time now, ISO 8601 UTC to the second (``2026-11-28T16:50:00Z``)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def allows(role: str, needed: str) -> bool:
    """Whether a key of ``role`` may do what ``needed`` may (roles are ordered)."""
    return ROLES.index(role) >= ROLES.index(needed)


def check_role(role: str) -> str:
    """``role`` if it is one of :data:`ROLES`, else an :class:`InputError`."""
    if role not in ROLES:
        raise InputError(f"role {quote(role)} is not one of {', '.join(ROLES)}")
    return role


def parse_key(presented: str) -> tuple[str, str] | None:
    """``(id, secret)`` of a key in the ``igk_<id>_<secret>`` form, else None."""
    if len(presented) > MAX_KEY_LENGTH:
        return None
    match = _KEY.match(presented)
    return (match.group(1), match.group(2)) if match else None


def create_key(store: Store, role: str, name: str | None = None) -> tuple[str, ApiKeyRecord]:
    """Make a key of ``role``, keep its record (the secret's digest only) in ``store``, and
    return the key text (to show once) with the record."""
    check_role(role)
    if name is not None and not name.strip():
        name = None
    key_id = "k_" + secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)  # 256 bits
    record = ApiKeyRecord(id=key_id, role=role, digest=digest(secret), created=now(), name=name)
    store.add_key(record)
    return f"{PREFIX}{key_id}_{secret}", record


class KeyLookup(Protocol):
    """Where key records are looked up: a store, or :class:`CachedKeys` in front of one."""

    def key(self, key_id: str) -> ApiKeyRecord | None:
        """The record with this id, or None."""
        ...


class CachedKeys:
    """Key records looked up in a store and trusted for ``seconds`` (0: always asked).

    A server checks a key on every request; this spares the store most of those look-ups. A
    key revoked through this process is forgotten at once, one revoked through another
    process (or the CLI) stops working within ``seconds``.
    """

    def __init__(self, store: Store, seconds: float) -> None:
        self.store = store
        self.seconds = seconds
        self._lock = threading.Lock()
        self._records: dict[str, tuple[float, ApiKeyRecord | None]] = {}

    def key(self, key_id: str) -> ApiKeyRecord | None:
        """The record with this id (from the store at most ``seconds`` ago), or None."""
        if self.seconds <= 0:
            return self.store.key(key_id)
        now_ = time.monotonic()
        with self._lock:
            held = self._records.get(key_id)
        if held is not None and now_ - held[0] < self.seconds:
            return held[1]
        record = self.store.key(key_id)
        with self._lock:
            if len(self._records) > 10_000:  # unknown ids must not grow it without end
                self._records.clear()
            self._records[key_id] = (now_, record)
        return record

    def forget(self, key_id: str) -> None:
        """Drop what is held about ``key_id`` (after a revoke)."""
        with self._lock:
            self._records.pop(key_id, None)


def authenticate(store: KeyLookup, presented: str) -> ApiKeyRecord | None:
    """The record of a valid, unrevoked key, else None (never an error that says why)."""
    parsed = parse_key(presented.strip())
    key_id, secret = parsed if parsed else ("", presented[:MAX_KEY_LENGTH])
    record = store.key(key_id) if parsed else None
    expected = record.digest if record is not None else _STAND_IN
    matches = hmac.compare_digest(expected.encode(), digest(secret).encode())
    if record is None or not matches or record.revoked is not None:
        return None
    return record


def revoke_key(store: Store, key_id: str) -> ApiKeyRecord:
    """Revoke the key ``key_id`` (a key revoked before stays revoked since then); its record.
    An id the store lacks is an :class:`~impactgraph.errors.UnknownApiKeyError`."""
    if not store.revoke_key(key_id, now()):
        raise UnknownApiKeyError(
            f"no API key {quote(key_id)}; 'impactgraph apikey list' lists them"
        )
    record = store.key(key_id)
    assert record is not None
    return record
