"""``impactgraph validate FILE`` and ``impactgraph load FILE``: check a model, put it in a store."""

from __future__ import annotations

from pathlib import Path

import click

from impactgraph.cli.common import format_choice, store_option
from impactgraph.cli.db import load_file
from impactgraph.errors import ModelError
from impactgraph.modelfile import load_model_file
from impactgraph.render.store import show_invalid, show_loaded, show_valid


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@format_choice(
    ("text", "json"),
    "json prints {ok, components, dependencies, groups, errors: [{message, file, line, "
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
    try:
        model = load_model_file(file)
    except ModelError as e:
        if fmt == "text":
            raise
        show_invalid(e)
        raise click.exceptions.Exit(e.exit_code) from None
    show_valid(model, fmt)


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@store_option
def load(file: Path, store_url: str | None) -> None:
    """Validate a model file, then replace the store's model with it (atomically).

    A file with errors is rejected whole and the store is not touched.

    \b
    Example:
      impactgraph load examples/estate.yaml --store sqlite:///estate.db
      loaded 101 components, 170 dependencies, 17 groups into sqlite:///estate.db (version 1)
    """
    show_loaded(load_file(file, store_url), "text")
