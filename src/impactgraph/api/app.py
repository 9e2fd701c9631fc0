"""``create_app(settings)``: the HTTP API as a FastAPI app, with no import-time state.

The app holds one :class:`~impactgraph.api.estate.Estate` (the store and its current snapshot)
and serves: ``/healthz`` and ``/readyz`` (probes, no key), the estate under ``/v1`` (model,
components, dependencies, sync), the questions, and the API keys; OpenAPI at ``/openapi.json``
and its pages at ``/docs``. ``uvicorn --factory impactgraph.api.app:app_from_environment``
serves the app that ``IMPACTGRAPH_*`` variables describe (as ``impactgraph serve`` does).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

from fastapi import FastAPI

from impactgraph import __version__
from impactgraph.api import (
    components,
    dependencies,
    diagrams,
    health,
    imports,
    keys,
    model_routes,
    questions,
    web,
)
from impactgraph.api.estate import Estate
from impactgraph.api.limits import BodyLimit
from impactgraph.api.openapi import problem_openapi
from impactgraph.api.problems import install_handlers
from impactgraph.api.settings import Settings
from impactgraph.apikeys import CachedKeys
from impactgraph.engine.propagate import topology
from impactgraph.store import Store, open_store

log = logging.getLogger("impactgraph.api")

DESCRIPTION = """\
The estate (components, dependencies, groups) and the questions continuity planners ask of
it: what is impacted if X fails, in what order to recover, which RTOs are at risk.

Every request but the probes needs an API key (`impactgraph apikey create --role reader`),
sent as `Authorization: Bearer <key>` or `X-API-Key: <key>`: **reader** keys read and ask,
**editor** keys change the estate too, **admin** keys manage keys too. Every answer read from
the model carries its version as an `ETag`; a write sent with `If-Match: "<version>"` is
refused (412) if the model has moved since. Every error is an RFC 9457
`application/problem+json` with a stable `type`.
"""


#: seconds a shutting-down app waits for its warm-up read to end before closing the store
WARM_UP_WAIT = 10.0


class RedactQuery(logging.Filter):
    """Keeps the values of query parameters that carry secrets (``token``, ``key``) out of
    the access log: ``GET /login?token=***``."""

    _SECRET = re.compile(r"((?:^|[?&])(?:token|key|api_key)=)[^&\s]*", re.IGNORECASE)

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                self._SECRET.sub(r"\1***", a) if isinstance(a, str) and "=" in a else a
                for a in record.args
            )
        return True


def _warm_up(app: FastAPI) -> None:
    """Read the model and build what every question needs (the graph, the engine's renumbered
    view) while the first requests are still to come; a failure here is only logged (the
    first request meets it again, as a problem)."""
    try:
        snapshot = cast(Estate, app.state.estate).snapshot()
        topology(snapshot.graph)
    except Exception as e:
        log.warning("warming up: %s", type(e).__name__)


def create_app(settings: Settings | None = None, *, store: Store | None = None) -> FastAPI:
    """The API over ``store``, or over the store ``settings.store`` names (opened now, closed
    when the app shuts down)."""
    settings = settings if settings is not None else Settings()
    owned = store is None
    served = store if store is not None else open_store(settings.store)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        log.info("serving store %s", served.url if not owned else settings.store_label)
        access = logging.getLogger("uvicorn.access")
        if not any(isinstance(f, RedactQuery) for f in access.filters):
            access.addFilter(RedactQuery())
        warming = threading.Thread(target=_warm_up, args=(app,), name="warm-up", daemon=True)
        warming.start()
        yield
        # the store must not be closed under a read still warming up (a Neo4j driver closed
        # while one of its connections is in use fails); a long one is left to end with us
        warming.join(WARM_UP_WAIT)
        if owned:
            served.close()

    app = FastAPI(
        title="impactgraph",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.estate = Estate(
        served,
        answer_cache=settings.answer_cache,
        answer_bytes=settings.answer_cache_bytes,
        write_attempts=settings.write_attempts,
        max_components=settings.max_components,
    )
    app.state.keys = CachedKeys(served, settings.key_cache_seconds)
    secret = settings.session_secret
    app.state.sessions = web.sessions_for(
        secret.get_secret_value() if secret is not None else None,
        seconds=settings.session_seconds,
        link_seconds=settings.login_link_seconds,
        spent_dir=settings.session_dir,
    )
    install_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(web.SecurityHeaders)
    app.include_router(health.router)
    app.include_router(model_routes.router)
    app.include_router(imports.router)
    # the questions first: /v1/components/{id}/blast-radius before /v1/components/{id:path}
    app.include_router(questions.router)
    app.include_router(components.router)
    app.include_router(dependencies.router)
    app.include_router(keys.router)
    app.include_router(diagrams.router)
    app.include_router(web.router)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = problem_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def app_from_environment() -> FastAPI:
    """The app that the ``IMPACTGRAPH_*`` environment variables describe (a uvicorn factory)."""
    return create_app(Settings())
