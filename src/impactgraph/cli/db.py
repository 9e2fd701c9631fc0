"""``impactgraph db init|load|export|stats|wipe``: look after the store itself.

Every command takes ``--store URL`` (``sqlite:///path.db`` or ``neo4j://user:pw@host:port``;
default ``$IMPACTGRAPH_STORE``, else ``$NEO4J_URI``, else ``sqlite:///impactgraph.db``) and
``--format table|json``; the JSON forms are one object on one line. Declining ``db wipe``'s
question is an answer, not an error: nothing is wiped and the exit code is 0; no answer at all
(stdin closed, not a terminal) exits 2 and says to give ``--yes``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from impactgraph.cli.common import format_choice, opened, output_option, store_option
from impactgraph.errors import InputError
from impactgraph.model import model_to_document
from impactgraph.modelfile import load_model_file
from impactgraph.render.formats import stderr_console, write, write_output
from impactgraph.render.store import (
    Loaded,
    model_file_text,
    show_line,
    show_loaded,
    show_stats,
    stats_document,
)

#: loads of at least this many rows (components and dependencies) show a progress bar
PROGRESS_ROWS = 5_000


def load_file(file: Path, store_url: str | None) -> Loaded:
    """Validate ``file``, then replace the store's model with it, with a progress bar on a
    terminal for large models. A bad file raises before the store is opened."""
    model = load_model_file(file)
    rows = len(model.components) + len(model.dependencies)
    console = stderr_console()
    with opened(store_url) as store:
        started = time.perf_counter()
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
        return Loaded(store.url, version, model, time.perf_counter() - started)


#: ``--format table|json``
format_option = format_choice(("table", "json"), "table for people, json (one object) for tools.")


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
    text = f"store {stats.url} ready (version {stats.version}, {stats.components} components)"
    show_line(fmt, stats_document(stats), text)


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
    show_loaded(load_file(file, store_url), fmt)


@db.command()
@store_option
@output_option("Write to this file, replaced whole (default: stdout).")
@format_choice(("yaml", "json"), "Model file format (SPEC §5); both load back with 'db load'.")
def export(store_url: str | None, output: Path | None, fmt: str) -> None:
    """Write the store's model as a model file that loads back to an equal model.

    \b
    Example:
      impactgraph db export --store neo4j://neo4j:pw@127.0.0.1:7687 -o estate.yaml
    """
    with opened(store_url) as store:
        document = model_to_document(store.read())
    text = model_file_text(document, fmt)
    if output is None:
        write(text)
    else:
        write_output(output, text)


@db.command()
@store_option
@format_option
def stats(store_url: str | None, fmt: str) -> None:
    """Counts of components (by kind), dependencies and member entries, and the version."""
    with opened(store_url) as store:
        show_stats(store.stats(), fmt)


@db.command()
@store_option
@format_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def wipe(store_url: str | None, fmt: str, yes: bool) -> None:
    """Delete the whole model from the store (the version still grows)."""
    with opened(store_url) as store:
        if not yes and not _confirmed(f"delete the whole model in {store.url}?"):
            stderr_console().print("nothing wiped", markup=False)
            return
        version, url = store.wipe(), store.url
    show_line(fmt, {"url": url, "version": version}, f"wiped {url} (version {version})")


def _confirmed(question: str) -> bool:
    """The user's yes or no. No answer at all (stdin ended, not a terminal) is a usage
    mistake; Ctrl-C on a terminal is an interruption."""
    try:
        return click.confirm(question, err=True)
    except click.Abort:
        if not sys.stdin.isatty():
            raise InputError("no answer to the question: give --yes to wipe without one") from None
        raise
