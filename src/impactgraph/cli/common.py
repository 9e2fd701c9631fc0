"""Options every command shares, and turning them into the graph, the scenario or the store.

``--model FILE`` and ``--store URL`` are mutually exclusive; with neither, the store from
``IMPACTGRAPH_STORE`` (else ``NEO4J_URI``, else ``sqlite:///impactgraph.db``) is read. Bad
input raises an :class:`~impactgraph.errors.InputError`, which the command group turns into
exit code 2.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from impactgraph.durations import parse_duration
from impactgraph.engine.explain import Reached
from impactgraph.engine.explain import reachable as reachable_in_graph
from impactgraph.engine.plan import Capacity
from impactgraph.engine.scenario import DEFAULT_HORIZON, Failure, Scenario, parse_failure
from impactgraph.errors import CapacityError, DurationError, NoModelError, ScenarioError
from impactgraph.graph import Graph
from impactgraph.modelfile import load_model_file
from impactgraph.render.formats import FORMATS
from impactgraph.scenariofile import load_scenario_file
from impactgraph.store import Store, open_store, store_location

F = TypeVar("F", bound=Callable[..., Any])

STORE_HELP = (
    "sqlite:///path.db or neo4j://user:password@host:port; default $IMPACTGRAPH_STORE, "
    "else $NEO4J_URI, else sqlite:///impactgraph.db."
)


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


def store_option(func: F) -> F:
    """``--store URL`` alone (for the commands that only work on a store)."""
    return click.option("--store", "store_url", metavar="URL", default=None, help=STORE_HELP)(func)


def source_options(func: F) -> F:
    """``--model FILE`` | ``--store URL``: where the estate comes from."""
    func = click.option(
        "--store",
        "store_url",
        metavar="URL",
        default=None,
        callback=_exclusive_with("model_path"),
        help="Read the model from this store: " + STORE_HELP,
    )(func)
    return click.option(
        "--model",
        "model_path",
        metavar="FILE",
        default=None,
        type=click.Path(dir_okay=False, path_type=Path),
        callback=_exclusive_with("store_url"),
        help="Read the model from this YAML/JSON file instead of the store.",
    )(func)


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
    return click.option(
        "--fail",
        "failures",
        type=FAILURE,
        multiple=True,
        metavar="TARGET[@AT][+DUR]",
        help="A failure: an id or selector (kind:K, type:T, tag:T, site:S, supplier:S), "
        "DOWN from AT (default 0) for DUR (default ∞). Repeatable.",
    )(func)


def graph_and_scenario(func: F) -> F:
    """The source and scenario options, handed to the command as ``graph`` and ``scenario``
    (the scenario is read first: its cheap checks fail before a large model is read)."""

    @functools.wraps(func)
    def command(
        *,
        model_path: Path | None,
        store_url: str | None,
        failures: tuple[Failure, ...],
        scenario_path: Path | None,
        horizon: int | None,
        **rest: Any,
    ) -> Any:
        scenario = build_scenario(failures, scenario_path, horizon)
        return func(graph=read_graph(model_path, store_url), scenario=scenario, **rest)

    return source_options(scenario_options(command))  # type: ignore[return-value]


def at_option(help_text: str) -> Callable[[F], F]:
    """``--at T``: one moment, in seconds from t = 0."""
    return click.option("--at", "at", type=DURATION, default=None, metavar="T", help=help_text)


def depth_option(help_text: str) -> Callable[[F], F]:
    """``--depth N``: how many hops to follow (at least 1)."""
    return click.option(
        "--depth", type=click.IntRange(min=1), default=None, metavar="N", help=help_text
    )


def format_choice(choices: tuple[str, ...], help_text: str) -> Callable[[F], F]:
    """``--format`` as one of ``choices``, the first by default."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=choices[0],
        show_default=True,
        help=help_text,
    )


#: ``--format table|json|csv|markdown``, for the commands that answer a question
format_option = format_choice(
    FORMATS, "table for people; json, csv or markdown for tools and reports."
)


def _writable_place(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    # checked with the options, so that a typo fails before a large model is read
    if value is None:
        return None
    if str(value) in ("", "."):
        raise click.BadParameter("an empty path names no file", ctx, param)
    if not value.parent.is_dir():
        raise click.BadParameter(f"{value}: no directory {value.parent}", ctx, param)
    return value


def output_option(help_text: str) -> Callable[[F], F]:
    """``--output FILE`` / ``-o FILE``: a file in a directory that exists."""
    return click.option(
        "--output",
        "-o",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        callback=_writable_place,
        help=help_text,
    )


def limit_option(help_text: str) -> Callable[[F], F]:
    """``--limit N``: rows shown in a table (0 for all)."""
    return click.option(
        "--limit",
        type=click.IntRange(min=0),
        default=200,
        show_default=True,
        metavar="N",
        help=help_text,
    )


@contextmanager
def opened(store_url: str | None) -> Iterator[Store]:
    """The store at ``store_url`` (or the default one), closed afterwards."""
    store = open_store(store_url)
    try:
        yield store
    finally:
        store.close()


def read_graph(model_path: Path | None, store_url: str | None) -> Graph:
    """The indexed graph of the model from a file or a store (a store reads straight into the
    graph's columns, with no pydantic model on the way)."""
    if model_path is not None:
        return Graph.from_model(load_model_file(model_path))
    _ensure_exists(store_url)
    with opened(store_url) as store:
        graph = store.read_graph()
        if graph.n == 0:
            raise NoModelError(
                f"the store {store.url} holds no model; load one with 'impactgraph load FILE' "
                "or pass --model FILE"
            )
    return graph


def reachable(
    model_path: Path | None,
    store_url: str | None,
    component_id: str,
    *,
    upward: bool,
    depth: int | None,
    types: tuple[str, ...],
    strength: str | None,
) -> list[Reached]:
    """What needs ``component_id`` (``upward``) or what it needs, asked of the engine for a
    model file and of the store itself otherwise (so a large estate is not read whole)."""
    chosen = types or None
    if model_path is not None:
        graph = Graph.from_model(load_model_file(model_path))
        return reachable_in_graph(
            graph, component_id, upward=upward, depth=depth, types=chosen, strength=strength
        )
    _ensure_exists(store_url)
    with opened(store_url) as store:
        return store.reachable(
            component_id, upward=upward, depth=depth, types=chosen, strength=strength
        )


def _ensure_exists(store_url: str | None) -> None:
    backend, where = store_location(store_url)
    if backend == "sqlite" and not Path(where).exists():
        # reading must not create an empty database file as a side effect
        raise NoModelError(
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


def _capacity(ctx: click.Context, param: click.Parameter, value: str | None) -> Capacity | None:
    # parsed with the options, so that a bad --teams fails before the model is read
    try:
        return Capacity.parse(value) if value else None
    except CapacityError as e:
        raise click.BadParameter(str(e), ctx, param) from None


def teams_option(help_text: str) -> Callable[[F], F]:
    """``--teams N | TEAM=N,…`` (the recovery capacity), parsed into a
    :class:`~impactgraph.engine.plan.Capacity` (or None: unlimited) as the options are read."""
    return click.option(
        "--teams",
        "capacity",
        metavar="N | TEAM=N,…",
        default=None,
        callback=_capacity,
        help=help_text,
    )
