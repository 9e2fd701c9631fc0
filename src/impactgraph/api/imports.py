"""``POST /v1/imports/{servicenow|backstage|csv}``: an export in, the estate synced with it.

The HTTP door onto :mod:`impactgraph.importers`, with the CLI's options (``impactgraph import
SOURCE --store …``) as query parameters: ``dry_run``, ``keep_missing``, ``strict`` (and
``ids``, as ``model:upsert`` has). The body is:

* ServiceNow, Backstage: the export itself — one document, ``application/json`` or
  ``application/yaml`` (a Table API answer, an IRE payload, a catalog API answer, a
  multi-document ``catalog-info.yaml``) — or an envelope of several files and a mapping
  override, ``{"files": [{"name": "cmdb_ci.json", "content": "…"}], "mapping": {…}}`` (a JSON
  object with ``files`` or ``mapping`` at its top is always read as an envelope). A file's
  name says what it holds (``.json``, ``.yaml``, ``.csv``) and names it in messages;
* CSV: ``{"components": "<csv text>", "dependencies": "…", "members": "…", "mapping": {…}}``.

``mapping`` is a mapping file's content, as an object or as its YAML text. The answer is the
CLI's ``--format json`` report (``{"import", "destination": "store", "sync"}``) with the model
version. The sync is the estate's compare-and-swap, as ``model:upsert``'s: the model is built
against the snapshot it is synced with (so a component already in the store keeps its id), a
write that lost a race is built again from a fresh snapshot, ``If-Match`` is honoured, and an
import that changes nothing writes nothing (the version does not move).

Input that cannot be read is a 422 ``invalid-import`` problem whose ``errors`` name the file,
line, record and field of every issue (``location`` points into the body); a body that is not
an envelope of the right shape is a 422 ``invalid-request``; nothing is written on any error.
The app's body limit applies (``IMPACTGRAPH_MAX_BODY_BYTES``: 413).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from impactgraph.api.bodies import BODY, body_format
from impactgraph.api.deps import CurrentEstate, EditorKey, IfMatch, stamp
from impactgraph.api.estate import Estate, Planned, Snapshot
from impactgraph.api.problems import (
    Problem,
    ProblemItem,
    problem_of,
    problem_response,
    responses,
    validation_issues,
)
from impactgraph.api.schemas import UpsertResult
from impactgraph.document import Format, parse
from impactgraph.errors import (
    Issue,
    MalformedBodyError,
    ModelError,
    RequestError,
    VersionConflictError,
)
from impactgraph.importers import (
    PREPARERS,
    Imported,
    ImportInputError,
    ImportResult,
    Mapping,
    Named,
    Prepared,
    default_mapping,
    load_mapping,
    plan_import,
    prepare_csv,
)
from impactgraph.importers.result import RecordIssue
from impactgraph.sync import SyncReport

router = APIRouter(tags=["imports"])

#: how the answer names where the import went (never the store's URL)
DESTINATION = "store"
#: the longest file name an envelope may give
MAX_NAME = 255
#: the top-level keys that make a JSON body an envelope rather than an export
_ENVELOPE_KEYS = (b'"files"', b'"mapping"')

_FORBID = ConfigDict(extra="forbid")


# ---------------------------------------------------------------------------------------------
# schemas


class ImportFile(BaseModel):
    """One export file of an envelope: its name (its suffix says what it holds: ``.json``,
    ``.yaml``, ``.csv``) and its text."""

    model_config = _FORBID

    name: str = Field(min_length=1, max_length=MAX_NAME, examples=["cmdb_ci.json"])
    content: str = Field(description="the file's text", examples=['{"result": []}'])


MappingOverride = dict[str, Any] | str


class ImportFiles(BaseModel):
    """Several export files, and a mapping override (a mapping file's content: an object, or
    its YAML text)."""

    model_config = _FORBID

    files: list[ImportFile] = Field(min_length=1)
    mapping: MappingOverride | None = Field(
        default=None,
        description="merged into the source's default mapping, as `--mapping FILE` is",
        examples=[{"relations": {"Uses::Used by": {"strength": "soft"}}}],
    )


class CsvImport(BaseModel):
    """Spreadsheets as CSV texts: components (required), dependencies and members, and a
    mapping override."""

    model_config = _FORBID

    components: str = Field(description="id, kind, name, type, tier, rto, … (a header row)")
    dependencies: str | None = Field(default=None, description="from, to, type, strength, …")
    members: str | None = Field(default=None, description="group, member, mode, activation")
    mapping: MappingOverride | None = None


class TallyDoc(BaseModel):
    """Records skipped (or adjusted) for one reason and subject, with the first few."""

    reason: str
    what: str
    count: int
    examples: list[str]


class ReadCounts(BaseModel):
    """Records read: CIs or entities (``records``) and relations."""

    records: int
    relations: int


class ModelCounts(BaseModel):
    """What the imported model holds."""

    components: int
    dependencies: int
    groups: int


class ImportReportDoc(BaseModel):
    """What was read, what the model holds, and every record skipped or adjusted, by reason."""

    source: str
    inputs: list[str]
    read: ReadCounts
    model: ModelCounts
    skipped: list[TallyDoc]
    adjusted: list[TallyDoc]


class ImportAnswer(BaseModel):
    """An import's report: the CLI's ``--format json`` document, with the model version in
    ``sync.version``."""

    model_config = ConfigDict(populate_by_name=True)

    import_: ImportReportDoc = Field(alias="import")
    destination: str = Field(examples=[DESTINATION])
    sync: UpsertResult


class ImportProblemItem(ProblemItem):
    """One issue of an import's input: what, and where — the file (``request body``, or a
    file's name in the envelope), the line, the record (``sys_id '…'``, ``entity '…'``) and
    the field."""

    file: str | None = None
    record: str | None = None


class ImportProblem(Problem):
    """An RFC 9457 problem whose ``errors`` may name the file and record of each issue."""

    errors: list[ImportProblemItem] | None = None  # type: ignore[assignment]


# ---------------------------------------------------------------------------------------------
# OpenAPI


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """A pydantic JSON schema with its ``$defs`` put in place (the request bodies here are
    declared inline, outside the document's components)."""
    defs = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return walk(dict(defs[ref.removeprefix("#/$defs/")]))
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    inlined: dict[str, Any] = walk(schema)
    return inlined


_EXPORT_SCHEMA: dict[str, Any] = {
    "description": "the export itself: a Table API answer, an IRE payload, a catalog API "
    "answer, an entity (YAML: several, separated by `---`)",
    "type": ["object", "array"],
}
_FILES_SCHEMA = _inline(ImportFiles.model_json_schema())
_CSV_SCHEMA = _inline(CsvImport.model_json_schema())


def _export_body() -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "description": "the export (JSON or YAML), or an envelope of files and a mapping",
            "content": {
                "application/json": {"schema": {"anyOf": [_FILES_SCHEMA, _EXPORT_SCHEMA]}},
                "application/yaml": {"schema": _EXPORT_SCHEMA},
            },
        }
    }


