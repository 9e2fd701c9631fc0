"""``impactgraph diagram``: the estate (or a part of it) as a Graphviz picture."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from impactgraph.cli.common import build_scenario, read_graph, scenario_options, source_options
from impactgraph.engine.explain import dependencies, dependents
from impactgraph.engine.impact import Impact
from impactgraph.engine.propagate import propagate
from impactgraph.engine.scenario import Failure
from impactgraph.errors import InputError, UnknownComponentError
from impactgraph.render.graphviz import IMAGE_FORMATS, diagram_dot, render_image


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
@click.option(
    "--depth",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="With --component: stop after N hops each way.",
)
@click.option(
    "--impacted",
    is_flag=True,
    help="With --fail/--scenario: draw only the components that are not always UP.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("dot", *IMAGE_FORMATS)),
    default="dot",
    show_default=True,
    help="DOT source, or an image laid out by Graphviz.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write here instead of stdout (needed for images on a terminal).",
)
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
    else:
        if impacted:
            raise InputError("--impacted needs failures: give --fail TARGET or --scenario FILE")
        graph = read_graph(model_path, store_url)
    only: set[str] | None = None
    if component_id is not None:
        if component_id not in graph.index:
            raise UnknownComponentError(component_id, "not in the model")
        only = {component_id}
        only.update(cid for cid, _ in dependents(graph, component_id, depth=depth))
        only.update(cid for cid, _ in dependencies(graph, component_id, depth=depth))
    if impacted and answer is not None:
        hit = set(answer.timelines)
        only = hit if only is None else only & hit
    dot = diagram_dot(graph, answer, only)
    if fmt == "dot":
        if output is None:
            click.echo(dot)
        else:
            output.write_text(dot + "\n", encoding="utf-8")
        return
    image = render_image(dot, fmt)
    if output is not None:
        output.write_bytes(image)
        return
    stdout = sys.stdout.buffer
    if sys.stdout.isatty():
        raise InputError(f"a {fmt} image would garble the terminal; give --output FILE")
    stdout.write(image)
