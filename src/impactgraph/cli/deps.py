"""``impactgraph deps ID --up|--down``: what needs a component, or what it needs, transitively."""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np

from impactgraph.cli.common import format_option, read_graph, source_options, stdout_console
from impactgraph.engine.explain import dependencies, dependents
from impactgraph.errors import UnknownComponentError
from impactgraph.graph import KIND_CODE, Graph
from impactgraph.model import Kind
from impactgraph.render import formats, table
from impactgraph.store import open_store, store_location


@click.command()
@click.argument("component_id", metavar="ID")
@click.option(
    "--up",
    "direction",
    flag_value="up",
    help="What needs ID, transitively (towards the business services).",
)
@click.option(
    "--down",
    "direction",
    flag_value="down",
    help="What ID needs, transitively (towards sites and suppliers).",
)
@click.option(
    "--depth",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Stop after N hops (default: no limit).",
)
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
    direction: str | None,
    depth: int | None,
    types: tuple[str, ...],
    strength: str | None,
    model_path: Path | None,
    store_url: str | None,
    fmt: str,
) -> None:
    """List the components that need ID (--up) or that ID needs (--down), with their depth.

    \b
    Example:
      impactgraph deps db-primary --up --model examples/spec-example.yaml
      impactgraph deps card-payments --down --depth 2 --type runs_on --format csv
    """
    if direction is None:
        raise click.UsageError("say which way: --up (what needs ID) or --down (what ID needs)")
    if model_path is None and store_location(store_url)[0] == "neo4j":
        graph, rows = _in_neo4j(store_url, component_id, direction, depth, types, strength)
    else:
        graph = read_graph(model_path, store_url)
        if component_id not in graph.index:
            raise UnknownComponentError(component_id, "not in the model")
        walk = dependents if direction == "up" else dependencies
        rows = walk(graph, component_id, depth=depth, types=types or None, strength=strength)
    if fmt == "json":
        click.echo(formats.deps_json(component_id, direction, depth, rows, graph), nl=False)
    elif fmt == "csv":
        click.echo(formats.deps_csv(rows, graph), nl=False)
    elif fmt == "markdown":
        click.echo(formats.deps_markdown(rows, graph), nl=False)
    else:
        limit = f" (depth ≤ {depth})" if depth else ""
        if direction == "up":
            title = f"{len(rows)} components need {component_id}{limit}"
        else:
            title = f"{component_id} needs {len(rows)} components{limit}"
        table.print_deps(stdout_console(), title, rows, graph)


def _in_neo4j(
    store_url: str | None,
    component_id: str,
    direction: str,
    depth: int | None,
    types: tuple[str, ...],
    strength: str | None,
) -> tuple[Graph, list[tuple[str, int]]]:
    """Ask the database itself (cypher/blast_radius.cypher or dependencies.cypher), so that a
    large estate is not read whole; the answer comes with a small graph of what it names."""
    store = open_store(store_url)
    try:
        query = getattr(store, "query", None)
        assert query is not None, "a neo4j:// URL opens a Neo4jStore"
        if not query("component_exists", id=component_id):
            raise UnknownComponentError(component_id, "not in the model")
        found = query(
            "blast_radius" if direction == "up" else "dependencies",
            id=component_id,
            depth=depth,
            types=list(types) or None,
            strength=strength,
        )
    finally:
        store.close()
    rows = [(r["id"], int(r["depth"])) for r in found]
    ids = [r["id"] for r in found]
    none = np.zeros(0, dtype=np.int64)
    graph = Graph.from_arrays(
        ids,
        np.fromiter((KIND_CODE[Kind(r["kind"])] for r in found), dtype=np.int8, count=len(ids)),
        none,
        none,
        np.zeros(0, dtype=np.bool_),
        none,
        np.zeros(0, dtype=np.int32),
        [],
        (none, none, np.zeros(0, dtype=np.bool_), none, np.zeros(len(ids), dtype=np.int32)),
    )
    graph.columns = {"name": [r.get("name") for r in found]}
    return graph, rows
