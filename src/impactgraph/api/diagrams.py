"""Pictures, runbooks and search over HTTP: the routes of ``impactgraph diagram``, ``impactgraph
recover --format markdown`` and the web page's search box.

::

    route                                   CLI
    GET /v1/diagrams/estate                 diagram estate [--fail …]
    GET /v1/diagrams/component/{id}         diagram component ID [--depth N] [--fail …]
    GET /v1/diagrams/impact?fail=…          diagram impact --fail … [--context N]
    GET /v1/diagrams/timeline?fail=…        diagram timeline --fail … [--components]
    GET /v1/diagrams/recovery?fail=…        diagram recovery --fail … [--teams …]
    GET /v1/diagrams/schedule?fail=…        diagram schedule --fail … [--teams …]
    GET /v1/runbook?fail=…                  recover --fail … [--teams …] --format markdown
    GET /v1/search?q=…                      — (components by id, name or tag)

``format`` is any of the diagram library's formats (``svg``, ``png``, ``pdf``, ``dot``,
``mermaid``; :data:`~impactgraph.render.diagrams.MEDIA_TYPES` names their media types) or
``json``: the SVG with what the page needs beside it (the components drawn, the collapsed
nodes, the notes). ``fail``, ``horizon`` and ``teams`` are read as the question routes read
them (:func:`~impactgraph.api.questions.failures_param`, ``--teams``). Each answer is computed
once per model version and question (``Snapshot.answer``) and carries the version (``ETag``,
``Impactgraph-Model-Version``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from impactgraph.api.deps import CurrentSnapshot, ReaderKey, stamp
from impactgraph.api.estate import Snapshot
from impactgraph.api.problems import responses
from impactgraph.api.questions import (
    MAX_DEPTH,
    failures_param,
    scenario_impact,
    seconds_param,
    with_version,
)
from impactgraph.engine.impact import Impact
from impactgraph.engine.plan import Capacity, Plan, plan
from impactgraph.engine.scenario import DEFAULT_HORIZON, Scenario
from impactgraph.errors import CapacityError
from impactgraph.graph import Graph
from impactgraph.render.diagrams import (
    MAX_NODES,
    MEDIA_TYPES,
    Diagram,
    DiagramOptions,
    draw,
)
from impactgraph.render.formats import to_json
from impactgraph.render.runbook import plan_markdown

router = APIRouter()

#: the most components a picture served over HTTP draws before collapsing (Graphviz's layout
#: grows faster than linearly: a server must not be asked to lay out a million nodes)
MAX_DIAGRAM_NODES = 2000
#: the most hits a search answers
MAX_SEARCH = 100
JSON_MEDIA_TYPE = "application/json"
MARKDOWN_MEDIA_TYPE = "text/markdown; charset=utf-8"

#: the library's formats (:data:`~impactgraph.render.diagrams.FORMATS`) and ``json``
Format = Literal["svg", "png", "pdf", "dot", "mermaid", "json"]


# ---- answers as documented in the OpenAPI schema --------------------------------------------


class DiagramAnswer(BaseModel):
    """A picture as the web page takes it (``format=json``): the SVG and what it shows."""

    kind: str = Field(description="estate, impact, timeline, recovery or schedule.")
    svg: str = Field(
        description="The picture as SVG; the element of each component in `shown` has the "
        "component's id as its `id`."
    )
    shown: list[str] = Field(description="The components drawn as their own node, row or bar.")
    collapsed: dict[str, list[str]] = Field(
        description="Each collapsed node's title and the components it stands for."
    )
    notes: list[str] = Field(description="What the picture says about itself.")
    model_version: int


Matched = Literal["id", "name", "tag"]


class SearchHit(BaseModel):
    """A component found: what the page lists."""

    id: str
    name: str | None
    kind: str
    tags: list[str]
    matched: Matched = Field(description="What the query matched.")


class SearchAnswer(BaseModel):
    """Components whose id, name or a tag holds the query, best matches first."""

    query: str
    items: list[SearchHit]
    model_version: int


def _picture_responses() -> dict[int | str, dict[str, Any]]:
    binary = {"schema": {"type": "string", "format": "binary"}}
    text = {"schema": {"type": "string"}}
    content: dict[str, Any] = {
        media.split(";")[0]: (text if fmt in ("svg", "dot", "mermaid") else binary)
        for fmt, media in MEDIA_TYPES.items()
    }
    return {
        200: {"description": "The picture in the format asked for.", "content": content},
        **responses(401, 403, 404, 422, 500, 503),
    }


# ---- parameters -----------------------------------------------------------------------------

FormatParam = Annotated[
    Format,
    Query(
        description="svg, png, pdf (laid out by Graphviz), dot, mermaid, or json (the SVG and "
        "the components it shows, for the web page)."
    ),
]
MaxNodes = Annotated[
    int,
    Query(
        ge=1,
        le=MAX_DIAGRAM_NODES,
        description="Past this many nodes (timeline rows), collapse components with counts.",
    ),
]
#: the library's :data:`~impactgraph.render.diagrams.COLLAPSE_CHOICES`
Collapse = Annotated[
    Literal["auto", "site", "kind", "group"],
    Query(description="What to collapse by past max_nodes (auto: site, else group, else kind)."),
]
Fail = Annotated[
    list[str],
    Query(
        description="A failure TARGET[@AT][+DURATION] as --fail takes it (dc1, dc1@1h+3h, "
        'kind:supplier, id:"x+1h"@2h); repeatable, at least one.',
        openapi_examples={
            "a site": {"value": ["dc1"]},
            "two failures": {"value": ["dc1@1h+3h", "kind:supplier"]},
        },
    ),
]
OptionalFail = Annotated[
    list[str],
    Query(description="Failures to colour the picture by (TARGET[@AT][+DURATION], repeatable)."),
]
Horizon = Annotated[
    str | None,
    Query(
        description="Window for money lost: '24h', 'PT24H', seconds (default 24h).",
        max_length=256,
    ),
]
Teams = Annotated[
    str | None,
    Query(
        description="Recovery capacity as --teams takes it: N crews ('3'), or crews per team "
        "('dba=2,network=1,*=1'). Default: unlimited.",
        max_length=10_000,
        openapi_examples={"crews": {"value": "2"}, "teams": {"value": "dba=2,*=1"}},
    ),
]


def scenario_param(fail: list[str], horizon: str | None) -> Scenario:
    """The scenario of ``fail`` and ``horizon`` query parameters, read as the question routes
    read them."""
    length = seconds_param("horizon", horizon)
    return Scenario(
        failures=failures_param(fail), horizon=DEFAULT_HORIZON if length is None else length
    )


def teams_param(text: str | None) -> Capacity | None:
    """The ``teams`` query parameter, read as ``--teams`` (and a body's ``teams`` text) is."""
    if text is None or not text.strip():
        return None
    try:
        return Capacity.parse(text)
    except CapacityError as e:
        raise CapacityError(f"query parameter 'teams': {e}") from None


def _crews(capacity: Capacity | None) -> Any:
    """A hashable key of a capacity (its teams are a mapping)."""
    return None if capacity is None else (capacity.total, tuple(sorted(capacity.teams.items())))


# ---- answering ------------------------------------------------------------------------------


def diagram_bytes(diagram: Diagram, fmt: str, version: int) -> bytes:
    """The picture in ``fmt``; ``json``: :class:`DiagramAnswer`, laid out as every answer."""
    if fmt != "json":
        return diagram.render(fmt)
    document = {
        "kind": diagram.kind,
        "svg": diagram.svg(),
        "shown": sorted(diagram.shown),
        "collapsed": {title: list(ids) for title, ids in diagram.collapsed.items()},
        "notes": list(diagram.notes),
    }
    return with_version(to_json(document), version)


def _send(
    snapshot: Snapshot, key: tuple[Any, ...], fmt: str, make: Callable[[Graph], Diagram]
) -> Response:
    """The picture under ``key`` in ``fmt``: drawn once per model version, kept as bytes."""
    body: bytes = snapshot.answer(
        ("diagrams", *key, fmt),
        lambda: diagram_bytes(make(snapshot.graph), fmt, snapshot.version),
    )
    media = JSON_MEDIA_TYPE if fmt == "json" else MEDIA_TYPES[fmt]
    response = Response(content=body, media_type=media)
    stamp(response, snapshot)
    return response


def _recovery(
    snapshot: Snapshot, scenario: Scenario, capacity: Capacity | None
) -> tuple[Impact, Plan]:
    impact = scenario_impact(snapshot, scenario)
    return impact, plan(snapshot.graph, impact, capacity)


def _coloured(snapshot: Snapshot, scenario: Scenario | None) -> Impact | None:
    return None if scenario is None else scenario_impact(snapshot, scenario)


def _colouring(fail: list[str], horizon: str | None) -> Scenario | None:
    return scenario_param(fail, horizon) if fail else None


# ---- routes ---------------------------------------------------------------------------------


def _picture_route(path: str, summary: str) -> Callable[[Callable[..., Response]], Any]:
    return router.get(
        path,
        summary=summary,
        tags=["diagrams"],
        response_model=DiagramAnswer,
        responses=_picture_responses(),
    )


@_picture_route("/v1/diagrams/estate", "Picture of the estate")
def get_estate_diagram(
    _key: ReaderKey,
    snapshot: CurrentSnapshot,
    format: FormatParam = "svg",
    fail: OptionalFail = [],  # noqa: B006 -- FastAPI copies defaults; a list reads repeats
    horizon: Horizon = None,
    max_nodes: MaxNodes = MAX_NODES,
    collapse: Collapse = "auto",
) -> Response:
    """The estate clustered by site, groups around their members, suppliers at the edge;
    coloured by the failures if given: `impactgraph diagram estate [--fail …]`."""
    scenario = _colouring(fail, horizon)
    options = DiagramOptions(max_nodes=max_nodes, collapse=collapse)
    return _send(
        snapshot,
        ("estate", scenario, options),
        format,
        lambda g: draw("estate", g, options, _coloured(snapshot, scenario)),
    )


@_picture_route("/v1/diagrams/component/{component_id:path}", "Picture around a component")
def get_component_diagram(
    component_id: Annotated[
        str,
        Path(
            description="The component's id, URL-encoded ('/' as %2F).",
            examples=["payments-api"],
        ),
    ],
    _key: ReaderKey,
    snapshot: CurrentSnapshot,
    format: FormatParam = "svg",
    depth: Annotated[
        int | None,
        Query(ge=1, le=MAX_DEPTH, description="Hops each way (default: no limit)."),
    ] = None,
    fail: OptionalFail = [],  # noqa: B006
    horizon: Horizon = None,
    max_nodes: MaxNodes = MAX_NODES,
    collapse: Collapse = "auto",
) -> Response:
    """The component, what it needs and what needs it within `depth` hops each way, coloured
    by the failures if given: `impactgraph diagram component ID --depth N`."""
    scenario = _colouring(fail, horizon)
    snapshot.component(component_id)  # unknown-component (404)
    options = DiagramOptions(
        focus=component_id, depth=depth, max_nodes=max_nodes, collapse=collapse
    )
    return _send(
        snapshot,
        ("estate", scenario, options),
        format,
        lambda g: draw("estate", g, options, _coloured(snapshot, scenario)),
    )


@_picture_route("/v1/diagrams/impact", "Picture of an impact")
def get_impact_diagram(
    _key: ReaderKey,
    snapshot: CurrentSnapshot,
    fail: Fail = [],  # noqa: B006
    format: FormatParam = "svg",
    horizon: Horizon = None,
    context: Annotated[
        int,
        Query(ge=0, le=MAX_DEPTH, description="Also draw the UP components within this many hops."),
    ] = 1,
    max_nodes: MaxNodes = MAX_NODES,
    collapse: Collapse = "auto",
) -> Response:
    """DOWN red, DEGRADED amber, UP context grey, failed roots doubled, the cause path to each
    business service hit in bold: `impactgraph diagram impact --fail …`."""
    scenario = scenario_param(fail, horizon)
    options = DiagramOptions(max_nodes=max_nodes, collapse=collapse, context=context)
    return _send(
        snapshot,
        ("impact", scenario, options),
        format,
        lambda g: draw("impact", g, options, scenario_impact(snapshot, scenario)),
    )


@_picture_route("/v1/diagrams/timeline", "Timeline of an impact")
def get_timeline_diagram(
    _key: ReaderKey,
    snapshot: CurrentSnapshot,
    fail: Fail = [],  # noqa: B006
    format: FormatParam = "svg",
    horizon: Horizon = None,
    components: Annotated[
        bool, Query(description="A row for every component hit, not only business services.")
    ] = False,
    max_nodes: MaxNodes = MAX_NODES,
    collapse: Collapse = "auto",
) -> Response:
    """A Gantt chart of the business services hit: DOWN/DEGRADED bars, RTO marks, the
    horizon: `impactgraph diagram timeline --fail …`."""
    scenario = scenario_param(fail, horizon)
    options = DiagramOptions(max_nodes=max_nodes, collapse=collapse, components=components)
    return _send(
        snapshot,
        ("timeline", scenario, options),
        format,
        lambda g: draw("timeline", g, options, scenario_impact(snapshot, scenario)),
    )


def _plan_picture(
    kind: str,
    snapshot: Snapshot,
    fail: list[str],
    horizon: str | None,
    teams: str | None,
    fmt: str,
    options: DiagramOptions,
) -> Response:
    scenario = scenario_param(fail, horizon)
    capacity = teams_param(teams)
    return _send(
        snapshot,
        (kind, scenario, _crews(capacity), options),
        fmt,
        lambda g: draw(kind, g, options, *_recovery(snapshot, scenario, capacity)),
    )


@_picture_route("/v1/diagrams/recovery", "Picture of a recovery plan")
def get_recovery_diagram(
    _key: ReaderKey,
    snapshot: CurrentSnapshot,
    fail: Fail = [],  # noqa: B006
    teams: Teams = None,
    format: FormatParam = "svg",
    horizon: Horizon = None,
    max_nodes: MaxNodes = MAX_NODES,
    collapse: Collapse = "auto",
) -> Response:
    """The recovery plan ranked by wave, each step with its times and team, the critical chain
    of each late business service in bold: `impactgraph diagram recovery --fail … --teams …`."""
    options = DiagramOptions(max_nodes=max_nodes, collapse=collapse)
    return _plan_picture("recovery", snapshot, fail, horizon, teams, format, options)


@_picture_route("/v1/diagrams/schedule", "Crews' schedule of a recovery plan")
def get_schedule_diagram(
    _key: ReaderKey,
    snapshot: CurrentSnapshot,
    fail: Fail = [],  # noqa: B006
    teams: Teams = None,
    format: FormatParam = "svg",
    horizon: Horizon = None,
    max_nodes: MaxNodes = MAX_NODES,
    collapse: Collapse = "auto",
) -> Response:
    """The plan's steps per team as a Gantt chart, with deadlines: `impactgraph diagram
    schedule --fail … --teams …`."""
    options = DiagramOptions(max_nodes=max_nodes, collapse=collapse)
    return _plan_picture("schedule", snapshot, fail, horizon, teams, format, options)


@router.get(
    "/v1/runbook",
    summary="Recovery runbook in Markdown",
    tags=["questions"],
    response_class=Response,
    responses={
        200: {
            "description": "The runbook: `impactgraph recover --format markdown`.",
            "content": {"text/markdown": {"schema": {"type": "string"}}},
        },
        **responses(401, 403, 422, 500, 503),
    },
)
def get_runbook(
    _key: ReaderKey,
    snapshot: CurrentSnapshot,
    fail: Fail = [],  # noqa: B006
    teams: Teams = None,
    horizon: Horizon = None,
) -> Response:
    """The recovery plan as the runbook a planner pastes into the continuity plan: the
    services against their RTOs, each breach with its chain, the steps wave by wave:
    `impactgraph recover --fail … [--teams …] --format markdown`."""
    scenario = scenario_param(fail, horizon)
    capacity = teams_param(teams)
    lost = scenario.name or ", ".join(f.target for f in scenario.failures) + " lost"

    def compute() -> bytes:
        _, recovery = _recovery(snapshot, scenario, capacity)
        return (plan_markdown(recovery, "Recovery runbook: " + lost) + "\n").encode("utf-8")

    body: bytes = snapshot.answer(("runbook", scenario, _crews(capacity)), compute)
    response = Response(content=body, media_type=MARKDOWN_MEDIA_TYPE)
    stamp(response, snapshot)
    return response


# ---- search ---------------------------------------------------------------------------------

#: (id, id lowercased, name lowercased, tags lowercased) per component, in id order
_Entry = tuple[str, str, str, tuple[str, ...]]


def _search_index(snapshot: Snapshot) -> list[_Entry]:
    return snapshot.derived(
        ("search",),
        lambda: sorted(
            (c.id, c.id.casefold(), (c.name or "").casefold(), tuple(t.casefold() for t in c.tags))
            for c in snapshot.model.components
        ),
    )


def search(snapshot: Snapshot, query: str, limit: int) -> list[SearchHit]:
    """Components whose id, name or a tag holds ``query`` (case-insensitively): an exact id
    first, then ids that start with it, exact tags, ids that hold it, names, tags that hold
    it; by id within each."""
    q = query.strip().casefold()
    ranked: list[tuple[int, str, Matched]] = []
    for cid, low, name, tags in _search_index(snapshot):
        if low == q:
            ranked.append((0, cid, "id"))
        elif low.startswith(q):
            ranked.append((1, cid, "id"))
        elif q in tags:
            ranked.append((2, cid, "tag"))
        elif q in low:
            ranked.append((3, cid, "id"))
        elif q in name:
            ranked.append((4, cid, "name"))
        elif any(q in t for t in tags):
            ranked.append((5, cid, "tag"))
    ranked.sort()
    by_id = snapshot.model.by_id
    hits = []
    for _, cid, matched in ranked[:limit]:
        c = by_id[cid]
        hits.append(
            SearchHit(id=cid, name=c.name, kind=c.kind.value, tags=list(c.tags), matched=matched)
        )
    return hits


@router.get(
    "/v1/search",
    summary="Find components by id, name or tag",
    tags=["components"],
    responses=responses(401, 403, 422, 500, 503),
)
def get_search(
    _key: ReaderKey,
    snapshot: CurrentSnapshot,
    response: Response,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=200,
            pattern=r"\S",
            description="Text that the id, name or a tag holds (case-insensitive).",
            examples=["payments", "pci"],
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=MAX_SEARCH, description="The most hits.")] = 20,
) -> SearchAnswer:
    """Components whose id, name or a tag holds `q`: an exact id first, then ids that start
    with it, exact tags, ids that hold it, names and tags that hold it."""
    hits = snapshot.answer(
        ("search", q.strip().casefold(), limit), lambda: search(snapshot, q, limit)
    )
    stamp(response, snapshot)
    return SearchAnswer(query=q, items=hits, model_version=snapshot.version)
