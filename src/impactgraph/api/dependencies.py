"""Dependencies, one at a time: list (filters, keyset pages), create, get, replace, patch,
delete.

A dependency is named by its key ``(from, to, type)``. Ids are any text (``/`` included), so
the key goes in the query, never the path: ``/v1/dependency?from=payments-api&to=host2&type=
runs_on`` (``type`` defaults to ``depends_on``). A dependency is shown and sent as the model
file's top-level ``dependencies`` entries are: ``{"from", "to", "type", "strength",
"tolerance"}``.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import TypeAdapter, ValidationError

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
from impactgraph.api.documents import dependency, dependency_document, edges, merge_patch
from impactgraph.api.estate import Planned, Snapshot
from impactgraph.api.openapi import request_body
from impactgraph.api.pages import decode_cursor, encode_cursor, page
from impactgraph.api.problems import responses
from impactgraph.api.schemas import DependencyDoc, DependencyPage, DependencyPatch
from impactgraph.document import Parsed
from impactgraph.errors import ConflictError, Issue, ModelError, RequestError, quote
from impactgraph.model import Dependency, DependencyType
from impactgraph.modelfile import check_parts
from impactgraph.store.base import Changes, EdgeKey
from impactgraph.sync import edge_key, edge_label

router = APIRouter(tags=["dependencies"])

_TYPE: TypeAdapter[str] = TypeAdapter(DependencyType)
_WRITE = responses(400, 401, 403, 404, 409, 412, 413, 422, 500, 503)


def _dependency_type(value: str, field: str = "type") -> str:
    try:
        return _TYPE.validate_python(value)
    except ValidationError as e:
        message = e.errors()[0]["msg"].removeprefix("Value error, ")
        raise RequestError([Issue(message, field=field, path=("query", field))]) from None


def dependency_key(
    source: Annotated[
        str, Query(alias="from", min_length=1, description="the component that needs")
    ],
    target: Annotated[str, Query(alias="to", min_length=1, description="the component needed")],
    type: Annotated[str, Query(min_length=1, description="the dependency type")] = "depends_on",
) -> EdgeKey:
    """The key of the dependency a request names in its query."""
    return (source, target, _dependency_type(type))


Key = Annotated[EdgeKey, Depends(dependency_key)]


@router.get(
    "/v1/dependencies", summary="List dependencies", responses=responses(401, 403, 422, 500, 503)
)
def list_dependencies(
    key: ReaderKey,
    snapshot: CurrentSnapshot,
    settings: AppSettings,
    response: Response,
    source: Annotated[
        str | None, Query(alias="from", description="needed by this component")
    ] = None,
    target: Annotated[str | None, Query(alias="to", description="needing this component")] = None,
    type: Annotated[str | None, Query(description="of this type, e.g. runs_on")] = None,
    cursor: Annotated[str | None, Query(description="next_cursor of the page before")] = None,
    limit: Annotated[
        int | None, Query(ge=1, description="items per page; at most the server's max_page")
    ] = None,
) -> DependencyPage:
    """Dependencies by ``(from, to, type)``, a page at a time; every filter given must hold.
    Pages neither skip nor repeat a dependency while others write (keyset on the key)."""
    wanted_type = _dependency_type(type) if type is not None else None
    stored = edges(snapshot)
    keys: list[EdgeKey] = snapshot.derived(("edge-keys",), lambda: sorted(stored))
    after: EdgeKey | None = None
    if cursor is not None:
        a, b, c = decode_cursor(cursor, 3)
        after = (a, b, c)

    def keep(k: EdgeKey) -> bool:
        return (
            (source is None or k[0] == source)
            and (target is None or k[1] == target)
            and (wanted_type is None or k[2] == wanted_type)
        )

    size = min(limit or settings.default_page, settings.max_page)
    chosen, last = page(keys, after, size, keep)
    stamp(response, snapshot)
    return DependencyPage.model_validate(
        {
            "items": [dependency_document(stored[k]) for k in chosen],
            "next_cursor": encode_cursor(last) if last is not None else None,
            "version": snapshot.version,
        }
    )


@router.post(
    "/v1/dependencies",
    summary="Create a dependency",
    status_code=201,
    response_model=DependencyDoc,
    openapi_extra=request_body(DependencyDoc),
    responses=_WRITE,
)
def create_dependency(
    key: EditorKey, estate: CurrentEstate, document: Document, expect: IfMatch, response: Response
) -> dict[str, Any]:
    """Create a dependency; 409 if one with its key exists (PUT /v1/dependency replaces)."""
    body = mapping(document, "a dependency")

    def plan(snapshot: Snapshot) -> Planned[Dependency]:
        dep = _checked(document, body, snapshot)
        if edge_key(dep) in edges(snapshot):
            raise ConflictError(
                f"dependency {quote(edge_label(edge_key(dep)))} exists already; PUT "
                "/v1/dependency?from=…&to=…&type=… replaces it",
                [Issue("exists already", component=dep.source, field="to", path=("to",))],
            )
        return Planned(Changes(upsert_dependencies=(dep,)), dep)

    version, dep = estate.write(plan, expect_version=expect)
    stamp(response, version)
    return dependency_document(dep)


@router.get(
    "/v1/dependency",
    summary="Get a dependency",
    response_model=DependencyDoc,
    responses=responses(401, 403, 404, 422, 500, 503),
)
def get_dependency(
    key: ReaderKey, snapshot: CurrentSnapshot, edge: Key, response: Response
) -> dict[str, Any]:
    """The dependency ``from`` → ``to`` of ``type``."""
    found = dependency(snapshot, edge)
    stamp(response, snapshot)
    return dependency_document(found)


@router.put(
    "/v1/dependency",
    summary="Create or replace a dependency",
    response_model=DependencyDoc,
    openapi_extra=request_body(DependencyDoc),
    responses={**_WRITE, 201: {"description": "Created", "model": DependencyDoc}},
)
def put_dependency(
    key: EditorKey,
    estate: CurrentEstate,
    edge: Key,
    document: Document,
    expect: IfMatch,
    response: Response,
) -> dict[str, Any]:
    """Replace the dependency the query names with the body (its strength and tolerance;
    ``from``, ``to`` and ``type`` may be left out, and must match the query if given);
    create it (201) if the model has none."""
    body = _with_key(mapping(document, "a dependency"), edge)

    def plan(snapshot: Snapshot) -> Planned[tuple[bool, Dependency]]:
        dep = _checked(document, body, snapshot)
        held = edges(snapshot).get(edge)
        changes = Changes(upsert_dependencies=(dep,) if held != dep else ())
        return Planned(changes, (held is None, dep))

    version, (created, dep) = estate.write(plan, expect_version=expect)
    stamp(response, version)
    if created:
        response.status_code = 201
    return dependency_document(dep)


@router.patch(
    "/v1/dependency",
    summary="Change a dependency's strength or tolerance",
    response_model=DependencyDoc,
    openapi_extra=request_body(DependencyPatch, merge_patch=True),
    responses=_WRITE,
)
def patch_dependency(
    key: EditorKey,
    estate: CurrentEstate,
    edge: Key,
    document: Document,
    expect: IfMatch,
    response: Response,
) -> dict[str, Any]:
    """Apply a JSON merge patch (RFC 7396) to the dependency as GET shows it (its key stays)."""
    patch = _with_key(mapping(document, "a merge patch"), edge)

    def plan(snapshot: Snapshot) -> Planned[Dependency]:
        merged = merge_patch(dependency_document(dependency(snapshot, edge)), patch)
        dep = _checked(document, merged, snapshot)
        held = edges(snapshot).get(edge)
        return Planned(Changes(upsert_dependencies=(dep,) if held != dep else ()), dep)

    version, dep = estate.write(plan, expect_version=expect)
    stamp(response, version)
    return dependency_document(dep)


@router.delete(
    "/v1/dependency",
    summary="Delete a dependency",
    status_code=204,
    response_class=Response,
    responses=responses(401, 403, 404, 412, 422, 500, 503),
)
def delete_dependency(
    key: EditorKey, estate: CurrentEstate, edge: Key, expect: IfMatch, response: Response
) -> None:
    """Delete the dependency the query names (404 if the model has none)."""

    def plan(snapshot: Snapshot) -> Planned[None]:
        dependency(snapshot, edge)
        return Planned(Changes(delete_dependencies=(edge,)), None)

    version, _ = estate.write(plan, expect_version=expect)
    stamp(response, version)
    response.status_code = 204


def _with_key(body: dict[str, Any], edge: EdgeKey) -> dict[str, Any]:
    """The body with the query's key (a body that names another is a 422)."""
    issues = []
    for name, value in zip(("from", "to", "type"), edge, strict=True):
        given = body.get(name, value)
        if name == "type" and isinstance(given, str):
            with suppress(ValidationError):  # else the model's check says what is wrong
                given = _TYPE.validate_python(given)
        if given != value:
            issues.append(
                Issue(
                    f"{name} {quote(given)} is not the query's {quote(value)}; a dependency's "
                    "key cannot change (create the new one and delete the old)",
                    component=edge[0],
                    field=name,
                    path=("body", name),
                )
            )
    if issues:
        raise ModelError(issues)
    return {**body, "from": edge[0], "to": edge[1], "type": edge[2]}


def _checked(document: Parsed, body: dict[str, Any], snapshot: Snapshot) -> Dependency:
    """The dependency a body describes, checked as a model file's is (both ends must be in
    the model of ``snapshot``)."""
    issues = duplicate_issues(document)
    try:
        _, deps = check_parts({"dependencies": [body]}, snapshot.model.by_id)
    except ModelError as e:
        issues += e.issues
    if issues:
        raise in_body(ModelError(issues), document, inside=("dependencies", 0))
    return deps[0]
