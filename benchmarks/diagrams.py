"""Diagram benchmark: how long each picture takes, from the engine's answer to an SVG.

1. ``examples/estate.yaml`` (101 components), its primary data centre lost: every picture
   kind as SVG. Target: the impact SVG in at most 0.5 s.
2. The 10k estate of ``estate_gen`` (seed 1), ``site-0`` lost for ∞: every picture kind as
   SVG, collapsed past the default 300 nodes. Target: the impact SVG in at most 3 s.

Each figure is the best of ``--repeat`` runs of the library call (``impact_diagram(…)`` and
its ``.svg()``), split into building the picture (Python: scene, DOT and Mermaid text) and
laying it out (Graphviz); reading the model, the propagation and the recovery plan are not
timed. The last line is one JSON object with every figure.

    python benchmarks/diagrams.py [--components 10000] [--seed 1] [--repeat 3]
    python benchmarks/diagrams.py --components 10000 --components 100000 \
        --components 1000000    # the generated estate at each size, and the growth exponents
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _growth
import estate_gen

from impactgraph.engine.impact import Impact
from impactgraph.engine.plan import Capacity, Plan, plan
from impactgraph.engine.propagate import propagate
from impactgraph.engine.scenario import Failure, Scenario
from impactgraph.errors import ImpactGraphError
from impactgraph.graph import Graph
from impactgraph.modelfile import load_model_file
from impactgraph.render.diagrams import KINDS, DiagramOptions, draw
from impactgraph.scenariofile import load_scenario_file

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def timed_picture(
    kind: str, graph: Graph, impact: Impact, the_plan: Plan, repeat: int
) -> dict[str, Any]:
    """Best-of-``repeat`` seconds to build the picture and to lay it out as SVG."""
    build, layout = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        diagram = draw(kind, graph, DiagramOptions(), impact, the_plan)
        t1 = time.perf_counter()
        svg = diagram.svg()
        t2 = time.perf_counter()
        build.append(t1 - t0)
        layout.append(t2 - t1)
    total = min(b + g for b, g in zip(build, layout, strict=True))
    return {
        "svg_s": round(total, 3),
        "build_s": round(min(build), 3),
        "graphviz_s": round(min(layout), 3),
        "nodes": len(diagram.shown) + len(diagram.collapsed),
        "collapsed_components": sum(len(ids) for ids in diagram.collapsed.values()),
        "svg_kb": round(len(svg.encode()) / 1024),
        "notes": list(diagram.notes),
    }


def pictures(label: str, graph: Graph, impact: Impact, repeat: int) -> dict[str, Any]:
    the_plan = plan(graph, impact, Capacity(total=5))
    print(
        f"{label}: {graph.n:,} components, {len(impact.timelines):,} hit, "
        f"{len(the_plan.steps):,} recovery steps (5 crews)",
        flush=True,
    )
    out: dict[str, Any] = {"components": graph.n, "hit": len(impact.timelines)}
    for kind in KINDS:
        try:
            figures = timed_picture(kind, graph, impact, the_plan, repeat)
        except ImpactGraphError as e:  # e.g. Graphviz refusing a layout: the other kinds go on
            out[kind] = {"svg_s": None, "error": str(e).splitlines()[0]}
            print(f"  {kind:<9} failed: {out[kind]['error']}", flush=True)
            continue
        out[kind] = figures
        print(
            f"  {kind:<9} {figures['svg_s']:6.3f} s  (build {figures['build_s']:.3f} s, "
            f"Graphviz {figures['graphviz_s']:.3f} s; {figures['nodes']:,} nodes, "
            f"{figures['svg_kb']:,} KiB)  {'; '.join(figures['notes'])}",
            flush=True,
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    _growth.add_sizes(ap, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    graph = Graph.from_model(load_model_file(EXAMPLES / "estate.yaml"))
    scenario = load_scenario_file(EXAMPLES / "scenarios" / "primary-dc-lost.yaml")
    small = pictures("examples/estate.yaml", graph, propagate(graph, scenario), args.repeat)

    def measure(n: int) -> dict[str, Any]:
        estate = estate_gen.generate(n, args.seed)
        big_graph = estate.to_graph()
        big_impact = propagate(big_graph, Scenario(failures=(Failure(estate.site_id(0)),)))
        big = pictures(f"estate_gen {n:,}", big_graph, big_impact, args.repeat)
        return {
            "benchmark": "diagrams",
            "examples_estate": small,
            "generated": big,
            "targets": {
                "impact_svg_101_le_0_5s": (small["impact"]["svg_s"] or math.inf) <= 0.5,
                "impact_svg_10k_collapsed_le_3s": (big["impact"]["svg_s"] or math.inf) <= 3.0,
            },
        }

    timed = {f"{kind} svg": f"generated.{kind}.svg_s" for kind in KINDS}
    figures = _growth.run(_growth.sizes(args), measure, timed, size_of="generated.components")
    _growth.print_last(figures)


if __name__ == "__main__":
    main()
