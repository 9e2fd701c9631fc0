"""What the model and store commands say: a model's size, a load, a store's counts, a wipe.

``text`` is one line for people; ``json`` one object on one line for tools.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from impactgraph.errors import ModelError
from impactgraph.model import Kind, Model
from impactgraph.render.formats import answering, json_line, plain, stdout_console, to_json, write
from impactgraph.store import StoreStats


@dataclass(frozen=True)
class Loaded:
    """A model put into a store: where, the store's new version, and how long it took."""

    url: str
    version: int
    model: Model
    seconds: float


def model_counts(model: Model) -> str:
    """``N components, M dependencies, G groups``."""
    groups = _groups(model)
    return (
        f"{len(model.components)} components, {len(model.dependencies)} dependencies, "
        f"{groups} group{'' if groups == 1 else 's'}"
    )


def _groups(model: Model) -> int:
    return sum(1 for c in model.components if c.kind is Kind.GROUP)


def show_valid(model: Model, fmt: str) -> None:
    """``impactgraph validate`` on a valid model: its size."""
    if fmt == "text":
        write(f"ok: {model_counts(model)}\n")
        return
    sizes = {"components": len(model.components), "dependencies": len(model.dependencies)}
    write(to_json({"ok": True, **sizes, "groups": _groups(model), "errors": []}))


def show_invalid(error: ModelError) -> None:
    """``impactgraph validate --format json`` on a model with issues: every issue."""
    write(to_json({"ok": False, "errors": [i.as_dict() for i in error.issues]}))


def show_loaded(loaded: Loaded, fmt: str) -> None:
    """A load: ``text`` (``impactgraph load``), or ``table``/``json`` (``db load``)."""
    m, seconds = loaded.model, loaded.seconds
    where = f"into {loaded.url} (version {loaded.version})"
    if fmt == "text":
        write(f"loaded {model_counts(m)} {where}\n")
        return
    rows = len(m.components) + len(m.dependencies)
    document = {
        "url": loaded.url,
        "version": loaded.version,
        "components": len(m.components),
        "dependencies": len(m.dependencies),
        "seconds": round(seconds, 3),
        "rows_per_second": round(rows / seconds) if seconds > 0 else None,
    }
    text = (
        f"loaded {len(m.components)} components and {len(m.dependencies)} dependencies "
        f"{where} in {seconds:.2f}s"
    )
    show_line(fmt, document, text)


def stats_document(stats: StoreStats) -> dict[str, Any]:
    """Store statistics as plain data."""
    return {
        "url": stats.url,
        "version": stats.version,
        "components": stats.components,
        "dependencies": stats.dependencies,
        "members": stats.members,
        "by_kind": stats.by_kind,
    }


def show_stats(stats: StoreStats, fmt: str) -> None:
    """``db stats``: counts by kind, dependencies, member entries and the version."""
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(stats.by_kind.items())) or "none"
    text = (
        f"{stats.url}\n  version       {stats.version}\n  components    {stats.components}"
        f" ({kinds})\n  dependencies  {stats.dependencies}\n  members       {stats.members}"
    )
    show_line(fmt, stats_document(stats), text)


def show_line(fmt: str, document: dict[str, Any], text: str) -> None:
    """``document`` as one JSON object on one line for ``json``, else ``text`` for people."""
    if fmt == "json":
        write(json_line(document, sort_keys=True))
        return
    with answering():
        console = stdout_console()
        for line in text.split("\n"):
            console.print(plain(line))


def model_file_text(document: dict[str, Any], fmt: str) -> str:
    """A model document (SPEC §5) as the text of a ``yaml`` or ``json`` model file."""
    if fmt == "json":
        return json_line(document, indent=2)
    text: str = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=1000)
    return text