def _csv_body() -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _CSV_SCHEMA}},
        }
    }


_RESPONSES: dict[int | str, dict[str, Any]] = {
    **responses(400, 401, 403, 412, 413, 500, 503),
    422: {
        "model": ImportProblem,
        "description": "input that cannot be read (invalid-import: every issue with file, "
        "line, record and field), or a request of the wrong shape",
    },
}


# ---------------------------------------------------------------------------------------------
# routes

_Route = TypeVar("_Route", bound=Callable[..., Any])
DryRun = Annotated[bool, Query(description="answer what would change; write nothing")]
KeepMissing = Annotated[
    bool, Query(description="keep the store's components of this source that the input lacks")
]
Strict = Annotated[
    bool, Query(description="a reference to something not in the input is an error (422)")
]
Ids = Annotated[bool, Query(description="list the ids created, updated and removed")]


async def _body(request: Request) -> tuple[bytes, Format]:
    raw = await request.body()
    if not raw.strip():
        raise MalformedBodyError(
            'the request body is empty; send the export, or {"files": [{"name", "content"}]}'
        )
    return raw, body_format(request.headers.get("content-type"), raw)


def _route(
    source: str, summary: str, description: str, body: dict[str, Any]
) -> Callable[[_Route], _Route]:
    decorator: Callable[[_Route], _Route] = router.post(
        f"/v1/imports/{source}",
        summary=summary,
        description=description,
        response_model=ImportAnswer,
        response_model_exclude_none=True,
        openapi_extra=body,
        responses=_RESPONSES,
    )
    return decorator


