"""``impactgraph serve``: the HTTP API (FastAPI, run by uvicorn).

Settings come from the options and the ``IMPACTGRAPH_*`` environment variables
(``IMPACTGRAPH_MAX_BODY_BYTES``, ``IMPACTGRAPH_MAX_COMPONENTS``, … see
:class:`impactgraph.api.Settings`). With ``--workers`` above 1 each worker process makes its
own app from the environment (they share nothing but the store).
"""

from __future__ import annotations

import os

import click

from impactgraph.cli.common import STORE_HELP, opened
from impactgraph.store import ENV_VAR


@click.command()
@click.option("--store", "store_url", metavar="URL", default=None, help=STORE_HELP)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="TCP port."
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Server processes; each reads the store on its own.",
)
def serve(store_url: str | None, host: str, port: int, workers: int) -> None:
    """Serve the HTTP API: the estate, impact, recovery plans and checks, over HTTP.

    Every request but /healthz and /readyz needs a key ('impactgraph apikey create'). The
    OpenAPI document is at /openapi.json, its pages at /docs.

    \b
    Example:
      impactgraph apikey create --role admin --store sqlite:///estate.db
      impactgraph serve --store sqlite:///estate.db --port 8000
      curl -H "Authorization: Bearer $KEY" http://127.0.0.1:8000/v1/model
    """
    import uvicorn  # the server's libraries load only for this command

    from impactgraph.api import Settings, create_app

    settings = Settings() if store_url is None else Settings(store=store_url)
    with opened(settings.store):
        pass  # a store that cannot be opened fails here, with its message, before serving
    if workers > 1:
        if store_url is not None:
            os.environ[ENV_VAR] = store_url  # each worker makes its app from the environment
        uvicorn.run(
            "impactgraph.api.app:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
        )
    else:
        uvicorn.run(create_app(settings), host=host, port=port)
