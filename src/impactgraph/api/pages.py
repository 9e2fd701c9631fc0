"""Keyset pagination: pages of items in key order, each after the last key of the one before.

A cursor is the last key of a page (opaque to clients: URL-safe base64 of JSON). A page is
read from the model version current when it is asked for, and holds the items whose key comes
after the cursor; so an item that is there from the first page to the last is listed exactly
once, whatever is written in between (one created or deleted meanwhile may or may not be). The
last page may be empty.

>>> keys = ["a", "b", "c", "d"]
>>> page(keys, None, 2, lambda k: True)
(['a', 'b'], 'b')
>>> page(keys, decode_cursor(encode_cursor(("b",)), 1)[0], 2, lambda k: k != "c")
(['d'], None)
"""

from __future__ import annotations

import base64
import binascii
import bisect
import json
from collections.abc import Callable, Sequence
from typing import TypeVar

from impactgraph.errors import Issue, RequestError

K = TypeVar("K", str, tuple[str, str, str])

#: the longest cursor read
MAX_CURSOR = 4096


def encode_cursor(key: tuple[str, ...]) -> str:
    """The cursor that asks for the items after ``key``."""
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def decode_cursor(text: str, parts: int) -> tuple[str, ...]:
    """The key a cursor names (``parts`` strings); a 422 for one this server did not make."""
    try:
        if len(text) > MAX_CURSOR:
            raise ValueError
        key = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        if not (
            isinstance(key, list) and len(key) == parts and all(isinstance(k, str) for k in key)
        ):
            raise ValueError
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise RequestError(
            [
                Issue(
                    "not a cursor this server gave; pass the next_cursor of the page before, or "
                    "leave it out for the first page",
                    field="cursor",
                    path=("query", "cursor"),
                )
            ]
        ) from None
    return tuple(key)


def page(
    keys: Sequence[K], after: K | None, limit: int, keep: Callable[[K], bool]
) -> tuple[list[K], K | None]:
    """Up to ``limit`` keys after ``after`` (sorted ``keys``) that ``keep`` keeps, and the key
    to continue after (None: there are no more)."""
    start = 0 if after is None else bisect.bisect_right(keys, after)
    out: list[K] = []
    at = start
    while at < len(keys) and len(out) < limit:
        if keep(keys[at]):
            out.append(keys[at])
        at += 1
    more = at < len(keys) and len(out) == limit
    return out, (out[-1] if more and out else None)
