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
    python benchmarks/blast_radius.py --components 10000 --components 100000 \
        --components 1000000 --repeat 3    # and the growth exponent of each time

The last line of output is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _growth
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


def store_path(store: str, n: int, several: bool) -> Path:
    """The store of size ``n``: ``store`` itself, or ``NAME-10k.db`` beside it for several."""
    path = Path(store)
    return path.with_name(f"{path.stem}-{_growth.label(n)}{path.suffix}") if several else path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    _growth.add_sizes(parser, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="best of R runs (default 3)")
    parser.add_argument("--site", default="site-0", help="the site that fails (default site-0)")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also print where the engine's time goes (CPU ms per phase, best of --repeat)",
    )
    parser.add_argument(
        "--store",
        metavar="PATH",
        help="load the estate into a SQLite store at PATH and build the graph from it "
        "(several sizes: PATH-10k.db, … beside it)",
    )
    parser.add_argument(
        "--reuse-store",
        action="store_true",
        help="with --store: a store that holds a model already is read as it is, not loaded "
        "again (keep the file from an earlier run with the same size and seed)",
    )
    args = parser.parse_args(argv)
    ns = _growth.sizes(args)
    several = len(ns) > 1

    def one(n: int) -> dict[str, Any]:
        store = None if args.store is None else store_path(args.store, n, several)
        return measure(
            n, args.seed, args.repeat, args.site, store, reuse=args.reuse_store, prof=args.profile
        )

    timed = {"blast radius": "engine_ms", "networkx": "networkx_ms", "build": "build_s"}
    _growth.print_last(_growth.run(ns, one, timed, size_of="estate_components"))
    return 0


def measure(
    n: int,
    seed: int,
    repeat: int,
    site: str,
    store_at: Path | None,
    *,
    reuse: bool = False,
    prof: bool = False,
) -> dict[str, Any]:
    """Every figure of one size (printing its lines as it goes)."""
    t0, c0 = time.perf_counter(), time.process_time()
    estate = estate_gen.generate(n, seed=seed)
    gen_s, gen_cpu = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"estate: {estate.n:,} components, {estate.dependency_count:,} dependencies, "
        f"{estate.member_count:,} member edges ({estate.edge_count / estate.n:.2f} per "
        f"component), seed {seed}, generated in {gen_s:.1f} s ({gen_cpu:.1f} s CPU)"
    )
    estate_n = estate.n

    load_s: float | None = None
    store: SqliteStore | None = None
    if store_at is not None:
        store = SqliteStore(store_at)
        if reuse and store.version() > 0:
            print(f"reading {store_at} as it is (--reuse-store): {store.stats().components:,} "
                  "components")  # fmt: skip
        else:
            model = estate.to_model(check=False)
            t0 = time.perf_counter()
            store.load(model)
            load_s = time.perf_counter() - t0
            print(f"loaded into {store_at} in {load_s:.1f} s ({estate.n / load_s:,.0f} "
                  "components/s)")  # fmt: skip
            del model
        gc.collect()
    t0, c0 = time.perf_counter(), time.process_time()
    graph = store.read_graph() if store is not None else estate.to_graph()
    topology(graph)  # the kernel's renumbered view, made once per graph
    build_s, build_cpu = time.perf_counter() - t0, time.process_time() - c0
    source = f"the store {store_at}" if store is not None else "rows"
    print(f"graph built from {source} in {build_s:.2f} s ({build_cpu:.2f} s CPU)")
    if store is not None:
        store.close()
    del estate
    gc.collect()

    scenario = Scenario(failures=(Failure(site),), name=f"{site} lost")
    propagate = _engine()
    engine_ms: float | None = None
    if propagate is not None:
        engine_ms, cold_ms, impact = best_of(repeat, lambda: propagate(graph, scenario))
        s = impact.summary
        print(
            f"engine: {site} fails for ∞ → {s.down:,} DOWN, {s.degraded:,} DEGRADED, "
            f"{len(impact.timelines):,} listed; best {engine_ms:.1f} ms of {repeat} "
            f"(first {cold_ms:.1f} ms)"
        )
        del impact
    peak_engine = peak_rss_mb()
    phases = profile(graph, scenario, repeat) if prof else None

    nxg = networkx_graph(graph)
    root = graph.index[site]
    nx_ms, _, hit = best_of(repeat, lambda: nx.ancestors(nxg, root))
    print(f"networkx.ancestors: {len(hit):,} reachable; best {nx_ms:.1f} ms of {repeat}")
    peak_total = peak_rss_mb()

    speedup = None if engine_ms is None else round(nx_ms / engine_ms, 2)
    print(
        f"peak RSS {peak_engine:,.0f} MiB before the networkx graph, {peak_total:,.0f} MiB with it"
    )
    figures: dict[str, Any] = {
        "components": n,
        "estate_components": estate_n,
        "engine_ms": None if engine_ms is None else round(engine_ms, 1),
        "networkx_ms": round(nx_ms, 1),
        "speedup": speedup,
        "build_s": round(build_s, 2),
        "build_cpu_s": round(build_cpu, 2),
        "build_from": "store" if store is not None else "rows",
        "store_load_s": None if load_s is None else round(load_s, 1),
        "peak_rss_mb": round(peak_engine),
        "peak_rss_total_mb": round(peak_total),
    }
    if phases is not None:
        figures["profile_cpu_ms"] = phases
    figures["targets"] = targets(n, figures)
    return figures


