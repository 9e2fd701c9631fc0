"""Components, one at a time: list (filters, keyset pages), get, create, replace, patch, delete.

A component is shown and sent as a model file writes it, with its dependencies under
``needs``; replacing it replaces those dependencies too. Ids are any text the model allows,
``/`` included (Backstage refs such as ``component:default/payments``): send them
percent-encoded (``component:default%2Fpayments``). The question routes
(``/v1/components/{id}/blast-radius``, ``/dependents``, ``/dependencies``, ``/explain``) come
first, so an id ending in one of those words is reached through a question route's path only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote as url_quote

from fastapi import APIRouter, Path, Query, Response

from impactgraph.api.bodies import Document, duplicate_issues, in_body, mapping
from impactgraph.api.deps import (
    AppSettings,
    CurrentEstate,
    CurrentSnapshot,
    EditorKey,
    IfMatch,
    ReaderKey,
    stamp,
)
from impactgraph.api.documents import (
    component_document,
    edges,
    groups_listing,
    incoming,
    merge_patch,
    outgoing,
)
from impactgraph.api.estate import Planned, Snapshot
from impactgraph.api.openapi import request_body
from impactgraph.api.pages import decode_cursor, encode_cursor, page
from impactgraph.api.problems import responses
from impactgraph.api.schemas import ComponentDoc, ComponentPage, ComponentPatch
from impactgraph.document import Parsed
from impactgraph.engine.scenario import select
from impactgraph.errors import (
    ConflictError,
    Issue,
    ModelError,
    RequestError,
    ScenarioError,
    quote,
)
from impactgraph.model import KIND_ALIASES, Component, Dependency, Kind, Model, model_to_document
from impactgraph.modelfile import check_parts
from impactgraph.store.base import Changes
from impactgraph.sync import edge_key, edge_label

router = APIRouter(tags=["components"])

ComponentId = Annotated[
    str,
    Path(
        min_length=1,
        description="the component's id, percent-encoded (`/` as `%2F`)",
        examples=["payments-api"],
    ),
]
_READ = responses(401, 403, 404, 422, 500, 503)
_WRITE = responses(400, 401, 403, 404, 409, 412, 413, 422, 500, 503)


# ---------------------------------------------------------------------------------------------
# reading


@router.get(
    "/v1/components",
    summary="List components",
    responses=responses(401, 403, 422, 500, 503),
)
def list_components(
    key: ReaderKey,
    snapshot: CurrentSnapshot,
    settings: AppSettings,
    response: Response,
    kind: Annotated[str | None, Query(description="business_service, service, …")] = None,
    type: Annotated[str | None, Query(description="the component's type, e.g. database")] = None,
    tag: Annotated[str | None, Query(description="components with this tag")] = None,
    site: Annotated[
        str | None, Query(description="located_at this site, directly or through others")
    ] = None,
    supplier: Annotated[str | None, Query(description="supplied_by this supplier")] = None,
    source: Annotated[str | None, Query(description="components from this source")] = None,
    cursor: Annotated[str | None, Query(description="next_cursor of the page before")] = None,
    limit: Annotated[
        int | None, Query(ge=1, description="items per page; at most the server's max_page")
    ] = None,
) -> ComponentPage:
    """Components by id, a page at a time; the filters mean what the scenario selectors
    ``kind:``, ``type:``, ``tag:``, ``site:`` and ``supplier:`` mean, and all of them must
    hold. Pages neither skip nor repeat a component while others write (keyset on id)."""
    keeps = [
        test
        for test in (
            _kind_filter(kind),
            _field_filter("type", type),
            _tag_filter(tag),
            _field_filter("source", source),
            _reach_filter(snapshot, "site", site),
            _reach_filter(snapshot, "supplier", supplier),
        )
        if test is not None
    ]
    by_id = snapshot.model.by_id
    ids: list[str] = snapshot.derived(("ids",), lambda: sorted(by_id))
    after = decode_cursor(cursor, 1)[0] if cursor is not None else None
    size = min(limit or settings.default_page, settings.max_page)
    chosen, last = page(ids, after, size, lambda cid: all(k(by_id[cid]) for k in keeps))
    stamp(response, snapshot)
    return ComponentPage.model_validate(
        {
            "items": [component_document(snapshot, cid) for cid in chosen],
            "next_cursor": encode_cursor((last,)) if last is not None else None,
            "version": snapshot.version,
        }
    )


Keep = Callable[[Component], bool]


def _kind_filter(kind: str | None) -> Keep | None:
    if kind is None:
        return None
    word = kind.strip().lower()
    wanted = KIND_ALIASES.get(word) or next((k for k in Kind if k.value == word), None)
    if wanted is None:
        raise RequestError(
            [
                Issue(
                    f"{quote(kind)} is not a kind; kinds are {', '.join(k.value for k in Kind)}",
                    field="kind",
                    path=("query", "kind"),
                )
            ]
        )
    return lambda c: c.kind is wanted


def _field_filter(name: str, value: str | None) -> Keep | None:
    if value is None:
        return None
    return lambda c: getattr(c, name) == value


def _tag_filter(tag: str | None) -> Keep | None:
    if tag is None:
        return None
    return lambda c: tag in c.tags


def _reach_filter(snapshot: Snapshot, prefix: str, value: str | None) -> Keep | None:
    if value is None:
        return None
    if value not in snapshot.model.by_id:
        raise RequestError(
            [
                Issue(
                    f"no component {quote(value)} in the model",
                    field=prefix,
                    component=value,
                    path=("query", prefix),
                )
            ]
        )

    def build() -> frozenset[str]:
        graph = snapshot.graph
        try:
            return frozenset(graph.ids[v] for v in select(graph, f"{prefix}:{value}"))
        except ScenarioError:  # matches nothing: an empty page, not an error
            return frozenset()

    matched = snapshot.answer(("select", prefix, value), build)
    return lambda c: c.id in matched


@router.get(
    "/v1/components/{component_id:path}",
    summary="Get a component",
    response_model=ComponentDoc,
    response_model_exclude_none=True,
    responses=_READ,
)
def get_component(
    key: ReaderKey, snapshot: CurrentSnapshot, component_id: ComponentId, response: Response
) -> dict[str, Any]:
    """The component as a model file writes it, with its dependencies under ``needs``."""
    document = component_document(snapshot, component_id)
    stamp(response, snapshot)
    return document


# ---------------------------------------------------------------------------------------------
# writing


@router.post(
    "/v1/components",
    summary="Create a component",
    status_code=201,
    response_model=ComponentDoc,
    response_model_exclude_none=True,
    openapi_extra=request_body(ComponentDoc),
    responses=_WRITE,
)
def create_component(
    key: EditorKey, estate: CurrentEstate, document: Document, expect: IfMatch, response: Response
) -> dict[str, Any]:
    """Create a component (and its ``needs``); 409 if its id is taken."""
    body = mapping(document, "a component")

    def plan(snapshot: Snapshot) -> Planned[tuple[Component, list[Dependency]]]:
        component, needs = _checked(document, body, snapshot)
        if component.id in snapshot.model.by_id:
            raise ConflictError(
                f"component {quote(component.id)} exists already; PUT "
                f"/v1/components/{{id}} replaces it",
                [Issue("exists already", component=component.id, field="id", path=("id",))],
            )
        return Planned(
            Changes(upsert_components=(component,), upsert_dependencies=needs), (component, needs)
        )

    version, (component, needs) = estate.write(plan, expect_version=expect)
    stamp(response, version)
    response.headers["Location"] = "/v1/components/" + url_quote(component.id, safe="")
    return _shown(component, needs)


@router.put(
    "/v1/components/{component_id:path}",
    summary="Create or replace a component",
    response_model=ComponentDoc,
    response_model_exclude_none=True,
    openapi_extra=request_body(ComponentDoc),
    responses={**_WRITE, 201: {"description": "Created", "model": ComponentDoc}},
)
def put_component(
    key: EditorKey,
    estate: CurrentEstate,
    component_id: ComponentId,
    document: Document,
    expect: IfMatch,
    response: Response,
) -> dict[str, Any]:
    """Replace the component and its dependencies (its ``needs``) with the body; create it
    (201) if the model has no such id."""
    body = _with_id(mapping(document, "a component"), component_id)
    version, (created, component, needs) = estate.write(
        lambda snapshot: _replace(document, body, snapshot), expect_version=expect
    )
    stamp(response, version)
    if created:
        response.status_code = 201
    return _shown(component, needs)


@router.patch(
    "/v1/components/{component_id:path}",
    summary="Change some fields of a component",
    response_model=ComponentDoc,
    response_model_exclude_none=True,
    openapi_extra=request_body(ComponentPatch, merge_patch=True),
    responses=_WRITE,
)
def patch_component(
    key: EditorKey,
    estate: CurrentEstate,
    component_id: ComponentId,
    document: Document,
    expect: IfMatch,
    response: Response,
) -> dict[str, Any]:
    """Apply a JSON merge patch (RFC 7396) to the component as GET shows it: the fields
    given replace its own, ``null`` removes one, a list given (``needs``, ``members``,
    ``tags``) replaces the whole list."""
    patch = _with_id(mapping(document, "a merge patch"), component_id)

    def plan(snapshot: Snapshot) -> Planned[tuple[bool, Component, list[Dependency]]]:
        merged = merge_patch(component_document(snapshot, component_id), patch)
        return _replace(document, merged, snapshot)

    version, (_, component, needs) = estate.write(plan, expect_version=expect)
    stamp(response, version)
    return _shown(component, needs)


@router.delete(
    "/v1/components/{component_id:path}",
    summary="Delete a component",
    status_code=204,
    response_class=Response,
    responses=responses(401, 403, 404, 409, 412, 422, 500, 503),
)
def delete_component(
    key: EditorKey,
    estate: CurrentEstate,
    component_id: ComponentId,
    expect: IfMatch,
    response: Response,
    cascade: Annotated[
        bool, Query(description="also delete the dependencies and member entries naming it")
    ] = False,
) -> None:
    """Delete the component and its own dependencies. Refused (409, naming each of them)
    while other components need it or groups list it, unless ``?cascade=true``: then those
    dependencies and member entries go too."""

    def plan(snapshot: Snapshot) -> Planned[None]:
        snapshot.component(component_id)
        needed_by = [
            d for d in incoming(snapshot).get(component_id, ()) if d.source != component_id
        ]
        groups = groups_listing(snapshot).get(component_id, [])
        if (needed_by or groups) and not cascade:
            raise ConflictError(
                f"component {quote(component_id)} is still needed by {len(needed_by)} "
                f"dependenc{'y' if len(needed_by) == 1 else 'ies'} and listed by {len(groups)} "
                "group(s); change those first, or delete with ?cascade=true",
                [
                    Issue(f"{edge_label(edge_key(d))} needs it", component=d.source, field="needs")
                    for d in needed_by
                ]
                + [Issue("lists it as a member", component=g, field="members") for g in groups],
            )
        return Planned(Changes(delete_components=(component_id,)), None)

    version, _ = estate.write(plan, expect_version=expect)
    stamp(response, version)
    response.status_code = 204


# ---------------------------------------------------------------------------------------------
# helpers


def _with_id(body: dict[str, Any], component_id: str) -> dict[str, Any]:
    """The body with the path's id (a body that names another id is a 422)."""
    given = body.get("id", component_id)
    if given != component_id:
        raise ModelError(
            [
                Issue(
                    f"the body's id {quote(given)} is not the path's {quote(component_id)}; "
                    "a component's id cannot change (create the new one and delete the old)",
                    component=component_id,
                    field="id",
                    path=("body", "id"),
                )
            ]
        )
    return {**body, "id": component_id}


