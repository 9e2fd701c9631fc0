"""Strongly connected components: the one Tarjan routine every part of the engine uses.

Written in the subset of Python that numba compiles (see :mod:`impactgraph.engine._jit`).

>>> comp, count = topological_components(4, np.array([0, 1, 2, 2]), np.array([1, 2, 1, 3]))
>>> comp.tolist(), count
([0, 1, 1, 2], 3)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from impactgraph.engine import _jit
from impactgraph.graph import csr

I64 = npt.NDArray[np.int64]


def strong_components(n, ptr, idx):
    """Iterative Tarjan. Returns (scc id per node, number of SCCs); ids in reverse topological
    order (an SCC gets its id after every SCC it reaches)."""
    index = np.full(n, -1, dtype=np.int64)
    low = np.zeros(n, dtype=np.int64)
    onstack = np.zeros(n, dtype=np.bool_)
    comp = np.full(n, -1, dtype=np.int64)
    stack = np.empty(n, dtype=np.int64)
    call_v = np.empty(n, dtype=np.int64)
    call_e = np.empty(n, dtype=np.int64)
    sp = 0
    counter = 0
    ncomp = 0
    for root in range(n):
        if index[root] != -1:
            continue
        depth = -1
        w = root
        while True:
            if w >= 0:  # visit w: number it, push it, descend
                index[w] = counter
                low[w] = counter
                counter += 1
                stack[sp] = w
                sp += 1
                onstack[w] = True
                depth += 1
                call_v[depth] = w
                call_e[depth] = ptr[w]
                w = -1
            if depth < 0:
                break
            v = call_v[depth]
            e = call_e[depth]
            if e < ptr[v + 1]:
                call_e[depth] = e + 1
                x = idx[e]
                if index[x] == -1:
                    w = x
                elif onstack[x] and index[x] < low[v]:
                    low[v] = index[x]
                continue
            if low[v] == index[v]:
                while True:
                    sp -= 1
                    x = stack[sp]
                    onstack[x] = False
                    comp[x] = ncomp
                    if x == v:
                        break
                ncomp += 1
            depth -= 1
            if depth >= 0:
                u = call_v[depth]
                if low[v] < low[u]:
                    low[u] = low[v]
    return comp, ncomp


def topological_components(n: int, pre: I64, post: I64) -> tuple[I64, int]:
    """Strongly connected components of the edges ``pre[e] → post[e]`` over nodes ``0..n-1``,
    numbered so that an edge never goes from a higher number to a lower one."""
    ptr, order = csr(pre, n)
    kern: Any = _jit.kernels(_THIS, ("strong_components",), n)
    comp, count = kern.strong_components(n, ptr, np.asarray(post, dtype=np.int64)[order])
    return (count - 1) - np.asarray(comp, dtype=np.int64), int(count)


import sys  # noqa: E402  (the module itself, for the dispatcher)

_THIS = sys.modules[__name__]
