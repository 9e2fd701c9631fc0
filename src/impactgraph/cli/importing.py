"""``impactgraph import servicenow|backstage|csv``: bring an estate in from where it is kept.

Each command reads its source with the reader of :mod:`impactgraph.importers` (the mapping
from ``--mapping FILE`` merged into the built-in one), then either writes a model file
(``-o FILE``) or syncs a store (``--store URL``, the default store without ``-o``) with
:func:`~impactgraph.importers.import_into_store`: the components of that source that the
input no longer has are removed (kept with ``--keep-missing``), those of other sources and
hand-written ones are never touched, a component already in the store keeps its id, and a
second import of the same input changes nothing (the model version does not move).
``--dry-run`` reports what would change and writes nothing. Bad input exits 2 naming the
file, line, record and field; nothing is half-written. The report is rendered by
:mod:`impactgraph.render.imports`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from impactgraph.cli.common import STORE_HELP, format_choice, opened, output_option
from impactgraph.errors import ModelError
from impactgraph.importers import (
    Imported,
    Mapping,
    Prepared,
    compare,
    import_into_store,
    load_mapping,
    mapping_text,
    prepare_backstage,
    prepare_csv,
    prepare_servicenow,
    write_template,
)
from impactgraph.model import Model
from impactgraph.modelfile import load_model_file, model_file_text
from impactgraph.render.formats import stderr_console, write_output
from impactgraph.render.formats import write as write_stdout
from impactgraph.render.imports import show_import

F = TypeVar("F", bound=Callable[..., Any])

#: inputs of at least this many bytes show progress bars on a terminal
PROGRESS_BYTES = 2_000_000


@click.group("import")
def import_group() -> None:
    """Import an estate from ServiceNow, Backstage or CSV spreadsheets, kept in sync.

    \b
    Example:
      impactgraph import servicenow examples/import/servicenow/*.json
      impactgraph import backstage examples/import/backstage/ -o estate.yaml
      impactgraph import csv --template sheets/
      impactgraph import servicenow --print-mapping > mapping.yaml
    """


def _mapping_options(func: F) -> F:
    func = click.option(
        "--print-mapping",
        is_flag=True,
        help="Print the mapping in force (the default, with --mapping merged in) and stop.",
    )(func)
    return click.option(
        "--mapping",
        "mapping_path",
        metavar="FILE",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="YAML file of mapping rules merged into the default (see --print-mapping).",
    )(func)


def _destination_options(func: F) -> F:
    func = format_choice(("table", "json"), "table for people; json (one document) for tools.")(
        func
    )
    func = click.option(
        "--strict",
        is_flag=True,
        help="A reference to something not in the input is an error, not a skipped relation.",
    )(func)
    func = click.option(
        "--keep-missing",
        is_flag=True,
        help="Keep the store's components of this source that the input no longer has.",
    )(func)
    func = click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")(
        func
    )
    func = click.option(
        "--store",
        "store_url",
        metavar="URL",
        default=None,
        help="Sync into this store (the default without -o): " + STORE_HELP,
    )(func)
    return output_option("Write a model file (YAML, or JSON for .json) instead of a store.")(func)


def _imports(source: str) -> Callable[[F], F]:
    """The shared options and flow of an import command: read the mapping (or print it),
    call the reader the command returns, deliver the model, show the report."""

    def wrap(func: F) -> F:
        @functools.wraps(func)
        def command(
            *,
            mapping_path: Path | None,
            print_mapping: bool,
            output: Path | None,
            store_url: str | None,
            dry_run: bool,
            keep_missing: bool,
            strict: bool,
            fmt: str,
            **rest: Any,
        ) -> None:
            mapping = load_mapping(source, mapping_path)
            if print_mapping:
                write_stdout(mapping_text(mapping))
                return
            if output is not None and store_url is not None:
                raise click.UsageError("give -o FILE or --store URL, not both")
            with _progress(_input_bytes(rest)) as progress:
                prepared: Prepared | None = func(
                    mapping=mapping, strict=strict, progress=progress, **rest
                )
                if prepared is None:
                    return
                if output is not None:
                    imported = _into_file(prepared, output, dry_run, progress)
                else:
                    with opened(store_url) as store:
                        imported = import_into_store(
                            store,
                            prepared,
                            remove_missing=not keep_missing,
                            dry_run=dry_run,
                            progress=progress,
                        )
            show_import(imported, fmt)

        return _mapping_options(_destination_options(command))  # type: ignore[return-value]

    return wrap


@import_group.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@_imports("servicenow")
def servicenow(files: tuple[Path, ...], mapping: Mapping, strict: bool, progress: Any) -> Prepared:
    """Import ServiceNow CMDB exports: Table API JSON or CSV of cmdb_ci* tables and
    cmdb_rel_ci, or IRE payloads. FILES may be directories (walked for .json and .csv).

    \b
    Example:
      impactgraph import servicenow cmdb_ci.json cmdb_rel_ci.json --store sqlite:///estate.db
      impactgraph import servicenow exports/ --mapping my-mapping.yaml -o estate.yaml
      impactgraph import servicenow exports/ --dry-run --format json
    """
    _need(files, "FILE…")
    return prepare_servicenow(files, mapping, strict=strict, progress=progress)


@import_group.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@_imports("backstage")
def backstage(paths: tuple[Path, ...], mapping: Mapping, strict: bool, progress: Any) -> Prepared:
    """Import a Backstage catalog: descriptor files (multi-document YAML; directories are
    walked) or the JSON of the catalog API (/api/catalog/entities, /entities/by-query).

    \b
    Example:
      impactgraph import backstage catalog/ --store sqlite:///estate.db
      curl -s $BACKSTAGE/api/catalog/entities > entities.json
      impactgraph import backstage entities.json -o estate.yaml
    """
    _need(paths, "PATH…")
    return prepare_backstage(paths, mapping, strict=strict, progress=progress)


@import_group.command("csv")
@click.option(
    "--components",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Components: id, kind, name, type, tier, rto, … (the model's field names).",
)
@click.option(
    "--dependencies",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Dependencies: from, to, type, strength, tolerance (from needs to).",
)
@click.option(
    "--members",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Group members: group, member, mode, activation.",
)
@click.option(
    "--template",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    metavar="DIR",
    help="Write components.csv, dependencies.csv and members.csv (headers and an example) "
    "into DIR, and stop.",
)
@_imports("csv")
def csv_command(
    components: Path | None,
    dependencies: Path | None,
    members: Path | None,
    template: Path | None,
    mapping: Mapping,
    strict: bool,
    progress: Any,
) -> Prepared | None:
    """Import an estate kept in spreadsheets: CSV files whose columns are named after the
    model's fields. --template DIR writes the files to start from.

    \b
    Example:
      impactgraph import csv --template sheets/
      impactgraph import csv --components sheets/components.csv \\
          --dependencies sheets/dependencies.csv --members sheets/members.csv -o estate.yaml
    """
    if template is not None:
        written = write_template(template)
        write_stdout("wrote " + ", ".join(str(p) for p in written) + "\n")
        return None
    if components is None:
        raise click.UsageError("give --components FILE (and --dependencies FILE), or --template")
    return prepare_csv(components, dependencies, members, mapping, strict=strict, progress=progress)


def _need(inputs: tuple[Path, ...], what: str) -> None:
    if not inputs:
        raise click.UsageError(f"give {what} to import (or --print-mapping)")


def _input_bytes(rest: dict[str, Any]) -> int:
    total = 0
    for value in rest.values():
        for path in value if isinstance(value, tuple) else (value,):
            if isinstance(path, Path) and path.is_file():
                total += path.stat().st_size
            elif isinstance(path, Path) and path.is_dir():
                total += PROGRESS_BYTES  # a catalog directory: worth a bar
    return total


@contextmanager
def _progress(total_bytes: int) -> Iterator[Callable[[str, int, int | None], None]]:
    """A progress callback drawing rich bars on stderr (on a terminal, for large inputs)."""
    console = stderr_console()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=total_bytes < PROGRESS_BYTES or not console.is_terminal,
    ) as bar:
        tasks: dict[str, Any] = {}

        def update(what: str, done: int, total: int | None) -> None:
            if what not in tasks:
                tasks[what] = bar.add_task(what[:60], total=total)
            bar.update(tasks[what], completed=done, total=total)

        yield update


# ---------------------------------------------------------------------------------------------
# -o FILE


def _into_file(prepared: Prepared, output: Path, dry_run: bool, progress: Any) -> Imported:
    """Write the model to ``output`` (unless ``dry_run``, or it holds that model already) and
    report how it differs from the file it replaces. A file's ids are the input's own: the
    model is built as if into an empty store."""
    result = prepared.build(progress=progress)
    old, replaced = Model(), False
    if output.is_file():
        try:
            old = load_model_file(output)
        except ModelError:  # not a model (yet): replaced whole
            replaced = True
    report = compare(old, result.model, prepared.source, dry_run)
    if not dry_run and (report.changed or replaced or not output.is_file()):
        write_output(output, model_file_text(result.model, output))
    return Imported(result, report, str(output))
