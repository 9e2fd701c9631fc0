"""``impactgraph diagram``: the estate (or a part of it) as a Graphviz picture."""

from __future__ import annotations

from pathlib import Path

import click

from impactgraph.cli.common import (
    build_scenario,
    depth_option,
    format_choice,
    output_option,
    read_graph,
    scenario_options,
    source_options,
)
from impactgraph.engine.impact import Impact
from impactgraph.engine.propagate import propagate
from impactgraph.engine.scenario import Failure
from impactgraph.errors import InputError
from impactgraph.render.graphviz import IMAGE_FORMATS, diagram_dot, drawn, show_diagram


@click.command()
@source_options
@scenario_options
@click.option(
    "--component",
    "-c",
    "component_id",
    default=None,
    metavar="ID",
    help="Draw only this component and what it needs and what needs it.",
)
@depth_option("With --component: stop after N hops each way.")
@click.option(
    "--impacted",
    is_flag=True,
    help="With --fail/--scenario: draw only the components that are not always UP.",
)
@format_choice(("dot", *IMAGE_FORMATS), "DOT source, or an image laid out by Graphviz.")
@output_option("Write here instead of stdout (needed for images on a terminal).")
def diagram(
    model_path: Path | None,
    store_url: str | None,
    failures: tuple[Failure, ...],
    scenario_path: Path | None,
    horizon: int | None,
    component_id: str | None,
    depth: int | None,
    impacted: bool,
    fmt: str,
    output: Path | None,
) -> None:
    """Draw the dependency graph; with failures, colour what goes DOWN (red) or DEGRADED.

    Arrows read "needs": a → b means a needs b. Dashed arrows are soft dependencies, dotted
    ones group membership (labelled with standby activation times).

    \b
    Example:
      impactgraph diagram --model examples/spec-example.yaml --fail dc1 -o dc1.svg --format svg
      impactgraph diagram -c payments-api --depth 2 | dot -Tpng > payments.png
    """
    answer: Impact | None = None
    if failures or scenario_path is not None:
        scenario = build_scenario(failures, scenario_path, horizon)
        graph = read_graph(model_path, store_url)
        answer = propagate(graph, scenario)
    elif impacted:
        raise InputError("--impacted needs failures: give --fail TARGET or --scenario FILE")
    else:
        graph = read_graph(model_path, store_url)
    only = drawn(graph, answer, component_id, depth, impacted)
    show_diagram(diagram_dot(graph, answer, only), fmt, output)
