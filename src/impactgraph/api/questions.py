"""The question routes of the HTTP API: blast radius, impact, recovery plan, explain, deps, checks.

Each route asks the engine exactly what the matching CLI command asks it, and answers with the
CLI's ``--format json`` text plus one last top-level key, ``"model_version"``: the version of
the model the answer was computed on (also in the ``ETag`` and ``Impactgraph-Model-Version``
headers). So ``impactgraph impact --fail dc1 --format json`` and ``POST /v1/impact`` with
``{"failures": [{"target": "dc1"}]}`` give the same keys and values, in the same order::

    route                                   CLI                                body
    POST /v1/impact                         impact [--at T] --format json      impact, snapshot
    GET  /v1/components/{id}/blast-radius   impact --fail 'id:"ID"@AT+DUR'     impact
    GET  /v1/components/{id}/dependents     deps ID --up --format json         deps
    GET  /v1/components/{id}/dependencies   deps ID --down --format json       deps
    GET  /v1/components/{id}/explain        explain -c ID --format json        {"chain": […]}
    POST /v1/recovery-plan                  recover [--teams …] --format json  plan
    GET  /v1/checks                         check --format json                findings

``explain`` prints a JSON array, which has no room for a key: its answer is
``{"chain": <that array>, "model_version": N}``.

Decisions the CLI does not make for us:

* **Durations** are written as in scenario files (``90m``, ``4h``, ``PT4H``; ``inf`` or ``∞``
  where "until recovered" is allowed). Where the CLI would refuse a bare number as ambiguous,
  the API reads it as seconds, the unit of every answer: a JSON integer in a body, a query
  parameter of digits only (``at=5400``). Every time is at most 100 years
  (:data:`~impactgraph.durations.MAX_SECONDS`).
* **Failures** of a body are read by the scenario files' own reader
  (:func:`~impactgraph.engine.scenario.scenario_from_document`), so its messages are the files'
  (``body: failures[0]: field 'duration': …``). A body may name at most
  :data:`MAX_FAILURES` failures (each one a target; a selector may name many components).
* **An unknown id or selector in a failure** is an ``invalid-scenario`` problem (422): the
  request was understood but its scenario cannot be run. An unknown component in the *path*
  is ``unknown-component`` (404).
* **blast-radius ``depth``** keeps the components at most ``depth`` hops of dependents
  (``deps --up``: who needs it, and the groups it is a member of) from the failed one, the
  failed one itself included; the ``summary`` is recomputed on what is kept, so that it
  always describes the ``timelines`` beside it. Without ``depth`` the answer is the CLI's.

Answers are computed once per model version and question (``Snapshot.answer``) and kept as
the bytes sent, so a repeated question costs no engine run and no serialisation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field, PlainValidator, StrictStr, WithJsonSchema

from impactgraph.api.deps import CurrentSnapshot, ReaderKey, stamp
from impactgraph.api.estate import Snapshot
from impactgraph.api.problems import responses
from impactgraph.durations import MAX_COMPONENTS, MAX_DURATION_TEXT, MAX_SECONDS, parse_duration
from impactgraph.engine.checks import check as run_checks
from impactgraph.engine.explain import dependents, reachable
from impactgraph.engine.explain import explain as explain_chain
from impactgraph.engine.impact import Impact, Records, summarise
from impactgraph.engine.plan import Capacity, plan
from impactgraph.engine.propagate import propagate
from impactgraph.engine.scenario import (
    DEFAULT_HORIZON,
    Failure,
    Scenario,
    id_target,
    parse_failure,
    scenario_from_document,
)
from impactgraph.errors import (
    CapacityError,
    DurationError,
    InternalError,
    QueryError,
    ScenarioError,
    UnknownComponentError,
    quote,
)
from impactgraph.graph import Graph
from impactgraph.render.findings import findings_json
from impactgraph.render.formats import to_json
from impactgraph.render.reports import deps_json, snapshot_json
from impactgraph.render.timeline import snapshot_at

router = APIRouter(tags=["questions"])

MAX_FAILURES = 10_000
"""The most failures one question may name (each a target: an id, or a selector naming many)."""
MAX_DEPTH = MAX_COMPONENTS
"""The deepest walk asked for: no chain of hops is longer than the most components a model
may hold."""
MAX_TYPES = 1_000
"""The most dependency types a walk may be filtered by."""
MEDIA_TYPE = "application/json"


# ---- answers: pure functions of a graph, the text the CLI prints --------------------------


def with_version(text: str, version: int) -> bytes:
    """The CLI's JSON text of a mapping (:func:`~impactgraph.render.formats.to_json`) with
    ``"model_version": version`` added as its last key, laid out like the others.

    >>> print(with_version(to_json({"a": 1}), 7).decode(), end="")
    {
      "a": 1,
      "model_version": 7
    }
    """
    if not text.endswith("\n}\n"):
        raise InternalError("an answer to version is not a JSON object laid out by to_json")
    return f'{text[:-3]},\n  "model_version": {int(version)}\n}}\n'.encode()


def impact_text(graph: Graph, scenario: Scenario, at: int | None = None) -> str:
    """``impactgraph impact --format json`` (with ``at``: ``impact --at T``, the snapshot)."""
    answer = _propagate(graph, scenario)
    if at is None:
        return to_json(answer.as_dict())
    return snapshot_json(at, snapshot_at(answer.snapshot(at), answer.timelines), graph)


def blast_radius(
    graph: Graph,
    component_id: str,
    at: int = 0,
    duration: int | None = None,
    depth: int | None = None,
) -> Impact:
    """The impact of ``component_id`` failing at ``at`` for ``duration`` (None: ∞); with
    ``depth``, only the components at most ``depth`` hops of dependents from it, with the
    summary of those."""
    if component_id not in graph.index:
        raise UnknownComponentError(component_id, "not in the model")
    scenario = Scenario(failures=(Failure(id_target(component_id), at=at, duration=duration),))
    answer = propagate(graph, scenario)
    return answer if depth is None else within(answer, graph, component_id, depth)


def within(answer: Impact, graph: Graph, component_id: str, depth: int) -> Impact:
    """``answer`` cut to ``component_id`` and what needs it within ``depth`` hops (the walk of
    ``deps --up --depth``), its summary recomputed on what is kept."""
    rec = answer.records
    if rec is None:  # propagate always hands over columns
        raise InternalError("an impact without records cannot be cut to a depth")
    near = [graph.index[component_id]]
    near += [graph.index[cid] for cid, _ in dependents(graph, component_id, depth)]
    keep = np.isin(rec.node, np.asarray(near, dtype=np.int64))
    cut = Records(
        node=rec.node[keep],
        start=rec.start[keep],
        end=rec.end[keep],
        state=rec.state[keep],
        rule=rec.rule[keep],
        via=rec.via[keep],
        ids=rec.ids,
    )
    summary = summarise(graph, answer.scenario, cut)
    return Impact(scenario=answer.scenario, failures=answer.failures, summary=summary, records=cut)


def deps_text(
    graph: Graph,
    component_id: str,
    *,
    upward: bool,
    depth: int | None,
    types: Sequence[str],
    strength: str | None,
) -> str:
    """``impactgraph deps ID --up|--down --format json``."""
    rows = reachable(
        graph, component_id, upward=upward, depth=depth, types=types or None, strength=strength
    )
    return deps_json(component_id, "up" if upward else "down", depth, rows)


def explain_text(graph: Graph, component_id: str, scenario: Scenario, at: int | None) -> str:
    """``impactgraph explain -c ID --format json`` as ``{"chain": [hop, …]}``."""
    if component_id not in graph.index:
        raise UnknownComponentError(component_id, "not in the model")
    hops = explain_chain(_propagate(graph, scenario), graph, component_id, at=at)
    return to_json({"chain": [h.as_dict() for h in hops]})


def plan_text(graph: Graph, scenario: Scenario, capacity: Capacity | None) -> str:
    """``impactgraph recover [--teams …] --format json``."""
    return to_json(plan(graph, _propagate(graph, scenario), capacity).as_dict())


def checks_text(graph: Graph) -> str:
    """``impactgraph check --format json``."""
    return findings_json(run_checks(graph))


def _propagate(graph: Graph, scenario: Scenario) -> Impact:
    """:func:`propagate`, where an id that a failure names and the model lacks is a fault of
    the scenario (422), not a missing resource (404)."""
    try:
        return propagate(graph, scenario)
    except UnknownComponentError as e:
        raise ScenarioError(str(e)) from e


def scenario_impact(snapshot: Snapshot, scenario: Scenario) -> Impact:
    """The impact of ``scenario`` on the snapshot's model, computed once and kept with the
    answers: the pictures of one scenario in several formats and options share it."""
    return snapshot.answer(("impact-of", scenario), lambda: _propagate(snapshot.graph, scenario))


# ---- reading the inputs ---------------------------------------------------------------------


def seconds_param(name: str, text: str | None, *, infinite: bool = False) -> int | None:
    """A query parameter holding a duration: ``90m``, ``PT4H``, digits for seconds, and with
    ``infinite`` also ``inf``/``∞`` (None). A bad one is a 422 naming the parameter.

    >>> seconds_param("at", "5400"), seconds_param("at", "1h30m")
    (5400, 5400)
    >>> seconds_param("duration", "inf", infinite=True) is None
    True
    """
    if text is None:
        return None
    digits = text.strip()
    try:
        if digits.isascii() and digits.isdigit() and len(digits) <= MAX_DURATION_TEXT:
            value = int(digits)
            if value > MAX_SECONDS:
                raise DurationError(
                    f"duration {value}s is longer than the maximum, 100 years ({MAX_SECONDS}s)"
                )
            return value
        return parse_duration(text, allow_infinite=infinite)
    except DurationError as e:
        raise QueryError(f"query parameter {name!r}: {e}") from None


def failures_param(specs: Sequence[str]) -> tuple[Failure, ...]:
    """``fail`` query parameters, each ``TARGET[@AT][+DURATION]`` as ``--fail`` reads it."""
    if not specs:
        raise ScenarioError(
            "no failures: give the query parameter 'fail' (TARGET[@AT][+DURATION], repeatable)"
        )
    if len(specs) > MAX_FAILURES:
        raise QueryError(f"query parameter 'fail': at most {MAX_FAILURES} failures")
    out = []
    for spec in specs:
        try:
            out.append(parse_failure(spec))
        except ScenarioError as e:
            raise ScenarioError(f"query parameter 'fail': {e}") from None
    return tuple(out)


def types_param(values: Sequence[str]) -> tuple[str, ...]:
    """``types`` query parameters, repeated or comma-separated, in a canonical order."""
    out = {t.strip() for v in values for t in v.split(",") if t.strip()}
    if len(out) > MAX_TYPES:
        raise QueryError(f"query parameter 'types': at most {MAX_TYPES} types")
    return tuple(sorted(out))


# ---- request bodies -------------------------------------------------------------------------


def _duration_value(value: object) -> int | str:
    """A duration as a body holds it: text (read later by the scenario reader, for the files'
    messages) or whole seconds as a JSON integer, 0 … 100 years."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"negative duration {value}")
        if value > MAX_SECONDS:
            raise ValueError(f"duration {value}s is longer than the maximum, 100 years")
        return value
    raise ValueError(
        f"{quote(value)} is not a duration; write text such as '3h' or 'PT4H', or whole "
        "seconds as an integer"
    )


