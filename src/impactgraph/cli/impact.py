"""``impactgraph impact`` (the blast radius of a scenario) and ``impactgraph explain`` (why)."""

from __future__ import annotations

import click

from impactgraph.cli.common import at_option, format_option, graph_and_scenario, limit_option
from impactgraph.engine.explain import explain as explain_chain
from impactgraph.engine.propagate import propagate
from impactgraph.engine.scenario import Scenario
from impactgraph.graph import Graph
from impactgraph.render.reports import show_chain, show_impact, show_snapshot
from impactgraph.render.timeline import snapshot_at


@click.command()
@graph_and_scenario
@format_option
@at_option("Show the state of every component at one moment (e.g. 2h) instead of timelines.")
@limit_option("Table format: show the first N components (0 = all); the summary counts them all.")
def impact(graph: Graph, scenario: Scenario, fmt: str, at: int | None, limit: int) -> None:
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
    answer = propagate(graph, scenario)
    if at is None:
        show_impact(answer, graph, fmt, limit or None)
    else:
        show_snapshot(at, snapshot_at(answer.snapshot(at), answer.timelines), graph, fmt)


@click.command()
@graph_and_scenario
@format_option
@click.option(
    "--component",
    "-c",
    "component_id",
    required=True,
    metavar="ID",
    help="The component to explain.",
)
@at_option("Explain the state at this moment (default: the first DOWN interval, else the first).")
def explain(graph: Graph, scenario: Scenario, fmt: str, component_id: str, at: int | None) -> None:
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
    show_chain(explain_chain(propagate(graph, scenario), graph, component_id, at=at), fmt)
