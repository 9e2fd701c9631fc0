"""Blast radius of a site failure: the engine against ``networkx.ancestors``, same graph, same run.

Generates a layered estate (:mod:`estate_gen`), builds the compact graph from plain rows
(timed: ``build_s``), then times ``propagate(graph, "site-0 fails at 0 for ∞")`` with the full
semantics of SPEC §3 (states, groups, standbys, tolerances, causes, summary) and, as the
baseline, reachability only: ``networkx.ancestors`` on a DiGraph of the same edges (a → b
when a needs b, and group → member), built outside the timing. Best of ``--repeat`` runs each.

``peak_rss_mb`` is the process's peak before the networkx graph is built (what impactgraph
needs: estate, graph, answer); ``peak_rss_total_mb`` includes the baseline's graph.

Usage::

    python benchmarks/blast_radius.py --components 1000000 --seed 1 --repeat 3

The last line of output is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import estate_gen

from impactgraph.engine.propagate import topology
from impactgraph.engine.scenario import Failure, Scenario
from impactgraph.graph import Graph
from impactgraph.store.sqlite import SqliteStore

Propagate = Callable[[Graph, Scenario], Any]


def _engine() -> Propagate | None:
    """The engine's ``propagate``, or None (saying why) when it cannot be imported."""
    try:
        from impactgraph.engine.propagate import propagate
    except ImportError as e:
        print(f"engine: cannot import impactgraph.engine.propagate ({e})")
        return None
    return propagate


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def best_of(repeat: int, run: Callable[[], Any]) -> tuple[float, float, Any]:
    """(best ms, first ms, last result) over ``repeat`` runs."""
    times = []
    result: Any = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - t0) * 1000)
    return min(times), times[0], result


def networkx_graph(graph: Graph) -> nx.DiGraph:
    """A DiGraph over node indices with every edge a → b (a needs b) and group → member."""
    n = graph.n
    dep_src = np.repeat(np.arange(n, dtype=np.int64), np.diff(graph.dependencies.ptr))
    mem_src = np.repeat(np.arange(n, dtype=np.int64), np.diff(graph.members.ptr))
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    g.add_edges_from(zip(dep_src.tolist(), graph.dependencies.idx.tolist(), strict=True))
    g.add_edges_from(zip(mem_src.tolist(), graph.members.idx.tolist(), strict=True))
    return g


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--components", type=int, required=True, help="estate size N")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="best of R runs (default 3)")
    parser.add_argument("--site", default="site-0", help="the site that fails (default site-0)")
    parser.add_argument(
        "--store",
        metavar="PATH",
        help="load the estate into a SQLite store at PATH and build the graph from it",
    )
    args = parser.parse_args(argv)

    t0, c0 = time.perf_counter(), time.process_time()
    estate = estate_gen.generate(args.components, seed=args.seed)
    gen_s, gen_cpu = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"estate: {estate.n:,} components, {estate.dependency_count:,} dependencies, "
        f"{estate.member_count:,} member edges ({estate.edge_count / estate.n:.2f} per "
        f"component), seed {args.seed}, generated in {gen_s:.1f} s ({gen_cpu:.1f} s CPU)"
    )

    load_s: float | None = None
    if args.store:
        store = SqliteStore(Path(args.store))
        model = estate.to_model(check=False)
        t0 = time.perf_counter()
        store.load(model)
        load_s = time.perf_counter() - t0
        print(f"loaded into {args.store} in {load_s:.1f} s ({estate.n / load_s:,.0f} components/s)")
        del model
        gc.collect()
    t0, c0 = time.perf_counter(), time.process_time()
    graph = store.read_graph() if args.store else estate.to_graph()
    topology(graph)  # the kernel's renumbered view, made once per graph
    build_s, build_cpu = time.perf_counter() - t0, time.process_time() - c0
    source = f"the store {args.store}" if args.store else "rows"
    print(f"graph built from {source} in {build_s:.2f} s ({build_cpu:.2f} s CPU)")
    del estate
    gc.collect()

    scenario = Scenario(failures=(Failure(args.site),), name=f"{args.site} lost")
    propagate = _engine()
    engine_ms: float | None = None
    if propagate is not None:
        engine_ms, cold_ms, impact = best_of(args.repeat, lambda: propagate(graph, scenario))
        s = impact.summary
        print(
            f"engine: {args.site} fails for ∞ → {s.down:,} DOWN, {s.degraded:,} DEGRADED, "
            f"{len(impact.timelines):,} listed; best {engine_ms:.1f} ms of {args.repeat} "
            f"(first {cold_ms:.1f} ms)"
        )
        del impact
    peak_engine = peak_rss_mb()

    nxg = networkx_graph(graph)
    root = graph.index[args.site]
    nx_ms, _, hit = best_of(args.repeat, lambda: nx.ancestors(nxg, root))
    print(f"networkx.ancestors: {len(hit):,} reachable; best {nx_ms:.1f} ms of {args.repeat}")
    peak_total = peak_rss_mb()

    speedup = None if engine_ms is None else round(nx_ms / engine_ms, 2)
    print(
        f"peak RSS {peak_engine:,.0f} MiB before the networkx graph, {peak_total:,.0f} MiB with it"
    )
    print(
        json.dumps(
            {
                "components": args.components,
                "engine_ms": None if engine_ms is None else round(engine_ms, 1),
                "networkx_ms": round(nx_ms, 1),
                "speedup": speedup,
                "build_s": round(build_s, 2),
                "build_from": "store" if args.store else "rows",
                "store_load_s": None if load_s is None else round(load_s, 1),
                "peak_rss_mb": round(peak_engine),
                "peak_rss_total_mb": round(peak_total),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
