"""``impactgraph impact`` (the blast radius of a scenario) and ``impactgraph explain`` (why)."""

from __future__ import annotations

from pathlib import Path

import click

from impactgraph.cli.common import (
    DURATION,
    format_option,
    graph_and_scenario,
    scenario_options,
    source_options,
    stdout_console,
)
from impactgraph.engine.explain import explain as explain_chain
from impactgraph.engine.propagate import propagate
from impactgraph.engine.scenario import Failure
from impactgraph.render import formats, table
from impactgraph.render.timeline import snapshot_at


@click.command()
@source_options
@scenario_options
@format_option
@click.option(
    "--at",
    "at",
    type=DURATION,
    default=None,
    metavar="T",
    help="Show the state of every component at one moment (e.g. 2h) instead of timelines.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=200,
    show_default=True,
    metavar="N",
    help="Table format: show the first N components (0 = all); the summary counts them all.",
)
def impact(
    model_path: Path | None,
    store_url: str | None,
    failures: tuple[Failure, ...],
    scenario_path: Path | None,
    horizon: int | None,
    fmt: str,
    at: int | None,
    limit: int,
) -> None:
    """What goes down, when, why and what it costs if the given components fail.

    Prints every component that is not UP at some moment with its timeline and cause, then
    counts by kind, the business services hit (by tier) and the money lost within the
    horizon. --format json prints the SPEC answer: times in seconds, null for ∞. With --at,
    only the components that are not UP at that moment (json: {"at", "components"}).

    \b
    Example:
      impactgraph impact --model examples/spec-example.yaml --fail dc1
      impactgraph impact --fail dc1@1h+3h --fail kind:supplier --format json
      impactgraph impact --scenario examples/scenarios/primary-dc-lost.yaml --at 2h
    """
    graph, scenario = graph_and_scenario(model_path, store_url, failures, scenario_path, horizon)
    answer = propagate(graph, scenario)
    if at is not None:
        rows = snapshot_at(answer.timelines, at)
        if fmt == "json":
            click.echo(formats.snapshot_json(at, rows, graph), nl=False)
        elif fmt == "csv":
            click.echo(formats.snapshot_csv(rows, graph), nl=False)
        elif fmt == "markdown":
            click.echo(formats.snapshot_markdown(at, rows, graph), nl=False)
        else:
            table.print_snapshot(stdout_console(), at, rows, graph)
        return
    if fmt == "json":
        click.echo(formats.impact_json(answer), nl=False)
    elif fmt == "csv":
        click.echo(formats.impact_csv(answer, graph), nl=False)
    elif fmt == "markdown":
        click.echo(formats.impact_markdown(answer, graph), nl=False)
    else:
        table.print_impact(stdout_console(), answer, graph, limit or None)


@click.command()
@source_options
@scenario_options
@format_option
@click.option(
    "--component",
    "-c",
    "component_id",
    required=True,
    metavar="ID",
    help="The component to explain.",
)
@click.option(
    "--at",
    "at",
    type=DURATION,
    default=None,
    metavar="T",
    help="Explain the state at this moment (default: the first DOWN interval, else the first).",
)
def explain(
    model_path: Path | None,
    store_url: str | None,
    failures: tuple[Failure, ...],
    scenario_path: Path | None,
    horizon: int | None,
    fmt: str,
    component_id: str,
    at: int | None,
) -> None:
    """Why a component goes down: the chain of causes back to the root failure.

    One line per hop, from the component to the failure that started it, each with its
    state, when, and the dependency (rule, type, tolerance) it came through. A component
    that stays UP (or is UP at --at) is an error (exit 2).

    \b
    Example:
      impactgraph explain --model examples/spec-example.yaml --fail dc1 -c card-payments
      card-payments  DOWN 0s–30m  ← payments-api (hard, depends_on)
      payments-api   DOWN 0s–30m  ← db-cluster (hard, depends_on)
      db-cluster     DOWN 0s–30m  ← db-primary (group)
      db-primary     DOWN 0s–∞    ← host1 (hard, runs_on)
      host1          DOWN 0s–∞    ← dc1 (hard, located_at)
      dc1            DOWN 0s–∞    failed
    """
    graph, scenario = graph_and_scenario(model_path, store_url, failures, scenario_path, horizon)
    hops = explain_chain(propagate(graph, scenario), graph, component_id, at=at)
    if fmt == "json":
        click.echo(formats.chain_json(hops), nl=False)
    elif fmt == "csv":
        click.echo(formats.chain_csv(hops), nl=False)
    elif fmt == "markdown":
        click.echo(formats.chain_markdown(hops), nl=False)
    else:
        table.print_chain(stdout_console(), hops)
