"""The whole estate: ``GET /v1/model`` (export), ``PUT /v1/model`` (replace, all or nothing)
and ``POST /v1/model:upsert`` (the bulk sync CMDB tools run on a schedule).

The sync follows :mod:`impactgraph.sync`: components and dependencies matched by key are
created, updated or left unchanged; with a ``source``, every component sent takes it; with
``remove_missing`` (which needs a ``source``), components of that source that were not sent
are removed (with the dependencies and member entries naming them), and so are dependencies
*from* a component of that source that were not sent. A sync that changes nothing writes
nothing: the version does not move. ``?dry_run=true`` answers the same counts and errors and
commits nothing.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from impactgraph.api.bodies import BODY, Document, duplicate_issues, in_body, mapping
from impactgraph.api.deps import (
    CurrentEstate,
    CurrentSnapshot,
    EditorKey,
    IfMatch,
    ReaderKey,
    stamp,
)
from impactgraph.api.estate import Planned, Snapshot
from impactgraph.api.openapi import request_body
from impactgraph.api.problems import responses
from impactgraph.api.schemas import Loaded, ModelDocument, UpsertRequest, UpsertResult
from impactgraph.document import Parsed
from impactgraph.errors import Issue, ModelError, RequestError, VersionConflictError, quote
from impactgraph.model import MAX_SOURCE, Component, Dependency, model_to_document, valid_source
from impactgraph.modelfile import check_parts, read_model_document
from impactgraph.sync import SyncReport, plan_sync

router = APIRouter(tags=["model"])

_UPSERT_FIELDS = ("source", "remove_missing", "components", "dependencies")


@router.get(
    "/v1/model",
    summary="Export the whole model",
    response_model=ModelDocument,
    responses=responses(401, 403, 500, 503),
)
def get_model(key: ReaderKey, snapshot: CurrentSnapshot) -> Response:
    """The model as a model file (SPEC §5, JSON), with its version as the ``ETag``."""
    body = snapshot.answer(
        ("model-document",),
        lambda: json.dumps(model_to_document(snapshot.model), ensure_ascii=False).encode(),
    )
    response = Response(content=body, media_type="application/json")
    stamp(response, snapshot)
    return response


@router.put(
    "/v1/model",
    summary="Replace the whole model",
    openapi_extra=request_body(ModelDocument, yaml=True),
    responses=responses(400, 401, 403, 412, 413, 422, 500, 503),
)
def put_model(
    key: EditorKey, estate: CurrentEstate, document: Document, expect: IfMatch, response: Response
) -> Loaded:
    """Replace the model with a model document (JSON, or YAML as ``application/yaml``),
    checked exactly as a model file is: a document with errors is refused whole (422, every
    issue with its field, component and line) and nothing changes."""
    try:
        model = read_model_document(document, BODY)
    except ModelError as e:
        raise in_body(e, document) from None
    version = estate.load(model, expect_version=expect)
    stamp(response, version)
    return Loaded(
        version=version, components=len(model.components), dependencies=len(model.dependencies)
    )


@router.post(
    "/v1/model:upsert",
    summary="Sync components and dependencies from a source",
    response_model_exclude_none=True,
    openapi_extra=request_body(UpsertRequest, yaml=True),
    responses=responses(400, 401, 403, 412, 413, 422, 500, 503),
)
def upsert(
    key: EditorKey,
    estate: CurrentEstate,
    document: Document,
    expect: IfMatch,
    response: Response,
    dry_run: Annotated[bool, Query(description="answer the counts, commit nothing")] = False,
    ids: Annotated[bool, Query(description="list the ids created, updated and removed")] = False,
    source: Annotated[
        str | None,
        Query(
            max_length=MAX_SOURCE,
            description="the sending system, as the body's `source` (either place; not both "
            "with different values)",
        ),
    ] = None,
    remove_missing: Annotated[
        bool | None, Query(description="as the body's `remove_missing` (either place)")
    ] = None,
) -> UpsertResult:
    """Create, update (and with ``remove_missing``, remove) components and dependencies by
    key, in one transaction; answer the counts created / updated / unchanged / removed.

    Idempotent: the same sync again reports everything unchanged and does not move the
    version. With ``remove_missing`` and a ``source``, components of that source that were not
    sent are removed, and so are the dependencies *from* components of that source that were
    not sent; nothing of other sources, nor hand-written components, is touched.
    """
    source, remove_missing = _with_query(_options(document), document, source, remove_missing)

    def plan(snapshot: Snapshot) -> Planned[SyncReport]:
        components, dependencies = _parts(document, snapshot)
        planned = plan_sync(
            snapshot.model,
            components,
            dependencies,
            source=source,
            remove_missing=remove_missing,
            validate=dry_run,
        )
        return Planned(planned.changes, planned.report)

    if dry_run:
        snapshot = estate.snapshot()
        if expect is not None and expect != snapshot.version:
            raise VersionConflictError(expected=expect, actual=snapshot.version)
        planned = plan(snapshot)
        estate.check_changes(snapshot.model, planned.changes)
        version, report = snapshot.version, planned.result
    else:
        version, report = estate.write(plan, expect_version=expect)
    stamp(response, version)
    done = dataclasses.replace(report, version=version, dry_run=dry_run)
    return UpsertResult.model_validate(done.to_document(ids=ids))


def _options(document: Parsed) -> tuple[str | None, bool]:
    """The sync's ``source`` and ``remove_missing``; every issue of the body's top level."""
    body = mapping(document, "a sync")
    issues = duplicate_issues(document, ())
    issues = [i for i in issues if len(i.path) == 1]
    for name in body:
        if name not in _UPSERT_FIELDS:
            issues.append(
                Issue(
                    f"unknown field {quote(name)}; a sync has {', '.join(_UPSERT_FIELDS)}",
                    field=str(name),
                    path=(name,),
                )
            )
    source = body.get("source")
    if source is not None and not valid_source(source):
        issues.append(
            Issue(
                f"source {quote(source)} must be 1 to {MAX_SOURCE} letters, digits, '.', '_' "
                "or '-' (the system that sends, e.g. servicenow, backstage, csv)",
                field="source",
                path=("source",),
            )
        )
    remove_missing = body.get("remove_missing", False)
    if not isinstance(remove_missing, bool):
        issues.append(
            Issue(
                f"{quote(remove_missing)} is not true or false",
                field="remove_missing",
                path=("remove_missing",),
            )
        )
    if issues:
        raise in_body(ModelError(issues), document)
    return source, bool(remove_missing)


def _with_query(
    body: tuple[str | None, bool],
    document: Parsed,
    source: str | None,
    remove_missing: bool | None,
) -> tuple[str | None, bool]:
    """The sync's options from the body, or from the query where the body leaves them out;
    given in both places with different values, a 422 naming the parameter."""
    given: dict[str, Any] = document.document
    issues: list[Issue] = []
    if source is not None:
        if not valid_source(source):
            issues.append(
                Issue(
                    f"source {quote(source)} is not a source name",
                    field="source",
                    path=("query", "source"),
                )
            )
        elif body[0] is not None and body[0] != source:
            issues.append(
                Issue(
                    f"the body says source {quote(body[0])}, the query {quote(source)}",
                    field="source",
                    path=("query", "source"),
                )
            )
    if (
        remove_missing is not None
        and "remove_missing" in given
        and bool(given["remove_missing"]) != remove_missing
    ):
        issues.append(
            Issue(
                "the body and the query give different remove_missing",
                field="remove_missing",
                path=("query", "remove_missing"),
            )
        )
    if issues:
        raise RequestError(issues)
    return (
        source if source is not None else body[0],
        remove_missing if remove_missing is not None else body[1],
    )


def _parts(document: Parsed, snapshot: Snapshot) -> tuple[list[Component], list[Dependency]]:
    body: dict[str, Any] = document.document
    parts: dict[str, Any] = {k: body[k] for k in ("components", "dependencies") if k in body}
    issues = [i for i in duplicate_issues(document) if len(i.path) > 1]
    try:
        components, dependencies = check_parts(parts, snapshot.model.by_id)
    except ModelError as e:
        issues += e.issues
    if issues:
        raise in_body(ModelError(issues), document)
    return components, dependencies
