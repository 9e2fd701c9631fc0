"""``impactgraph recover``: the recovery plan of a scenario (SPEC §4)."""

from __future__ import annotations

from pathlib import Path

import click

from impactgraph.cli.common import (
    format_option,
    graph_and_scenario,
    scenario_options,
    source_options,
    stdout_console,
)
from impactgraph.engine.scenario import Failure


@click.command()
@source_options
@scenario_options
@format_option
@click.option(
    "--teams",
    "teams",
    metavar="N | TEAM=N,…",
    default=None,
    help="Recovery capacity: N crews that take any step, or crews per team "
    "(dba=2,network=1; '*=N' adds crews that take any step). Default: unlimited.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=200,
    show_default=True,
    help="Steps shown in the table (0 for all); other formats always list all.",
)
def recover(
    model_path: Path | None,
    store_url: str | None,
    failures: tuple[Failure, ...],
    scenario_path: Path | None,
    horizon: int | None,
    fmt: str,
    teams: str | None,
    limit: int,
) -> None:
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
    from impactgraph.engine.plan import Capacity, plan
    from impactgraph.engine.propagate import propagate
    from impactgraph.render import runbook

    capacity = Capacity.parse(teams) if teams else None  # bad --teams before reading the model
    graph, scenario = graph_and_scenario(model_path, store_url, failures, scenario_path, horizon)
    answer = plan(graph, propagate(graph, scenario), capacity)
    if fmt == "json":
        click.echo(runbook.plan_json(answer), nl=False)
    elif fmt == "csv":
        click.echo(runbook.plan_csv(answer), nl=False)
    elif fmt == "markdown":
        title = "Recovery runbook: " + (
            scenario.name or ", ".join(f.target for f in scenario.failures) + " lost"
        )
        click.echo(runbook.plan_markdown(answer, title))
    else:
        runbook.print_plan(stdout_console(), answer, limit or None)
