"""ServiceNow CMDB exports → the model.

Reads, in any mix and any number of files:

* Table API JSON (``GET /api/now/table/cmdb_ci_server?sysparm_fields=…``): ``{"result":
  [...]}`` (also ``{"records": [...]}`` from the JSONv2 processor, or a bare list), of the
  ``cmdb_ci*`` tables and of ``cmdb_rel_ci``. A reference or choice field is a plain value
  (a sys_id), a ``{"value", "link"}`` object, or a ``{"value", "display_value", "link"}``
  object (``sysparm_display_value=all``); all work;
* the same tables as CSV exports (references as display values, or as ``parent.sys_id``
  columns);
* IRE payloads (``{"items": [...], "relations": [...]}``), relations pointing at items by
  index or by ``internal_id``;
* any of those documents written as YAML (a file named ``.yaml``/``.yml``, or contents given
  as YAML: what the HTTP API passes for an ``application/yaml`` body).

A record with ``parent``, ``child`` and ``type`` (or ``sys_class_name: cmdb_rel_ci``) is a
relation; any other record is a CI and needs ``sys_id`` and ``sys_class_name``. A relation
``<parent descriptor>::<child descriptor>`` means, by default, that the parent needs the child
(impact flows from child to parent); the mapping says what each type becomes
(:mod:`impactgraph.importers.mapping`). A relation type given only as a sys_id is named from
the mapping's ``relation_type_ids`` (the out-of-box ones are built in). A reference to a CI
that is not in the input is *dangling*: counted and skipped, or an error with ``strict``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from impactgraph.errors import quote
from impactgraph.importers.build import Draft, Drafted, Found, Link, Membership
from impactgraph.importers.ids import KnownIds
from impactgraph.importers.inputs import (
    Document,
    Input,
    InputFormat,
    Text,
    csv_table,
    json_document,
    texts,
    yaml_documents,
)
from impactgraph.importers.mapping import ClassMatcher, Mapping, RelationRule, default_mapping
from impactgraph.importers.result import ImportResult, Issues, Progress, Tallies, fail
from impactgraph.importers.values import Raw, convert, read_fields, text

#: the files a directory is walked for (a file named on its own may be YAML too)
SUFFIXES = (".json", ".csv")
_FORMS: dict[str, InputFormat] = {".json": "json", ".csv": "csv", ".yaml": "yaml", ".yml": "yaml"}
_SYS_ID = re.compile(r"^[0-9a-f]{32}$")
RELATION_CLASS = "cmdb_rel_ci"


def read_servicenow(
    inputs: Iterable[Input],
    mapping: Mapping | None = None,
    *,
    strict: bool = False,
    progress: Progress | None = None,
    known: KnownIds | None = None,
) -> ImportResult:
    """The model of ServiceNow exports (paths, directories, or contents: see
    :mod:`impactgraph.importers.inputs`), mapped by ``mapping`` (default: the built-in one).

    ``known`` is what the store the model goes to holds already: a CI whose sys_id it holds
    for this source keeps that component's id, and the others avoid every id it holds.
    Raises :class:`~impactgraph.importers.result.ImportInputError` for input that cannot
    be read (and, with ``strict``, for a dangling reference).
    """
    return prepare_servicenow(inputs, mapping, strict=strict, progress=progress).build(
        known, progress
    )


def prepare_servicenow(
    inputs: Iterable[Input],
    mapping: Mapping | None = None,
    *,
    strict: bool = False,
    progress: Progress | None = None,
) -> Drafted:
    """ServiceNow exports read, checked and resolved, waiting for their ids (see
    :func:`read_servicenow`, which is this and :meth:`Drafted.build`)."""
    reader = _Reader(mapping or default_mapping("servicenow"), strict)
    names: list[str] = []
    for t in texts(inputs, SUFFIXES):
        names.append(t.name)
        reader.read(t, progress)
    reader.issues.raise_if_any()
    return reader.finish(names)


@dataclass(frozen=True)
class _Where:
    """Where a record is: its file, and its line (found when asked)."""

    file: str
    line_of: Any  # Callable[[field | None], int | None]
    label: str

    def line(self, field: str | None = None) -> int | None:
        found: int | None = self.line_of(field)
        return found


@dataclass(frozen=True)
class _Relation:
    parent: Raw | None
    child: Raw | None
    type: Raw | None
    tolerance: Raw | None
    where: _Where
    #: IRE: an item's index or internal_id names the end
    by_index: bool = False


def raw(record: dict[str, Any], field: str) -> Raw | None:
    """``(value, display value)`` of a field of a Table API or CSV record, or None if empty.

    >>> raw({"parent": {"value": "a1", "display_value": "web01", "link": "…"}}, "parent")
    ('a1', 'web01')
    >>> raw({"parent": "a1"}, "parent"), raw({"parent": ""}, "parent")
    (('a1', 'a1'), None)
    """
    v = record.get(field)
    if isinstance(v, dict):
        value, display = v.get("value"), v.get("display_value")
        if display is None:
            display = value
        if value in (None, "") and display in (None, ""):
            return None
        return (value, display)
    if v is None or v == "":
        return None
    return (v, v)


class _Reader:
    def __init__(self, mapping: Mapping, strict: bool) -> None:
        self.mapping = mapping
        self.strict = strict
        self.classes = ClassMatcher(mapping.classes)
        self.issues = Issues()
        self.skipped = Tallies()
        self.adjusted = Tallies()
        self.found = Found(mapping.source, cluster_min_up=mapping.cluster_min_up)
        #: every CI seen: key → (record, where), skipped ones included
        self.seen: dict[str, tuple[dict[str, Any], _Where]] = {}
        #: CIs seen but not imported (unmapped, excluded), and why: relations to them are
        #: not dangling
        self.not_imported: dict[str, str] = {}
        self.names: dict[str, list[str]] | None = None
        self.relations: list[_Relation] = []
        self.relation_ids: dict[str, tuple[dict[str, Any], _Where]] = {}
        self.records = 0
        name_rule = mapping.fields.name
        self.name_field = name_rule.field if name_rule is not None else "name"

    # ---- reading ---------------------------------------------------------------------------

    def read(self, t: Text, progress: Progress | None) -> None:
        form = t.format or _FORMS.get(t.suffix)
        if form is None:  # no name to go by: JSON starts with { or [, anything else is CSV
            form = "json" if t.text.lstrip()[:1] in ("{", "[") else "csv"
        if form == "csv":
            self._read_csv(t, progress)
            return
        if progress is not None:
            progress(f"parsing {t.name}", 0, None)
        for doc in [json_document(t)] if form == "json" else yaml_documents(t):
            self._read_document(t, doc, progress)

    def _read_document(self, t: Text, doc: Document, progress: Progress | None) -> None:
        data = doc.data
        if isinstance(data, dict) and isinstance(data.get("items"), list):
            self._read_ire(t.name, data, doc.line, progress)
            return
        rows, key = self._table_rows(t.name, data)
        total = len(rows)
        for i, record in enumerate(rows):
            if progress is not None and i % 10_000 == 0:
                progress(f"reading {t.name}", i, total)
            if not isinstance(record, dict):
                self.issues.add(
                    f"a record is an object of fields, not {quote(record)}",
                    file=t.name,
                    line=doc.line((*key, i)),
                    record=f"record {i + 1}",
                )
                continue
            path = (*key, i)

            def line_of(field: str | None, path: tuple[Any, ...] = path) -> int | None:
                return doc.line(path if field is None else (*path, field))

            self._record(record, t.name, line_of, i)
        if progress is not None:
            progress(f"reading {t.name}", total, total)

    def _table_rows(self, name: str, data: Any) -> tuple[list[Any], tuple[str, ...]]:
        if isinstance(data, list):
            return data, ()
        if isinstance(data, dict):
            for key in ("result", "records"):
                if isinstance(data.get(key), list):
                    return data[key], (key,)
            if "error" in data:
                detail = data["error"].get("message") if isinstance(data["error"], dict) else ""
                raise fail(
                    f"the export is a ServiceNow error answer ({quote(detail or data['error'])}), "
                    "not records",
                    file=name,
                    line=1,
                )
        raise fail(
            'not a ServiceNow export: expected a Table API answer {"result": [...]}, an IRE '
            'payload {"items": [...], "relations": [...]}, or a list of records',
            file=name,
            line=1,
        )

    def _read_csv(self, t: Text, progress: Progress | None) -> None:
        table = csv_table(t)
        refs = {c.removesuffix(".sys_id") for c in table.header if c.endswith(".sys_id")}
        total = len(table.rows)
        for i, (line, row) in enumerate(table.rows):
            if progress is not None and i % 10_000 == 0:
                progress(f"reading {t.name}", i, total)
            record: dict[str, Any] = dict(row)
            for ref in refs:  # a dot-walked sys_id column with the display value beside it
                record[ref] = {"value": row.get(f"{ref}.sys_id", ""), "display_value": row.get(ref)}

            def line_of(field: str | None, line: int = line) -> int | None:
                return line

            self._record(record, t.name, line_of, i)
        if progress is not None:
            progress(f"reading {t.name}", total, total)

    def _record(self, record: dict[str, Any], file: str, line_of: Any, i: int) -> None:
        self.records += 1
        cls_raw = raw(record, "sys_class_name")
        cls = text(cls_raw, prefer_display=False) if cls_raw else None
        is_relation = cls == RELATION_CLASS or (
            cls is None and "parent" in record and "child" in record
        )
        sys_id = text(raw(record, "sys_id"), prefer_display=False)
        label = f"sys_id {quote(sys_id)}" if sys_id else f"record {i + 1}"
        if not is_relation and (shown := text(raw(record, self.name_field))):
            label += f" ({shown[:60]})"  # a sys_id alone says little to a reader
        where = _Where(file, line_of, label)
        if is_relation:
            self._relation(record, sys_id, where)
            return
        if sys_id is None:
            self.issues.add(
                "a CI needs a sys_id; add sys_id to sysparm_fields",
                file=file,
                line=line_of(None),
                record=label,
                field="sys_id",
            )
            return
        if cls is None:
            self.issues.add(
                "a CI needs its class; add sys_class_name to sysparm_fields",
                file=file,
                line=line_of(None),
                record=label,
                field="sys_class_name",
            )
            return
        if not _SYS_ID.match(cls) and "_" not in cls:  # a display name: "Linux Server"
            cls = self.mapping.class_name(cls)
        self._ci(sys_id, cls, record, where)

    def _ci(self, key: str, cls: str, record: dict[str, Any], where: _Where) -> None:
        if not self._first(key, record, where, self.seen):
            return
        for field in self.mapping.exclude:
            r = raw(record, field)
            if r is not None and self.mapping.excluded_by(field, str(r[0]), str(r[1])):
                why = f"{field} = {text(r)}"
                self.skipped.add("excluded", why, where.label)
                self.not_imported[key] = f"excluded ({why})"
                return
        match = self.classes.match(cls)
        if match is None or match[1].skip:
            reason = "unmapped_class" if match is None else "skipped_class"
            self.skipped.add(reason, cls, where.label)
            self.not_imported[key] = f"{reason.replace('_', ' ')} {cls}"
            return
        _, rule = match
        assert rule.kind is not None

        def get(field: str) -> Raw | None:
            return raw(record, field)

        values = read_fields(get, self.mapping.fields, self.skipped, where.label)
        if rule.type is not None:
            values.setdefault("type", rule.type)
        min_up = self._min_up(get, where)
        fields = self.mapping.fields
        name = values.get("name")
        id_text = text(get(fields.id.field)) if fields.id is not None else None
        base = id_text or name
        short = cls.removeprefix("cmdb_ci_")
        self.found.drafts[key] = Draft(
            key=key,
            kind=rule.kind,
            values=values,
            label=where.label,
            id_names=(base, f"{base} {short}" if base else None),
            id_fallback=short,
            min_up=min_up or rule.min_up,
        )

    def _min_up(self, get: Any, where: _Where) -> int | None:
        rule = self.mapping.fields.min_up
        r = get(rule.field) if rule is not None else None
        if rule is None or r is None:
            return None
        try:
            value: int | None = convert("min_up", r, rule)
        except ValueError as e:
            self.skipped.add("unreadable_value", f"min_up ({rule.field})", f"{where.label}: {e}")
            return None
        return value

    def _first(
        self,
        key: str,
        record: dict[str, Any],
        where: _Where,
        seen: dict[str, tuple[dict[str, Any], _Where]],
    ) -> bool:
        """Whether this is the first record with ``key``; the same record again is a harmless
        duplicate (overlapping exports), a different one with the same key an error."""
        old = seen.get(key)
        if old is None:
            seen[key] = (record, where)
            return True
        if self._fingerprint(old[0]) == self._fingerprint(record):
            self.skipped.add(
                "duplicate_record", "sys_id", f"{where.label} at {where.file}:{where.line() or '?'}"
            )
            return False
        first = f"{old[1].file}:{old[1].line() or '?'}"
        self.issues.add(
            f"the sys_id is given twice with different content (first at {first}); each "
            "record must have its own sys_id",
            file=where.file,
            line=where.line("sys_id"),
            record=where.label,
            field="sys_id",
        )
        return False

    def _fingerprint(self, record: dict[str, Any]) -> tuple[Any, ...]:
        fields = ["sys_class_name", "parent", "child", "type"]
        for name in type(self.mapping.fields).model_fields:
            rule = getattr(self.mapping.fields, name)
            if rule is not None:
                fields.append(rule.field)
        return tuple(raw(record, f) for f in fields)

    def _relation(self, record: dict[str, Any], sys_id: str | None, where: _Where) -> None:
        if sys_id is not None and not self._first(sys_id, record, where, self.relation_ids):
            return
        missing = [f for f in ("parent", "child", "type") if f not in record]
        if missing:
            self.issues.add(
                f"a relation needs parent, child and type; {', '.join(missing)} missing (add "
                "them to sysparm_fields)",
                file=where.file,
                line=where.line(None),
                record=where.label,
                field=missing[0],
            )
            return
        tolerance = self.mapping.fields.tolerance
        parent, child = raw(record, "parent"), raw(record, "child")
        ends = [text(parent), text(child)]
        if all(ends):  # name the ends too: a relation's sys_id alone says little
            where = _Where(where.file, where.line_of, f"{where.label} ({ends[0]} → {ends[1]})")
        self.relations.append(
            _Relation(
                parent=parent,
                child=child,
                type=raw(record, "type"),
                tolerance=raw(record, tolerance.field) if tolerance is not None else None,
                where=where,
            )
        )

    def _read_ire(
        self, name: str, data: dict[str, Any], line: Any, progress: Progress | None
    ) -> None:
        items = data["items"]
        keys: list[str | None] = []
        internal: dict[str, str] = {}
        for i, item in enumerate(items):
            self.records += 1
            path = ("items", i)
            label = f"item {i}"
            if not isinstance(item, dict) or not isinstance(item.get("className"), str):
                self.issues.add(
                    "an IRE item is an object with className and values",
                    file=name,
                    line=line(path),
                    record=label,
                    field="className",
                )
                keys.append(None)
                continue
            values = item.get("values", {})
            if not isinstance(values, dict):
                self.issues.add(
                    "values is an object of fields",
                    file=name,
                    line=line((*path, "values")),
                    record=label,
                    field="values",
                )
                keys.append(None)
                continue
            key = _ire_key(item, values)
            label = f"item {i} ({quote(key)})"

            def line_of(field: str | None, path: tuple[Any, ...] = path) -> int | None:
                found: int | None = line(path if field is None else (*path, "values", field))
                return found

            where = _Where(name, line_of, label)
            keys.append(key)
            if isinstance(item.get("internal_id"), str):
                internal[item["internal_id"]] = key
            self._ci(key, item["className"], values, where)
        relations = data.get("relations", [])
        if not isinstance(relations, list):
            raise fail("relations is a list", file=name, line=line(("relations",)))
        for j, rel in enumerate(relations):
            self.records += 1
            label = f"relation {j}"
            if not isinstance(rel, dict):
                self.issues.add(
                    "an IRE relation is an object with parent, child and type",
                    file=name,
                    line=line(("relations", j)),
                    record=label,
                )
                continue

            def rel_line(field: str | None, j: int = j) -> int | None:
                found: int | None = line(
                    ("relations", j) if field is None else ("relations", j, field)
                )
                return found

            ends = [_ire_end(rel.get(end), keys, internal) for end in ("parent", "child")]
            kind = rel.get("type")
            self.relations.append(
                _Relation(
                    parent=ends[0],
                    child=ends[1],
                    type=(kind, kind) if isinstance(kind, str) and kind else None,
                    tolerance=None,
                    where=_Where(name, rel_line, label),
                    by_index=True,
                )
            )
        if progress is not None:
            progress(f"reading {name}", len(items), len(items))

    # ---- resolving -------------------------------------------------------------------------

    def finish(self, names: list[str]) -> Drafted:
        for rel in self.relations:
            self._resolve(rel)
        self.issues.raise_if_any()
        return Drafted(
            self.found,
            self.mapping.source,
            records=self.records - len(self.relations),
            relations=len(self.relations),
            skipped=self.skipped,
            adjusted=self.adjusted,
            inputs=tuple(names),
        )

    def _resolve(self, rel: _Relation) -> None:
        where = rel.where
        type_name = self._type_name(rel)
        if type_name is None:
            return
        rule = self.mapping.relation_rule(type_name)
        if rule is None or rule.role == "skip":
            reason = "unmapped_relation_type" if rule is None else "skipped_relation_type"
            self.skipped.add(reason, type_name, where.label)
            return
        parent = self._end(rel.parent, rel, "parent")
        child = self._end(rel.child, rel, "child")
        if parent is None or child is None:
            return
        if parent == child:
            self.skipped.add("self_relation", type_name, where.label)
            return
        self._edge(parent, child, rule, rel)

    def _type_name(self, rel: _Relation) -> str | None:
        if rel.type is None:
            self.skipped.add("unknown_relation_type", "(no type)", rel.where.label)
            return None
        value, display = rel.type
        for v in (display, value):
            if isinstance(v, str) and "::" in v:
                return v.strip()
        if isinstance(value, str) and value.strip():
            named = self.mapping.relation_type_name(value)
            if named is not None:
                return named
            if not _SYS_ID.match(value.strip().lower()):
                return value.strip()
        self.skipped.add("unknown_relation_type", str(value)[:80], rel.where.label)
        return None

    def _end(self, ref: Raw | None, rel: _Relation, field: str) -> str | None:
        """The key of the CI a relation end names, or None (counted) if it has none."""
        if ref is None:
            return self._dangling(rel, field, "(empty)")
        value, display = ref
        key = value if isinstance(value, str) else None
        if key is not None and key in self.found.drafts:
            return key
        if key is not None and key in self.not_imported:
            self.skipped.add("endpoint_not_imported", self.not_imported[key], rel.where.label)
            return None
        if rel.by_index:
            return self._dangling(rel, field, str(value))
        if key is not None and _SYS_ID.match(key):  # a sys_id names one CI, not a name
            shown = f"{display} ({key})" if isinstance(display, str) and display != key else key
            return self._dangling(rel, field, shown)
        for name in (display, value):  # exports made with display values name CIs by name
            if isinstance(name, str) and name.strip():
                matches = self._by_name().get(name.strip().lower(), [])
                if len(matches) == 1:
                    if matches[0] in self.not_imported:
                        why = self.not_imported[matches[0]]
                        self.skipped.add("endpoint_not_imported", why, rel.where.label)
                        return None
                    self.adjusted.add("resolved_by_name", field, rel.where.label)
                    return matches[0]
                if len(matches) > 1:
                    return self._dangling(
                        rel, field, f"{name} (the name of {len(matches)} CIs; give sys_ids)"
                    )
        return self._dangling(rel, field, str(value if value not in (None, "") else display))

    def _by_name(self) -> dict[str, list[str]]:
        if self.names is None:
            self.names = {}
            name_rule = self.mapping.fields.name
            field = name_rule.field if name_rule is not None else "name"
            for key, (record, _) in self.seen.items():
                n = text(raw(record, field))
                if n:
                    self.names.setdefault(n.lower(), []).append(key)
        return self.names

    def _dangling(self, rel: _Relation, field: str, what: str) -> str | None:
        """Count (or, with ``strict``, report) a relation end that names no CI; None."""
        if self.strict:
            self.issues.add(
                f"names {quote(what)}, which is not a CI in the input (run without --strict to "
                "skip such relations)",
                file=rel.where.file,
                line=rel.where.line(field),
                record=rel.where.label,
                field=field,
            )
        self.skipped.add("dangling_reference", what[:120], rel.where.label)
        return None

    def _edge(self, parent: str, child: str, rule: RelationRule, rel: _Relation) -> None:
        if rule.role == "member":
            group, member = (child, parent) if rule.reverse else (parent, child)
            self.found.memberships.append(Membership(group, member, rule.mode, rule.activation))
            return
        needer, needed = (child, parent) if rule.reverse else (parent, child)
        tolerance = rule.tolerance
        field_rule = self.mapping.fields.tolerance
        if rel.tolerance is not None and field_rule is not None:
            try:
                tolerance = convert("tolerance", rel.tolerance, field_rule)
            except ValueError as e:
                self.skipped.add(
                    "unreadable_value", f"tolerance ({field_rule.field})", f"{rel.where.label}: {e}"
                )
        self.found.links.append(Link(needer, needed, rule.type, rule.strength, tolerance))


def _ire_key(item: dict[str, Any], values: dict[str, Any]) -> str:
    """An IRE item's key: its sys_id, else its source's native key, else its internal_id,
    else class and name."""
    if isinstance(values.get("sys_id"), str) and values["sys_id"]:
        return str(values["sys_id"])
    info = item.get("sys_object_source_info")
    if isinstance(info, dict) and isinstance(info.get("source_native_key"), str | int):
        source = info.get("source_name")
        native = str(info["source_native_key"])
        return f"{source}:{native}" if isinstance(source, str) and source else native
    if isinstance(item.get("internal_id"), str) and item["internal_id"]:
        return str(item["internal_id"])
    name = values.get("name")
    return f"{item['className']}:{name if isinstance(name, str) else ''}"


def _ire_end(ref: Any, keys: list[str | None], internal: dict[str, str]) -> Raw | None:
    if isinstance(ref, int) and not isinstance(ref, bool):
        key = keys[ref] if 0 <= ref < len(keys) else None
        return (key, key) if key is not None else (f"item {ref}", f"item {ref}")
    if isinstance(ref, str) and ref:
        key = internal.get(ref, ref)
        return (key, key)
    return None
