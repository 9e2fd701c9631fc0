"""A record's fields read into model values, as the mapping's ``fields`` say.

Sources write values their own way: ServiceNow gives a reference as a sys_id with a display
value, a duration as ``1970-01-01 04:00:00`` (glide duration) or ``4 Hours``, a criticality as
``1 - most critical``; spreadsheets write ``50,000`` and ``4h``. Each reader hands over a
getter that gives ``(value, display)`` for a field name; this module makes model values of
them, and counts what it cannot read (``unreadable_value``) instead of failing the import.

>>> duration_seconds("1970-01-02 04:00:00"), duration_seconds("2 Hours 30 Minutes")
(100800, 9000)
>>> duration_seconds("4"), duration_seconds(4, unit="h")
Traceback (most recent call last):
...
ValueError: unit-less duration '4' is ambiguous; give the mapping's field a unit (unit: h)
>>> tier_number("1 - most critical"), money("$50,000")
(1, 50000.0)
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from impactgraph.durations import MAX_SECONDS, parse_duration
from impactgraph.errors import DurationError, quote
from impactgraph.importers.mapping import COMPONENT_FIELDS, DURATION_FIELDS, FieldRule, Fields
from impactgraph.importers.result import Tallies
from impactgraph.model import MAX_IMPACT_PER_HOUR

#: ``(value, display value)`` of a field, or None when the record does not have it
Raw = tuple[Any, Any]
Getter = Callable[[str], Raw | None]

MAX_TAGS = 1000
MAX_TEXT = 10_000
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_GLIDE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$")
_CLOCK = re.compile(r"^(\d+):([0-5]\d)(?::([0-5]\d))?$")
_WORD_UNITS = {
    "week": 604800,
    "day": 86400,
    "hour": 3600,
    "hr": 3600,
    "minute": 60,
    "min": 60,
    "second": 1,
    "sec": 1,
}
_WORDS = re.compile(r"(\d+(?:\.\d+)?)\s*(weeks?|days?|hours?|hrs?|minutes?|mins?|seconds?|secs?)")
_LEADING_NUMBER = re.compile(r"^\s*(\d{1,3})(?!\d)")
_EPOCH = datetime(1970, 1, 1)


def text(raw: Raw | None, prefer_display: bool = True) -> str | None:
    """The field as text (its display value first), stripped; None when empty."""
    if raw is None:
        return None
    first, second = (raw[1], raw[0]) if prefer_display else raw
    for v in (first, second):
        if isinstance(v, str) and v.strip():
            return v.strip()[:MAX_TEXT]
        if isinstance(v, int | float) and not isinstance(v, bool):
            return str(v)
    return None


def duration_seconds(value: Any, unit: str | None = None) -> int:
    """A duration in any of the forms sources write, as seconds (``ValueError`` if none)."""
    if isinstance(value, bool):
        raise ValueError(f"{str(value).lower()} is not a duration")
    if isinstance(value, int | float):
        return _scaled(value, unit, value)
    if not isinstance(value, str):
        raise ValueError(f"{quote(value)} is not a duration")
    s = value.strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", s):
        return _scaled(float(s), unit, value)
    glide = _GLIDE.match(s)
    if glide:
        y, mo, d, h, mi, se = (int(g) for g in glide.groups())
        try:
            delta = datetime(y, mo, d, h, mi, se) - _EPOCH
        except ValueError:
            raise ValueError(f"{quote(value)} is not a duration") from None
        return _bounded(int(delta.total_seconds()), value)
    clock = _CLOCK.match(s)
    if clock:
        h, mi, se = (int(g) if g else 0 for g in clock.groups())
        return _bounded(h * 3600 + mi * 60 + se, value)
    low = s.lower()
    words = list(_WORDS.finditer(low))
    if words and not _WORDS.sub("", low).replace(",", "").replace("and", "").strip():
        total = sum(float(m.group(1)) * _word_unit(m.group(2)) for m in words)
        return _bounded(round(total), value)
    try:
        seconds = parse_duration(s)
    except DurationError as e:
        raise ValueError(str(e)) from None
    return _bounded(seconds or 0, value)


def _word_unit(word: str) -> int:
    return _WORD_UNITS[word.rstrip("s") if word.rstrip("s") in _WORD_UNITS else word]


def _scaled(number: float, unit: str | None, written: Any) -> int:
    if unit is None:
        raise ValueError(
            f"unit-less duration {quote(written)} is ambiguous; give the mapping's field a unit "
            "(unit: h)"
        )
    if not math.isfinite(number) or number < 0:
        raise ValueError(f"{quote(written)} is not a duration")
    return _bounded(round(number * _UNITS[unit]), written)


def _bounded(seconds: int, written: Any) -> int:
    if not 0 <= seconds <= MAX_SECONDS:
        raise ValueError(f"duration {quote(written)} is negative or longer than 100 years")
    return seconds


def tier_number(value: Any, lookup: dict[str, Any] | None = None) -> int:
    """A tier 1–9 from a number, a word of the mapping's ``values``, or text starting with
    the number (``1 - most critical``)."""
    if isinstance(value, str) and lookup and value.strip().lower() in lookup:
        value = lookup[value.strip().lower()]
    if isinstance(value, bool):
        raise ValueError(f"{str(value).lower()} is not a tier")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        m = _LEADING_NUMBER.match(value)
        if not m:
            raise ValueError(f"{quote(value)} is not a tier (1 to 9)")
        value = int(m.group(1))
    if not isinstance(value, int) or not 1 <= value <= 9:
        raise ValueError(f"{quote(value)} is not a tier (1 to 9)")
    return value


def money(value: Any) -> float:
    """An amount per hour from a number or text (``50,000``, ``$1200``, ``1 200.50``)."""
    if isinstance(value, bool):
        raise ValueError(f"{str(value).lower()} is not an amount")
    if isinstance(value, str):
        cleaned = re.sub(r"[\s,_']", "", value).lstrip("$€£¥")
        try:
            value = float(cleaned)
        except ValueError:
            raise ValueError(f"{quote(value)} is not an amount") from None
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{quote(value)} is not an amount")
    if not 0 <= value <= MAX_IMPACT_PER_HOUR:
        raise ValueError(f"{quote(value)} is outside 0..{MAX_IMPACT_PER_HOUR:,.0f}")
    return float(value)


def count(value: Any) -> int:
    """A whole number of at least 1 (a cluster's ``min_up``)."""
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 9:
        value = int(value.strip())
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10**7:
        raise ValueError(f"{quote(value)} is not a whole number of at least 1")
    return value


def tag_list(value: Any) -> tuple[str, ...]:
    """Tags from a list, or from text separated by commas or semicolons; duplicates dropped."""
    if isinstance(value, str):
        items: list[Any] = re.split(r"[,;]", value)
    elif isinstance(value, list | tuple):
        items = list(value[: MAX_TAGS + 1])
    else:
        raise ValueError(f"{quote(value)} is not a list of tags")
    out: dict[str, None] = {}
    for item in items:
        if isinstance(item, str | int | float) and not isinstance(item, bool):
            t = str(item).strip()[:MAX_TEXT]
            if t:
                out[t] = None
    if len(out) > MAX_TAGS:
        raise ValueError(f"more than {MAX_TAGS} tags")
    return tuple(out)


def convert(target: str, raw: Raw, rule: FieldRule) -> Any:
    """The model value of field ``target`` from ``raw``; ``ValueError`` when it cannot be read.
    None when the field is empty."""
    value, display = raw
    if rule.values:
        for v in (value, display):
            if isinstance(v, str) and v.strip().lower() in rule.lookup:
                value = display = rule.lookup[v.strip().lower()]
                break
    if target in DURATION_FIELDS:
        return _first_of(raw_pair(value, display), lambda v: duration_seconds(v, rule.unit))
    if target == "tier":
        return _first_of(raw_pair(value, display), lambda v: tier_number(v, rule.lookup))
    if target == "impact_per_hour":
        return _first_of(raw_pair(value, display), money)
    if target == "min_up":
        return _first_of(raw_pair(value, display), count)
    if target == "tags":
        return tag_list(display if display not in (None, "") else value) or None
    return text((value, display))


def raw_pair(value: Any, display: Any) -> list[Any]:
    """The distinct non-empty values of a field, the stored value first."""
    out = [v for v in (value, display) if v is not None and v != ""]
    return out[:1] if len(out) == 2 and out[0] == out[1] else out


def _first_of(values: list[Any], read: Callable[[Any], Any]) -> Any:
    if not values:
        return None
    error: ValueError | None = None
    for v in values:
        try:
            return read(v)
        except ValueError as e:
            error = error or e
    assert error is not None
    raise error


def read_fields(
    get: Getter,
    fields: Fields,
    skipped: Tallies,
    example: str,
    targets: tuple[str, ...] = COMPONENT_FIELDS,
) -> dict[str, Any]:
    """The model fields (of ``targets``) that the mapping's ``fields`` give from one record;
    a value that cannot be read is left out and counted as ``unreadable_value``."""
    out: dict[str, Any] = {}
    for target in targets:
        rule: FieldRule | None = getattr(fields, target)
        if rule is None:
            continue
        raw = get(rule.field)
        if raw is None:
            continue
        try:
            value = convert(target, raw, rule)
        except ValueError as e:
            skipped.add("unreadable_value", f"{target} ({rule.field})", f"{example}: {e}")
            continue
        if value is not None:
            out[target] = value
    return out
