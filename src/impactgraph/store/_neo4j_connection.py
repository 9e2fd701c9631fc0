"""The Neo4j store's connection: settings from a URL, the driver's errors as impactgraph errors
that say what to do, and running the statements of ``cypher/`` by name.

>>> connection_settings("neo4j://neo4j:s%40cret@127.0.0.1:7687")
('neo4j://127.0.0.1:7687', 'neo4j', 's@cret', None)
>>> redact("neo4j://neo4j:secret@127.0.0.1:7687")
'neo4j://neo4j:***@127.0.0.1:7687'
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote, urlsplit

from neo4j import ManagedTransaction
from neo4j import exceptions as neo4j_errors

from impactgraph.errors import StoreError, StoreUnavailableError, StoreUrlError
from impactgraph.store import _cypher
from impactgraph.store.base import QUERY_ENV

#: how to start a server, for error messages
HOW_TO_START = "start one with scripts/neo4j-local start (or docker compose up -d neo4j)"


def connection_settings(url: str) -> tuple[str, str, str, str | None]:
    """``(driver URI, user, password, database)`` from a store URL and the environment.

    User and password come from the URL, else ``NEO4J_USER`` (default ``neo4j``) and
    ``NEO4J_PASSWORD``; a path names the database (default: the server's default one).

    >>> connection_settings("bolt://u:p@db.example:7687/estate")[::3]
    ('bolt://db.example:7687', 'estate')
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as e:
        raise StoreUrlError(f"bad Neo4j URL {redact(url)!r}: {e}") from None
    if not parts.hostname:
        raise StoreUrlError(
            f"Neo4j URL {redact(url)!r} names no host; use neo4j://user:pw@host:port"
        )
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    uri = f"{parts.scheme}://{host}" + (f":{port}" if port else "")
    user = unquote(parts.username) if parts.username else os.environ.get("NEO4J_USER", "neo4j")
    password = (
        unquote(parts.password)
        if parts.password is not None
        else os.environ.get("NEO4J_PASSWORD", "")
    )
    database = parts.path.strip("/") or None
    return uri, user, password, database


def redact(url: str) -> str:
    """The URL without its password (also when the URL cannot be parsed).

    >>> redact("neo4j://u:secret@[::1")
    'neo4j://u:***@[::1'
    """
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
    except ValueError:
        return _PASSWORD.sub(r"\1***@", url)
    netloc = parts.netloc.rsplit("@", 1)[1]
    return parts._replace(netloc=f"{parts.username}:***@{netloc}").geturl()


_PASSWORD = re.compile(r"^([^:/]+://[^:/@]*:)[^@]*@")


@contextmanager
def driver_errors(url: str, user: str) -> Iterator[None]:
    """Driver errors as impactgraph errors that say what to do (``url`` is redacted)."""
    try:
        yield
    except neo4j_errors.AuthError as e:
        raise StoreUnavailableError(
            f"Neo4j at {url} refused user {user!r}: wrong user or password "
            f"({e.message}); give them in the URL (neo4j://user:password@host:port) or in "
            "NEO4J_USER / NEO4J_PASSWORD"
        ) from None
    except (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired) as e:
        raise StoreUnavailableError(
            f"cannot reach Neo4j at {url} ({_reason(e)}); is the server running? {HOW_TO_START}"
        ) from None
    except neo4j_errors.DriverError as e:
        raise StoreUnavailableError(f"Neo4j at {url}: {e}") from None
    except neo4j_errors.Neo4jError as e:
        if "TransactionTimedOut" in (e.code or ""):
            raise StoreUnavailableError(
                f"Neo4j at {url} stopped a transaction that ran past its timeout ({e.message}); "
                f"give it longer with {QUERY_ENV}=SECONDS"
            ) from None
        raise StoreError(f"Neo4j at {url} refused a statement: {e.message}") from None


def _reason(error: Exception) -> str:
    """The useful part of a driver's connection error, on one line."""
    text = str(error)
    found = re.search(r"\(reason ([^)]*)\)", text)
    return found.group(1) if found else " ".join(text.split())


# ---- statements -------------------------------------------------------------------------------


def run(tx: ManagedTransaction, name: str, **parameters: Any) -> None:
    """Run ``cypher/NAME.cypher`` for its effect."""
    tx.run(_cypher.statement(name), parameters).consume()


def single(tx: ManagedTransaction, name: str, **parameters: Any) -> dict[str, Any]:
    """The one row of ``cypher/NAME.cypher``."""
    record = tx.run(_cypher.statement(name), parameters).single(strict=True)
    return record.data()


def runner(
    name: str, *, column: str | None = None, **parameters: Any
) -> Callable[[ManagedTransaction], int]:
    """A transaction function that runs one statement.

    It returns ``column`` of the one row, or else the number of ``rows`` it was given.
    """

    def work(tx: ManagedTransaction) -> int:
        if column is None:
            run(tx, name, **parameters)
            return len(parameters.get("rows", ()))
        return int(single(tx, name, **parameters)[column])

    return work