def profile(graph: Graph, scenario: Scenario, repeat: int) -> dict[str, float]:
    """CPU milliseconds of each phase of ``propagate`` (best total of ``repeat``), and of what
    is built only when a caller asks: the timelines and the business services as objects."""
    from impactgraph._gc import no_gc
    from impactgraph.engine import _jit, _kernel
    from impactgraph.engine import propagate as prop
    from impactgraph.engine.impact import summarise
    from impactgraph.engine.scenario import resolve

    kern: Any = _jit.kernels(_kernel, _kernel.KERNELS, graph.n)
    best: dict[str, float] | None = None
    for _ in range(max(repeat, 1)):
        clock = time.process_time
        with no_gc():
            c0 = clock()
            arguments = prop.kernel_arguments(graph, resolve(graph, scenario))
            c1 = clock()
            changes = kern.propagate_kernel(*arguments)
            c2 = clock()
            changes = prop.graph_numbering(graph, *changes)
            c3 = clock()
            rec = prop.records_from_changes(graph, *changes)
            c4 = clock()
            summary = summarise(graph, scenario, rec)
            c5 = clock()
        run = {
            "failures": c1 - c0,
            "kernel": c2 - c1,
            "renumber": c3 - c2,
            "records": c4 - c3,
            "summary": c5 - c4,
            "total": c5 - c0,
        }
        if best is None or run["total"] < best["total"]:
            best = run
    assert best is not None
    c0 = time.process_time()
    listed = len(summary.business_services)
    best["business_services_on_demand"] = time.process_time() - c0
    out = {k: round(v * 1000, 1) for k, v in best.items()}
    print(
        f"profile (CPU ms, best of {max(repeat, 1)}): "
        + ", ".join(f"{k} {v:g}" for k, v in out.items())
        + f" ({listed:,} business services)"
    )
    return out


#: issue 12's targets, set for the 1M estate: (figure, limit, True if it must be at least that)
TARGETS_1M = (
    ("engine_ms", 400.0, False),
    ("speedup", 12.0, True),
    ("peak_rss_mb", 1536.0, False),  # the engine's run (from rows: estate, graph, answer)
    ("build_s", 10.0, False),  # from a SQLite store (--store); from rows it is not a target
)


def targets(n: int, figures: dict[str, Any]) -> dict[str, Any]:
    """Whether the figures of this size meet the targets (set for 1M only), printed too."""
    if n != 1_000_000:
        return {"note": "the targets are set for 1,000,000 components"}
    out: dict[str, Any] = {}
    for key, limit, at_least in TARGETS_1M:
        value = figures.get(key)
        from_store = figures.get("build_from") == "store"
        if (key == "build_s") != from_store:  # a --store run checks the read, not the rest
            continue
        met = value is not None and (value >= limit if at_least else value <= limit)
        out[key] = {"limit": limit, "met": met}
        print(f"target {key} {'≥' if at_least else '≤'} {limit:g}: {value} "
              f"{'met' if met else 'NOT met'}")  # fmt: skip
    out["met"] = all(v["met"] for v in out.values())
    return out


if __name__ == "__main__":
    raise SystemExit(main())
