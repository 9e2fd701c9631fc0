"""``impactgraph recover``: the recovery plan of a scenario (SPEC §4)."""

from __future__ import annotations

from typing import Any

import click

from impactgraph.cli.common import format_option, graph_and_scenario, limit_option, teams_option
from impactgraph.engine.plan import plan
from impactgraph.engine.propagate import propagate
from impactgraph.engine.scenario import Scenario
from impactgraph.graph import Graph
from impactgraph.render.runbook import show_plan


@click.command()
@graph_and_scenario
@format_option
@teams_option(
    "Recovery capacity: N crews that take any step, or crews per team "
    "(dba=2,network=1; '*=N' adds crews that take any step). Default: unlimited."
)
@limit_option("Steps shown in the table (0 for all); other formats always list all.")
def recover(graph: Graph, scenario: Scenario, fmt: str, capacity: Any, limit: int) -> None:
    """The order to bring things back, who does what when, and which RTOs are missed.

    Every component DOWN until recovered gets a step (restore if it failed itself, restart
    if it went down through its dependencies), after its hard dependencies are back. With
    --teams, free crews take the ready step with the earliest deadline. --format markdown
    prints a runbook to paste into the continuity plan.

    \b
    Example:
      impactgraph recover --model examples/estate.yaml --fail dc-london
      impactgraph recover --fail dc-london --teams 3 --format markdown > runbook.md
      impactgraph recover --fail dc-london --teams dba=2,network=1,*=2 --format json
    """
    show_plan(plan(graph, propagate(graph, scenario), capacity), scenario, fmt, limit or None)
