"""The one switch between interpreted and numba-compiled kernels, and the one dispatcher.

Kernels are plain functions in the subset of Python that numba compiles, so the same code runs
interpreted (small inputs, tests) or compiled (large inputs). :func:`kernels` gives the
interpreted functions below :data:`JIT_THRESHOLD` and compiled copies above it;
``IMPACTGRAPH_JIT=0`` (or ``1``) forces one or the other, read on every call.

Compiled copies get their own globals, in which the helpers they call are compiled too, so the
interpreted functions are never replaced: ``IMPACTGRAPH_JIT=0`` after a large answer still runs
the interpreted code.
"""

from __future__ import annotations

import os
import threading
import types
from collections.abc import Sequence
from typing import Any

#: inputs at least this large (nodes or plan units) run the compiled kernels
JIT_THRESHOLD = 20_000
#: "never" inside the kernels (a time no answer reaches); never leaves the engine as a number
INF = 1 << 62

_compiled: dict[tuple[str, tuple[str, ...]], types.SimpleNamespace] = {}
_plain: dict[tuple[str, tuple[str, ...]], types.SimpleNamespace] = {}
_lock = threading.Lock()


def use_compiled(size: int) -> bool:
    """Whether an input of ``size`` runs compiled (``IMPACTGRAPH_JIT=0|1|auto``)."""
    flag = os.environ.get("IMPACTGRAPH_JIT", "auto").strip().lower()
    if flag in ("0", "false", "no", "off"):
        return False
    return flag in ("1", "true", "yes", "on") or size >= JIT_THRESHOLD


def kernels(module: types.ModuleType, names: Sequence[str], size: int) -> types.SimpleNamespace:
    """The functions ``names`` of ``module`` (helpers first, kernels after), interpreted or
    compiled by numba as :func:`use_compiled` says for ``size``."""
    key = (module.__name__, tuple(names))
    if use_compiled(size):
        got = _compiled.get(key)
        if got is None:
            with _lock:
                got = _compiled.get(key)
                if got is None:
                    got = _compiled[key] = _compile(module, names)
        return got
    plain = _plain.get(key)
    if plain is None:
        plain = _plain[key] = types.SimpleNamespace(**{n: getattr(module, n) for n in names})
    return plain


def _compile(module: types.ModuleType, names: Sequence[str]) -> types.SimpleNamespace:
    try:
        import numba
    except ImportError:  # pragma: no cover - numba is a declared dependency
        return types.SimpleNamespace(**{n: getattr(module, n) for n in names})
    scope: dict[str, Any] = dict(vars(module))
    out: dict[str, Any] = {}
    for name in names:
        f = getattr(module, name)
        copy = types.FunctionType(f.__code__, scope, f.__name__, f.__defaults__, f.__closure__)
        copy.__module__ = f.__module__
        copy.__qualname__ = f.__qualname__
        out[name] = scope[name] = numba.njit(cache=True)(copy)
    return types.SimpleNamespace(**out)
