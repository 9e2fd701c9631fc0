"""Probes, without a key: ``/healthz`` (the process answers) and ``/readyz`` (so does the
store, at some model version)."""

from __future__ import annotations

from fastapi import APIRouter

from impactgraph.api.deps import CurrentEstate
from impactgraph.api.problems import responses
from impactgraph.api.schemas import Health

router = APIRouter(tags=["probes"])


@router.get(
    "/healthz",
    summary="The process answers",
    response_model_exclude_none=True,
    responses=responses(500),
)
def healthz() -> Health:
    """Always ``{"status": "ok"}`` while the process serves; asks nothing of the store."""
    return Health(status="ok")


@router.get("/readyz", summary="The store answers", responses=responses(500, 503))
def readyz(estate: CurrentEstate) -> Health:
    """``{"status": "ready", "version": N}`` when the store answers; a 503 problem when not."""
    return Health(status="ready", version=estate.store.version())
