"""Pick a store from a URL: the embedded SQLite file (default) or a Neo4j server.

Accepted forms (:data:`ACCEPTED_FORMS`):

* ``sqlite:///relative/path.db`` — relative to the current directory;
* ``sqlite:////absolute/path.db``;
* a plain path such as ``estate.db`` — the same as ``sqlite:///estate.db``;
* ``neo4j://user:password@host:port`` (also ``neo4j+s``, ``neo4j+ssc``, ``bolt``, ``bolt+s``,
  ``bolt+ssc``).

Without a URL, ``$IMPACTGRAPH_STORE`` is used, else ``$NEO4J_URI`` (credentials from
``$NEO4J_USER`` / ``$NEO4J_PASSWORD`` when the URI has none), else :data:`DEFAULT_URL`.

>>> store_location("sqlite:////var/lib/estate.db"), store_location("estate.db")
(('sqlite', '/var/lib/estate.db'), ('sqlite', 'estate.db'))
>>> store_location("bolt://neo4j:secret@127.0.0.1:7687")
('neo4j', 'bolt://neo4j:secret@127.0.0.1:7687')
"""

from __future__ import annotations

import importlib
import os
import re
from typing import Literal, cast
from urllib.parse import urlsplit

from impactgraph.errors import StoreUnavailableError, StoreUrlError
from impactgraph.store.base import EdgeKey, Progress, Reach, Store, StoreStats, Timeouts

__all__ = [
    "ACCEPTED_FORMS",
    "DEFAULT_URL",
    "ENV_VAR",
    "EdgeKey",
    "Progress",
    "Reach",
    "Store",
    "StoreStats",
    "Timeouts",
    "open_store",
    "store_location",
]

#: the environment variable that names the store when no URL is given
ENV_VAR = "IMPACTGRAPH_STORE"
#: the server used when neither a URL nor $IMPACTGRAPH_STORE names a store (docker compose)
NEO4J_ENV_VAR = "NEO4J_URI"
#: the store used when neither a URL nor the environment variable names one
DEFAULT_URL = "sqlite:///impactgraph.db"
ACCEPTED_FORMS = (
    "sqlite:///relative/path.db, sqlite:////absolute/path.db, a plain file path, "
    "or neo4j://user:password@host:port (also bolt://, neo4j+s://, bolt+s://)"
)
NEO4J_SCHEMES = frozenset({"neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc"})

# a scheme is at least two characters, so that Windows drive letters (C:\…) stay paths
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")
_PASSWORD = re.compile(r"^([^:/]+://[^:/@]*:)[^@]*@")
# a URL or path holding these cannot name anything: NUL, other control characters
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

Backend = Literal["sqlite", "neo4j"]


def store_location(url: str | None = None) -> tuple[Backend, str]:
    """Which backend a store URL names and where: a file path or the server URL.

    Raises :class:`~impactgraph.errors.StoreUrlError` for a URL of an unknown form.

    >>> store_location("sqlite:///data/estate.db")
    ('sqlite', 'data/estate.db')
    """
    if url is None:
        url = os.environ.get(ENV_VAR) or os.environ.get(NEO4J_ENV_VAR) or DEFAULT_URL
    text = url.strip()
    if not text:
        raise StoreUrlError(f"empty store URL; use {ACCEPTED_FORMS}")
    if _CONTROL.search(text):
        raise StoreUrlError(
            f"store URL {_redact(text)[:200]!r} holds a control character; use {ACCEPTED_FORMS}"
        )
    match = _SCHEME.match(text)
    if match is None:
        return "sqlite", text
    scheme = match.group(1).lower()
    if scheme == "sqlite":
        if not text.lower().startswith("sqlite:///") or len(text) == len("sqlite:///"):
            raise StoreUrlError(f"store URL {_redact(text)!r} names no file; use {ACCEPTED_FORMS}")
        return "sqlite", text[len("sqlite:///") :]
    if scheme in NEO4J_SCHEMES:
        _check_server_url(text)
        return "neo4j", text
    raise StoreUrlError(f"unknown store URL {_redact(text)[:200]!r}; use {ACCEPTED_FORMS}")


def _check_server_url(url: str) -> None:
    """A :class:`StoreUrlError` unless ``url`` has a host and, if any, a port in 1–65535.

    >>> _check_server_url("neo4j://[::1")
    Traceback (most recent call last):
    impactgraph.errors.StoreUrlError: bad Neo4j URL 'neo4j://[::1': Invalid IPv6 URL; use \
neo4j://user:password@host:port
    """
    try:
        parts = urlsplit(url)
        port = parts.port
        host = parts.hostname
    except ValueError as e:
        raise StoreUrlError(
            f"bad Neo4j URL {_redact(url)[:200]!r}: {e}; use neo4j://user:password@host:port"
        ) from None
    if not host:
        raise StoreUrlError(
            f"Neo4j URL {_redact(url)[:200]!r} names no host; use neo4j://user:password@host:port"
        )
    if port == 0:
        raise StoreUrlError(f"Neo4j URL {_redact(url)[:200]!r}: port 0 names no server")


def open_store(url: str | None = None) -> Store:
    """Open the store a URL names (see :func:`store_location`); the caller closes it.

    Raises
    ------
    StoreUrlError
        The URL has an unknown form.
    StoreUnavailableError
        The store cannot be opened or reached.
    StoreIntegrityError
        The store holds something this version of impactgraph cannot read.
    """
    backend, where = store_location(url)
    if backend == "neo4j":
        # imported only when asked for, so the embedded store never loads the driver
        try:
            module = importlib.import_module("impactgraph.store.neo4j")
        except ModuleNotFoundError as e:
            if e.name != "impactgraph.store.neo4j":
                raise
            raise StoreUnavailableError(
                f"cannot open store {_redact(where)!r}: this build of impactgraph has no "
                "Neo4j store"
            ) from None
        return cast(Store, module.Neo4jStore(where))
    from impactgraph.store.sqlite import SqliteStore

    return SqliteStore(where)


def _redact(url: str) -> str:
    """The URL with any password replaced by ``***`` (for error messages and logs)."""
    return _PASSWORD.sub(r"\1***@", url)
