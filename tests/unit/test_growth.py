"""``benchmarks/_growth.py``: sizes, growth exponents, and a last JSON line that keeps the
single-size keys."""

from __future__ import annotations

import argparse
import doctest
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import _growth


def test_doctests() -> None:
    assert doctest.testmod(_growth).failed == 0


@pytest.mark.parametrize(
    ("sizes", "times", "expected"),
    [
        ([10, 100, 1000], [1.0, 100.0, 10_000.0], 2.0),
        ([10, 100], [3.0, 3.0], 0.0),
        ([10], [1.0], None),
        ([10, 10], [1.0, 2.0], None),
        ([10, 100], [1.0, None], None),
        ([10, 100], [1.0, 0.0], None),
    ],
)
def test_exponent(sizes: list[int], times: list[float | None], expected: float | None) -> None:
    assert _growth.exponent(sizes, times) == expected


def _parse(argv: list[str]) -> list[int]:
    parser = argparse.ArgumentParser()
    _growth.add_sizes(parser, "--cis", default=100)
    return _growth.sizes(parser.parse_args(argv))


def test_sizes_repeat_and_default() -> None:
    assert _parse([]) == [100]
    assert _parse(["--components", "10"]) == [10]
    assert _parse(["--components", "10", "--cis", "1000"]) == [10, 1000]


def test_one_size_keeps_its_figures(capsys: pytest.CaptureFixture[str]) -> None:
    def measure(n: int) -> dict[str, Any]:
        return {"components": n, "t": {"ms": n / 10}}

    one = _growth.run([100], measure, {"t": "t.ms"})
    assert one == {"components": 100, "t": {"ms": 10.0}, "sizes": [100], "growth": {"t": None}}
    assert "growth exponent" not in capsys.readouterr().out
    several = _growth.run([100, 10_000], measure, {"t": "t.ms"}, size_of="components")
    assert several["components"] == 10_000 and several["growth"] == {"t": 1.0}
    assert [r["components"] for r in several["runs"]] == [100, 10_000]
    assert "growth exponent  t: 1.00 (100→10k)" in capsys.readouterr().out
