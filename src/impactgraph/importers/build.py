"""From what a reader found — drafts of components keyed by their external id, links between
them, memberships — to a checked model, the same whatever order the records came in.

The rules every source shares live here:

* a draft that is the group end of a membership becomes a ``group`` (``min_up`` from its own
  field, else its class rule, else the mapping's ``cluster_min_up``, lowered to its active
  members when above them); a draft of a group class with no member becomes a plain
  component of its class's fallback kind;
* ids are readable slugs (:mod:`impactgraph.importers.ids`), stable against what the
  destination holds: a record it holds keeps its id, the others avoid every id it holds;
* links between the same two components of the same type merge (hard wins, the smaller
  tolerance wins); a group's dependency on its own member is dropped (the membership says it);
* components come out sorted by id, dependencies by (source, target, type), members by id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from impactgraph.errors import ModelError
from impactgraph.importers import ids
from impactgraph.importers.result import ImportResult, Progress, Tallies, fail, report_for
from impactgraph.model import (
    Component,
    Dependency,
    Kind,
    Member,
    MemberMode,
    Model,
    Strength,
)


@dataclass
class Draft:
    """A component to be: its key in the source, what it is, and its field values."""

    key: str
    kind: Kind
    #: the model fields read from the record (name, type, tier, rto, team, tags, …)
    values: dict[str, Any]
    #: the record in messages (``sys_id '…'``, ``entity 'component:default/x'``)
    label: str
    #: names to build an id from, best first (the plain name, then qualified ones)
    id_names: tuple[str | None, ...]
    #: the slug prefix when no name gives one (a class, a kind)
    id_fallback: str = "ci"
    #: ``min_up`` if it becomes a group: from its own field, else its class rule
    min_up: int | None = None
    #: the kind it takes when it was meant to be a group but has no member
    fallback_kind: Kind = Kind.INFRASTRUCTURE


@dataclass(frozen=True)
class Link:
    """``needer`` needs ``needed`` (both keys): a dependency to be."""

    needer: str
    needed: str
    type: str = "depends_on"
    strength: Strength = Strength.HARD
    tolerance: int = 0


@dataclass(frozen=True)
class Membership:
    """``member`` is a member of the group ``group`` (both keys)."""

    group: str
    member: str
    mode: MemberMode = MemberMode.ACTIVE
    activation: int = 0


@dataclass
class Found:
    """Everything a reader found, ready to build."""

    source: str
    drafts: dict[str, Draft] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)
    cluster_min_up: int = 1
    #: count links merged into one edge (ServiceNow: two relations between the same CIs);
    #: not where one edge is reached by several paths by design (a System's parts and APIs)
    report_merges: bool = True


@dataclass
class Drafted:
    """A source read and resolved, before its ids are given: :meth:`build` makes the model
    and the report. The ids depend on where the model goes (:class:`~.ids.KnownIds`), so a
    writer that lost a race to another builds again against what the store holds then,
    without reading the input again."""

    found: Found
    #: the name written on every component's ``source``
    source: str
    records: int
    relations: int
    skipped: Tallies
    adjusted: Tallies
    inputs: tuple[str, ...]

    def build(
        self, known: ids.KnownIds | None = None, progress: Progress | None = None
    ) -> ImportResult:
        """The model and report, with ids stable against ``known`` (what the destination
        holds); the same every time for the same ``known``."""
        adjusted = self.adjusted.copy()
        model = build_model(self.found, adjusted, progress, known)
        return ImportResult(
            model,
            report_for(
                model,
                self.source,
                records=self.records,
                relations=self.relations,
                skipped=self.skipped,
                adjusted=adjusted,
                inputs=self.inputs,
            ),
        )


def build_model(
    found: Found,
    adjusted: Tallies,
    progress: Progress | None = None,
    known: ids.KnownIds | None = None,
) -> Model:
    """The model of ``found`` (see the module docstring), with ids stable against ``known``:
    a draft whose key (external id) ``known`` holds keeps its id, and every other draft avoids
    every id ``known`` holds. ``found`` is not changed; what is adjusted is added to
    ``adjusted``."""
    known = known if known is not None else ids.KnownIds()
    drafts = found.drafts
    members: dict[str, dict[str, Membership]] = {}
    for m in found.memberships:
        if m.group in drafts and m.member in drafts and m.group != m.member:
            members.setdefault(m.group, {})[m.member] = _stronger_member(
                members.get(m.group, {}).get(m.member), m
            )
    kinds: dict[str, Kind] = {}
    for key, draft in drafts.items():
        kinds[key] = draft.kind
        if draft.kind is Kind.GROUP and key not in members:
            adjusted.add("cluster_without_members", draft.label, draft.label)
            kinds[key] = draft.fallback_kind
    offers = {k: ids.candidates(k, *d.id_names, fallback=d.id_fallback) for k, d in drafts.items()}
    kept = {k: known.by_external_id[k] for k in drafts if k in known.by_external_id}
    id_of = ids.assign(offers, known.held, kept)
    if known.held:
        for key, first in ((k, c[0]) for k, c in offers.items() if k not in kept):
            if id_of[key] != first and first in known.held:
                reason = (
                    "id_held_by_another_source"
                    if first in known.others
                    else "id_held_by_stored_component"
                )
                adjusted.add(reason, first, drafts[key].label)
    components: list[Component] = []
    total = len(drafts)
    for n, (key, draft) in enumerate(sorted(drafts.items(), key=lambda kv: id_of[kv[0]])):
        if progress is not None and n % 10_000 == 0:
            progress("building the model", n, total)
        group = members.get(key)
        components.append(
            _component(found.source, key, draft, kinds[key], id_of, group, found, adjusted)
        )
    dependencies = _dependencies(
        found.links, id_of, members, drafts, adjusted if found.report_merges else Tallies()
    )
    if progress is not None:
        progress("building the model", total, total)
    try:
        return Model.build(components, dependencies)
    except ModelError as e:  # a bug in a reader: every rule above keeps the model valid
        raise fail(f"the imported model is not valid: {e}") from None


def _stronger_member(old: Membership | None, new: Membership) -> Membership:
    if old is None or (old.mode is MemberMode.STANDBY and new.mode is MemberMode.ACTIVE):
        return new
    return old


def _component(
    source: str,
    key: str,
    draft: Draft,
    kind: Kind,
    id_of: dict[str, str],
    group: dict[str, Membership] | None,
    found: Found,
    adjusted: Tallies,
) -> Component:
    values = dict(draft.values)
    if group:
        kind = Kind.GROUP
        entries = sorted(group.values(), key=lambda m: id_of[m.member])
        actives = sum(1 for m in entries if m.mode is MemberMode.ACTIVE)
        if actives == 0:  # a group must stand without failover: its first member is active
            entries[0] = Membership(entries[0].group, entries[0].member)
            actives = 1
        wanted = draft.min_up or found.cluster_min_up
        if wanted > actives:
            adjusted.add("min_up_lowered", f"{wanted} → {actives}", draft.label)
            wanted = actives
        values["min_up"] = wanted
        values["members"] = tuple(
            Member.model_construct(id=id_of[m.member], mode=m.mode, activation=m.activation)
            for m in entries
        )
    values.update(id=id_of[key], kind=kind, source=source, external_id=key)
    try:
        return Component.model_validate(values)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise fail(
            first["msg"].removeprefix("Value error, "), record=draft.label, field=where or None
        ) from None


def _dependencies(
    links: Iterable[Link],
    id_of: dict[str, str],
    members: dict[str, dict[str, Membership]],
    drafts: dict[str, Draft],
    adjusted: Tallies,
) -> list[Dependency]:
    merged: dict[tuple[str, str, str], Link] = {}
    for link in links:
        if link.needer not in id_of or link.needed not in id_of or link.needer == link.needed:
            continue
        if link.needed in members.get(link.needer, {}):
            adjusted.add("membership_over_dependency", link.type, drafts[link.needer].label)
            continue
        key = (id_of[link.needer], id_of[link.needed], link.type)
        old = merged.get(key)
        if old is not None:
            adjusted.add("merged_edges", link.type, drafts[link.needer].label)
            link = _merge(old, link)
        merged[key] = link
    return [
        Dependency.model_construct(
            source=s, target=t, type=typ, strength=link.strength, tolerance=link.tolerance
        )
        for (s, t, typ), link in sorted(merged.items())
    ]


def _merge(a: Link, b: Link) -> Link:
    hard = Strength.HARD if Strength.HARD in (a.strength, b.strength) else Strength.SOFT
    return Link(a.needer, a.needed, a.type, hard, min(a.tolerance, b.tolerance))


def unique_key_check(
    seen: dict[str, Any], key: str, fingerprint: Any, on_clash: Callable[[], None]
) -> bool:
    """Whether ``key`` is new; a repeat with the same ``fingerprint`` is a harmless duplicate
    (False), one with another fingerprint calls ``on_clash``."""
    old = seen.get(key)
    if old is None:
        seen[key] = fingerprint
        return True
    if old != fingerprint:
        on_clash()
    return False