DurationIn = Annotated[
    int | str,
    PlainValidator(_duration_value),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "maxLength": MAX_DURATION_TEXT},
                {"type": "integer", "minimum": 0, "maximum": MAX_SECONDS},
            ],
            "description": "A duration: '90s', '15m', '4h', '1h30m', 'PT4H' (and, where "
            "'until recovered' is allowed, 'inf' or '∞'), or whole seconds as an integer; at "
            "most 100 years.",
            "examples": ["3h", 10800],
        }
    ),
]


class FailureIn(BaseModel):
    """One failure of a scenario: a target DOWN from ``at`` for ``duration``."""

    model_config = ConfigDict(extra="forbid")

    target: StrictStr = Field(
        description="An id, 'id:ID' (any id, whatever it looks like), or a selector: "
        "kind:K, type:T, tag:T, site:S, supplier:S.",
        examples=["dc1", "kind:supplier"],
    )
    at: DurationIn | None = Field(default=None, description="When it fails (default 0).")
    duration: DurationIn | None = Field(
        default=None,
        description="How long it stays failed (default, null, 'inf' or '∞': until recovered).",
    )


class ScenarioIn(BaseModel):
    """A scenario as a scenario file holds it (SPEC §5)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"name": "primary data centre lost", "failures": [{"target": "dc1"}]},
                {"failures": [{"target": "dc1", "at": 0, "duration": "3h"}], "horizon": "24h"},
            ]
        },
    )

    name: StrictStr | None = Field(default=None, description="Named in the answer.")
    description: StrictStr | None = Field(default=None, description="Free text; not used.")
    failures: list[FailureIn] = Field(
        max_length=MAX_FAILURES, description="What fails (at least one)."
    )
    horizon: DurationIn | None = Field(
        default=None, description="Window for money lost (default 24h)."
    )

    def scenario(self) -> Scenario:
        """The engine's scenario, read by the scenario files' reader (same checks, same
        messages); a JSON integer duration is seconds."""
        doc: dict[str, Any] = {"failures": [_failure_document(f) for f in self.failures]}
        if self.name is not None:
            doc["name"] = self.name
        if self.horizon is not None:
            doc["horizon"] = _duration_document(self.horizon)
        return scenario_from_document(doc, source="body")


def _duration_document(value: int | str) -> str:
    return f"{value}s" if isinstance(value, int) else value


def _failure_document(item: FailureIn) -> dict[str, Any]:
    doc: dict[str, Any] = {"target": item.target}
    if item.at is not None:
        doc["at"] = _duration_document(item.at)
    if item.duration is not None:
        doc["duration"] = _duration_document(item.duration)
    return doc


class ImpactIn(ScenarioIn):
    """A scenario, and optionally one moment to show instead of the timelines."""

    at: DurationIn | None = Field(
        default=None,
        description="Answer with the components not UP at this moment ({at, components}), as "
        "'impactgraph impact --at T' does.",
    )


def _teams_value(value: object) -> int | str | dict[str, int]:
    """Crews as a body gives them: a number, ``--teams`` text, or crews per team name."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        if not 1 <= value <= MAX_COMPONENTS:
            raise ValueError(f"the number of crews must be 1 … {MAX_COMPONENTS}, not {value}")
        return value
    if isinstance(value, dict):
        out: dict[str, int] = {}
        for name, count in value.items():
            if not isinstance(name, str) or not name.strip():
                raise ValueError(f"team {quote(name)}: a team needs a name")
            if isinstance(count, bool) or not isinstance(count, int):
                raise ValueError(f"team {quote(name)}: {quote(count)} is not a number of crews")
            if not 1 <= count <= MAX_COMPONENTS:
                raise ValueError(
                    f"team {quote(name)} needs 1 … {MAX_COMPONENTS} crews, not {count}"
                )
            out[name] = count
        return out
    raise ValueError(
        f"{quote(value)} is not a capacity; give a number of crews (3), crews per team "
        '({"dba": 2, "*": 1}) or text as --teams takes it (\'dba=2,*=1\')'
    )


