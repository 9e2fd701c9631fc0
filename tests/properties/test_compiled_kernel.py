"""The numba-compiled kernel gives exactly what the interpreted one gives (same code, two runs).

Large graphs use the compiled kernel (``_jit.JIT_THRESHOLD``); the reference properties run the
interpreted one on small models, so this ties the two together, records and causes included.
"""

from __future__ import annotations

from typing import Any

import numba  # a declared dependency: its absence must fail, not skip
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from impactgraph.engine import _jit, _kernel
from impactgraph.engine import propagate as prop
from impactgraph.engine.plan import Capacity, _list_kernel, plan
from impactgraph.engine.plan import _kernels as _plan_kernels
from impactgraph.engine.scenario import resolve
from impactgraph.graph import Graph

from .strategies import Case, cases
from .test_plan_properties import Case as PlanCase
from .test_plan_properties import cases as plan_cases


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


def test_jit_off_runs_the_interpreted_kernel_after_a_compiled_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("IMPACTGRAPH_JIT", "1")
    compiled = _jit.kernels(_kernel, _kernel.KERNELS, 10).propagate_kernel
    assert compiled is not _kernel.propagate_kernel
    monkeypatch.setenv("IMPACTGRAPH_JIT", "0")
    plain = _jit.kernels(_kernel, _kernel.KERNELS, 10**9)
    assert plain.propagate_kernel is _kernel.propagate_kernel
    assert plain._evaluate is _kernel._evaluate  # the module's own helpers, never replaced
    assert _kernel._evaluate.__module__ == "impactgraph.engine._kernel"
    assert not hasattr(_kernel._evaluate, "py_func")  # not a numba dispatcher


# ---- the planner: the same plan from its compiled and its interpreted kernels ----------------

PLAN_CAPACITIES = (
    (None, "deadline"),
    (Capacity(total=2), "deadline"),
    (Capacity(teams={"a": 1, "*": 1}), "deadline"),
    (Capacity(total=1), "topological"),
)


def _plans(case: PlanCase, jit: str, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    monkeypatch.setenv("IMPACTGRAPH_JIT", jit)
    return [
        plan(case.graph, case.impact, capacity, policy=policy).as_dict()  # type: ignore[arg-type]
        for capacity, policy in PLAN_CAPACITIES
    ]


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.booleans().flatmap(plan_cases))
def test_compiled_planner_equals_interpreted(
    monkeypatch: pytest.MonkeyPatch, case: PlanCase
) -> None:
    assert _plans(case, "1", monkeypatch) == _plans(case, "0", monkeypatch)


def test_jit_off_runs_the_interpreted_planner_kernels_after_compiled_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("IMPACTGRAPH_JIT", "1")
    for module in (_plan_kernels, _list_kernel):
        compiled = _jit.kernels(module, module.NAMES, 10)
        assert all(getattr(compiled, n) is not getattr(module, n) for n in module.NAMES)
    monkeypatch.setenv("IMPACTGRAPH_JIT", "0")
    for module in (_plan_kernels, _list_kernel):
        plain = _jit.kernels(module, module.NAMES, 10**9)
        assert all(getattr(plain, n) is getattr(module, n) for n in module.NAMES)
        assert not any(hasattr(getattr(module, n), "py_func") for n in module.NAMES)


def _write_through(a: Any) -> Any:
    view = _jit.borrow(a)
    view[0] = 7
    return a[0] + view[len(view) - 1]


def test_borrow_is_the_array_itself_interpreted_and_a_view_of_it_compiled() -> None:
    a = np.arange(5, dtype=np.int64)
    assert _jit.borrow(a) is a
    _jit._register_borrow()
    compiled = numba.njit(_write_through)
    assert compiled(a) == 7 + 4  # the view reads and writes the array's own data
    assert a[0] == 7
    b = np.arange(3, dtype=np.int8)
    assert _write_through(b) == 7 + 2 and b[0] == 7
