"""What a stored row may hold, checked before the rows become a model or a graph.

A store holds only what impactgraph validated and wrote, unless someone edited it by hand (or
another program, or a newer impactgraph, wrote it). Rows are read without pydantic, so each
column is checked here, once for both stores, at C speed on the good path (the set of types
in a column, its minimum and maximum); only when something is wrong is the first bad row
looked for, and reported as a :class:`~impactgraph.errors.StoreIntegrityError` that names the
table, the row and the column, never as a ``KeyError`` or a ``JSONDecodeError``.

>>> check_column(["dc1", "host1"], (3600, "soon"), "rto", DURATION, "the store")
Traceback (most recent call last):
impactgraph.errors.StoreIntegrityError: the store holds 'soon' in components row 'host1', \
column rto, where impactgraph writes a whole number of seconds from 0 to 3153600000 or nothing; \
it was edited by hand or written by another program: load the model again \
(impactgraph load FILE) or fix that row
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import compress, repeat
from operator import is_not
from typing import Any, NamedTuple

from impactgraph.durations import MAX_SECONDS
from impactgraph.errors import StoreIntegrityError
from impactgraph.model import (
    MAX_EXTERNAL_ID,
    MAX_IMPACT_PER_HOUR,
    MAX_MIN_UP,
    MAX_SOURCE,
    valid_external_id,
    valid_source,
)
from impactgraph.store.base import KEY_ROLES, ApiKeyRecord, valid_digest

_NONE = type(None)
#: the longest value quoted in a message
_QUOTE = 60


class Rule(NamedTuple):
    """The Python types a column may hold, the range of its numbers, a test of its texts, and
    how to say so."""

    types: frozenset[type]
    low: float | None
    high: float | None
    expected: str
    #: a test every text value must pass (None: any text)
    valid: Callable[[Any], bool] | None = None


def _rule(
    types: set[type],
    expected: str,
    low: float | None = None,
    high: float | None = None,
    valid: Callable[[Any], bool] | None = None,
) -> Rule:
    return Rule(frozenset(types), low, high, expected, valid)


TEXT = _rule({str}, "text")
OPTIONAL_TEXT = _rule({str, _NONE}, "text or nothing")
DURATION = _rule(
    {int, _NONE}, f"a whole number of seconds from 0 to {MAX_SECONDS} or nothing", 0, MAX_SECONDS
)
REQUIRED_DURATION = _rule(
    {int}, f"a whole number of seconds from 0 to {MAX_SECONDS}", 0, MAX_SECONDS
)
#: the rule of each component column (a column without one is not checked)
COMPONENT_RULES: Mapping[str, Rule] = {
    "id": TEXT,
    "name": OPTIONAL_TEXT,
    "type": OPTIONAL_TEXT,
    "tier": _rule({int, _NONE}, "a whole number from 1 to 9 or nothing", 1, 9),
    **dict.fromkeys(
        ("rto", "rpo", "mtpd", "recovery_time", "restart_time", "backup_interval"), DURATION
    ),
    "impact_per_hour": _rule(
        {int, float, _NONE},
        f"a finite amount from 0 to {MAX_IMPACT_PER_HOUR:.0f} or nothing",
        0,
        MAX_IMPACT_PER_HOUR,
    ),
    "owner": OPTIONAL_TEXT,
    "team": OPTIONAL_TEXT,
    "min_up": _rule(
        {int, _NONE}, f"a whole number from 0 to {MAX_MIN_UP} or nothing", 0, MAX_MIN_UP
    ),
    "source": _rule(
        {str, _NONE},
        f"1 to {MAX_SOURCE} letters, digits, '.', '_' or '-', or nothing",
        valid=valid_source,
    ),
    "external_id": _rule(
        {str, _NONE},
        f"text of 1 to {MAX_EXTERNAL_ID} characters without control characters, or nothing",
        valid=valid_external_id,
    ),
}


def damaged(holder: str, value: Any, where: str, expected: str) -> StoreIntegrityError:
    """The error for ``value`` found at ``where`` (``components row 'x', column rto``)."""
    quoted = repr(value)
    if len(quoted) > _QUOTE:
        quoted = quoted[: _QUOTE - 1] + "…"
    return StoreIntegrityError(
        f"{holder} holds {quoted} in {where}, where impactgraph writes {expected}; it was "
        "edited by hand or written by another program: load the model again "
        "(impactgraph load FILE) or fix that row"
    )


def _fits(value: Any, rule: Rule) -> bool:
    if type(value) not in rule.types:
        return False
    if value is None:
        return True
    if rule.valid is not None:
        return rule.valid(value)
    if rule.low is None or rule.high is None:
        return True
    return bool(math.isfinite(value) and rule.low <= value <= rule.high)


def check_column(
    rows: Sequence[Any], values: Sequence[Any], column: str, rule: Rule, holder: str,
    table: str = "components",
) -> None:  # fmt: skip
    """Raise :func:`damaged` for the first of ``values`` that ``rule`` refuses; ``rows[i]``
    names the row of ``values[i]``."""
    found = set(map(type, values))
    if found <= rule.types:
        if rule.valid is None and (rule.low is None or rule.high is None):
            return
        given = (
            values
            if _NONE not in found
            else list(compress(values, map(is_not, values, repeat(None))))
        )
        if rule.valid is not None:
            if all(map(rule.valid, given)):
                return
        elif not given:
            return
        else:
            finite = float not in found or all(map(math.isfinite, given))
            if finite and rule.low <= min(given) and max(given) <= rule.high:
                return
    for row, value in zip(rows, values, strict=True):
        if not _fits(value, rule):
            raise damaged(holder, value, f"{table} row {row!r}, column {column}", rule.expected)


def check_provenance(
    ids: Sequence[Any], sources: Sequence[Any], external_ids: Sequence[Any], holder: str
) -> None:
    """Every ``external_id`` (checked by :func:`check_column`) has its ``source``, and no two
    components share a ``(source, external_id)``."""
    seen: dict[tuple[Any, Any], Any] = {}
    for cid, source, external_id in zip(ids, sources, external_ids, strict=True):
        if external_id is None:
            continue
        where = f"components row {cid!r}, column"
        if source is None:
            raise damaged(holder, None, f"{where} source", "the source of its external_id")
        first = seen.setdefault((source, external_id), cid)
        if first != cid:
            raise damaged(
                holder, external_id, f"{where} external_id",
                f"an external_id of source {source!r} that no other component has (component "
                f"{first!r} has it too)",
            )  # fmt: skip


def check_ids(ids: Sequence[Any], index: Mapping[Any, int], holder: str) -> None:
    """Every component id (text, see :func:`check_column`) is not empty and there once."""
    if "" in index:
        raise damaged(holder, "", "components, column id", "a non-empty id")
    if len(index) != len(ids):
        twice = next(i for i, n in Counter(ids).items() if n > 1)
        raise damaged(holder, twice, "components, column id", "each id once")


def decoded_tags(
    ids: Sequence[Any], stored: Sequence[Any], decode: Callable[[Any], tuple[str, ...]], holder: str
) -> tuple[tuple[str, ...], ...]:
    """Each component's tags (``decode`` reads one stored value), every tag text."""
    try:
        decoded: Iterable[tuple[Any, ...]]
        try:  # most components have no tags, the rest a few distinct values: one call each
            distinct = {value: decode(value) for value in set(stored) if value is not None}
        except TypeError:  # values that cannot be hashed (lists): one call for each
            tags = decoded = tuple([() if value is None else decode(value) for value in stored])
        else:
            decoded = distinct.values()
            distinct[None] = ()
            tags = tuple(map(distinct.__getitem__, stored))
        if all(type(t) is str for row in decoded for t in row):
            return tags
    except (ValueError, TypeError):
        pass
    for cid, value in zip(ids, stored, strict=True):
        try:
            row = decode(value)
        except (ValueError, TypeError):
            row = None
        if row is None or not all(type(t) is str for t in row):
            raise damaged(
                holder, value, f"components row {cid!r}, column tags", "a list of text tags"
            )
    raise AssertionError("unreachable: a tag failed the check above")  # pragma: no cover


