"""``impactgraph validate FILE`` and ``impactgraph load FILE``: check a model, put it in a store."""

from __future__ import annotations

from pathlib import Path

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from impactgraph.cli.common import stderr_console
from impactgraph.errors import ModelError
from impactgraph.model import Kind, Model
from impactgraph.modelfile import load_model_file
from impactgraph.render.formats import to_json
from impactgraph.store import open_store

#: models at least this large get a progress bar while loading
PROGRESS_THRESHOLD = 5_000


def model_counts(model: Model) -> str:
    """``N components, M dependencies, G groups``."""
    groups = sum(1 for c in model.components if c.kind is Kind.GROUP)
    return (
        f"{len(model.components)} components, {len(model.dependencies)} dependencies, "
        f"{groups} group{'' if groups == 1 else 's'}"
    )


def _read(path: Path) -> Model:
    return load_model_file(path)


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("text", "json")),
    default="text",
    show_default=True,
    help="json prints {ok, components, dependencies, groups, errors: [{message, file, line, "
    "component, field}]}.",
)
def validate(file: Path, fmt: str) -> None:
    """Check a model file; print its size, or every error with file, line, id and field.

    Exits 0 when the model is valid, 2 when it is not.

    \b
    Example:
      impactgraph validate examples/estate.yaml
      ok: 101 components, 170 dependencies, 17 groups
    """
    if fmt == "text":
        click.echo(f"ok: {model_counts(_read(file))}")
        return
    try:
        model = _read(file)
    except ModelError as e:
        click.echo(to_json({"ok": False, "errors": [i.as_dict() for i in e.issues]}), nl=False)
        click.get_current_context().exit(e.exit_code)
    groups = sum(1 for c in model.components if c.kind is Kind.GROUP)
    click.echo(
        to_json(
            {
                "ok": True,
                "components": len(model.components),
                "dependencies": len(model.dependencies),
                "groups": groups,
                "errors": [],
            }
        ),
        nl=False,
    )


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--store",
    "store_url",
    metavar="URL",
    default=None,
    help="Where to load it (sqlite:///path.db or neo4j://…); default $IMPACTGRAPH_STORE, else "
    "$NEO4J_URI, else sqlite:///impactgraph.db.",
)
def load(file: Path, store_url: str | None) -> None:
    """Validate a model file, then replace the store's model with it (atomically).

    A file with errors is rejected whole and the store is not touched.

    \b
    Example:
      impactgraph load examples/estate.yaml --store sqlite:///estate.db
      loaded 101 components, 170 dependencies, 17 groups into sqlite:///estate.db (version 1)
    """
    model = _read(file)  # validation first: a bad file never opens the store
    store = open_store(store_url)
    try:
        if len(model.components) >= PROGRESS_THRESHOLD:
            console = stderr_console()
            with Progress(
                TextColumn("loading"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
                transient=True,
                disable=not console.is_terminal,
            ) as bar:
                task = bar.add_task("load", total=None)

                def progress(done: int, total: int) -> None:
                    bar.update(task, completed=done, total=total)

                version = store.load(model, progress=progress)
        else:
            version = store.load(model)
        url = store.url
    finally:
        store.close()
    click.echo(f"loaded {model_counts(model)} into {url} (version {version})")
