"""``impactgraph serve``: the HTTP API (FastAPI, run by uvicorn) and the web page at ``/``.

Settings come from the options and the ``IMPACTGRAPH_*`` environment variables
(``IMPACTGRAPH_MAX_BODY_BYTES``, ``IMPACTGRAPH_MAX_COMPONENTS``, … see
:class:`impactgraph.api.Settings`). With ``--workers`` above 1 each worker process makes its
own app from the environment (they share nothing but the store, and the secret that signs the
web page's sessions and a directory where used login links are marked: both made here unless
``IMPACTGRAPH_SESSION_SECRET`` / ``IMPACTGRAPH_SESSION_DIR`` are set).

At start it prints a one-time login link for the web page (``--no-login-link``: none), like
Jupyter's: it signs in as a reader key named "web page login link" (made in the store once),
works once and within ``IMPACTGRAPH_LOGIN_LINK_SECONDS`` (5 minutes).
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile

import click

from impactgraph.cli.common import STORE_HELP, opened
from impactgraph.durations import format_duration
from impactgraph.errors import ImpactGraphError
from impactgraph.store import ENV_VAR

SECRET_VAR = "IMPACTGRAPH_SESSION_SECRET"
SESSION_DIR_VAR = "IMPACTGRAPH_SESSION_DIR"


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
@click.option(
    "--login-link/--no-login-link",
    default=True,
    show_default=True,
    help="Print a one-time link that signs the web page in as a reader.",
)
def serve(store_url: str | None, host: str, port: int, workers: int, login_link: bool) -> None:
    """Serve the HTTP API and the web page: the estate, impact, recovery plans and checks.

    Every request but /healthz and /readyz needs a key ('impactgraph apikey create'). The
    OpenAPI document is at /openapi.json, its pages at /docs; the web page is at /: sign in
    with an API key, or with the one-time login link printed at start (valid once, for 5
    minutes).

    \b
    Example:
      impactgraph apikey create --role admin --store sqlite:///estate.db
      impactgraph serve --store sqlite:///estate.db --port 8000
      curl -H "Authorization: Bearer $KEY" http://127.0.0.1:8000/v1/model
    """
    import uvicorn  # the server's libraries load only for this command

    from impactgraph.api import Settings, create_app
    from impactgraph.api.web import Sessions, link_host, login_key, sessions_for

    settings = Settings() if store_url is None else Settings(store=store_url)
    with opened(settings.store) as store:  # a store that cannot be opened fails here
        login_id = None
        if login_link:
            try:
                login_id = login_key(store).id
            except ImpactGraphError as e:
                click.echo(f"no login link: {e}; sign in to the web page with an API key", err=True)

    def announce(sessions: Sessions) -> None:
        if login_id is None:
            return
        base = f"http://{link_host(host)}:{port}"
        within = format_duration(settings.login_link_seconds)
        click.echo(
            f"Web page: {base}/ — sign in within {within} with this one-time link "
            f"(as a reader):\n    {base}/login?token={sessions.login_link(login_id)}"
        )

    if workers == 1:
        app = create_app(settings)
        announce(app.state.sessions)
        uvicorn.run(app, host=host, port=port)
        return
    if store_url is not None:
        os.environ[ENV_VAR] = store_url  # each worker makes its app from the environment
    os.environ.setdefault(SECRET_VAR, secrets.token_urlsafe(32))
    made_dir = None
    if not os.environ.get(SESSION_DIR_VAR):
        made_dir = os.environ[SESSION_DIR_VAR] = tempfile.mkdtemp(prefix="impactgraph-sessions-")
    try:
        announce(
            sessions_for(
                os.environ[SECRET_VAR],
                seconds=settings.session_seconds,
                link_seconds=settings.login_link_seconds,
                spent_dir=os.environ[SESSION_DIR_VAR],
            )
        )
        uvicorn.run(
            "impactgraph.api.app:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
        )
    finally:
        if made_dir is not None:
            shutil.rmtree(made_dir, ignore_errors=True)