@_route(
    "servicenow",
    "Import a ServiceNow CMDB export",
    "Table API JSON of `cmdb_ci*` tables and `cmdb_rel_ci` (any `sysparm_display_value`), "
    "their CSV exports (in an envelope, named `.csv`), or IRE payloads; synced as "
    "`impactgraph import servicenow --store` does.",
    _export_body(),
)
async def import_servicenow(
    key: EditorKey,
    estate: CurrentEstate,
    request: Request,
    response: Response,
    expect: IfMatch,
    dry_run: DryRun = False,
    keep_missing: KeepMissing = False,
    strict: Strict = False,
    ids: Ids = False,
) -> Any:
    raw, fmt = await _body(request)
    options = _Options(dry_run, keep_missing, strict, ids, expect)
    return await _run(request, response, estate, options, lambda: _files("servicenow", raw, fmt))


@_route(
    "backstage",
    "Import a Backstage catalog",
    "Descriptor YAML (several entities separated by `---`) or the catalog API's JSON "
    "(`/api/catalog/entities`, `/entities/by-query` pages); synced as `impactgraph import "
    "backstage --store` does.",
    _export_body(),
)
async def import_backstage(
    key: EditorKey,
    estate: CurrentEstate,
    request: Request,
    response: Response,
    expect: IfMatch,
    dry_run: DryRun = False,
    keep_missing: KeepMissing = False,
    strict: Strict = False,
    ids: Ids = False,
) -> Any:
    raw, fmt = await _body(request)
    options = _Options(dry_run, keep_missing, strict, ids, expect)
    return await _run(request, response, estate, options, lambda: _files("backstage", raw, fmt))


@_route(
    "csv",
    "Import spreadsheets (CSV)",
    "Components, dependencies and members as CSV texts whose columns are the model's fields; "
    "synced as `impactgraph import csv --store` does.",
    _csv_body(),
)
async def import_csv(
    key: EditorKey,
    estate: CurrentEstate,
    request: Request,
    response: Response,
    expect: IfMatch,
    dry_run: DryRun = False,
    keep_missing: KeepMissing = False,
    strict: Strict = False,
    ids: Ids = False,
) -> Any:
    raw, fmt = await _body(request)
    options = _Options(dry_run, keep_missing, strict, ids, expect)
    return await _run(request, response, estate, options, lambda: _sheets(raw, fmt))


# ---------------------------------------------------------------------------------------------
# the flow


@dataclasses.dataclass(frozen=True)
class _Options:
    dry_run: bool
    keep_missing: bool
    strict: bool
    ids: bool
    expect: int | None


@dataclasses.dataclass(frozen=True)
class _Reading:
    """What a body gives: how to read its inputs (``strict`` → the read input), and where in
    the body each input is, by the name messages give it."""

    prepare: Callable[[bool], Prepared]
    places: dict[str, list[str | int]]


async def _run(
    request: Request,
    response: Response,
    estate: Estate,
    options: _Options,
    inputs: Callable[[], _Reading],
) -> Any:
    places: dict[str, list[str | int]] = {"mapping": ["body", "mapping"]}
    try:
        # reading, mapping and building take a while: off the event loop
        return await run_in_threadpool(_import, response, estate, options, inputs, places)
    except ImportInputError as e:
        return _import_problem(e, request.url.path, places)


def _import(
    response: Response,
    estate: Estate,
    options: _Options,
    inputs: Callable[[], _Reading],
    places: dict[str, list[str | int]],
) -> ImportAnswer:
    reading = inputs()
    places.update(reading.places)
    prepared = reading.prepare(options.strict)

    def plan(snapshot: Snapshot) -> Planned[tuple[ImportResult, SyncReport]]:
        result, planned = plan_import(
            snapshot.model,
            prepared,
            remove_missing=not options.keep_missing,
            validate=options.dry_run,
        )
        return Planned(planned.changes, (result, planned.report))

    if options.dry_run:
        snapshot = estate.snapshot()
        if options.expect is not None and options.expect != snapshot.version:
            raise VersionConflictError(expected=options.expect, actual=snapshot.version)
        planned = plan(snapshot)
        estate.check_changes(snapshot.model, planned.changes)
        version, (result, report) = snapshot.version, planned.result
    else:
        version, (result, report) = estate.write(plan, expect_version=options.expect)
    stamp(response, version)
    sync = dataclasses.replace(report, version=version, dry_run=options.dry_run)
    document = Imported(result, sync, DESTINATION).as_dict(ids=options.ids)
    return ImportAnswer.model_validate(_valid_text(document))


