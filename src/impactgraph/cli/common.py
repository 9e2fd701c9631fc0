"""Options every command shares, and turning them into a graph and a scenario.

``--model FILE`` and ``--store URL`` are mutually exclusive; with neither, the store from
``IMPACTGRAPH_STORE`` (else ``NEO4J_URI``, else ``sqlite:///impactgraph.db``) is read. Bad
input raises an :class:`~impactgraph.errors.InputError`, which the command group turns into
exit code 2.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from impactgraph.engine.scenario import DEFAULT_HORIZON, Failure, Scenario, parse_failure
from impactgraph.errors import DurationError, InputError, ScenarioError
from impactgraph.graph import Graph
from impactgraph.model import Model, parse_duration
from impactgraph.modelfile import load_model_file, load_scenario_file
from impactgraph.store import open_store, store_location

F = TypeVar("F", bound=Callable[..., Any])

FORMATS = ("table", "json", "csv", "markdown")


class DurationParam(click.ParamType[int]):
    """A duration (``90s``, ``4h``, ``1h30m``, ``PT4H``) as whole seconds."""

    name = "duration"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        try:
            seconds = parse_duration(value)
        except DurationError as e:
            self.fail(str(e), param, ctx)
        assert seconds is not None
        return seconds


class FailureParam(click.ParamType[Failure]):
    """A failure written ``TARGET[@AT][+DURATION]`` (``dc1``, ``supplier:x@1h+90m``)."""

    name = "TARGET[@AT][+DUR]"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> Failure:
        if isinstance(value, Failure):
            return value
        try:
            return parse_failure(str(value))
        except ScenarioError as e:
            self.fail(str(e), param, ctx)


DURATION = DurationParam()
FAILURE = FailureParam()


def _exclusive_with(other: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def check(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value is not None and ctx.params.get(other) is not None:
            raise click.UsageError("give --model or --store, not both", ctx=ctx)
        return value

    return check


def source_options(func: F) -> F:
    """``--model FILE`` | ``--store URL``: where the estate comes from."""
    func = click.option(
        "--store",
        "store_url",
        metavar="URL",
        default=None,
        callback=_exclusive_with("model_path"),
        help="Read the model from this store (sqlite:///path.db or neo4j://…); default "
        "$IMPACTGRAPH_STORE, else $NEO4J_URI, else sqlite:///impactgraph.db.",
    )(func)
    func = click.option(
        "--model",
        "model_path",
        metavar="FILE",
        default=None,
        type=click.Path(dir_okay=False, path_type=Path),
        callback=_exclusive_with("store_url"),
        help="Read the model from this YAML/JSON file instead of the store.",
    )(func)
    return func


def scenario_options(func: F) -> F:
    """``--fail`` (repeatable), ``--scenario FILE`` and ``--horizon``."""
    func = click.option(
        "--horizon",
        type=DURATION,
        default=None,
        metavar="DURATION",
        help="Window for money lost (default: the scenario file's, else 24h).",
    )(func)
    func = click.option(
        "--scenario",
        "scenario_path",
        metavar="FILE",
        default=None,
        type=click.Path(dir_okay=False, path_type=Path),
        help="A scenario file (YAML/JSON) with failures, name and horizon.",
    )(func)
    func = click.option(
        "--fail",
        "failures",
        type=FAILURE,
        multiple=True,
        metavar="TARGET[@AT][+DUR]",
        help="A failure: an id or selector (kind:K, type:T, tag:T, site:S, supplier:S), "
        "DOWN from AT (default 0) for DUR (default ∞). Repeatable.",
    )(func)
    return func


def format_option(func: F) -> F:
    """``--format table|json|csv|markdown``."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default="table",
        show_default=True,
        help="table for people; json, csv or markdown for tools and reports.",
    )(func)


def read_model(model_path: Path | None, store_url: str | None) -> Model:
    """The model from a file, or else from a store (never both)."""
    if model_path is not None:
        return load_model_file(model_path)
    _ensure_exists(store_url)
    store = open_store(store_url)
    try:
        model = store.read()
        url = store.url
    finally:
        store.close()
    if not model.components:
        raise InputError(
            f"the store {url} holds no model; load one with 'impactgraph load FILE' "
            "or pass --model FILE"
        )
    return model


def read_graph(model_path: Path | None, store_url: str | None) -> Graph:
    """The indexed graph of the model from a file or a store (a store that can read straight
    into a graph, like SQLite, skips building the pydantic model)."""
    if model_path is not None:
        return Graph.from_model(load_model_file(model_path))
    _ensure_exists(store_url)
    store = open_store(store_url)
    try:
        fast = getattr(store, "read_graph", None)
        graph: Graph = fast() if fast is not None else Graph.from_model(store.read())
        url = store.url
    finally:
        store.close()
    if graph.n == 0:
        raise InputError(
            f"the store {url} holds no model; load one with 'impactgraph load FILE' "
            "or pass --model FILE"
        )
    return graph


def _ensure_exists(store_url: str | None) -> None:
    backend, where = store_location(store_url)
    if backend == "sqlite" and not Path(where).exists():
        # reading must not create an empty database file as a side effect
        raise InputError(
            f"no store at {where}; load a model with 'impactgraph load FILE --store "
            f"{store_url or where}' or pass --model FILE"
        )


def build_scenario(
    failures: tuple[Failure, ...], scenario_path: Path | None, horizon: int | None
) -> Scenario:
    """Failures from ``--fail`` added to those of ``--scenario``; ``--horizon`` wins."""
    base = Scenario(failures=())
    if scenario_path is not None:
        base = load_scenario_file(scenario_path)
    all_failures = (*base.failures, *failures)
    if not all_failures:
        raise ScenarioError("no failures: give --fail TARGET (repeatable) or --scenario FILE")
    return Scenario(
        failures=all_failures,
        name=base.name,
        horizon=horizon if horizon is not None else (base.horizon or DEFAULT_HORIZON),
    )


def graph_and_scenario(
    model_path: Path | None,
    store_url: str | None,
    failures: tuple[Failure, ...],
    scenario_path: Path | None,
    horizon: int | None,
) -> tuple[Graph, Scenario]:
    """What ``impact`` and ``explain`` need: the graph and the scenario to run on it."""
    scenario = build_scenario(failures, scenario_path, horizon)  # cheap checks first
    return read_graph(model_path, store_url), scenario


def stdout_console() -> Console:
    """A console on the current stdout; wide when not a terminal, so pipes are not wrapped."""
    console = Console(highlight=False)
    if not console.is_terminal:
        width = int(os.environ.get("COLUMNS", 0)) or max(shutil.get_terminal_size().columns, 160)
        console = Console(highlight=False, width=width)
    return console


def stderr_console() -> Console:
    """A console on stderr, for progress and notes that must not mix with answers."""
    return Console(stderr=True, highlight=False)