def missing(holder: str, table: str, row: Any, column: str, value: Any) -> StoreIntegrityError:
    """The error for a row that names a component the store does not hold."""
    return damaged(
        holder, value, f"{table} row {row!r}, column {column}", "the id of a stored component"
    )


# ---- API keys ---------------------------------------------------------------------------------

_NON_EMPTY = _rule({str}, "non-empty text", valid=bool)
_OPTIONAL_NON_EMPTY = _rule({str, _NONE}, "non-empty text or nothing", valid=bool)
#: the rule of each ``api_keys`` column, in :class:`~impactgraph.store.base.ApiKeyRecord` order
KEY_RULES: Mapping[str, Rule] = {
    "id": _NON_EMPTY,
    "role": _rule({str}, f"one of {', '.join(KEY_ROLES)}", valid=KEY_ROLES.__contains__),
    "digest": _rule({str}, "a hex SHA-256 (64 lowercase hex digits)", valid=valid_digest),
    "created": _NON_EMPTY,
    "name": _OPTIONAL_NON_EMPTY,
    "revoked": _OPTIONAL_NON_EMPTY,
}


def key_records(rows: Sequence[Sequence[Any]], holder: str) -> list[ApiKeyRecord]:
    """API key records from their stored rows (:data:`KEY_RULES` order), each column checked
    first: a row the store cannot have written is a :func:`damaged` error naming it."""
    if not rows:
        return []
    if set(map(len, rows)) != {len(KEY_RULES)}:
        raise StoreIntegrityError(f"{holder} holds an API key row of the wrong width")
    ids = [row[0] for row in rows]
    for at, (column, rule) in enumerate(KEY_RULES.items()):
        check_column(ids, [row[at] for row in rows], column, rule, holder, "api_keys")
    return [ApiKeyRecord(*row) for row in rows]
