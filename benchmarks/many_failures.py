"""Repeated questions on one prepared graph: the HTTP API's case (issue 12, item 2).

Generates an estate (:mod:`estate_gen`), builds its graph and the engine's renumbered view once
(and, above 20,000 components, compiles the kernels once: both timed apart), then asks
``--questions`` random single-component failures — each at a random time in the first day,
every third one for a finite random duration — and times each answer (``propagate``: the
kernel, the timelines and the summary). It prints p50/p99/max per answer and answers per
second; the last line is one JSON object with every figure and whether the targets are met
(p50 ≤ 10 ms, p99 ≤ 100 ms on the 100k estate).

Usage::

    python benchmarks/many_failures.py                       # 100k components, 1,000 questions
    python benchmarks/many_failures.py --components 10000 --questions 500 --seed 3
    python benchmarks/many_failures.py --components 10000 --components 100000 \
        --components 1000000                                # and the growth exponents
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _growth
import estate_gen

from impactgraph.engine.propagate import propagate, topology
from impactgraph.engine.scenario import Failure, Scenario

P50_TARGET_MS = 10.0
P99_TARGET_MS = 100.0
DAY = 86_400


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100) of ``values``, nearest rank."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    _growth.add_sizes(parser, default=100_000)
    parser.add_argument("--questions", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    timed = {"p50": "p50_ms", "p99": "p99_ms", "build": "build_s", "prepare": "prepare_s"}
    figures = _growth.run(
        _growth.sizes(args), lambda n: measure(n, args), timed, size_of="components"
    )
    _growth.print_last(figures)
    return 0


def measure(n: int, args: argparse.Namespace) -> dict[str, Any]:
    """Every figure of one size (printing its lines)."""
    t0 = time.perf_counter()
    estate = estate_gen.generate(n, seed=args.seed)
    graph = estate.to_graph()
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    topology(graph)
    prepare_s = time.perf_counter() - t0
    rnd = random.Random(args.seed)
    t0 = time.perf_counter()
    propagate(graph, Scenario(failures=(Failure(graph.ids[0]),)))  # compiles, once per machine
    first_s = time.perf_counter() - t0

    times_ms: list[float] = []
    hit: list[int] = []
    started = time.perf_counter()
    for i in range(args.questions):
        target = graph.ids[rnd.randrange(graph.n)]
        at = rnd.randrange(DAY)
        duration = rnd.randrange(60, DAY) if i % 3 == 2 else None
        scenario = Scenario(failures=(Failure(target, at=at, duration=duration),))
        t = time.perf_counter()
        answer = propagate(graph, scenario)
        times_ms.append((time.perf_counter() - t) * 1000)
        hit.append(len(answer.timelines))
    elapsed = time.perf_counter() - started

    p50, p99 = percentile(times_ms, 50), percentile(times_ms, 99)
    figures = {
        "benchmark": "many_failures",
        "components": graph.n,
        "questions": args.questions,
        "build_s": round(build_s, 3),
        "prepare_s": round(prepare_s, 3),
        "first_answer_s": round(first_s, 3),
        "p50_ms": round(p50, 3),
        "p99_ms": round(p99, 3),
        "max_ms": round(max(times_ms), 3),
        "mean_ms": round(statistics.fmean(times_ms), 3),
        "answers_per_s": round(args.questions / elapsed, 1),
        "components_hit_p50": int(percentile(hit, 50)),
        "components_hit_max": max(hit),
        "targets": {
            "p50_ms_max": P50_TARGET_MS,
            "p99_ms_max": P99_TARGET_MS,
            "met": p50 <= P50_TARGET_MS and p99 <= P99_TARGET_MS,
        },
    }
    print(f"estate: {graph.n:,} components, graph {build_s:.1f} s, prepared {prepare_s:.2f} s, "
          f"first answer {first_s:.2f} s")  # fmt: skip
    print(f"{args.questions:,} single failures: p50 {p50:.2f} ms, p99 {p99:.2f} ms, "
          f"max {max(times_ms):.1f} ms, {figures['answers_per_s']:,} answers/s "
          f"(components hit: p50 {figures['components_hit_p50']:,}, max {max(hit):,})")  # fmt: skip
    return figures


if __name__ == "__main__":
    raise SystemExit(main())