Teams = Annotated[
    int | str | dict[str, int],
    PlainValidator(_teams_value),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 1, "maximum": MAX_COMPONENTS},
                {
                    "type": "object",
                    "additionalProperties": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": MAX_COMPONENTS,
                    },
                },
                {"type": "string"},
            ],
            "description": "Recovery capacity, as 'impactgraph recover --teams' takes it: N "
            "crews that take any step (3 or '3'), or crews per team ({'dba': 2, 'network': 1, "
            "'*': 2} or 'dba=2,network=1,*=2'; '*' crews take any step). Default: unlimited.",
            "examples": [3, {"dba": 2, "network": 1}, "dba=2,*=1"],
        }
    ),
]


class RecoveryPlanIn(ScenarioIn):
    """A scenario and the crews available to bring things back."""

    teams: Teams | None = None

    def capacity(self) -> Capacity | None:
        """The :class:`Capacity` the teams describe, checked as ``--teams`` is."""
        teams = self.teams
        if teams is None:
            return None
        try:
            if isinstance(teams, int):
                return Capacity(total=teams)
            if isinstance(teams, str):
                return Capacity.parse(teams)
            return Capacity(teams=dict(teams))
        except CapacityError as e:
            raise CapacityError(f"body: field 'teams': {e}") from None


