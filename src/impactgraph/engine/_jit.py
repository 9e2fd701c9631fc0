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


def borrow(a: Any) -> Any:
    """``a`` itself. In compiled kernels, a view of array ``a`` that holds no reference.

    numba counts a reference (an atomic add, and a subtract on return) for every array a
    compiled call is handed; a kernel that hands a dozen arrays to a helper per component
    spends a third of its time there. A borrowed view carries no count, so ``a`` itself must
    stay alive while the view is used: borrow only what the kernel's caller handed it (alive
    for the whole call), never an array the kernel makes.
    """
    return a


_borrow_ready = False


def _register_borrow() -> None:
    """Teach numba :func:`borrow` (once, when the first kernel is compiled)."""
    global _borrow_ready
    if _borrow_ready:
        return
    import numba.core
    import numba.extending

    ext: Any = numba.extending
    cgutils: Any = numba.core.cgutils
    types: Any = numba.core.types

    @ext.intrinsic  # type: ignore[untyped-decorator]
    def _view(typingctx: Any, arr: Any) -> Any:
        if not isinstance(arr, types.Array):
            return None

        def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
            src = context.make_array(arr)(context, builder, value=args[0])
            dst = context.make_array(arr)(context, builder)
            for name in ("nitems", "itemsize", "data", "shape", "strides"):
                setattr(dst, name, getattr(src, name))
            dst.meminfo = cgutils.get_null_value(dst.meminfo.type)
            dst.parent = cgutils.get_null_value(dst.parent.type)
            return dst._getvalue()

        return arr(arr), codegen

    @ext.overload(borrow)
    def _borrow(a):  # type: ignore[no-untyped-def]  # numba matches the parameters, unannotated
        if isinstance(a, types.Array):
            return lambda a: _view(a)
        return None

    _borrow_ready = True


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
    _register_borrow()
    scope: dict[str, Any] = dict(vars(module))
    out: dict[str, Any] = {}
    for name in names:
        f = getattr(module, name)
        copy = types.FunctionType(f.__code__, scope, f.__name__, f.__defaults__, f.__closure__)
        copy.__module__ = f.__module__
        copy.__qualname__ = f.__qualname__
        # helpers the module lists in INLINE are compiled into their callers
        options: dict[str, Any] = {"cache": True}
        if name in getattr(module, "INLINE", ()):
            options["inline"] = "always"
        out[name] = scope[name] = numba.njit(**options)(copy)
    return types.SimpleNamespace(**out)
