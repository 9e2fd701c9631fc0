"""Keeping a store in step with a source: what a sync creates, updates, keeps and removes.

One sync rule for every door that pushes an estate in bulk (``POST /v1/model:upsert``, the
importers' ``--store``):

* components and dependencies are matched by key (a component's id; a dependency's
  ``(from, to, type)``). A sent item that the store lacks is **created**, one that differs is
  **updated**, one equal to the stored item is **unchanged**;
* with a ``source``, every sent component without a source of its own takes that source; a
  sent component that the store holds under *another* source is an error (two sources never
  overwrite each other silently); a hand-written component (no source) is adopted;
* with ``remove_missing`` (which needs a ``source``), components of that source that were not
  sent are **removed**, with every dependency and member entry naming them; and dependencies
  *from* a component of that source that were not sent are removed (the source owns the
  needs of its components). Components of other sources and hand-written ones, and
  dependencies from them, are never touched;
* a sync that changes nothing writes nothing: the model version does not move;
* the changes are applied in one transaction, as a compare-and-swap on the version they were
  computed from; a sync that loses the race to another writer is computed again (up to
  :data:`ATTEMPTS` times), so concurrent syncs never lose each other's writes.

>>> from impactgraph.model import Component, Dependency, Kind
>>> current = Model.build([Component(id="dc1", kind=Kind.SITE, source="cmdb"),
...                        Component(id="old", kind=Kind.SITE, source="cmdb")])
>>> plan = plan_sync(current, [Component(id="dc1", kind=Kind.SITE),
...                            Component(id="dc2", kind=Kind.SITE)], [],
...                  source="cmdb", remove_missing=True)
>>> plan.report.components.counts()
{'created': 1, 'updated': 0, 'unchanged': 1, 'removed': 1}
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from impactgraph.errors import Issue, ModelError, VersionConflictError
from impactgraph.model import Component, Dependency, Model
from impactgraph.store.base import Changes, EdgeKey, Store

#: how many times a sync that lost a race to another writer is computed again
ATTEMPTS = 30


@dataclass(frozen=True)
class Tally:
    """What a sync did to one kind of item; each list sorted."""

    created: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    def counts(self) -> dict[str, int]:
        """``{"created": n, "updated": n, "unchanged": n, "removed": n}``."""
        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "removed": len(self.removed),
        }


@dataclass(frozen=True)
class SyncReport:
    """The outcome of a sync (or what a dry run would do)."""

    components: Tally
    dependencies: Tally
    #: the model version after the sync (the current one for a dry run or a sync that
    #: changed nothing)
    version: int = 0
    dry_run: bool = False
    source: str | None = None

    @property
    def changed(self) -> bool:
        """Whether the sync writes anything."""
        return any(
            tally.created or tally.updated or tally.removed
            for tally in (self.components, self.dependencies)
        )

    def to_document(self, *, ids: bool = True) -> dict[str, Any]:
        """The JSON form: counts, and (``ids``) the ids of what was created, updated and
        removed (dependencies as ``"from -> to (type)"``)."""
        doc: dict[str, Any] = {
            "source": self.source,
            "dry_run": self.dry_run,
            "version": self.version,
            "components": self.components.counts(),
            "dependencies": self.dependencies.counts(),
        }
        if ids:
            doc["changed"] = {
                what: {
                    "created": list(tally.created),
                    "updated": list(tally.updated),
                    "removed": list(tally.removed),
                }
                for what, tally in (
                    ("components", self.components),
                    ("dependencies", self.dependencies),
                )
            }
        return doc


@dataclass(frozen=True)
class SyncPlan:
    """The writes a sync makes, and its report (version not yet known)."""

    changes: Changes
    report: SyncReport
    #: the whole model after the changes, when it was asked for (dry runs validate it)
    result: Model | None = field(default=None, compare=False)


def edge_key(dep: Dependency) -> EdgeKey:
    """A dependency's key: ``(from, to, type)``."""
    return (dep.source, dep.target, dep.type)


