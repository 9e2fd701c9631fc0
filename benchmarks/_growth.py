"""How a benchmark's figures grow with the estate: every benchmark runs at each size given
with ``--components`` (repeated: ``--components 10000 --components 100000 --components
1000000``) and prints, for each timed figure, its **growth exponent**: the least-squares slope
of log(time) against log(N) over the sizes run (1 linear, 2 quadratic; None for one size).

>>> exponent([10_000, 100_000, 1_000_000], [0.01, 0.1, 1.0])
1.0
>>> exponent([10_000], [0.5]) is None
True
>>> label(10_000), label(1_000_000), label(2_500), label(1_500_000)
('10k', '1M', '2,500', '1.5M')
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any


def exponent(sizes: Sequence[float], times: Sequence[float | None]) -> float | None:
    """The slope of log(time) against log(size), least squares; None with fewer than two
    distinct sizes, or a time missing or not positive."""
    if len(sizes) != len(times) or len(set(sizes)) < 2:
        return None
    if any(t is None or not t > 0 for t in times) or any(n <= 0 for n in sizes):
        return None
    xs = [math.log(n) for n in sizes]
    ys = [math.log(t) for t in times if t is not None]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    return round(sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx, 2)


def label(n: float) -> str:
    """A size as people say it: 10k, 100k, 1M, 1.5M (2,500 below 10k)."""
    for unit, scale in (("M", 1_000_000), ("k", 1_000)):
        if n >= scale and (scale > 1_000 or n >= 10_000):
            value = n / scale
            return f"{value:.0f}{unit}" if value == int(value) else f"{value:.3g}{unit}"
    return f"{n:,.0f}"


def add_sizes(parser: argparse.ArgumentParser, *aliases: str, default: int) -> None:
    """``--components N`` (and ``aliases``), repeatable: the sizes to run, ``default`` when
    none is given (see :func:`sizes`)."""
    parser.add_argument(
        "--components",
        *aliases,
        dest="components",
        type=int,
        action="append",
        metavar="N",
        help=f"estate size; repeat it to run several sizes and print the growth exponents "
        f"(default {default:,})",
    )
    parser.set_defaults(components_default=default)


def sizes(args: argparse.Namespace) -> list[int]:
    """The sizes :func:`add_sizes` parsed, in the order given."""
    given: list[int] | None = args.components
    return list(given) if given else [args.components_default]


def figure(figures: Mapping[str, Any], path: str) -> Any:
    """``figures["a"]["b"]`` for the path ``"a.b"`` (None where a key is missing)."""
    value: Any = figures
    for key in path.split("."):
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value


def run(
    ns: Sequence[int],
    measure: Callable[[int], dict[str, Any]],
    timed: Mapping[str, str],
    *,
    size_of: str | None = None,
) -> dict[str, Any]:
    """``measure(n)`` for each size (it prints its own lines and returns its figures), then a
    ``growth exponent`` line for each timed figure (``timed``: what to call it → its path in
    the figures, see :func:`figure`). Returns the figures to print as the last JSON line: the
    last size's (so a single size gives exactly the figures it always gave) with ``sizes``,
    ``runs`` (every size's figures, for several) and ``growth`` (name → exponent)."""
    runs = []
    for n in ns:
        if len(ns) > 1:
            print(f"--- N = {n:,}", flush=True)
        runs.append(measure(n))
    # the sizes the estates came out at (within 1% of those asked for) when a figure says so
    actual = [figure(r, size_of) if size_of else None for r in runs]
    xs: list[float] = [float(x) for x in actual if isinstance(x, int | float)]
    if len(xs) != len(ns):
        xs = [float(n) for n in ns]
    growth = {name: exponent(xs, [figure(r, path) for r in runs]) for name, path in timed.items()}
    if len(ns) > 1:
        span = f"{label(ns[0])}→{label(ns[-1])}"
        for name, value in growth.items():
            shown = "–" if value is None else f"{value:.2f}"
            print(f"growth exponent  {name}: {shown} ({span})")
    out = dict(runs[-1])
    out["sizes"] = list(ns)
    if len(ns) > 1:
        out["runs"] = runs
    out["growth"] = growth
    return out


def print_last(figures: Mapping[str, Any]) -> None:
    """The last line of output: one JSON object."""
    print(json.dumps(figures), flush=True)
