"""What routes ask FastAPI for: the caller's key (by role), the estate and its snapshot, the
version a write expects; and :func:`stamp`, which puts the model version on an answer.

Declare the key first, so that a request is authenticated before the store is read::

    @router.get("/v1/things")
    def things(key: ReaderKey, snapshot: CurrentSnapshot, response: Response) -> Things:
        stamp(response, snapshot)
        ...

A key comes as ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``. No key, or one that is
unknown, revoked or malformed: 401; a key whose role is below the route's: 403. Without either
header, the web page's session cookie stands for the key it was signed in with
(:mod:`impactgraph.api.web`; its unsafe requests need the session's CSRF token).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, cast

from fastapi import Depends, Header, Request, Response, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from impactgraph.api.estate import Estate, Snapshot
from impactgraph.api.settings import Settings
from impactgraph.api.web import session_caller
from impactgraph.apikeys import CachedKeys, allows, authenticate
from impactgraph.errors import ForbiddenError, Issue, NotAuthenticatedError, RequestError

#: the header that carries the model version on every answer read from, or written to, it
VERSION_HEADER = "Impactgraph-Model-Version"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the id of their API key and its role."""

    key_id: str
    role: str


# Dependencies that do no I/O are ``async``: FastAPI runs a plain ``def`` dependency in the
# thread pool, a hop that costs more than the work; the ones that ask the store stay ``def``.


async def get_settings(request: Request) -> Settings:
    """The settings the app was made with."""
    return cast(Settings, request.app.state.settings)


async def get_estate(request: Request) -> Estate:
    """The app's estate (its store and current snapshot)."""
    return cast(Estate, request.app.state.estate)


def get_snapshot(request: Request) -> Snapshot:
    """The model at the store's current version."""
    return cast(Estate, request.app.state.estate).snapshot()


AppSettings = Annotated[Settings, Depends(get_settings)]
CurrentEstate = Annotated[Estate, Depends(get_estate)]
CurrentSnapshot = Annotated[Snapshot, Depends(get_snapshot)]

_bearer = HTTPBearer(
    auto_error=False, description="`Authorization: Bearer igk_…` (impactgraph apikey create)"
)
_api_key = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="`X-API-Key: igk_…`, instead of Bearer"
)


def authenticated(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
    header: Annotated[str | None, Security(_api_key)],
) -> Principal:
    """The caller of a valid, unrevoked key (401 otherwise)."""
    presented = bearer.credentials if bearer is not None else header
    if not presented:
        signed_in = session_caller(request)  # the web page's session cookie (CSRF checked)
        if signed_in is not None:
            return Principal(*signed_in)
        raise NotAuthenticatedError(
            "no API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>' "
            "(make one with 'impactgraph apikey create --role reader')"
        )
    keys = cast(CachedKeys, request.app.state.keys)
    record = authenticate(keys, presented)
    if record is None:
        raise NotAuthenticatedError("the API key is not valid (unknown, revoked or malformed)")
    return Principal(record.id, record.role)


def _role(needed: str) -> Callable[[Principal], Awaitable[Principal]]:
    async def with_role(principal: Annotated[Principal, Depends(authenticated)]) -> Principal:
        if not allows(principal.role, needed):
            raise ForbiddenError(
                f"this needs a key of role {needed} or above; key {principal.key_id} is "
                f"{principal.role}"
            )
        return principal

    with_role.__name__ = f"{needed}_key"
    return with_role


#: a key of any role: reads and questions
ReaderKey = Annotated[Principal, Depends(_role("reader"))]
#: an editor or admin key: changes to the estate
EditorKey = Annotated[Principal, Depends(_role("editor"))]
#: an admin key: API keys
AdminKey = Annotated[Principal, Depends(_role("admin"))]

_ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,18})"?\s*$')


async def if_match(
    value: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description='The model version the write is for, as the ETag gave it ("12"); '
            "another version now: 412",
        ),
    ] = None,
) -> int | None:
    """The version an ``If-Match`` header names (None without one, or for ``*``)."""
    if value is None or value.strip() in ("", "*"):
        return None
    match = _ETAG.match(value)
    if match is None:
        raise RequestError(
            [
                Issue(
                    'If-Match must be a model version as the ETag gives it, e.g. "12"',
                    field="If-Match",
                    path=("header", "If-Match"),
                )
            ]
        )
    return int(match.group(1))


IfMatch = Annotated[int | None, Depends(if_match)]


def stamp(response: Response, snapshot: Snapshot | int) -> None:
    """Name the model version an answer was read from, or a write made: ``ETag: "<v>"`` and
    ``Impactgraph-Model-Version: <v>``."""
    version = snapshot if isinstance(snapshot, int) else snapshot.version
    response.headers["ETag"] = f'"{version}"'
    response.headers[VERSION_HEADER] = str(version)
