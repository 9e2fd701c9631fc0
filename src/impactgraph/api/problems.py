"""RFC 9457 problem details: the one shape of every error the HTTP API answers.

Every :class:`~impactgraph.errors.ImpactGraphError` answers with its own ``http_status`` and
problem ``type`` (``errors.PROBLEM_BASE`` + its problem name); a model's issues, a request's
schema errors and the references that block a delete are listed in ``errors``, each with the
field and component concerned. Malformed JSON is a 400, a request that fits no schema a 422,
an unknown route a 404 and a wrong method a 405, each as a problem; anything else is a 500
whose detail says nothing of the server's inside (the fault is logged, secrets redacted).

>>> responses(404)[404]["description"]
'Not Found'
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from impactgraph.api.redaction import redact
from impactgraph.errors import (
    PROBLEM_BASE,
    ConflictError,
    ImpactGraphError,
    InternalError,
    Issue,
    MalformedBodyError,
    ModelError,
    NotAuthenticatedError,
    RequestError,
    TooLargeError,
    UnknownComponentError,
    VersionConflictError,
)

log = logging.getLogger("impactgraph.api")

PROBLEM_MEDIA_TYPE = "application/problem+json"


class ProblemItem(BaseModel):
    """One thing wrong: what, and where (the field, the component, the line of the body)."""

    model_config = ConfigDict(extra="forbid")

    message: str
    field: str | None = None
    component: str | None = None
    line: int | None = None
    #: where in the request: ``["body", "components", 3, "rto"]``, ``["query", "limit"]``
    location: list[str | int] | None = None


class Problem(BaseModel):
    """RFC 9457 problem details, with the items concerned in ``errors``."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(examples=[PROBLEM_BASE + "invalid-model"])
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    #: every issue, each with its field and component
    errors: list[ProblemItem] | None = None
    #: the component the problem is about, when there is one
    component: str | None = None
    #: the model's version now (a 412 says which version to read again)
    current_version: int | None = None


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> Response:
    """The problem as ``application/problem+json``, with unset fields left out."""
    return JSONResponse(
        jsonable_encoder(problem, exclude_none=True),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Problem responses to declare in a route decorator: ``responses=responses(404, 409)``."""
    return {
        status: {"model": Problem, "description": HTTPStatus(status).phrase} for status in statuses
    }


def _item(issue: Issue) -> ProblemItem:
    return ProblemItem(
        message=issue.message,
        field=issue.field,
        component=issue.component,
        line=issue.line,
        location=list(issue.path) or None,
    )


def problem_of(error: ImpactGraphError, instance: str | None = None) -> Problem:
    """The problem details of an impactgraph error."""
    status = error.http_status
    detail = str(error)
    if status >= 500 and isinstance(error, InternalError):
        detail = "an internal error; it has been logged"
    problem = Problem(
        type=PROBLEM_BASE + error.problem_type,
        title=error.title,
        status=status,
        detail=redact(detail),
        instance=instance,
    )
    if isinstance(error, ModelError | RequestError | ConflictError):
        problem.errors = [_item(i) for i in error.issues] or None
    if isinstance(error, MalformedBodyError) and error.line is not None:
        problem.errors = [ProblemItem(message=detail, line=error.line, location=["body"])]
    if isinstance(error, UnknownComponentError):
        problem.component = error.component_id
    if isinstance(error, VersionConflictError):
        problem.current_version = error.actual
    return problem


# ---------------------------------------------------------------------------------------------
# request validation errors (FastAPI's) as issues


def validation_issues(errors: Sequence[Any], body: Any) -> list[Issue]:
    """FastAPI's request validation errors as issues: the field (dotted), the component when
    the error is inside ``components[i]`` of the body, and the path."""
    issues = []
    for err in errors:
        loc = tuple(err.get("loc", ()))
        inside = loc[1:] if loc[:1] == ("body",) else loc
        issues.append(
            Issue(
                err.get("msg", "invalid value").removeprefix("Value error, "),
                field=".".join(str(p) for p in inside) or None,
                component=_component_at(body, inside),
                path=loc,
            )
        )
    return issues


def _component_at(body: Any, loc: tuple[Any, ...]) -> str | None:
    if len(loc) >= 2 and loc[0] == "components" and isinstance(loc[1], int):
        items = body.get("components") if isinstance(body, dict) else None
        if isinstance(items, list) and 0 <= loc[1] < len(items):
            item = items[loc[1]]
            cid = item.get("id") if isinstance(item, dict) else None
            return cid if isinstance(cid, str) else None
    return None


def request_error(exc: RequestValidationError) -> ImpactGraphError:
    """A FastAPI validation error as ours: malformed JSON is a 400, the rest a 422."""
    errors = list(exc.errors())
    for err in errors:
        if err.get("type") == "json_invalid":
            reason = (err.get("ctx") or {}).get("error", "not JSON")
            return MalformedBodyError(f"the request body is not valid JSON: {reason}")
    return RequestError(validation_issues(errors, exc.body))


# ---------------------------------------------------------------------------------------------
# handlers


def _instance(request: Request) -> str:
    return request.url.path


async def _on_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ImpactGraphError)
    if exc.http_status >= 500:
        log.error("%s %s: %s", request.method, request.url.path, redact(repr(exc)))
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, NotAuthenticatedError) else None
    return problem_response(problem_of(exc, _instance(request)), headers)


async def _on_validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return problem_response(problem_of(request_error(exc), _instance(request)))


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 413:
        return problem_response(
            problem_of(TooLargeError(str(exc.detail)), _instance(request)), dict(exc.headers or {})
        )
    phrase = HTTPStatus(exc.status_code).phrase
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != phrase else None
    problem = Problem(
        type="about:blank",
        title=phrase,
        status=exc.status_code,
        detail=detail,
        instance=_instance(request),
    )
    return problem_response(problem, dict(exc.headers or {}))


def install_handlers(app: FastAPI) -> None:
    """Answer every error of ``app`` as a problem (see the module docstring)."""
    app.add_exception_handler(ImpactGraphError, _on_error)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_middleware(CatchAll)


class CatchAll:
    """A pure ASGI middleware that answers any exception no handler took with a 500 problem
    (no trace, nothing of the server's inside) and logs it with secrets redacted.

    Starlette's own server-error middleware would answer too, but then re-raise, and the
    server would log the exception's text as it is.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as exc:
            # the frames (files, lines, code) but no values: those could hold a secret
            log.error(
                "%s %s: unhandled %s\n%s",
                scope.get("method"),
                scope.get("path"),
                redact(repr(exc)),
                "".join(traceback.format_tb(exc.__traceback__)).rstrip(),
            )
            if started:  # too late for a problem: the client sees the connection end
                return
            problem = Problem(
                type=PROBLEM_BASE + "internal",
                title="Internal error",
                status=500,
                detail="an internal error; it has been logged",
                instance=scope.get("path"),
            )
            await problem_response(problem)(scope, receive, send)
