"""API keys for people and tools: the new key (shown once), the list, a revoke."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from impactgraph.render.formats import answering, json_line, plain, stdout_console, write
from impactgraph.render.store import show_line
from impactgraph.store.base import ApiKeyRecord


def key_document(record: ApiKeyRecord) -> dict[str, Any]:
    """A key's record as JSON shows it: never its secret, nor its digest."""
    return {
        "id": record.id,
        "role": record.role,
        "name": record.name,
        "created": record.created,
        "revoked": record.revoked,
    }


def show_created(key: str, record: ApiKeyRecord, fmt: str) -> None:
    """The new key: ``{"key", "id", "role"}`` for ``json``, else the key and how to use it."""
    document = {"key": key, "id": record.id, "role": record.role}
    text = (
        f"{key}\n"
        f"(key {record.id}, role {record.role}: shown this once, keep it now; send it as "
        "'Authorization: Bearer <key>')"
    )
    show_line(fmt, document, text)


def show_keys(records: list[ApiKeyRecord], fmt: str) -> None:
    """Every key: a JSON list for ``json``, else a table."""
    if fmt == "json":
        write(json_line([key_document(r) for r in records]))
        return
    table = Table(title="API keys", title_justify="left")
    for column in ("id", "role", "name", "created", "revoked"):
        table.add_column(column, no_wrap=column in ("id", "created", "revoked"))
    for r in records:
        table.add_row(
            plain(r.id), r.role, plain(r.name or ""), plain(r.created), plain(r.revoked or "")
        )
    with answering():
        stdout_console().print(table)


def show_revoked(record: ApiKeyRecord, fmt: str) -> None:
    """A revoked key: its record for ``json``, else one line."""
    show_line(
        fmt, key_document(record), f"revoked key {record.id} ({record.role}) at {record.revoked}"
    )
