"""``impactgraph deps ID --up|--down``: what needs a component, or what it needs, transitively."""

from __future__ import annotations

from pathlib import Path

import click

from impactgraph.cli.common import depth_option, format_option, reachable, source_options
from impactgraph.render.reports import show_deps


@click.command()
@click.argument("component_id", metavar="ID")
@click.option(
    "--up",
    is_flag=True,
    help="What needs ID, transitively (towards the business services).",
)
@click.option(
    "--down",
    is_flag=True,
    help="What ID needs, transitively (towards sites and suppliers).",
)
@depth_option("Stop after N hops (default: no limit).")
@click.option(
    "--type",
    "types",
    multiple=True,
    metavar="T",
    help="Follow only dependencies of this type (runs_on, located_at, …; 'member' for group "
    "membership). Repeatable.",
)
@click.option(
    "--strength",
    type=click.Choice(("hard", "soft")),
    default=None,
    help="Follow only hard or only soft dependencies.",
)
@source_options
@format_option
def deps(
    component_id: str,
    up: bool,
    down: bool,
    depth: int | None,
    types: tuple[str, ...],
    strength: str | None,
    model_path: Path | None,
    store_url: str | None,
    fmt: str,
) -> None:
    """List the components that need ID (--up) or that ID needs (--down), with their depth.

    A store answers with its own query (a large estate is not read whole); a model file is
    walked in memory. Both give the same components at the same depths.

    \b
    Example:
      impactgraph deps db-primary --up --model examples/spec-example.yaml
      impactgraph deps card-payments --down --depth 2 --type runs_on --format csv
    """
    if up == down:
        which = "not both" if up else "say which way"
        raise click.UsageError(f"{which}: --up (what needs ID) or --down (what ID needs)")
    direction = "up" if up else "down"
    rows = reachable(
        model_path,
        store_url,
        component_id,
        upward=direction == "up",
        depth=depth,
        types=types,
        strength=strength,
    )
    show_deps(component_id, direction, depth, rows, fmt)
