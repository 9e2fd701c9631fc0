"""Bulk load into the real Neo4j server, and blast radius by Cypher against the engine.

For each size: generate a layered estate (:mod:`estate_gen`, seeded), wipe the store, load it
with :meth:`Neo4jStore.load` (atomic generation switch, ``UNWIND`` batches) and time it
(components/s and rows/s, rows = components + dependencies + member entries); read it back
as the engine's graph (``read_s``: :meth:`Neo4jStore.read_graph`, what every answer starts
from) and as the pydantic model (``read_model_s``: :meth:`Neo4jStore.read`); then, on the
graph read back, the blast radius of ``site-0``:

* ``cypher_blast_ms`` — ``cypher/blast_radius.cypher`` in the server (reachability, hops);
* ``engine_reach_ms`` — :func:`impactgraph.engine.explain.dependents` on the model read back
  (the same question, answered in memory);
* ``engine_propagate_ms`` — :func:`impactgraph.engine.propagate.propagate` for "site-0 fails
  at 0 for ∞" with the full SPEC §3 semantics (states, groups, tolerances, causes).

Each of the three is the best of two runs (the first pays for query planning or JIT).

The Cypher and engine reachability sets are checked to be equal.

Usage (the server from ``scripts/neo4j-local start``)::

    python benchmarks/neo4j_load.py --components 100000 --components 1000000

``--load-only`` times the load alone (for quick iterations on the load path). With several
sizes it prints the growth exponent of each timed figure (:mod:`_growth`). It prints whether
each target of issue 12 is met: at 100k, 20,000 components/s (edges included) and a read in
3 s; at 1M, a load in 90 s and a read in 30 s.

The store URL comes from ``--store``, else ``$IMPACTGRAPH_TEST_NEO4J``, else
``scripts/neo4j-local url``. The last line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _growth
import estate_gen

from impactgraph.engine.explain import dependents
from impactgraph.engine.propagate import propagate
from impactgraph.engine.scenario import Failure, Scenario
from impactgraph.store.neo4j import Neo4jStore

ROOT = Path(__file__).resolve().parents[1]
TARGET_COMPONENTS_PER_S = 20_000
#: issue 12 targets: size -> (figure, limit, True if the figure must be at least the limit)
TARGETS: dict[int, list[tuple[str, float, bool]]] = {
    100_000: [("components_per_s", TARGET_COMPONENTS_PER_S, True), ("read_s", 3.0, False)],
    1_000_000: [("load_s", 90.0, False), ("read_s", 30.0, False)],
}


def store_url(given: str | None) -> str:
    """The server to use: the option, the test variable, or the local server's URL."""
    if given:
        return given
    if os.environ.get("IMPACTGRAPH_TEST_NEO4J"):
        return os.environ["IMPACTGRAPH_TEST_NEO4J"]
    done = subprocess.run(
        [str(ROOT / "scripts" / "neo4j-local"), "url"], capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.exit("no server: run scripts/neo4j-local start (or pass --store URL)")
    return done.stdout.strip().splitlines()[-1]


def timed(label: str, func: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    value = func(*args, **kwargs)
    seconds = time.perf_counter() - started
    print(f"  {label:<22} {seconds:9.2f} s", flush=True)
    return value, seconds


def best_of_two(label: str, func: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    value, first = timed(label, func, *args, **kwargs)
    _, second = timed(label, func, *args, **kwargs)
    return value, min(first, second)


def run_size(store: Neo4jStore, n: int, seed: int, *, load_only: bool = False) -> dict[str, Any]:
    print(f"{n} components (seed {seed})", flush=True)
    estate, _ = timed("generate", estate_gen.generate, n, seed)
    model, _ = timed("to_model", estate.to_model, check=False)
    components = len(model.components)
    dependencies = len(model.dependencies)
    members = sum(len(c.members) for c in model.components)
    rows = components + dependencies + members
    timed("wipe", store.wipe)
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        if now - last[0] > 10:
            last[0] = now
            print(f"    {done}/{total} rows", flush=True)

    _, load_s = timed("load", store.load, model, progress=progress)
    del model
    loaded = {
        "components": components,
        "dependencies": dependencies,
        "members": members,
        "load_s": round(load_s, 2),
        "components_per_s": round(components / load_s),
        "rows_per_s": round(rows / load_s),
    }
    if load_only:
        return loaded
    graph, read_s = timed("read_graph", store.read_graph)
    _, read_model_s = timed("read (model)", store.read)
    site = estate.site_id(0)
    params = {"id": site, "depth": None, "types": None, "strength": None}
    scenario = Scenario(failures=(Failure(target=site),))
    # best of two: the first run of each pays for query planning or JIT compilation
    cypher_rows, cypher_s = best_of_two(
        "cypher blast_radius", store.query, "blast_radius", **params
    )
    reach, reach_s = best_of_two("engine dependents", dependents, graph, site)
    impact, propagate_s = best_of_two("engine propagate", propagate, graph, scenario)
    cypher_set = {(r["id"], r["depth"]) for r in cypher_rows}
    if cypher_set != set(reach):
        raise SystemExit(f"cypher and engine reachability differ for {site}")
    return {
        **loaded,
        "read_s": round(read_s, 2),
        "read_model_s": round(read_model_s, 2),
        "blast_radius_count": len(cypher_set),
        "cypher_blast_ms": round(cypher_s * 1000, 1),
        "engine_reach_ms": round(reach_s * 1000, 1),
        "engine_propagate_ms": round(propagate_s * 1000, 1),
        "engine_not_up": impact.summary.down + impact.summary.degraded,
        "cypher_over_engine_reach": round(cypher_s / reach_s, 1) if reach_s else None,
    }


def targets(n: int, figures: dict[str, Any]) -> dict[str, bool]:
    """Each issue 12 target for size ``n`` that was measured: met or not (printed too)."""
    met: dict[str, bool] = {}
    for name, limit, at_least in TARGETS.get(n, []):
        value = figures.get(name)
        if value is None:
            continue
        ok = value >= limit if at_least else value <= limit
        met[name] = ok
        sign = "≥" if at_least else "≤"
        print(f"  target {name} {sign} {limit:g}: {value:g} — {'met' if ok else 'NOT met'}")
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    _growth.add_sizes(parser, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--store", default=None, metavar="URL")
    parser.add_argument(
        "--load-only", action="store_true", help="time the load only (no read back, no queries)"
    )
    args = parser.parse_args()
    store = Neo4jStore(store_url(args.store))

    def one(n: int) -> dict[str, Any]:
        figures = run_size(store, n, args.seed, load_only=args.load_only)
        figures["targets"] = targets(n, figures)
        return figures

    timed = {"load": "load_s", "read_graph": "read_s"}
    if not args.load_only:
        timed |= {"read (model)": "read_model_s", "cypher blast radius": "cypher_blast_ms"}
    try:
        figures = _growth.run(_growth.sizes(args), one, timed, size_of="components")
    finally:
        store.close()
    runs = figures.get("runs", [figures])
    figures["target_components_per_s"] = TARGET_COMPONENTS_PER_S
    figures["meets_target"] = all(all(r["targets"].values()) for r in runs)
    figures["seed"] = args.seed
    _growth.print_last(figures)


if __name__ == "__main__":
    main()
