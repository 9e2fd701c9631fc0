"""``impactgraph db init|load|export|stats|wipe``: look after the store itself.

Every command takes ``--store URL`` (``sqlite:///path.db`` or ``neo4j://user:pw@host:port``;
default ``$IMPACTGRAPH_STORE``, else ``$NEO4J_URI``, else ``sqlite:///impactgraph.db``) and
``--format table|json``; the JSON forms are one object on one line.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
import yaml
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from impactgraph.cli.common import stderr_console, stdout_console
from impactgraph.model import model_to_document
from impactgraph.modelfile import load_model_file
from impactgraph.store import Store, StoreStats, open_store

F = TypeVar("F", bound=Callable[..., Any])

#: loads of at least this many rows show a progress bar (on a terminal)
PROGRESS_ROWS = 5_000


def store_option(func: F) -> F:
    """``--store URL``."""
    return click.option(
        "--store",
        "store_url",
        metavar="URL",
        default=None,
        help="sqlite:///path.db or neo4j://user:password@host:port; default "
        "$IMPACTGRAPH_STORE, else $NEO4J_URI, else sqlite:///impactgraph.db.",
    )(func)


def format_option(func: F) -> F:
    """``--format table|json``."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(("table", "json")),
        default="table",
        show_default=True,
        help="table for people, json (one object) for tools.",
    )(func)


@contextmanager
def opened(store_url: str | None) -> Iterator[Store]:
    """The store, closed afterwards."""
    store = open_store(store_url)
    try:
        yield store
    finally:
        store.close()


def stats_document(stats: StoreStats) -> dict[str, Any]:
    """Store statistics as plain data."""
    return {
        "url": stats.url,
        "version": stats.version,
        "components": stats.components,
        "dependencies": stats.dependencies,
        "members": stats.members,
        "by_kind": stats.by_kind,
    }


def _emit(fmt: str, document: dict[str, Any], text: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(document, ensure_ascii=False, sort_keys=True))
    else:
        stdout_console().print(text, markup=False)


@click.group()
def db() -> None:
    """Create, fill, export, count and empty a store (SQLite file or Neo4j server).

    \b
    Example:
      scripts/neo4j-local start        # prints neo4j://neo4j:PASSWORD@127.0.0.1:7687
      impactgraph db load examples/estate.yaml --store neo4j://neo4j:PASSWORD@127.0.0.1:7687
      impactgraph db stats --store neo4j://neo4j:PASSWORD@127.0.0.1:7687 --format json
    """


@db.command()
@store_option
@format_option
def init(store_url: str | None, fmt: str) -> None:
    """Create the store's schema (constraints and indexes on Neo4j); harmless if it exists."""
    with opened(store_url) as store:
        stats = store.stats()
    _emit(
        fmt,
        stats_document(stats),
        f"store {stats.url} ready (version {stats.version}, {stats.components} components)",
    )


@db.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@store_option
@format_option
def load(file: Path, store_url: str | None, fmt: str) -> None:
    """Validate FILE, then replace the store's whole model with it, atomically.

    A file with errors is rejected whole and the store is not touched; a load that fails
    half-way (server gone) leaves the previous model.

    \b
    Example:
      impactgraph db load examples/estate.yaml --store sqlite:///estate.db --format json
    """
    model = load_model_file(file)  # validation first: a bad file never opens the store
    rows = len(model.components) + len(model.dependencies)
    with opened(store_url) as store:
        started = time.perf_counter()
        console = stderr_console()
        with Progress(
            TextColumn("loading"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=rows < PROGRESS_ROWS or not console.is_terminal,
        ) as bar:
            task = bar.add_task("load", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            version = store.load(model, progress=progress)
        seconds = time.perf_counter() - started
        url = store.url
    document = {
        "url": url,
        "version": version,
        "components": len(model.components),
        "dependencies": len(model.dependencies),
        "seconds": round(seconds, 3),
        "rows_per_second": round(rows / seconds) if seconds > 0 else None,
    }
    _emit(
        fmt,
        document,
        f"loaded {len(model.components)} components and {len(model.dependencies)} "
        f"dependencies into {url} (version {version}) in {seconds:.2f}s",
    )


@db.command()
@store_option
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file (default: stdout).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("yaml", "json")),
    default="yaml",
    show_default=True,
    help="Model file format (SPEC §5); both load back with 'db load'.",
)
def export(store_url: str | None, output: Path | None, fmt: str) -> None:
    """Write the store's model as a model file that loads back to an equal model.

    \b
    Example:
      impactgraph db export --store neo4j://neo4j:pw@127.0.0.1:7687 -o estate.yaml
    """
    with opened(store_url) as store:
        model = store.read()
    document = model_to_document(model)
    if fmt == "json":
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    else:
        text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=1000)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


@db.command()
@store_option
@format_option
def stats(store_url: str | None, fmt: str) -> None:
    """Counts of components (by kind), dependencies and member entries, and the version."""
    with opened(store_url) as store:
        found = store.stats()
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(found.by_kind.items())) or "none"
    _emit(
        fmt,
        stats_document(found),
        f"{found.url}\n  version       {found.version}\n  components    {found.components}"
        f" ({kinds})\n  dependencies  {found.dependencies}\n  members       {found.members}",
    )


@db.command()
@store_option
@format_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def wipe(store_url: str | None, fmt: str, yes: bool) -> None:
    """Delete the whole model from the store (the version still grows)."""
    with opened(store_url) as store:
        if not yes and not click.confirm(f"delete the whole model in {store.url}?", err=True):
            raise click.Abort()
        version = store.wipe()
        url = store.url
    _emit(fmt, {"url": url, "version": version}, f"wiped {url} (version {version})")