def _files(source: str, raw: bytes, fmt: Format) -> _Reading:
    """The inputs of a ServiceNow or Backstage body: the export itself, or an envelope."""
    envelope = _envelope(raw, fmt, ImportFiles)
    places: dict[str, list[str | int]] = {BODY: ["body"]}
    if envelope is None:
        inputs = [Named(BODY, raw, fmt)]
        mapping = default_mapping(source)
    else:
        assert isinstance(envelope, ImportFiles)
        inputs = [Named(f.name, f.content) for f in envelope.files]
        places = {}
        for i, f in enumerate(envelope.files):
            places.setdefault(f.name, ["body", "files", i, "content"])
        mapping = _mapping(source, envelope.mapping)
    prepare = PREPARERS[source]
    return _Reading(lambda strict: prepare(inputs, mapping, strict=strict), places)


def _sheets(raw: bytes, fmt: Format) -> _Reading:
    """The inputs of a CSV body: always an envelope."""
    if fmt != "json":
        raise MalformedBodyError(
            'spreadsheets are sent as JSON: {"components": "<csv>", "dependencies": …}'
        )
    sheets = _envelope(raw, fmt, CsvImport, always=True)
    assert isinstance(sheets, CsvImport)
    mapping = _mapping("csv", sheets.mapping)
    named = {
        part: Named(f"{part}.csv", text)
        for part, text in (
            ("components", sheets.components),
            ("dependencies", sheets.dependencies),
            ("members", sheets.members),
        )
        if text is not None
    }

    def prepare(strict: bool) -> Prepared:
        return prepare_csv(
            named["components"],
            named.get("dependencies"),
            named.get("members"),
            mapping,
            strict=strict,
        )

    return _Reading(prepare, {n.name: ["body", part] for part, n in named.items()})


def _envelope(
    raw: bytes, fmt: Format, schema: type[ImportFiles | CsvImport], *, always: bool = False
) -> ImportFiles | CsvImport | None:
    """The body as an envelope of ``schema``, or None when it is an export (only a JSON
    object with ``files`` or ``mapping`` at its top is an envelope, unless ``always``)."""
    head = raw.lstrip()[:1]
    if not always and (fmt != "json" or head != b"{" or not any(k in raw for k in _ENVELOPE_KEYS)):
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise MalformedBodyError(f"the request body is not UTF-8 (byte {e.start})") from None
    try:
        document = parse(text, BODY, "json", ModelError).document
    except (ModelError, ValueError) as e:  # ValueError: an integer past Python's digit limit
        if not always:  # maybe an export after all: its reader says what is wrong, and where
            return None
        issue = e.issues[0] if isinstance(e, ModelError) else None
        raise MalformedBodyError(
            f"the request body is not valid JSON: {issue.message if issue else str(e)[:60]}",
            line=issue.line if issue else None,
        ) from None
    if not always and not (
        isinstance(document, dict) and any(k in document for k in ("files", "mapping"))
    ):
        return None
    try:
        return schema.model_validate(document)
    except ValidationError as e:
        errors = [{**err, "loc": ("body", *err["loc"])} for err in e.errors()]
        raise RequestError(validation_issues(errors, document)) from None


def _mapping(source: str, override: MappingOverride | None) -> Mapping:
    if override is None:
        return default_mapping(source)
    if isinstance(override, str):
        return load_mapping(source, text=override, name="mapping")
    return load_mapping(source, data=override, name="mapping")


# ---------------------------------------------------------------------------------------------
# answers


def _import_problem(
    error: ImportInputError, instance: str, places: dict[str, list[str | int]]
) -> Response:
    """The 422 of input that cannot be read: every issue with its file, line, record and
    field, and where in the body it is."""
    base = problem_of(error, instance)
    items = [_problem_item(issue, places) for issue in error.issues]
    problem = ImportProblem.model_validate(
        _valid_text({**base.model_dump(exclude={"errors"}), "errors": items or None})
    )
    return problem_response(problem)


def _problem_item(issue: Issue, places: dict[str, list[str | int]]) -> dict[str, Any]:
    record = issue.record if isinstance(issue, RecordIssue) else None
    return {
        "message": issue.message,
        "file": issue.file,
        "line": issue.line,
        "record": record,
        "field": issue.field,
        "component": issue.component,
        "location": places.get(issue.file or "", ["body"]),
    }


def _valid_text(value: Any) -> Any:
    """``value`` with every text made valid UTF-8: an export may hold lone surrogates
    (``"\\ud800"`` in JSON), which no answer can carry; they become ``?``."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-8", "replace").decode("utf-8")
        return value
    if isinstance(value, dict):
        return {_valid_text(k): _valid_text(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_valid_text(v) for v in value]
    return value