def edge_label(key: EdgeKey) -> str:
    """``"from -> to (type)"``, how reports name a dependency."""
    return f"{key[0]} -> {key[1]} ({key[2]})"


def plan_sync(
    current: Model,
    components: Sequence[Component],
    dependencies: Sequence[Dependency],
    *,
    source: str | None,
    remove_missing: bool,
    validate: bool = False,
) -> SyncPlan:
    """The changes that bring ``current`` in step with what a source sent (see the module
    rules). With ``validate``, the resulting model is built and checked too (a
    :class:`~impactgraph.errors.ModelError` names every problem), as a dry run must.

    Raises :class:`~impactgraph.errors.ModelError` for items sent twice, a component owned by
    another source, or ``remove_missing`` without a source.
    """
    issues: list[Issue] = []
    if remove_missing and source is None:
        issues.append(
            Issue("removing what a source no longer sends needs a source", field="source")
        )
    sent = _sent_components(components, source, current.by_id, issues)
    sent_edges = _sent_dependencies(dependencies, issues)
    if issues:
        raise ModelError(issues)

    created, updated, unchanged = [], [], []
    upserts: list[Component] = []
    for cid, comp in sent.items():
        old = current.by_id.get(cid)
        if old is None:
            created.append(cid)
            upserts.append(comp)
        elif old == comp:
            unchanged.append(cid)
        else:
            updated.append(cid)
            upserts.append(comp)
    removed = (
        sorted(c.id for c in current.components if c.source == source and c.id not in sent)
        if remove_missing
        else []
    )
    gone = set(removed)

    stored = {edge_key(d): d for d in current.dependencies}
    e_created, e_updated, e_unchanged = [], [], []
    edge_upserts: list[Dependency] = []
    for key, dep in sent_edges.items():
        old_dep = stored.get(key)
        if old_dep is None:
            e_created.append(key)
            edge_upserts.append(dep)
        elif old_dep == dep:
            e_unchanged.append(key)
        else:
            e_updated.append(key)
            edge_upserts.append(dep)
    owned = {c.id for c in current.components if c.source == source} | set(sent)
    e_removed: list[EdgeKey] = []
    e_cascaded: list[EdgeKey] = []
    if remove_missing:
        for key in stored:
            if key in sent_edges:
                continue
            if key[0] in gone or key[1] in gone:
                e_cascaded.append(key)  # goes with its component
            elif key[0] in owned and _owned_by(key[0], source, sent, current):
                e_removed.append(key)
    changes = Changes(
        upsert_components=tuple(upserts),
        delete_components=tuple(removed),
        upsert_dependencies=tuple(edge_upserts),
        delete_dependencies=tuple(sorted(e_removed)),
    )
    report = SyncReport(
        components=Tally(*(tuple(sorted(x)) for x in (created, updated, unchanged, removed))),
        dependencies=Tally(
            *(
                tuple(edge_label(k) for k in sorted(x))
                for x in (e_created, e_updated, e_unchanged, e_removed + e_cascaded)
            )
        ),
        source=source,
    )
    result = apply_to(current, changes) if validate else None
    return SyncPlan(changes, report, result)


def _owned_by(cid: str, source: str | None, sent: dict[str, Component], current: Model) -> bool:
    comp = sent.get(cid) or current.by_id.get(cid)
    return comp is not None and comp.source == source