# ---- answers as documented in the OpenAPI schema --------------------------------------------

State = Literal["DOWN", "DEGRADED"]
RuleName = Literal["failed", "hard", "soft", "group"]


class _Out(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class CauseOut(_Out):
    via: str | None = Field(description="The component it came through; null for a root failure.")
    rule: RuleName


class IntervalOut(_Out):
    state: State
    start: int = Field(alias="from", description="Seconds from t = 0.")
    end: int | None = Field(alias="to", description="Seconds from t = 0; null for ∞.")
    cause: CauseOut


class RootFailureOut(_Out):
    id: str
    at: int
    duration: int | None = Field(description="Seconds; null for ∞.")


class ScenarioOut(_Out):
    failures: list[RootFailureOut] = Field(description="Every failure resolved to components.")
    horizon: int
    name: str | None = Field(default=None, description="Present when the scenario has one.")


class BusinessServiceHitOut(_Out):
    id: str
    tier: int | None
    worst: State
    onset: int
    down_seconds: int | None = Field(description="Seconds DOWN inside the horizon.")
    rto: int | None
    impact_per_hour: float | None
    money_lost: float


class SummaryOut(_Out):
    down: int
    degraded: int
    by_kind: dict[str, dict[str, int]]
    business_services: list[BusinessServiceHitOut]
    money_lost: float


class ImpactAnswer(_Out):
    """The SPEC §5 impact answer (``impactgraph impact --format json``) and the model version."""

    scenario: ScenarioOut
    timelines: dict[str, list[IntervalOut]] = Field(
        description="Every component not UP at some moment, by onset then id."
    )
    summary: SummaryOut
    model_version: int = Field(description="The model version the answer was computed on.")


class SnapshotComponentOut(_Out):
    id: str
    kind: str
    state: State
    start: int = Field(alias="from")
    end: int | None = Field(alias="to")
    cause: CauseOut


class SnapshotAnswer(_Out):
    """The components not UP at one moment (``impactgraph impact --at T --format json``)."""

    at: int
    components: list[SnapshotComponentOut]
    model_version: int


class StepOut(_Out):
    component: str
    action: Literal["restore", "restart", "bootstrap"]
    start: int
    finish: int
    team: str | None
    wave: int
    deadline: int | None
    slack: int | None


class ServiceRecoveryOut(_Out):
    id: str
    tier: int | None
    rto: int | None
    onset: int
    recovered_at: int | None
    up_at: int | None
    breach: int | None
    critical_chain: list[str]


class TotalsOut(_Out):
    makespan: int
    breaches: int
    breach_seconds: int
    money_lost: float


class PlanAnswer(_Out):
    """The SPEC §5 recovery plan (``impactgraph recover --format json``)."""

    steps: list[StepOut]
    business_services: list[ServiceRecoveryOut]
    totals: TotalsOut
    warnings: list[str]
    model_version: int


class ReachedOut(_Out):
    id: str
    kind: str
    depth: int


class DepsAnswer(_Out):
    """What needs a component (``up``) or what it needs (``down``): ``impactgraph deps``."""

    component: str
    direction: Literal["up", "down"]
    depth: int | None
    components: list[ReachedOut]
    model_version: int


class HopOut(_Out):
    component: str
    state: State
    start: int = Field(alias="from")
    end: int | None = Field(alias="to")
    rule: RuleName
    via: str | None
    tolerance: int
    type: str | None = Field(description="The dependency type ('member' for a group's member).")


class ChainAnswer(_Out):
    """``impactgraph explain --format json`` (the array) as ``chain``."""

    chain: list[HopOut] = Field(description="From the component asked about to a root failure.")
    model_version: int


class FindingOut(_Out):
    severity: Literal["high", "medium", "warning"]
    code: str
    component: str
    message: str


class ChecksAnswer(_Out):
    """``impactgraph check --format json``: findings (they count) and warnings (they do not)."""

    findings: list[FindingOut]
    warnings: list[FindingOut]
    model_version: int


# ---- routes ---------------------------------------------------------------------------------

ComponentId = Annotated[
    str,
    Path(
        description="The component's id, URL-encoded; it may hold '/', ':', spaces, any Unicode.",
        examples=["dc1", "component:default/payments"],
    ),
]
Depth = Annotated[
    int | None,
    Query(ge=1, le=MAX_DEPTH, description="Stop after this many hops (default: no limit)."),
]
Types = Annotated[
    list[str],
    Query(
        description="Follow only dependencies of these types (runs_on, located_at, …; 'member' "
        "for group membership); repeat the parameter or separate them with commas."
    ),
]
Strength = Annotated[
    Literal["hard", "soft"] | None,
    Query(description="Follow only hard or only soft dependencies."),
]
AtParam = Annotated[
    str | None,
    Query(description="A moment: '2h', 'PT2H', or seconds ('7200').", max_length=256),
]


def _answer(snapshot: Snapshot, key: tuple[Any, ...], compute: Callable[[Graph], str]) -> Response:
    """The answer to ``key`` on ``snapshot``: computed once per version, kept as bytes."""
    body: bytes = snapshot.answer(
        ("questions", *key), lambda: with_version(compute(snapshot.graph), snapshot.version)
    )
    response = Response(content=body, media_type=MEDIA_TYPE)
    stamp(response, snapshot)
    return response


def _known(snapshot: Snapshot, component_id: str) -> None:
    snapshot.component(component_id)  # unknown-component problem (404)


@router.post(
    "/v1/impact",
    summary="Blast radius of a scenario",
    response_model=ImpactAnswer | SnapshotAnswer,
    responses=responses(400, 401, 403, 413, 422, 500, 503),
)
def post_impact(_key: ReaderKey, body: ImpactIn, snapshot: CurrentSnapshot) -> Response:
    """What goes DOWN or DEGRADED, when, why and what it costs if the scenario's components
    fail: the SPEC §5 answer, as `impactgraph impact --format json` prints it. With `at`, the
    components not UP at that moment, as `impactgraph impact --at T --format json`."""
    scenario = body.scenario()
    at = None if body.at is None else _body_seconds("at", body.at)
    return _answer(snapshot, ("impact", scenario, at), lambda g: impact_text(g, scenario, at))


def _body_seconds(name: str, value: int | str) -> int:
    if isinstance(value, int):
        return value
    try:
        seconds = parse_duration(value)
    except DurationError as e:
        raise ScenarioError(f"body: field {name!r}: {e}") from None
    assert seconds is not None
    return seconds


@router.get(
    "/v1/components/{component_id:path}/blast-radius",
    summary="Blast radius of one component",
    response_model=ImpactAnswer,
    responses=responses(401, 403, 404, 422, 500, 503),
)
def get_blast_radius(
    component_id: ComponentId,
    _key: ReaderKey,
    snapshot: CurrentSnapshot,
    at: AtParam = None,
    duration: Annotated[
        str | None,
        Query(
            description="How long it stays failed: '90m', 'PT4H', seconds ('5400'); default "
            "(or 'inf', '∞'): until recovered.",
            max_length=256,
        ),
    ] = None,
    depth: Annotated[
        int | None,
        Query(
            ge=1,
            le=MAX_DEPTH,
            description="Keep only the component and what needs it within this many hops "
            "(as dependents lists them); the summary then counts only those.",
        ),
    ] = None,
) -> Response:
    """The impact of this component failing at `at` (default 0) for `duration` (default ∞):
    the answer of `impactgraph impact --fail 'id:"ID"@AT+DURATION' --format json`."""
    start = seconds_param("at", at) or 0
    length = seconds_param("duration", duration, infinite=True)
    _known(snapshot, component_id)
    return _answer(
        snapshot,
        ("blast-radius", component_id, start, length, depth),
        lambda g: to_json(blast_radius(g, component_id, start, length, depth).as_dict()),
    )


def _deps(
    snapshot: Snapshot,
    component_id: str,
    upward: bool,
    depth: int | None,
    types: list[str],
    strength: str | None,
) -> Response:
    chosen = types_param(types)
    _known(snapshot, component_id)
    return _answer(
        snapshot,
        ("deps", component_id, upward, depth, chosen, strength),
        lambda g: deps_text(
            g, component_id, upward=upward, depth=depth, types=chosen, strength=strength
        ),
    )


@router.get(
    "/v1/components/{component_id:path}/dependents",
    summary="What needs a component, transitively",
    response_model=DepsAnswer,
    responses=responses(401, 403, 404, 422, 500, 503),
)
def get_dependents(
    component_id: ComponentId,
    _key: ReaderKey,
    snapshot: CurrentSnapshot,
    depth: Depth = None,
    types: Types = [],  # noqa: B006 -- FastAPI copies defaults; a list is how it reads repeats
    strength: Strength = None,
) -> Response:
    """Every component that needs this one (and the groups it is a member of), with its
    depth: `impactgraph deps ID --up --format json`."""
    return _deps(snapshot, component_id, True, depth, types, strength)


@router.get(
    "/v1/components/{component_id:path}/dependencies",
    summary="What a component needs, transitively",
    response_model=DepsAnswer,
    responses=responses(401, 403, 404, 422, 500, 503),
)
def get_dependencies(
    component_id: ComponentId,
    _key: ReaderKey,
    snapshot: CurrentSnapshot,
    depth: Depth = None,
    types: Types = [],  # noqa: B006
    strength: Strength = None,
) -> Response:
    """Every component this one needs (a group needs its members), with its depth:
    `impactgraph deps ID --down --format json`."""
    return _deps(snapshot, component_id, False, depth, types, strength)


@router.get(
    "/v1/components/{component_id:path}/explain",
    summary="Why a component goes down",
    response_model=ChainAnswer,
    responses=responses(401, 403, 404, 422, 500, 503),
)
def get_explain(
    component_id: ComponentId,
    _key: ReaderKey,
    snapshot: CurrentSnapshot,
    fail: Annotated[
        list[str],
        Query(
            description="A failure TARGET[@AT][+DURATION] as --fail takes it "
            '(dc1, dc1@1h+3h, kind:supplier, id:"x+1h"@2h); repeatable, at least one.'
        ),
    ] = [],  # noqa: B006
    at: AtParam = None,
) -> Response:
    """The chain of causes from this component back to the root failure, for the failures
    given: `impactgraph explain --fail … -c ID --format json`, under `chain`. A component that
    stays UP (or is UP at `at`) is a `bad-query` problem."""
    failures = failures_param(fail)
    moment = seconds_param("at", at)
    _known(snapshot, component_id)
    scenario = Scenario(failures=failures, horizon=DEFAULT_HORIZON)
    return _answer(
        snapshot,
        ("explain", component_id, failures, moment),
        lambda g: explain_text(g, component_id, scenario, moment),
    )


@router.post(
    "/v1/recovery-plan",
    summary="Recovery order of a scenario",
    response_model=PlanAnswer,
    responses=responses(400, 401, 403, 413, 422, 500, 503),
)
def post_recovery_plan(
    _key: ReaderKey, body: RecoveryPlanIn, snapshot: CurrentSnapshot
) -> Response:
    """The order to bring things back, who does what when, and which RTOs are missed (SPEC
    §4): the SPEC §5 plan, as `impactgraph recover [--teams …] --format json` prints it."""
    scenario = body.scenario()
    capacity = body.capacity()
    crews = None if capacity is None else (capacity.total, tuple(sorted(capacity.teams.items())))
    return _answer(
        snapshot, ("recovery-plan", scenario, crews), lambda g: plan_text(g, scenario, capacity)
    )


@router.get(
    "/v1/checks",
    summary="Continuity checks on the model",
    response_model=ChecksAnswer,
    responses=responses(401, 403, 500, 503),
)
def get_checks(_key: ReaderKey, snapshot: CurrentSnapshot) -> Response:
    """RTO vs MTPD, recovery chains vs RTO, RPO vs backups, tier inversions: findings and
    warnings as `impactgraph check --format json` prints them."""
    return _answer(snapshot, ("checks",), checks_text)
