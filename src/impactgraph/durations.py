"""Durations (SPEC §1): ``90s``, ``15m``, ``1h30m``, ISO 8601 ``PT4H``, held as whole seconds.

Negative, unparseable or unit-less values are refused with a :class:`DurationError` that says
what was wrong; the pydantic annotated types below turn that into a field error of the model.

Every duration and time is at most :data:`MAX_SECONDS` (100 years). With at most
:data:`MAX_COMPONENTS` components, any sum the engine forms — a failure's start and length, the
tolerances and activations along a chain, a recovery plan's steps one after another, a deadline
minus the steps below it — stays within ``(MAX_COMPONENTS + 3) * MAX_SECONDS`` ≈ 3.2e16 s in
absolute value, more than a hundred times below the kernels' "never" (2**62 ≈ 4.6e18), so
that no sum can overflow a 64-bit integer (docs/semantics.md, "Bounds").
"""

from __future__ import annotations

import math
import re
from typing import Annotated

from pydantic import BeforeValidator

from impactgraph.errors import DurationError, quote

MAX_SECONDS = 100 * 365 * 86400
"""The longest duration or latest time, in seconds: 100 years (3,153,600,000 s)."""
MAX_COMPONENTS = 10_000_000
"""The most components a model may hold; with :data:`MAX_SECONDS` it bounds every sum."""
MAX_DURATION_TEXT = 64
"""The longest text read as a duration (``1w2d3h4m5s`` and ISO 8601 forms are far shorter)."""

_UNIT_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
_COMPACT = re.compile(r"^(?:(\d+(?:\.\d+)?)([wdhms]))+$")
_COMPACT_PART = re.compile(r"(\d+(?:\.\d+)?)([wdhms])")
_ISO = re.compile(
    r"^P(?!$)(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?"
    r"(?:T(?=\d)(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$"
)
INFINITE_WORDS = frozenset({"inf", "infinity", "∞", "forever", "until-recovered"})


def parse_duration(value: object, *, allow_infinite: bool = False) -> int | None:
    """Parse a duration to whole seconds (SPEC §1).

    Accepts ``90s``, ``15m``, ``4h``, ``2d``, ``1w``, ``1h30m``, ISO 8601 (``PT4H``, ``P1DT2H``)
    and the unit-less ``0``. With ``allow_infinite``, ``None``/``inf``/``∞`` mean "until
    recovered" and give ``None``. Anything else raises :class:`DurationError`.

    >>> parse_duration("1h30m"), parse_duration("PT4H"), parse_duration("P1DT2H"), parse_duration(0)
    (5400, 14400, 93600, 0)
    >>> parse_duration("inf", allow_infinite=True) is None
    True
    """
    if value is None or (isinstance(value, str) and value.strip().lower() in INFINITE_WORDS):
        if allow_infinite:
            return None
        raise DurationError("a duration is required here (∞ is not allowed)")
    if isinstance(value, bool):
        raise DurationError(f"{value!r} is not a duration; write e.g. 90s, 15m, 4h, 2d or PT4H")
    if isinstance(value, int | float):
        if isinstance(value, float) and math.isnan(value):
            raise DurationError("NaN (not a number) is not a duration; write e.g. 90s, 4h or PT4H")
        if isinstance(value, float) and math.isinf(value) and value > 0:
            if allow_infinite:
                return None
            raise DurationError("a duration is required here (∞ is not allowed)")
        if value == 0:
            return 0
        if value < 0:
            raise DurationError(f"negative duration {quote(value)}")
        if value > MAX_SECONDS:
            raise DurationError(f"duration {quote(value)} is {_TOO_LONG}")
        raise DurationError(
            f"unit-less duration {value!r} is ambiguous; write it with a unit, e.g. "
            f"{value}s, {value}m or {value}h"
        )
    if not isinstance(value, str):
        raise DurationError(f"{quote(value)} is not a duration")
    text = value.strip()
    if text.startswith("-"):
        raise DurationError(f"negative duration {quote(value)}")
    if len(text) > MAX_DURATION_TEXT:
        raise DurationError(f"cannot read duration {quote(value)}: it is too long to be one")
    if text == "0":
        return 0
    total: float
    low = text.lower()
    if _COMPACT.match(low):
        units = [u for _, u in _COMPACT_PART.findall(low)]
        if len(set(units)) != len(units):
            raise DurationError(f"duration {quote(value)} repeats a unit")
        total = sum(float(n) * _UNIT_SECONDS[u] for n, u in _COMPACT_PART.findall(low))
    else:
        m = _ISO.match(text.upper())
        if not m:
            if re.fullmatch(r"\d+(\.\d+)?", text):
                raise DurationError(
                    f"unit-less duration {value!r} is ambiguous; write it with a unit, e.g. "
                    f"{text}s, {text}m or {text}h"
                )
            raise DurationError(
                f"cannot read duration {quote(value)}; write e.g. 90s, 15m, 4h, 2d, 1h30m or PT4H"
            )
        w, d, h, mi, s = (float(g) if g else 0.0 for g in m.groups())
        total = w * 604800 + d * 86400 + h * 3600 + mi * 60 + s
    if not total <= MAX_SECONDS:  # also catches a sum that overflowed to inf
        raise DurationError(f"duration {quote(value)} is {_TOO_LONG}")
    return round(total)


_TOO_LONG = f"longer than the maximum, 100 years ({MAX_SECONDS}s)"


def format_duration(seconds: int | None) -> str:
    """Format seconds compactly: ``5400`` → ``1h30m``; ``None`` → ``∞``.

    >>> format_duration(5400), format_duration(93600), format_duration(0), format_duration(None)
    ('1h30m', '1d2h', '0s', '∞')
    """
    if seconds is None:
        return "∞"
    if seconds == 0:
        return "0s"
    sign = "-" if seconds < 0 else ""
    rest = abs(seconds)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        n, rest = divmod(rest, size)
        if n:
            parts.append(f"{n}{unit}")
    return sign + "".join(parts)


def _seconds(value: object) -> object:
    # in Python code an int is seconds; files must say the unit (see the File* types)
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"negative duration {quote(value)}")
        if value > MAX_SECONDS:
            raise ValueError(f"duration {quote(value)}s is {_TOO_LONG}")
        return f"{value}s"
    return value


def _duration(value: object) -> int | None:
    if value is None:
        return None
    try:
        return parse_duration(value)
    except DurationError as e:
        raise ValueError(str(e)) from None


def _duration_required(value: object) -> int:
    try:
        out = parse_duration(value)
    except DurationError as e:
        raise ValueError(str(e)) from None
    assert out is not None
    return out


FileDuration = Annotated[int | None, BeforeValidator(_duration)]
"""Optional duration as written in a file: a unit is required (``0`` aside)."""
FileDurationReq = Annotated[int, BeforeValidator(_duration_required)]
"""Required duration as written in a file: a unit is required (``0`` aside)."""
Duration = Annotated[int | None, BeforeValidator(_duration), BeforeValidator(_seconds)]
"""Optional duration; in Python code an int means seconds."""
DurationReq = Annotated[int, BeforeValidator(_duration_required), BeforeValidator(_seconds)]
"""Required duration; in Python code an int means seconds."""
