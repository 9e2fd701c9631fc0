"""Bulk load into the real Neo4j server, and blast radius by Cypher against the engine.

For each size: generate a layered estate (:mod:`estate_gen`, seeded), wipe the store, load it
with :meth:`Neo4jStore.load` (atomic generation switch, ``UNWIND`` batches) and time it
(components/s and rows/s, rows = components + dependencies + member entries); read it back
(``read_s``); then, on the same graph in the same run, the blast radius of ``site-0``:

* ``cypher_blast_ms`` — ``cypher/blast_radius.cypher`` in the server (reachability, hops);
* ``engine_reach_ms`` — :func:`impactgraph.engine.explain.dependents` on the model read back
  (the same question, answered in memory);
* ``engine_propagate_ms`` — :func:`impactgraph.engine.propagate.propagate` for "site-0 fails
  at 0 for ∞" with the full SPEC §3 semantics (states, groups, tolerances, causes).

Each of the three is the best of two runs (the first pays for query planning or JIT).

The Cypher and engine reachability sets are checked to be equal.

Usage (the server from ``scripts/neo4j-local start``)::

    python benchmarks/neo4j_load.py --components 100000 --components 1000000

``--load-only`` times the load alone (for quick iterations on the load path).

The store URL comes from ``--store``, else ``$IMPACTGRAPH_TEST_NEO4J``, else
``scripts/neo4j-local url``. The last line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import estate_gen

from impactgraph.engine.explain import dependents
from impactgraph.engine.propagate import propagate
from impactgraph.engine.scenario import Failure, Scenario
from impactgraph.graph import Graph
from impactgraph.store.neo4j import Neo4jStore

ROOT = Path(__file__).resolve().parents[1]
TARGET_COMPONENTS_PER_S = 20_000


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
    back, read_s = timed("read", store.read)
    graph, build_s = timed("graph", Graph.from_model, back)
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
        "graph_build_s": round(build_s, 2),
        "blast_radius_count": len(cypher_set),
        "cypher_blast_ms": round(cypher_s * 1000, 1),
        "engine_reach_ms": round(reach_s * 1000, 1),
        "engine_propagate_ms": round(propagate_s * 1000, 1),
        "engine_not_up": impact.summary.down + impact.summary.degraded,
        "cypher_over_engine_reach": round(cypher_s / reach_s, 1) if reach_s else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--components", type=int, action="append", metavar="N")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--store", default=None, metavar="URL")
    parser.add_argument(
        "--load-only", action="store_true", help="time the load only (no read back, no queries)"
    )
    args = parser.parse_args()
    sizes = args.components or [100_000, 1_000_000]
    store = Neo4jStore(store_url(args.store))
    try:
        results = [run_size(store, n, args.seed, load_only=args.load_only) for n in sizes]
    finally:
        store.close()
    best = max(r["components_per_s"] for r in results)
    print(
        json.dumps(
            {
                "sizes": results,
                "target_components_per_s": TARGET_COMPONENTS_PER_S,
                "meets_target": best >= TARGET_COMPONENTS_PER_S,
                "seed": args.seed,
            }
        )
    )


if __name__ == "__main__":
    main()
