"""Where an import goes: a store, kept in step by the one sync rule (:mod:`impactgraph.sync`)
with ids stable across syncs; or a model file, replaced whole.

Into a store, the model is built against what the store holds at the version it is synced
with (:class:`~impactgraph.importers.ids.KnownIds`): a record whose external id the store
holds for the source keeps that component's id, and new records avoid every id the store
holds. The sync is a compare-and-swap on that version; a sync that lost the race to another
writer builds the model again against the store's new state (the input is not read again)
and retries, so that concurrent writers never lose each other's writes and ids never clash.
The HTTP API does the same through its estate's compare-and-swap with :func:`plan_import`.

>>> from impactgraph.importers import Named, prepare_servicenow
>>> from impactgraph.model import Component, Kind
>>> ci = '{"result": [{"sys_id": "a1", "name": "DC1", "sys_class_name": "cmdb_ci_datacenter"}]}'
>>> drafted = prepare_servicenow([Named("cmdb_ci.json", ci)])
>>> held = Model.build([Component(id="dc1", kind=Kind.SITE, source="backstage")])
>>> result, plan = plan_import(held, drafted)
>>> [c.id for c in result.model.components], plan.report.components.counts()["created"]
(['dc1-datacenter'], 1)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from impactgraph.errors import VersionConflictError
from impactgraph.importers.ids import KnownIds
from impactgraph.importers.result import ImportResult, Prepared, Progress
from impactgraph.model import Model
from impactgraph.store.base import Store
from impactgraph.sync import (
    ATTEMPTS,
    SyncPlan,
    SyncReport,
    Tally,
    edge_key,
    edge_label,
    plan_sync,
    sync_store,
)


@dataclass(frozen=True)
class Imported:
    """An import delivered (or, dry, what it would do): what was read, what the sync did, and
    where it went."""

    result: ImportResult
    sync: SyncReport
    #: the store's URL (passwords redacted) or the model file's path
    destination: str

    def as_dict(self, *, ids: bool = False) -> dict[str, Any]:
        """The report as one document (``--format json``, and the HTTP API's answer):
        ``{"import": {...}, "destination", "sync": {...}}``; ``ids`` lists what the sync
        created, updated and removed."""
        return {
            "import": self.result.report.as_dict(),
            "destination": self.destination,
            "sync": self.sync.to_document(ids=ids),
        }


def plan_import(
    current: Model,
    prepared: Prepared,
    *,
    remove_missing: bool = True,
    validate: bool = False,
    progress: Progress | None = None,
) -> tuple[ImportResult, SyncPlan]:
    """The model of ``prepared`` built against ``current`` (ids stable: see the module
    docstring), and the sync that brings ``current`` in step with it."""
    result = prepared.build(KnownIds.of(current, prepared.source), progress)
    plan = plan_sync(
        current,
        result.model.components,
        result.model.dependencies,
        source=prepared.source,
        remove_missing=remove_missing,
        validate=validate,
    )
    return result, plan


def import_into_store(
    store: Store,
    prepared: Prepared,
    *,
    remove_missing: bool = True,
    dry_run: bool = False,
    progress: Progress | None = None,
    attempts: int = ATTEMPTS,
) -> Imported:
    """Sync ``store`` with ``prepared`` (components of its source that it no longer has are
    removed unless not ``remove_missing``), in one transaction; nothing is written by a dry
    run, nor by an import that changes nothing (the version does not move)."""
    for attempt in range(attempts):
        version, current = store.read_versioned()
        result = prepared.build(KnownIds.of(current, prepared.source), progress)

        def read(version: int = version, current: Model = current) -> tuple[int, Model]:
            return version, current

        try:
            sync = sync_store(
                store,
                result.model.components,
                result.model.dependencies,
                source=prepared.source,
                remove_missing=remove_missing,
                dry_run=dry_run,
                read=read,
                attempts=1,  # a lost race builds the model again (below), then retries
            )
        except VersionConflictError:
            if attempt + 1 >= attempts:
                raise
            continue
        return Imported(result, sync, store.url)
    raise VersionConflictError(expected=0, actual=store.version())  # attempts < 1


def compare(old: Model, new: Model, source: str, dry_run: bool) -> SyncReport:
    """What replacing ``old`` by ``new`` (a model file) creates, updates, keeps and removes,
    as a sync report.

    >>> from impactgraph.model import Component, Kind
    >>> a, b = Component(id="a", kind=Kind.SITE), Component(id="b", kind=Kind.SITE)
    >>> compare(Model.build([a]), Model.build([b]), "csv", False).components.counts()
    {'created': 1, 'updated': 0, 'unchanged': 0, 'removed': 1}
    """
    comps = _tally({c.id: c for c in old.components}, {c.id: c for c in new.components})
    old_edges = {edge_label(edge_key(d)): d for d in old.dependencies}
    new_edges = {edge_label(edge_key(d)): d for d in new.dependencies}
    return SyncReport(comps, _tally(old_edges, new_edges), 0, dry_run, source)


def _tally(old: dict[str, Any], new: dict[str, Any]) -> Tally:
    return Tally(
        created=tuple(sorted(k for k in new if k not in old)),
        updated=tuple(sorted(k for k in new if k in old and old[k] != new[k])),
        unchanged=tuple(sorted(k for k in new if k in old and old[k] == new[k])),
        removed=tuple(sorted(k for k in old if k not in new)),
    )
