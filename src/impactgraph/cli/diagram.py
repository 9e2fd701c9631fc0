"""``impactgraph diagram [KIND]``: pictures of the estate, an impact, its timeline, a recovery
plan, as DOT, Mermaid or images laid out by Graphviz.

Without a KIND the command does what it always did: the estate (with failures, coloured by
them; ``-c ID`` around one component; ``--impacted`` only what is hit).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from impactgraph.cli.common import (
    build_scenario,
    depth_option,
    format_choice,
    output_option,
    read_graph,
    scenario_options,
    source_options,
    teams_option,
)
from impactgraph.engine.plan import plan
from impactgraph.engine.propagate import propagate
from impactgraph.engine.scenario import Failure
from impactgraph.errors import InputError
from impactgraph.render.diagrams import (
    COLLAPSE_CHOICES,
    FORMATS,
    MAX_NODES,
    NEEDS_IMPACT,
    NEEDS_PLAN,
    DiagramOptions,
    draw,
)
from impactgraph.render.graphviz import show_diagram

#: the kinds on the command line: the library's, and ``component`` (the estate around an id)
CLI_KINDS = ("estate", "component", "impact", "timeline", "recovery", "schedule")
#: options that only some kinds take (None: the command without a kind)
ONLY_FOR: dict[str, tuple[str | None, ...]] = {
    "--teams": ("recovery", "schedule"),
    "--components": ("timeline",),
    "--context": ("impact",),
    "--impacted": (None, "impact"),
}


@click.command()
@click.argument("kind", required=False, type=click.Choice(CLI_KINDS), metavar="[KIND]")
@click.argument("component_id", required=False, metavar="[ID]")
@source_options
@scenario_options
@click.option(
    "--focus",
    "--component",
    "-c",
    "focus",
    default=None,
    metavar="ID",
    help="Draw only this component and what it needs and what needs it.",
)
@depth_option("With --focus: stop after N hops each way.")
@click.option(
    "--context",
    type=click.IntRange(min=0),
    default=None,
    metavar="N",
    help="impact: also draw the UP components within N hops of what is hit (default 1).",
)
@click.option(
    "--impacted",
    is_flag=True,
    help="With failures: draw only the components that are not always UP (--context 0).",
)
@click.option(
    "--components",
    is_flag=True,
    help="timeline: a row for every component hit, not only the business services.",
)
@teams_option(
    "recovery, schedule: N crews, or crews per team (dba=2,network=1,*=1); default unlimited."
)
@click.option(
    "--max-nodes",
    type=click.IntRange(min=0),
    default=MAX_NODES,
    show_default=True,
    metavar="N",
    help="Past N nodes (timeline: rows; schedule: bars), collapse with counts (0: never).",
)
@click.option(
    "--collapse",
    type=click.Choice(COLLAPSE_CHOICES),
    default="auto",
    show_default=True,
    help="What to collapse by past --max-nodes (auto: site, else group, else kind).",
)
@format_choice(
    FORMATS, "DOT source, an image laid out by Graphviz, or Mermaid for Markdown documents."
)
@output_option("Write here instead of stdout (needed for images on a terminal).")
def diagram(
    kind: str | None,
    component_id: str | None,
    model_path: Path | None,
    store_url: str | None,
    failures: tuple[Failure, ...],
    scenario_path: Path | None,
    horizon: int | None,
    focus: str | None,
    depth: int | None,
    context: int | None,
    impacted: bool,
    components: bool,
    capacity: Any,
    max_nodes: int,
    collapse: str,
    fmt: str,
    output: Path | None,
) -> None:
    """Draw the estate, an impact, its timeline or a recovery plan.

    Arrows read "needs": a → b means a needs b. Dashed arrows are soft dependencies, dotted
    ones group membership (labelled with standby activation times), τ a tolerance.

    \b
    KIND (default: estate, coloured by failures if given):
      estate     components clustered by site, groups around their members,
                 suppliers at the top
      component  the estate around ID (what it needs and what needs it; --depth N)
      impact     DOWN red, DEGRADED amber, UP context grey, failed roots doubled,
                 the cause path to each business service hit in bold, a legend
      timeline   Gantt chart of the business services hit (--components: every
                 component): DOWN/DEGRADED bars, RTO marks, the horizon
      recovery   the recovery plan ranked by wave, each step with start–finish and
                 team, the critical chain of each late business service in bold
      schedule   the recovery plan's steps per team as a Gantt chart, with deadlines

    Past --max-nodes the picture collapses components by site, group or kind and says so;
    --focus ID --depth N keeps a neighbourhood. SVG nodes carry the component id as their
    id attribute.

    \b
    Example:
      impactgraph diagram estate --model examples/estate.yaml --format svg -o estate.svg
      impactgraph diagram impact --fail dc-london --format svg -o impact.svg
      impactgraph diagram timeline --scenario examples/scenarios/primary-dc-lost.yaml \\
        --format png -o timeline.png
      impactgraph diagram recovery --fail dc-london --teams 3 --format pdf -o plan.pdf
      impactgraph diagram schedule --fail dc-london --teams dba=2,*=2 --format svg -o crews.svg
      impactgraph diagram component payments-api --depth 2 --format mermaid
      impactgraph diagram --model examples/spec-example.yaml --fail dc1 -o dc1.svg --format svg
    """
    has_scenario = bool(failures) or scenario_path is not None
    flags = {
        "--teams": capacity is not None,
        "--components": components,
        "--context": context is not None,
        "--impacted": impacted,
    }
    kind, focus = _checked(kind, component_id, focus, depth, has_scenario, flags)
    scenario = build_scenario(failures, scenario_path, horizon) if has_scenario else None
    graph = read_graph(model_path, store_url)
    impact = propagate(graph, scenario) if scenario is not None else None
    recovery = None
    if kind in NEEDS_PLAN:
        assert impact is not None
        recovery = plan(graph, impact, capacity)
    options = DiagramOptions(
        focus=focus,
        depth=depth,
        max_nodes=max_nodes,
        collapse=collapse,
        context=0 if impacted else (1 if context is None else context),
        components=components,
    )
    show_diagram(draw(kind, graph, options, impact, recovery), fmt, output)


def _checked(
    kind: str | None,
    component_id: str | None,
    focus: str | None,
    depth: int | None,
    has_scenario: bool,
    flags: dict[str, bool],
) -> tuple[str, str | None]:
    """The library's kind and the focus, once every combination of options is checked (before
    the model is read); a wrong one is a usage error (exit 2)."""
    if component_id is not None:
        if kind != "component":
            raise click.UsageError(
                f"unexpected argument {component_id!r}: only 'diagram component ID' takes an id"
            )
        if focus is not None and focus != component_id:
            raise click.UsageError("give the component once: 'diagram component ID'")
        focus = component_id
    if kind == "component" and focus is None:
        raise click.UsageError("'diagram component' needs an ID: diagram component ID --depth 2")
    if depth is not None and focus is None:
        raise click.UsageError("--depth needs a component: --focus ID (or -c ID)")
    if flags["--impacted"] and not has_scenario:
        raise InputError("--impacted needs failures: give --fail TARGET or --scenario FILE")
    for flag, kinds in ONLY_FOR.items():
        if flags[flag] and kind not in kinds:
            shown = " and ".join(f"'diagram {k}'" if k else "'diagram'" for k in kinds)
            raise click.UsageError(f"{flag} is for {shown}")
    if flags["--context"] and flags["--impacted"]:
        raise click.UsageError("give --impacted or --context N, not both")
    resolved = "impact" if kind is None and flags["--impacted"] else kind or "estate"
    resolved = "estate" if resolved == "component" else resolved
    if resolved in NEEDS_IMPACT and not has_scenario:
        raise InputError(f"'diagram {kind}' needs failures: give --fail TARGET or --scenario FILE")
    return resolved, focus