def _sent_components(
    components: Sequence[Component],
    source: str | None,
    stored: dict[str, Component],
    issues: list[Issue],
) -> dict[str, Component]:
    sent: dict[str, Component] = {}
    for i, comp in enumerate(components):
        where = f"components[{i}]"
        if comp.id in sent:
            issues.append(Issue("sent twice", component=comp.id, field=f"{where}.id"))
            continue
        if source is not None:
            if comp.source is None:
                comp = comp.model_copy(update={"source": source})
            elif comp.source != source:
                issues.append(
                    Issue(
                        f"has source {comp.source!r}, but this sync is for source {source!r}",
                        component=comp.id,
                        field=f"{where}.source",
                    )
                )
                continue
            old = stored.get(comp.id)
            if old is not None and old.source not in (None, source):
                issues.append(
                    Issue(
                        f"belongs to source {old.source!r}; a sync for {source!r} may not "
                        "overwrite it (delete it first, or send it under its own source)",
                        component=comp.id,
                        field=f"{where}.id",
                    )
                )
                continue
        sent[comp.id] = comp
    return sent


def _sent_dependencies(
    dependencies: Sequence[Dependency], issues: list[Issue]
) -> dict[EdgeKey, Dependency]:
    sent: dict[EdgeKey, Dependency] = {}
    for i, dep in enumerate(dependencies):
        key = edge_key(dep)
        if key in sent:
            issues.append(
                Issue(
                    f"{edge_label(key)} sent twice",
                    component=dep.source,
                    field=f"dependencies[{i}]",
                )
            )
            continue
        sent[key] = dep
    return sent


def apply_to(model: Model, changes: Changes) -> Model:
    """The model after ``changes``, applied in memory the way a store applies them (deletes
    first, cascading; then upserts), checked: :class:`~impactgraph.errors.ModelError` if the
    result is not a valid model."""
    gone_edges = set(changes.delete_dependencies)
    gone = set(changes.delete_components)
    by_id = {c.id: c for c in model.components if c.id not in gone}
    for comp in by_id.values():
        if comp.members and any(m.id in gone for m in comp.members):
            by_id[comp.id] = comp.model_copy(
                update={"members": tuple(m for m in comp.members if m.id not in gone)}
            )
    for comp in changes.upsert_components:
        by_id[comp.id] = comp
    edges = {
        edge_key(d): d
        for d in model.dependencies
        if edge_key(d) not in gone_edges and d.source not in gone and d.target not in gone
    }
    for dep in changes.upsert_dependencies:
        edges[edge_key(dep)] = dep
    components = [by_id[cid] for cid in sorted(by_id)]
    return Model.build(components, [edges[k] for k in sorted(edges)])


def sync_store(
    store: Store,
    components: Sequence[Component],
    dependencies: Sequence[Dependency],
    *,
    source: str | None,
    remove_missing: bool,
    dry_run: bool = False,
    expect_version: int | None = None,
    read: Callable[[], tuple[int, Model]] | None = None,
    attempts: int = ATTEMPTS,
) -> SyncReport:
    """Sync ``store`` with what a source sent (see the module rules) and report what changed.

    ``read`` gives the current (version, model) — by default ``store.read_versioned``; a
    server passes its cached snapshot. With ``expect_version`` (a client's ``If-Match``) a
    model at another version is a :class:`~impactgraph.errors.VersionConflictError`, never
    retried; without it a lost race is computed again from a fresh read.
    """
    reader = read or store.read_versioned
    version = 0
    for attempt in range(attempts):
        version, current = reader() if attempt == 0 else store.read_versioned()
        if expect_version is not None and version != expect_version:
            raise VersionConflictError(expected=expect_version, actual=version)
        plan = plan_sync(
            current,
            components,
            dependencies,
            source=source,
            remove_missing=remove_missing,
            validate=dry_run,
        )
        if dry_run or not plan.changes:
            return _done(plan.report, version, dry_run)
        try:
            new_version = store.apply(plan.changes, expect_version=version)
        except VersionConflictError:
            if expect_version is not None:
                raise
            time.sleep(random.uniform(0, 0.005 * (attempt + 1)))
            continue
        return _done(plan.report, new_version, False)
    raise VersionConflictError(expected=version, actual=store.version())


def _done(report: SyncReport, version: int, dry_run: bool) -> SyncReport:
    return SyncReport(
        report.components, report.dependencies, version=version, dry_run=dry_run,
        source=report.source,
    )  # fmt: skip