def _checked(
    document: Parsed, body: dict[str, Any], snapshot: Snapshot
) -> tuple[Component, list[Dependency]]:
    """The component a body describes, checked as a model file's component is (its needs and
    members against the model of ``snapshot``)."""
    issues = duplicate_issues(document)
    try:
        components, needs = check_parts({"components": [body]}, snapshot.model.by_id)
    except ModelError as e:
        issues += e.issues
    if issues:
        raise in_body(ModelError(issues), document, inside=("components", 0))
    return components[0], sorted(needs, key=edge_key)


def _replace(
    document: Parsed, body: dict[str, Any], snapshot: Snapshot
) -> Planned[tuple[bool, Component, list[Dependency]]]:
    """The changes that make a component what ``body`` says, its needs included."""
    component, needs = _checked(document, body, snapshot)
    held = snapshot.model.by_id.get(component.id)
    stored = edges(snapshot)
    wanted = {edge_key(d) for d in needs}
    changes = Changes(
        upsert_components=(component,) if held != component else (),
        delete_dependencies=tuple(
            edge_key(d)
            for d in outgoing(snapshot).get(component.id, ())
            if edge_key(d) not in wanted
        ),
        upsert_dependencies=tuple(d for d in needs if stored.get(edge_key(d)) != d),
    )
    return Planned(changes, (held is None, component, needs))


def _shown(component: Component, needs: list[Dependency]) -> dict[str, Any]:
    alone = Model.model_construct(components=(component,), dependencies=tuple(needs))
    shown: dict[str, Any] = model_to_document(alone)["components"][0]
    return shown
