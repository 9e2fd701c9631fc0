"""``impactgraph apikey create|list|revoke``: the keys of the HTTP API, kept in the store.

A key is printed once, by ``create``; the store keeps only its SHA-256 digest. ``revoke``
stops a key at once for new server processes and within a few seconds
(``IMPACTGRAPH_KEY_CACHE_SECONDS``, 2 by default) for running ones.
"""

from __future__ import annotations

import click

from impactgraph.apikeys import ROLES, create_key, revoke_key
from impactgraph.cli.common import format_choice, opened, store_option
from impactgraph.render.apikeys import show_created, show_keys, show_revoked

#: ``--format table|json``
format_option = format_choice(("table", "json"), "table for people, json (one line) for tools.")


@click.group()
def apikey() -> None:
    """Make, list and revoke the API keys of the HTTP API (impactgraph serve).

    \b
    Example:
      impactgraph apikey create --role admin --store sqlite:///estate.db
      impactgraph apikey list --store sqlite:///estate.db
      impactgraph apikey revoke k_3f9a0c1d2e4b5a69 --store sqlite:///estate.db
    """


@apikey.command()
@click.option(
    "--role",
    type=click.Choice(ROLES),
    required=True,
    help="reader: read and ask; editor: and change the estate; admin: and manage keys.",
)
@click.option("--name", default=None, metavar="TEXT", help="Who or what uses the key.")
@store_option
@format_option
def create(role: str, name: str | None, store_url: str | None, fmt: str) -> None:
    """Make a key and print it, this once (JSON: {"key", "id", "role"}).

    \b
    Example:
      impactgraph apikey create --role editor --name servicenow-sync --format json
    """
    with opened(store_url) as store:
        key, record = create_key(store, role, name)
    show_created(key, record, fmt)


@apikey.command(name="list")
@store_option
@format_option
def list_keys(store_url: str | None, fmt: str) -> None:
    """Every key, revoked ones included (never a secret).

    \b
    Example:
      impactgraph apikey list --format json
    """
    with opened(store_url) as store:
        records = store.keys()
    show_keys(records, fmt)


@apikey.command()
@click.argument("key_id", metavar="ID")
@store_option
@format_option
def revoke(key_id: str, store_url: str | None, fmt: str) -> None:
    """Revoke the key ID (as 'apikey list' shows it); an unknown ID exits 2.

    \b
    Example:
      impactgraph apikey revoke k_3f9a0c1d2e4b5a69
    """
    with opened(store_url) as store:
        record = revoke_key(store, key_id)
    show_revoked(record, fmt)
