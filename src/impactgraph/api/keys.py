"""API keys, for admin keys only: list them, make one (shown once), revoke one.

The key text is in the answer to ``POST /v1/api-keys`` and nowhere else, ever; the store keeps
only its digest. A revoke takes effect at once in this process, and within
``key_cache_seconds`` (2 s by default) in every other one.
"""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import APIRouter, Path, Request, Response

from impactgraph.api.deps import AdminKey, CurrentEstate
from impactgraph.api.problems import responses
from impactgraph.api.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyInfo
from impactgraph.apikeys import CachedKeys, create_key, revoke_key
from impactgraph.store.base import ApiKeyRecord

router = APIRouter(tags=["api keys"])


def _info(record: ApiKeyRecord) -> ApiKeyInfo:
    return ApiKeyInfo(
        id=record.id,
        role=record.role,
        name=record.name,
        created=record.created,
        revoked=record.revoked,
    )


@router.get("/v1/api-keys", summary="List API keys", responses=responses(401, 403, 500, 503))
def list_keys(key: AdminKey, estate: CurrentEstate) -> list[ApiKeyInfo]:
    """Every key, revoked ones included, oldest first; never a secret."""
    return [_info(record) for record in estate.store.keys()]  # noqa: SIM118


@router.post(
    "/v1/api-keys",
    summary="Make an API key",
    status_code=201,
    response_model=ApiKeyCreated,
    responses=responses(400, 401, 403, 413, 422, 500, 503),
)
def create(key: AdminKey, estate: CurrentEstate, body: ApiKeyCreate) -> Response:
    """A new key of ``role``: the answer's ``key`` is the only time it is shown."""
    text, record = create_key(estate.store, body.role, body.name)
    created = ApiKeyCreated(key=text, **_info(record).model_dump())
    # kept by no cache on the way: the key is shown this once
    return Response(
        content=created.model_dump_json(),
        status_code=201,
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


@router.delete(
    "/v1/api-keys/{key_id}",
    summary="Revoke an API key",
    status_code=204,
    response_class=Response,
    responses=responses(401, 403, 404, 422, 500, 503),
)
def revoke(
    key: AdminKey,
    estate: CurrentEstate,
    request: Request,
    key_id: Annotated[str, Path(min_length=1, max_length=200, description="the key's id")],
) -> Response:
    """Revoke a key: it stops working at once here, and within seconds everywhere."""
    revoke_key(estate.store, key_id)
    cast(CachedKeys, request.app.state.keys).forget(key_id)
    return Response(status_code=204)
