"""The numba-compiled kernel gives exactly what the interpreted one gives (same code, two runs).

Large graphs use the compiled kernel (``JIT_THRESHOLD``); the reference properties run the
interpreted one on small models, so this ties the two together, records and causes included.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from impactgraph.engine import propagate as prop
from impactgraph.engine.scenario import resolve
from impactgraph.graph import Graph

from .strategies import Case, cases

pytest.importorskip("numba")


def _records(case: Case, jit: str, monkeypatch: pytest.MonkeyPatch) -> list[np.ndarray]:
    monkeypatch.setenv("IMPACTGRAPH_JIT", jit)
    graph = Graph.from_model(case.model)
    rec = prop.records_from_changes(graph, *prop.run_kernel(graph, resolve(graph, case.scenario)))
    return [rec.node, rec.start, rec.end, rec.state, rec.rule, rec.via]


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(cases())
def test_compiled_kernel_equals_interpreted(monkeypatch: pytest.MonkeyPatch, case: Case) -> None:
    plain = _records(case, "0", monkeypatch)
    compiled = _records(case, "1", monkeypatch)
    for a, b in zip(plain, compiled, strict=True):
        assert a.tolist() == b.tolist()
