"""Degenerate shapes: how time grows with size where a naive algorithm goes quadratic.

Each shape is built at a few sizes and the operation on it timed (best of ``--repeat``) in a
fresh process, which also reports its peak RSS; the growth exponent is the slope of log time
against log size (1 = linear, 2 = quadratic). Sizes stay under the 20,000 nodes above which
the kernels run compiled, so that every size runs the same code.

Shapes (issue 13):

* ``chain``        ``recover`` on a chain of N components (the critical chain is N long);
* ``cycle``        ``impact`` on a dependency cycle of N services, failed from outside;
* ``cycle-tol``    the same cycle with a 1-minute tolerance on every edge: N instants;
* ``cycle-rec``    the same cycle (no tolerance), each service on its own host; the site stays
                   down while the hosts, all failed at 0, come back one a minute: N instants
                   at which a state may fall;
* ``group-site``   ``impact`` on a group of N members that all sit on one failed site;
* ``group-seq``    ``impact`` on a group of N members that fail one by one (N instants);
* ``check-group``  ``check`` on a group of N members (N warnings);
* ``teams``        ``recover --teams 100000000`` on a chain of N.

    python benchmarks/degenerate.py                       # every shape, 1k … 16k
    python benchmarks/degenerate.py --shapes cycle chain --sizes 1000 2000 4000

Prints a table and, as its last line, one JSON object.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _growth

SHAPES = (
    "chain",
    "cycle",
    "cycle-tol",
    "cycle-rec",
    "group-site",
    "group-seq",
    "check-group",
    "teams",
)


def _build(shape: str, n: int) -> tuple[Any, Any]:
    """The graph and the scenario of one shape at size ``n``."""
    from impactgraph.engine.scenario import Failure, Scenario
    from impactgraph.graph import Graph
    from impactgraph.model import Component, Dependency, Kind, Member, Model

    comps: list[Component] = []
    deps: list[Dependency] = []
    failures: tuple[Failure, ...]
    if shape in ("chain", "teams"):
        comps.append(Component(id="c0", kind=Kind.SITE, recovery_time=3600))
        for i in range(1, n):
            comps.append(Component(id=f"c{i}", kind=Kind.SERVICE, recovery_time=60,
                                   restart_time=60))  # fmt: skip
            deps.append(Dependency(source=f"c{i}", target=f"c{i - 1}"))
        comps.append(Component(id="bs", kind=Kind.BUSINESS_SERVICE, tier=1, rto=3600))
        deps.append(Dependency(source="bs", target=f"c{n - 1}"))
        failures = (Failure("c0"),)
    elif shape in ("cycle", "cycle-tol", "cycle-rec"):
        tol = 60 if shape == "cycle-tol" else 0
        comps.append(Component(id="r", kind=Kind.SITE, recovery_time=3600))
        for i in range(n):
            comps.append(Component(id=f"s{i}", kind=Kind.SERVICE, recovery_time=60))
            deps.append(Dependency(source=f"s{i}", target=f"s{(i + 1) % n}", tolerance=tol))
        deps.append(Dependency(source="s0", target="r"))
        failures = (Failure("r"),)
        if shape == "cycle-rec":
            for i in range(n):
                comps.append(Component(id=f"h{i}", kind=Kind.INFRASTRUCTURE))
                deps.append(Dependency(source=f"s{i}", target=f"h{i}", type="runs_on"))
            failures += tuple(Failure(f"h{i}", duration=60 * (i + 1)) for i in range(n))
    else:  # groups
        comps.append(Component(id="site", kind=Kind.SITE, recovery_time=3600))
        for i in range(n):
            comps.append(Component(id=f"m{i}", kind=Kind.SERVICE))
            deps.append(Dependency(source=f"m{i}", target="site"))
        members = tuple(Member(id=f"m{i}") for i in range(n))
        comps.append(Component(id="g", kind=Kind.GROUP, min_up=1, members=members))
        comps.append(Component(id="bs", kind=Kind.BUSINESS_SERVICE, tier=1, rto=3600))
        deps.append(Dependency(source="bs", target="g"))
        if shape == "group-seq":
            failures = tuple(Failure(f"m{i}", at=i) for i in range(n))
        else:
            failures = (Failure("site"),)
    return Graph.from_model(Model.build(comps, deps)), Scenario(failures=failures)


#: the default sizes: under the 20,000 nodes above which the kernels run compiled
SIZES = ("1000", "2000", "4000", "8000", "16000")


def _operation(shape: str, graph: Any, scenario: Any) -> Callable[[], object]:
    from impactgraph.engine.checks import check
    from impactgraph.engine.plan import Capacity, plan
    from impactgraph.engine.propagate import propagate

    if shape == "chain":
        return lambda: plan(graph, propagate(graph, scenario)).as_dict()
    if shape == "teams":
        crews = Capacity(total=100_000_000)
        return lambda: plan(graph, propagate(graph, scenario), crews).as_dict()
    if shape == "check-group":
        return lambda: check(graph)
    return lambda: propagate(graph, scenario)


def measure(shape: str, n: int, repeat: int) -> dict[str, float]:
    """Best time of the operation of ``shape`` at size ``n`` (in this process)."""
    graph, scenario = _build(shape, n)
    run = _operation(shape, graph, scenario)
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - t0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": best, "peak_rss_mb": peak}


def _in_child(shape: str, n: int, repeat: int, timeout: float) -> dict[str, float] | None:
    cmd = [sys.executable, __file__, "--child", shape, str(n), str(repeat)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return None
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def slope(points: list[tuple[int, float]]) -> float | None:
    """Least-squares slope of log time against log size (:func:`_growth.exponent`)."""
    return _growth.exponent([n for n, _ in points], [s for _, s in points])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shapes", nargs="+", default=list(SHAPES), choices=SHAPES)
    ap.add_argument(
        "--sizes",
        "--components",
        dest="sizes",
        nargs="+",
        action="extend",
        type=int,
        help=f"sizes N (repeatable, as in the other benchmarks; default {' '.join(SIZES)})",
    )
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per size (a process)")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    args.sizes = args.sizes or [int(n) for n in SIZES]
    if args.child:
        shape, n, repeat = args.child
        print(json.dumps(measure(shape, int(n), int(repeat))))
        return
    result: dict[str, Any] = {}
    print(f"{'shape':<12} {'N':>7} {'seconds':>9} {'peak MB':>8}")
    for shape in args.shapes:
        rows: list[dict[str, Any]] = []
        for n in args.sizes:
            got = _in_child(shape, n, args.repeat, args.timeout)
            if got is None:
                print(f"{shape:<12} {n:>7} {'> ' + str(int(args.timeout)):>9} {'':>8}")
                rows.append({"n": n, "seconds": None})
                break  # larger sizes take longer still
            print(f"{shape:<12} {n:>7} {got['seconds']:>9.3f} {got['peak_rss_mb']:>8.0f}")
            rows.append({"n": n, **got})
        timed = [(r["n"], r["seconds"]) for r in rows if r["seconds"] is not None]
        k = slope(timed)
        span = f"{_growth.label(timed[0][0])}→{_growth.label(timed[-1][0])}" if timed else ""
        print(f"growth exponent  {shape}: {'–' if k is None else f'{k:.2f}'} ({span})")
        result[shape] = {"sizes": rows, "exponent": k}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
