"""Recovery planner benchmark: a site lost in the 1M estate, and EDF against a naive baseline.

1. The 1M-component estate of ``estate_gen`` (seed 1), ``site-0`` lost for ∞ (~300k steps):
   the plan with unlimited crews (critical path) and with 5 crews (earliest deadline first).
   Targets: unlimited ≤ 2 s, 5 crews ≤ 5 s (wall; CPU time is printed too, since the
   benchmark machine may be shared).
2. 100 random scenarios on the 10k estate (1–3 pieces of shared infrastructure lost for ∞:
   racks, SANs, hosts, brokers, suppliers, directories, sites), 5 crews:
   earliest-deadline-first against the naive baseline (steps by wave then id, first come
   first served), comparing RTO breaches and breach-hours per scenario.

The last line is one JSON object with every figure.

    python benchmarks/recovery_plan.py [--components 1000000] [--scenarios 100] [--seed 1]
    python benchmarks/recovery_plan.py --components 10000 --components 100000 \
        --components 1000000    # the site loss at each size, and the growth exponents
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _growth
import estate_gen

from impactgraph.engine.plan import Capacity, plan
from impactgraph.engine.propagate import propagate
from impactgraph.engine.scenario import Failure, Scenario
from impactgraph.model import Kind

#: shared infrastructure types that random scenarios lose
SHARED_TYPES = frozenset({"rack", "san", "host", "message_broker", "directory"})


def timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, float, float]:
    """Result, wall seconds, CPU seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - wall, time.process_time() - cpu


def site_loss(n: int, seed: int, repeat: int) -> dict[str, Any]:
    print(f"generating a {n:,}-component estate (seed {seed}) …", flush=True)
    estate, gen_s, _ = timed(estate_gen.generate, n, seed)
    graph = estate.to_graph()
    scenario = Scenario(failures=(Failure(estate.site_id(0)),))
    impact, prop_s, _ = timed(propagate, graph, scenario)
    print(f"  generated in {gen_s:.1f} s; site-0 lost: propagate {prop_s:.1f} s", flush=True)
    out: dict[str, Any] = {"components": estate.n, "propagate_s": round(prop_s, 2)}
    for label, capacity in (("unlimited", None), ("teams_5", Capacity(total=5))):
        runs = [timed(plan, graph, impact, capacity) for _ in range(repeat)]
        p = runs[0][0]
        first_wall = runs[0][1]
        wall = min(r[1] for r in runs[1:]) if repeat > 1 else first_wall
        cpu = min(r[2] for r in runs[1:]) if repeat > 1 else runs[0][2]
        out[label] = {
            "steps": len(p.steps),
            "wall_s": round(wall, 2),
            "cpu_s": round(cpu, 2),
            "first_run_wall_s": round(first_wall, 2),
            "makespan_h": round(p.totals.makespan / 3600, 1),
            "breaches": p.totals.breaches,
            "business_services": len(p.business_services),
        }
        print(
            f"  {label}: {len(p.steps):,} steps, plan {wall:.2f} s wall / {cpu:.2f} s CPU "
            f"(first run {first_wall:.2f} s), makespan {p.totals.makespan / 3600:,.1f} h, "
            f"{p.totals.breaches:,} breaches",
            flush=True,
        )
    return out


def edf_against_naive(n: int, scenarios: int, seed: int) -> dict[str, Any]:
    print(f"{scenarios} random scenarios on a {n:,}-component estate, 5 crews …", flush=True)
    estate = estate_gen.generate(n, seed)
    graph = estate.to_graph()
    rng = random.Random(seed)
    # what fails: 1–3 pieces of shared infrastructure (a rack, a SAN, a host, a broker, a
    # supplier, a directory, now and then a whole site), each type equally likely
    pools: dict[str, list[str]] = {}
    for cid, kind, typ in zip(estate.ids, estate.kinds, estate.types, strict=True):
        if kind in (Kind.SITE, Kind.SUPPLIER) or typ in SHARED_TYPES:
            pools.setdefault(f"{kind.value}:{typ}", []).append(cid)
    kinds = sorted(pools)
    capacity = Capacity(total=5)
    rows = []
    for i in range(scenarios):
        lost = sorted({rng.choice(pools[rng.choice(kinds)]) for _ in range(rng.randint(1, 3))})
        impact = propagate(graph, Scenario(failures=tuple(Failure(c) for c in lost)))
        edf = plan(graph, impact, capacity)
        naive = plan(graph, impact, capacity, policy="topological")
        rows.append(
            (
                i,
                len(edf.steps),
                edf.totals.breaches,
                naive.totals.breaches,
                edf.totals.breach_seconds,
                naive.totals.breach_seconds,
            )
        )
    worse = [r for r in rows if r[2] > r[3]]
    edf_h = sum(r[4] for r in rows) / 3600
    naive_h = sum(r[5] for r in rows) / 3600
    print(
        f"  breaches: EDF {sum(r[2] for r in rows)}, naive {sum(r[3] for r in rows)}; "
        f"scenarios where EDF has more breaches: {len(worse)}",
        flush=True,
    )
    print(f"  breach-hours: EDF {edf_h:,.1f}, naive {naive_h:,.1f}", flush=True)
    for r in worse:
        print(f"    scenario {r[0]}: {r[1]} steps, EDF {r[2]} breaches vs naive {r[3]}")
    return {
        "scenarios": scenarios,
        "components": estate.n,
        "mean_steps": round(sum(r[1] for r in rows) / len(rows), 1),
        "edf_breaches": sum(r[2] for r in rows),
        "naive_breaches": sum(r[3] for r in rows),
        "scenarios_edf_more_breaches": len(worse),
        "scenarios_edf_fewer_breaches": sum(1 for r in rows if r[2] < r[3]),
        "edf_breach_hours": round(edf_h, 1),
        "naive_breach_hours": round(naive_h, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    _growth.add_sizes(ap, default=1_000_000)
    ap.add_argument("--small", type=int, default=10_000)
    ap.add_argument("--scenarios", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    # compile the kernels once, outside the timings (numba caches them on disk)
    warm = estate_gen.generate(30_000, args.seed)
    wg = warm.to_graph()
    wi = propagate(wg, Scenario(failures=(Failure(warm.site_id(0)),)))
    for capacity in (None, Capacity(total=5)):
        plan(wg, wi, capacity)
    versus = edf_against_naive(args.small, args.scenarios, args.seed)

    def measure(n: int) -> dict[str, Any]:
        big = site_loss(n, args.seed, args.repeat)
        return {
            "benchmark": "recovery_plan",
            "site_loss": big,
            "edf_vs_naive": versus,
            "targets": {
                "unlimited_le_2s": big["unlimited"]["wall_s"] <= 2.0,
                "teams_5_le_5s": big["teams_5"]["wall_s"] <= 5.0,
                "edf_never_more_breaches": versus["scenarios_edf_more_breaches"] == 0,
                "edf_fewer_breach_hours": versus["edf_breach_hours"] < versus["naive_breach_hours"],
            },
        }

    timed = {
        "propagate": "site_loss.propagate_s",
        "plan, unlimited crews": "site_loss.unlimited.wall_s",
        "plan, 5 crews": "site_loss.teams_5.wall_s",
    }
    figures = _growth.run(_growth.sizes(args), measure, timed, size_of="site_loss.components")
    _growth.print_last(figures)


if __name__ == "__main__":
    main()
