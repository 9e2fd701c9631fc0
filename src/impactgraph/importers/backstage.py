"""Backstage software catalog → the model.

Reads catalog descriptor files (``catalog-info.yaml``: multi-document YAML; directories are
walked for ``.yaml``, ``.yml`` and ``.json``) and the JSON of the catalog API (``GET
/api/catalog/entities``: a list; ``/entities/by-query`` and ``/entities/by-refs`` pages:
``{"items": [...]}``).

* Components and Resources become components (kind and type from the mapping's class rules,
  keyed ``component``, ``resource`` or ``KIND:SPEC.TYPE``; the type is ``spec.type`` unless
  the rule gives one); a System becomes a business service that needs its parts (the entities
  whose ``spec.system`` names it).
* ``spec.dependsOn`` (the entity needs the one named) and ``spec.dependencyOf`` (the one
  named needs the entity) become hard ``depends_on`` edges.
* APIs are not estate components: a Component that ``consumesApis`` X needs every Component
  that ``providesApis`` X; a System needs the providers of its APIs.
* An entity ref without a namespace takes the namespace of the entity that writes it, and
  without a kind the kind its field implies (``api`` for ``consumesApis``, ``system`` for
  ``system``), as Backstage reads them; ``dependsOn`` and ``dependencyOf`` must name a kind.
* ``spec.owner`` becomes ``team`` (the owner's name), ``metadata.tags`` and
  ``spec.lifecycle`` (as the tag ``lifecycle:VALUE``) the tags; ``metadata.title`` the name.
* Groups, Users, Domains, Locations, Templates and APIs are not estate components; other
  fields (``subcomponentOf``, ``memberOf``, …) make no edges unless the mapping says so.

Each component's ``external_id`` is its entity ref in full lower-case form
(``component:default/payments-api``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from impactgraph.errors import quote
from impactgraph.importers.build import Draft, Drafted, Found, Link, Membership
from impactgraph.importers.ids import KnownIds
from impactgraph.importers.inputs import Document, Input, json_document, texts, yaml_documents
from impactgraph.importers.mapping import (
    BACKSTAGE_NOT_ESTATE,
    ClassMatcher,
    Mapping,
    RelationRule,
    default_mapping,
)
from impactgraph.importers.result import ImportResult, Issues, Progress, Tallies
from impactgraph.importers.values import Raw, read_fields

SUFFIXES = (".yaml", ".yml", ".json")
#: the most entries one list field of one entity may hold
MAX_LIST = 100_000
#: relation fields, the kind a ref in each takes when it names none, and who needs whom
#: ("out": the entity needs the one named; "in": the one named needs the entity)
RELATION_FIELDS = {
    "dependsOn": (None, "out"),
    "dependencyOf": (None, "in"),
    "consumesApis": ("api", "out"),
    "system": ("system", "in"),
    "subcomponentOf": ("component", "in"),
}
_ESTATE_FIELDS = ("dependsOn", "dependencyOf", "consumesApis", "system", "subcomponentOf")


def read_backstage(
    inputs: Iterable[Input],
    mapping: Mapping | None = None,
    *,
    strict: bool = False,
    progress: Progress | None = None,
    known: KnownIds | None = None,
) -> ImportResult:
    """The model of a Backstage catalog (descriptor files, directories, catalog API JSON, or
    contents: see :mod:`impactgraph.importers.inputs`), mapped by ``mapping``.

    ``known`` is what the store the model goes to holds already: an entity whose ref it holds
    for this source keeps that component's id, and the others avoid every id it holds.
    Raises :class:`~impactgraph.importers.result.ImportInputError` for input that cannot
    be read (and, with ``strict``, for a reference to an entity not in the input).
    """
    return prepare_backstage(inputs, mapping, strict=strict, progress=progress).build(
        known, progress
    )


def prepare_backstage(
    inputs: Iterable[Input],
    mapping: Mapping | None = None,
    *,
    strict: bool = False,
    progress: Progress | None = None,
) -> Drafted:
    """A Backstage catalog read, checked and resolved, waiting for its ids (see
    :func:`read_backstage`, which is this and :meth:`Drafted.build`)."""
    reader = _Reader(mapping or default_mapping("backstage"), strict)
    names: list[str] = []
    for t in texts(inputs, SUFFIXES):
        names.append(t.name)
        documents = [json_document(t)] if t.fmt() == "json" else yaml_documents(t)
        for doc in documents:
            reader.read(doc)
        if progress is not None:
            progress("reading the catalog", len(names), None)
    reader.issues.raise_if_any()
    return reader.finish(names)


@dataclass(frozen=True)
class Ref:
    """An entity reference, lower case, as Backstage compares them."""

    kind: str
    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.namespace}/{self.name}"


def parse_ref(value: Any, default_kind: str | None, default_namespace: str) -> Ref | None:
    """An entity ref from ``[kind:][namespace/]name`` (or a ``{kind, namespace, name}``
    object), with the defaults for what it leaves out; None if it cannot be one.

    >>> str(parse_ref("Resource:payments-db", None, "pay"))
    'resource:pay/payments-db'
    >>> str(parse_ref("team-a", "group", "default")), parse_ref("db", None, "default")
    ('group:default/team-a', None)
    """
    if isinstance(value, dict):
        kind, namespace, name = (value.get(k) for k in ("kind", "namespace", "name"))
        if not all(isinstance(v, str | None) for v in (kind, namespace, name)):
            return None
    elif isinstance(value, str):
        text = value.strip()
        kind, sep, rest = text.partition(":")
        if not sep:
            kind, rest = None, text
        namespace, sep, name = rest.partition("/")
        if not sep:
            namespace, name = None, rest
    else:
        return None
    kind = kind or default_kind
    if not kind or not name or len(name) > 253:
        return None
    return Ref(kind.strip().lower(), (namespace or default_namespace).strip().lower(), name.lower())


@dataclass
class _Entity:
    ref: Ref
    kind: str
    data: dict[str, Any]
    doc: Document
    path: tuple[str | int, ...]
    spec: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"entity {quote(str(self.ref))}"

    def line(self, *steps: str | int) -> int | None:
        return self.doc.line((*self.path, *steps))


@functools.lru_cache(maxsize=256)
def _steps(path: str) -> tuple[str, ...]:
    """``metadata.annotations[impactgraph.dev/tier]`` → its keys."""
    return tuple(
        m.group(1) if m.group(1) is not None else m.group(2)
        for m in re.finditer(r"\[([^\]]*)\]|([^.\[\]]+)", path)
    )


def field_value(data: Any, path: str) -> Any:
    """The value at ``path`` (dotted, with ``[key]`` for keys holding dots) in ``data``.

    >>> field_value({"metadata": {"annotations": {"a.io/x": "1"}}}, "metadata.annotations[a.io/x]")
    '1'
    """
    node = data
    for step in _steps(path):
        if not isinstance(node, dict):
            return None
        node = node.get(step)
    return node


class _Reader:
    def __init__(self, mapping: Mapping, strict: bool) -> None:
        self.mapping = mapping
        self.strict = strict
        self.classes = ClassMatcher(mapping.classes)
        self.issues = Issues()
        self.skipped = Tallies()
        self.adjusted = Tallies()
        self.entities: dict[Ref, _Entity] = {}
        self.records = 0
        self.relations = 0

    def read(self, doc: Document) -> None:
        data = doc.data
        if isinstance(data, list):
            for i, item in enumerate(data[: MAX_LIST * 10]):
                self._entity(item, doc, (i,))
        elif isinstance(data, dict) and isinstance(data.get("items"), list) and "kind" not in data:
            for i, item in enumerate(data["items"][: MAX_LIST * 10]):
                if item is not None:  # /entities/by-refs gives null for refs it does not know
                    self._entity(item, doc, ("items", i))
        else:
            self._entity(data, doc, ())

    def _entity(self, data: Any, doc: Document, path: tuple[str | int, ...]) -> None:
        self.records += 1
        where = f"document at line {doc.first_line}" if not path else f"entity {path[-1]}"
        if not isinstance(data, dict):
            self.issues.add(
                "an entity is a mapping with apiVersion, kind, metadata and spec, not "
                f"{quote(data)}",
                file=doc.name,
                line=doc.line(path),
                record=where,
            )
            return
        kind, metadata = data.get("kind"), data.get("metadata")
        name = metadata.get("name") if isinstance(metadata, dict) else None
        problems = [
            ("kind", isinstance(kind, str) and kind.strip(), "kind is the entity's kind (text)"),
            ("metadata", isinstance(metadata, dict), "metadata is a mapping with name"),
            ("metadata.name", isinstance(name, str) and name.strip(), "metadata.name is text"),
        ]
        for fld, ok, message in problems:
            if not ok:
                self.issues.add(
                    message, file=doc.name, line=doc.line(path), record=where, field=fld
                )
                return
        assert isinstance(kind, str) and isinstance(metadata, dict) and isinstance(name, str)
        namespace = metadata.get("namespace") or "default"
        if not isinstance(namespace, str):
            self.issues.add(
                "metadata.namespace is text",
                file=doc.name,
                line=doc.line((*path, "metadata", "namespace")),
                record=where,
                field="metadata.namespace",
            )
            return
        ref = Ref(kind.strip().lower(), namespace.strip().lower(), name.strip().lower())
        spec = data.get("spec", {})
        entity = _Entity(ref, kind.strip(), data, doc, path, spec if isinstance(spec, dict) else {})
        if spec is not None and not isinstance(spec, dict):
            self.issues.add(
                "spec is a mapping",
                file=doc.name,
                line=entity.line("spec"),
                record=entity.label,
                field="spec",
            )
            return
        old = self.entities.get(ref)
        if old is not None:
            if old.data == data:
                self.skipped.add("duplicate_record", "entity", f"{entity.label} in {doc.name}")
                return
            self.issues.add(
                f"the entity is given twice with different content (first in {old.doc.name}"
                f"{f':{old.line()}' if old.line() else ''}); an entity ref names one entity",
                file=doc.name,
                line=entity.line(),
                record=entity.label,
                field="metadata.name",
            )
            return
        self.entities[ref] = entity

    # ---- building --------------------------------------------------------------------------

    def finish(self, names: list[str]) -> Drafted:
        found = Found(
            self.mapping.source, cluster_min_up=self.mapping.cluster_min_up, report_merges=False
        )
        providers: dict[Ref, list[Ref]] = {}
        for entity in self._sorted():
            if entity.ref.kind in BACKSTAGE_NOT_ESTATE:
                self.skipped.add("not_estate", entity.kind, entity.label)
            elif self._draft(entity, found) and entity.ref.kind == "component":
                for api in self._refs(entity, "providesApis", "api"):
                    providers.setdefault(api, []).append(entity.ref)
        for entity in self._sorted():
            if str(entity.ref) in found.drafts or entity.ref.kind == "api":
                self._links(entity, found, providers)
        self.issues.raise_if_any()
        return Drafted(
            found,
            self.mapping.source,
            records=self.records,
            relations=self.relations,
            skipped=self.skipped,
            adjusted=self.adjusted,
            inputs=tuple(names),
        )

    def _sorted(self) -> list[_Entity]:
        return [self.entities[r] for r in sorted(self.entities, key=str)]

    def _draft(self, entity: _Entity, found: Found) -> bool:
        spec_type = entity.spec.get("type")
        typed = f"{entity.ref.kind}:{spec_type}" if isinstance(spec_type, str) else None
        match = (self.classes.match(typed) if typed else None) or self.classes.match(
            entity.ref.kind
        )
        if match is None or match[1].skip:
            reason = "unmapped_class" if match is None else "skipped_class"
            self.skipped.add(reason, typed or entity.ref.kind, entity.label)
            return False
        rule = match[1]
        assert rule.kind is not None

        def get(path: str) -> Raw | None:
            value = field_value(entity.data, path)
            return None if value is None or value == "" else (value, value)

        values = read_fields(get, self.mapping.fields, self.skipped, entity.label)
        for who in ("team", "owner"):
            if isinstance(values.get(who), str):  # an owner ref: keep the group's name
                owner = parse_ref(values[who], "group", entity.ref.namespace)
                values[who] = owner.name if owner else values[who]
        if rule.type is not None:
            values["type"] = rule.type
        elif isinstance(spec_type, str) and spec_type.strip() and "type" not in values:
            values["type"] = spec_type.strip()
        lifecycle = entity.spec.get("lifecycle")
        if isinstance(lifecycle, str) and lifecycle.strip():
            values["tags"] = (*values.get("tags", ()), f"lifecycle:{lifecycle.strip()}")
        id_rule = self.mapping.fields.id
        base = field_value(entity.data, id_rule.field) if id_rule is not None else None
        base = base if isinstance(base, str) else entity.ref.name
        found.drafts[str(entity.ref)] = Draft(
            key=str(entity.ref),
            kind=rule.kind,
            values=values,
            label=entity.label,
            id_names=(
                base,
                f"{base} {entity.ref.kind}",
                f"{base} {entity.ref.kind} {entity.ref.namespace}",
            ),
            id_fallback=entity.ref.kind,
            min_up=rule.min_up,
        )
        return True

    def _refs(self, entity: _Entity, name: str, default_kind: str | None) -> list[Ref]:
        """The refs a spec field names (a list, or one ref for ``system``); a wrong one is an
        issue naming the entity and field."""
        raw = entity.spec.get(name)
        if raw is None:
            return []
        items = (
            raw
            if isinstance(raw, list)
            else [raw]
            if name in ("system", "subcomponentOf")
            else None
        )
        if items is None or len(items) > MAX_LIST:
            self.issues.add(
                "is a list of entity refs" if items is None else f"lists more than {MAX_LIST:,}",
                file=entity.doc.name,
                line=entity.line("spec", name),
                record=entity.label,
                field=f"spec.{name}",
            )
            return []
        out: list[Ref] = []
        for i, item in enumerate(items):
            ref = parse_ref(item, default_kind, entity.ref.namespace)
            if ref is None:
                need = (
                    "kind:[namespace/]name" if default_kind is None else "[kind:][namespace/]name"
                )
                self.issues.add(
                    f"{quote(item)} is not an entity ref; write {need}",
                    file=entity.doc.name,
                    line=entity.line("spec", name, i)
                    if isinstance(raw, list)
                    else entity.line("spec", name),
                    record=entity.label,
                    field=f"spec.{name}",
                )
                continue
            out.append(ref)
        return out

    def _links(self, entity: _Entity, found: Found, providers: dict[Ref, list[Ref]]) -> None:
        """The edges an entity's relation fields make. An API makes only those of its
        ``system``, through its providers (the System needs whoever serves its API)."""
        me = entity.ref
        if me.kind == "api":
            mine = [str(p) for p in providers.get(me, []) if str(p) in found.drafts]
            fields: tuple[str, ...] = ("system",)
        else:
            mine, fields = [str(me)], _ESTATE_FIELDS
        for name in fields:
            default_kind, direction = RELATION_FIELDS[name]
            targets = self._refs(entity, name, default_kind)
            if not targets:
                continue
            self.relations += len(targets)
            rule = self.mapping.relation_rule(name)
            if rule is None or rule.role == "skip":
                reason = "unmapped_relation_type" if rule is None else "skipped_relation_type"
                self.skipped.add(reason, name, entity.label, count=len(targets))
                continue
            if not mine:
                self.skipped.add("api_without_provider", str(me), entity.label)
                continue
            for target in targets:
                for end in self._estate_ends(entity, target, name, found, providers):
                    for own in mine:
                        needer, needed = (own, end) if direction == "out" else (end, own)
                        self._edge(needer, needed, rule, found)

    def _estate_ends(
        self,
        entity: _Entity,
        target: Ref,
        name: str,
        found: Found,
        providers: dict[Ref, list[Ref]],
    ) -> list[str]:
        """The components that ``target`` stands for: itself, or an API's providers."""
        if target.kind == "api":
            provided = [str(p) for p in providers.get(target, []) if str(p) in found.drafts]
            if not provided:
                if target in self.entities:
                    self.skipped.add("api_without_provider", str(target), entity.label)
                else:
                    self._dangling(entity, name, target)
            return provided
        if str(target) in found.drafts:
            return [str(target)]
        if target in self.entities:
            self.skipped.add("endpoint_not_imported", f"{name} → {target.kind}", entity.label)
            return []
        self._dangling(entity, name, target)
        return []

    def _dangling(self, entity: _Entity, name: str, target: Ref) -> None:
        if self.strict:
            self.issues.add(
                f"names {quote(str(target))}, which is not an entity in the input (run without "
                "--strict to skip such references)",
                file=entity.doc.name,
                line=entity.line("spec", name),
                record=entity.label,
                field=f"spec.{name}",
            )
        self.skipped.add("dangling_reference", str(target), f"{entity.label} spec.{name}")

    def _edge(self, needer: str, needed: str, rule: RelationRule, found: Found) -> None:
        if needer == needed:
            return
        if rule.reverse:
            needer, needed = needed, needer
        if rule.role == "member":
            found.memberships.append(Membership(needer, needed, rule.mode, rule.activation))
        else:
            found.links.append(Link(needer, needed, rule.type, rule.strength, rule.tolerance))
