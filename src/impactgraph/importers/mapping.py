"""The mapping from a source to the model, as data: a default per source, overridable by a file.

A mapping says, for one source:

* ``classes``: which records become which components — a ServiceNow ``sys_class_name`` (glob
  patterns allowed: ``cmdb_ci_service_*``), or a Backstage entity kind, optionally with its
  ``spec.type`` (``resource:database``) — with ``kind``, ``type`` and, for clusters, ``min_up``;
  or ``skip``;
* ``relations``: which relation types make edges — a ServiceNow relation type name
  (``Runs on::Runs``) or a Backstage field (``dependsOn``) — with the dependency ``type``,
  ``strength``, ``tolerance``, ``reverse`` (the child needs the parent), or ``role: member``
  (group membership), or ``skip``;
* ``fields``: which field of a record gives the component's ``name``, ``tier``, ``rto``,
  ``team``, … (and a relation's ``tolerance``, a cluster's ``min_up``);
* ``relation_type_ids`` (ServiceNow): relation type sys_ids and their names, for exports that
  give only the sys_id; ``class_labels``: class display names (``Linux Server``) and their
  table names, for CSV exports;
* ``exclude``: records to leave out by field value (retired CIs);
* ``cluster_min_up``: ``min_up`` of a cluster when neither its class rule nor a field says.

An override file (``--mapping FILE``, YAML) is merged into the default key by key: a rule
given replaces the default rule of that name, ``null`` removes it, and ``defaults: false`` at
the top starts from nothing instead. ``impactgraph import SOURCE --print-mapping`` prints the
mapping in force.

>>> m = load_mapping("servicenow", text="relations: {'Managed by::Manages': {type: managed_by}}")
>>> m.relation_rule("managed by :: manages").type, m.relation_rule("Runs on::Runs").type
('managed_by', 'runs_on')
>>> ClassMatcher(m.classes).match("cmdb_ci_linux_server")
('cmdb_ci_*_server', ClassRule(kind=<Kind.INFRASTRUCTURE: 'infrastructure'>, type='server', min_up=None, skip=False))
"""  # noqa: E501

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable
from collections.abc import Mapping as MappingABC
from functools import cached_property
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from impactgraph.document import DocPath, parse, read_text
from impactgraph.durations import FileDurationReq, format_duration
from impactgraph.errors import ModelError, quote
from impactgraph.importers.result import ImportInputError, Issues, fail
from impactgraph.model import DependencyType, Kind, MemberMode, Source, Strength

SOURCES = ("servicenow", "backstage", "csv")
Sourced = Literal["servicenow", "backstage", "csv"]

_RULE = ConfigDict(extra="forbid", frozen=True)


def _skip_class(value: object) -> object:
    return {"skip": True} if value == "skip" else value


def _skip_relation(value: object) -> object:
    return {"role": "skip"} if value == "skip" else value


def _field_name(value: object) -> object:
    return {"field": value} if isinstance(value, str) else value


class ClassRule(BaseModel):
    """What a record of one class becomes: a component of ``kind`` (and ``type``), or nothing."""

    model_config = _RULE

    kind: Kind | None = None
    #: the component's type; none: the source's own (Backstage ``spec.type``), if any
    type: str | None = None
    #: ``min_up`` when the record becomes a group (a cluster)
    min_up: int | None = Field(default=None, ge=1)
    skip: bool = False

    @model_validator(mode="after")
    def _kind_or_skip(self) -> ClassRule:
        if self.skip == (self.kind is not None):
            raise ValueError("a class rule gives either a kind or 'skip'")
        return self


class RelationRule(BaseModel):
    """What a relation of one type becomes: a dependency, a group membership, or nothing.

    ``reverse: false`` (the default) keeps the source's reading: in ServiceNow the parent
    needs the child (a membership: the parent is the group); in Backstage the entity that
    writes the field needs the one it names.
    """

    model_config = _RULE

    role: Literal["dependency", "member", "skip"] = "dependency"
    type: DependencyType = "depends_on"
    strength: Strength = Strength.HARD
    tolerance: FileDurationReq = 0
    reverse: bool = False
    #: for ``role: member``: the member's mode and, for a standby, its failover time
    mode: MemberMode = MemberMode.ACTIVE
    activation: FileDurationReq = 0


class FieldRule(BaseModel):
    """Where one model field comes from: a ``field`` of the record, read with ``unit`` (for
    bare numbers given as durations) and ``values`` (a table from the source's words to the
    model's: ``{"1 - most critical": 1}``)."""

    model_config = _RULE

    field: str = Field(min_length=1)
    unit: Literal["s", "m", "h", "d", "w"] | None = None
    values: dict[str, int | float | str] = {}

    @cached_property
    def lookup(self) -> dict[str, int | float | str]:
        """``values`` keyed by lower-case text."""
        return {k.strip().lower(): v for k, v in self.values.items()}


FieldSpec = Annotated[FieldRule | None, BeforeValidator(_field_name)]


class Fields(BaseModel):
    """Which field of a record gives each model field (none: not read)."""

    model_config = _RULE

    #: the readable id is a slug of this (ServiceNow ``name``, Backstage ``metadata.name``)
    id: FieldSpec = None
    name: FieldSpec = None
    kind: FieldSpec = None
    type: FieldSpec = None
    tier: FieldSpec = None
    rto: FieldSpec = None
    rpo: FieldSpec = None
    mtpd: FieldSpec = None
    recovery_time: FieldSpec = None
    restart_time: FieldSpec = None
    backup_interval: FieldSpec = None
    impact_per_hour: FieldSpec = None
    owner: FieldSpec = None
    team: FieldSpec = None
    tags: FieldSpec = None
    external_id: FieldSpec = None
    #: a cluster's ``min_up``
    min_up: FieldSpec = None
    #: a relation's tolerance (a field of the relation record)
    tolerance: FieldSpec = None


#: the component fields a mapping can fill from a record's fields, in model order
COMPONENT_FIELDS = (
    "name",
    "type",
    "tier",
    "rto",
    "rpo",
    "mtpd",
    "recovery_time",
    "restart_time",
    "backup_interval",
    "impact_per_hour",
    "owner",
    "team",
    "tags",
)
DURATION_FIELDS = frozenset(
    {"rto", "rpo", "mtpd", "recovery_time", "restart_time", "backup_interval", "tolerance"}
)


class Mapping(BaseModel):
    """How one source's records become the model (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: written on every imported component; another name keeps two instances apart
    source: Source
    classes: dict[str, Annotated[ClassRule, BeforeValidator(_skip_class)]] = {}
    class_labels: dict[str, str] = {}
    relations: dict[str, Annotated[RelationRule, BeforeValidator(_skip_relation)]] = {}
    relation_type_ids: dict[str, str] = {}
    fields: Fields = Fields()
    exclude: dict[str, tuple[str, ...]] = {}
    cluster_min_up: int = Field(default=1, ge=1)

    @cached_property
    def _relations(self) -> dict[str, RelationRule]:
        return {relation_key(k): v for k, v in self.relations.items()}

    @cached_property
    def _type_ids(self) -> dict[str, str]:
        return {k.strip().lower(): v for k, v in self.relation_type_ids.items()}

    @cached_property
    def _labels(self) -> dict[str, str]:
        return {k.strip().lower(): v for k, v in self.class_labels.items()}

    @cached_property
    def _exclude(self) -> dict[str, frozenset[str]]:
        return {k: frozenset(v.strip().lower() for v in vs) for k, vs in self.exclude.items()}

    def relation_rule(self, name: str) -> RelationRule | None:
        """The rule of a relation type, by name (case and spaces around ``::`` ignored)."""
        return self._relations.get(relation_key(name))

    def relation_type_name(self, sys_id: str) -> str | None:
        """The name of a relation type given by its sys_id, if the mapping knows it."""
        return self._type_ids.get(sys_id.strip().lower())

    def class_name(self, label: str) -> str:
        """A class's table name from its display name (``Linux Server``), else ``label``."""
        return self._labels.get(label.strip().lower(), label)

    def excluded_by(self, field: str, *texts: str | None) -> bool:
        """Whether a record whose ``field`` reads as one of ``texts`` is excluded."""
        words = self._exclude.get(field)
        if not words:
            return False
        return any(t is not None and t.strip().lower() in words for t in texts)


def relation_key(name: str) -> str:
    """A relation type name as a key: lower case, single spaces, none around ``::``.

    >>> relation_key("  Depends On :: Used  by ")
    'depends on::used by'
    """
    parts = [" ".join(p.split()) for p in name.lower().split("::")]
    return "::".join(parts)


class ClassMatcher:
    """The rule for a class: the exact name first, else the glob pattern with the most
    literal characters (ties by pattern text), case-insensitively; answers are cached.

    >>> m = ClassMatcher({"cmdb_ci_*_server": ClassRule(kind="infrastructure"),
    ...                   "cmdb_ci_app_server*": ClassRule(kind="service")})
    >>> m.match("cmdb_ci_app_server_tomcat")[0], m.match("cmdb_ci_win_server")[0]
    ('cmdb_ci_app_server*', 'cmdb_ci_*_server')
    >>> m.match("cmdb_ci_ip_address") is None
    True
    """

    def __init__(self, classes: MappingABC[str, ClassRule]) -> None:
        self._exact = {k.lower(): (k, r) for k, r in classes.items() if not _is_glob(k)}
        globs = [(k, r) for k, r in classes.items() if _is_glob(k)]
        globs.sort(key=lambda kr: (-len(re.sub(r"[*?\[\]]", "", kr[0])), kr[0]))
        self._globs = [(k.lower(), k, r) for k, r in globs]
        self._cache: dict[str, tuple[str, ClassRule] | None] = {}

    def match(self, name: str) -> tuple[str, ClassRule] | None:
        """``(pattern, rule)`` for class ``name``, or None when no rule matches."""
        if name in self._cache:
            return self._cache[name]
        low = name.lower()
        found = self._exact.get(low)
        if found is None:
            found = next(
                ((k, r) for pattern, k, r in self._globs if fnmatch.fnmatchcase(low, pattern)),
                None,
            )
        if len(self._cache) < 100_000:
            self._cache[name] = found
        return found


def _is_glob(pattern: str) -> bool:
    return any(c in pattern for c in "*?[")


# ---------------------------------------------------------------------------------------------
# the defaults

#: out-of-box ServiceNow relation types (cmdb_rel_type) and their sys_ids, as the platform
#: ships them; exports made without display values give only these ids
SERVICENOW_RELATION_TYPE_IDS = {
    "1a9cb166f1571100a92eb60da2bce5c5": "Depends on::Used by",
    "60bc4e22c0a8010e01f074cbe6bd73c3": "Runs on::Runs",
    "5f985e0ec0a8010e00a9714f2a172815": "Hosted on::Hosts",
    "55c95bf6c0a8010e0118ec7056ebc54d": "Contains::Contained by",
    "55c913d3c0a8010e012d1563182d6050": "Members::Member of",
    "a99d39118f10310091769012cbbe4429": "Cluster of::Cluster",
    "d93304fb0a0a0b78006081a72ef08444": "Virtualized by::Virtualizes",
    "aa9434870ab301544ce2943bf03fd7a8": "Registered on::Has registered",
    "41008aa6ef32010098d5925495c0fb94": "Consumes::Consumed by",
    "cb5592603751200032ff8c00dfbe5d17": "Uses::Used by",
    "25242fb2377a9200738d021a54990e88": "Owns::Owned by",
    "f67e9ecdff602000dada361332f49d35": "Provides::Provided by",
    "4afd799338a02000c18673032c71b817": "Provided By::Provides",
    "de5aeb6a0ab3015854626f204fb7b1c0": "Defines resources for::Gets resources from",
}

_INFRA = "infrastructure"

SERVICENOW_DEFAULT: dict[str, Any] = {
    "source": "servicenow",
    "classes": {
        # business services (legacy cmdb_ci_service and CSDM's business service)
        "cmdb_ci_service": {"kind": "business_service"},
        "cmdb_ci_service_business": {"kind": "business_service"},
        # application and technical services, business applications, applications
        "cmdb_ci_service_*": {"kind": "service", "type": "application_service"},
        "cmdb_ci_service_technical": {"kind": "service", "type": "technical_service"},
        "cmdb_ci_business_app": {"kind": "service", "type": "business_application"},
        "cmdb_ci_appl*": {"kind": "service", "type": "application"},
        "cmdb_ci_app_server*": {"kind": "service", "type": "app_server"},
        "cmdb_ci_*web_server": {"kind": "service", "type": "web_server"},
        # sites
        "cmdb_ci_datacenter": {"kind": "site", "type": "datacenter"},
        "cmdb_ci_*_datacenter": {"kind": "site", "type": "cloud_datacenter"},
        "cmdb_ci_computer_room": {"kind": "site", "type": "computer_room"},
        # servers, virtual machines, racks
        "cmdb_ci_server": {"kind": _INFRA, "type": "server"},
        "cmdb_ci_*_server": {"kind": _INFRA, "type": "server"},
        "cmdb_ci_mainframe*": {"kind": _INFRA, "type": "mainframe"},
        "cmdb_ci_vm": {"kind": _INFRA, "type": "vm"},
        "cmdb_ci_vm_instance": {"kind": _INFRA, "type": "vm"},
        "cmdb_ci_vmware_instance": {"kind": _INFRA, "type": "vm"},
        "cmdb_ci_hyper_v_instance": {"kind": _INFRA, "type": "vm"},
        "cmdb_ci_rack": {"kind": _INFRA, "type": "rack"},
        # databases
        "cmdb_ci_database": {"kind": _INFRA, "type": "database"},
        "cmdb_ci_db_*": {"kind": _INFRA, "type": "database"},
        "cmdb_ci_cloud_database": {"kind": _INFRA, "type": "database"},
        # load balancers
        "cmdb_ci_lb": {"kind": _INFRA, "type": "load_balancer"},
        "cmdb_ci_lb_*": {"kind": _INFRA, "type": "load_balancer"},
        "cmdb_ci_cloud_load_balancer": {"kind": _INFRA, "type": "load_balancer"},
        # network and storage
        "cmdb_ci_netgear": {"kind": _INFRA, "type": "network"},
        "cmdb_ci_ip_switch": {"kind": _INFRA, "type": "network"},
        "cmdb_ci_ip_router": {"kind": _INFRA, "type": "network"},
        "cmdb_ci_ip_firewall": {"kind": _INFRA, "type": "network"},
        "cmdb_ci_storage_server": {"kind": _INFRA, "type": "storage"},
        "cmdb_ci_san*": {"kind": _INFRA, "type": "san"},
        # clusters become groups (min_up from cluster_min_up) over their members
        "cmdb_ci_cluster*": {"kind": "group", "type": "cluster"},
        "cmdb_ci_*cluster": {"kind": "group", "type": "cluster"},
        "cmdb_ci_*cluster_node": {"kind": _INFRA, "type": "cluster_node"},
        "cmdb_ci_cluster_vip": {"kind": _INFRA, "type": "cluster_vip"},
        "cmdb_ci_cluster_resource": {"kind": _INFRA, "type": "cluster_resource"},
    },
    "class_labels": {
        "Business Service": "cmdb_ci_service",
        "Application Service": "cmdb_ci_service_auto",
        "Mapped Application Service": "cmdb_ci_service_discovered",
        "Technical Service": "cmdb_ci_service_technical",
        "Business Application": "cmdb_ci_business_app",
        "Application": "cmdb_ci_appl",
        "Data Center": "cmdb_ci_datacenter",
        "Computer Room": "cmdb_ci_computer_room",
        "Server": "cmdb_ci_server",
        "Linux Server": "cmdb_ci_linux_server",
        "Windows Server": "cmdb_ci_win_server",
        "Unix Server": "cmdb_ci_unix_server",
        "ESX Server": "cmdb_ci_esx_server",
        "Virtual Machine Instance": "cmdb_ci_vm_instance",
        "VMware Virtual Machine Instance": "cmdb_ci_vmware_instance",
        "Database": "cmdb_ci_database",
        "Database Instance": "cmdb_ci_db_instance",
        "MSFT SQL Instance": "cmdb_ci_db_mssql_instance",
        "Oracle Instance": "cmdb_ci_db_ora_instance",
        "MySQL Instance": "cmdb_ci_db_mysql_instance",
        "PostgreSQL Instance": "cmdb_ci_db_postgresql_instance",
        "Load Balancer": "cmdb_ci_lb",
        "Cluster": "cmdb_ci_cluster",
        "Windows Cluster": "cmdb_ci_win_cluster",
        "Cluster Node": "cmdb_ci_cluster_node",
        "Network Gear": "cmdb_ci_netgear",
        "Rack": "cmdb_ci_rack",
        "Storage Server": "cmdb_ci_storage_server",
    },
    "relations": {
        "Depends on::Used by": {"type": "depends_on"},
        "Runs on::Runs": {"type": "runs_on"},
        "Hosted on::Hosts": {"type": "runs_on"},
        "Virtualized by::Virtualizes": {"type": "runs_on"},
        "Registered on::Has registered": {"type": "runs_on"},
        "Located in::Houses": {"type": "located_at"},
        "Contains::Contained by": {"type": "depends_on"},
        # the child (what is stored) needs the parent (the storage)
        "Provides storage for::Stored on": {"type": "depends_on", "reverse": True},
        # the parent is the cluster and the child its member
        "Members::Member of": {"role": "member"},
        # the parent is the node, the child the cluster (ServiceNow's hosting rules)
        "Cluster of::Cluster": {"role": "member", "reverse": True},
    },
    "relation_type_ids": SERVICENOW_RELATION_TYPE_IDS,
    "fields": {
        "id": "name",
        "name": "name",
        "tier": {
            "field": "business_criticality",
            "values": {
                "1 - most critical": 1,
                "2 - somewhat critical": 2,
                "3 - less critical": 3,
                "4 - not critical": 4,
            },
        },
        "owner": "owned_by",
        "team": "support_group",
    },
    "exclude": {
        "install_status": ["7", "Retired"],
        "operational_status": ["6", "Retired"],
    },
    "cluster_min_up": 1,
}

#: the model fields a Backstage annotation ``impactgraph.dev/FIELD`` gives by default
_ANNOTATED = ("tier", "rto", "rpo", "mtpd", "recovery_time", "restart_time", "backup_interval")

BACKSTAGE_DEFAULT: dict[str, Any] = {
    "source": "backstage",
    "classes": {
        "component": {"kind": "service"},
        "resource": {"kind": "infrastructure"},
        "system": {"kind": "business_service"},
    },
    "relations": {
        "dependsOn": {"type": "depends_on"},
        "dependencyOf": {"type": "depends_on"},
        "consumesApis": {"type": "depends_on"},
        # a System needs its parts (the entities whose spec.system names it)
        "system": {"type": "depends_on"},
        "subcomponentOf": "skip",
    },
    "fields": {
        "id": "metadata.name",
        "name": "metadata.title",
        "team": "spec.owner",
        "tags": "metadata.tags",
        **{f: f"metadata.annotations[impactgraph.dev/{f}]" for f in _ANNOTATED},
        "impact_per_hour": "metadata.annotations[impactgraph.dev/impact_per_hour]",
    },
}

_CSV_COLUMNS = ("id", "kind", *COMPONENT_FIELDS, "external_id", "min_up")

CSV_DEFAULT: dict[str, Any] = {
    "source": "csv",
    "fields": {f: f for f in _CSV_COLUMNS},
}

DEFAULTS: dict[str, dict[str, Any]] = {
    "servicenow": SERVICENOW_DEFAULT,
    "backstage": BACKSTAGE_DEFAULT,
    "csv": CSV_DEFAULT,
}

#: Backstage kinds that are never estate components (a mapping cannot make them so)
BACKSTAGE_NOT_ESTATE = ("api", "group", "user", "domain", "location", "template")

_MERGED_SECTIONS = ("classes", "class_labels", "relations", "relation_type_ids", "exclude")


def default_mapping(source: str) -> Mapping:
    """The built-in mapping of ``source`` (``servicenow``, ``backstage`` or ``csv``)."""
    return load_mapping(source)


def load_mapping(
    source: str,
    path: str | os.PathLike[str] | None = None,
    *,
    text: str | None = None,
    data: dict[str, Any] | None = None,
    name: str | None = None,
) -> Mapping:
    """The default mapping of ``source`` with the override file at ``path`` (or ``text``, YAML
    or JSON, or ``data``, the override already parsed) merged in; a wrong override raises
    :class:`ImportInputError` naming its lines (and its file as ``name``, default the path).

    >>> load_mapping("csv", data={"source": "sheets"}).source
    'sheets'
    """
    if source not in DEFAULTS:
        raise ValueError(f"unknown source {source!r}; one of {', '.join(SOURCES)}")
    name = name or (str(path) if path is not None else "<mapping>")
    if data is not None:
        return _merged(source, data, name, _no_line)
    if path is not None:
        try:
            text = read_text(path, ModelError)
        except ModelError as e:
            raise ImportInputError(e.issues) from None
    document: dict[str, Any] = {}
    line: Callable[[DocPath], int | None] = _no_line
    if text is not None and text.strip():
        try:
            parsed = parse(text, name, "yaml", ModelError)
        except ModelError as e:
            raise ImportInputError(e.issues) from None
        except ValueError as e:  # an integer of more than 4,300 digits
            raise fail(f"a value cannot be read: {str(e)[:60]}…", file=name) from None
        if not isinstance(parsed.document, dict):
            raise fail(
                "a mapping file is a mapping of sections (source, classes, relations, fields, "
                f"…), not {quote(parsed.document)}",
                file=name,
                line=1,
            )
        document, line = parsed.document, parsed.line
        issues = Issues()
        for path_, key in parsed.duplicates:
            issues.add(f"key {quote(key)} is given twice", file=name, line=line(path_), field=key)
        issues.raise_if_any()
    return _merged(source, document, name, line)


def _merged(
    source: str,
    document: dict[str, Any],
    name: str,
    line: Callable[[DocPath], int | None],
) -> Mapping:
    """The default of ``source`` with the override ``document`` merged in, checked."""
    merged = merge(DEFAULTS[source], document)
    try:
        mapping = Mapping.model_validate(merged)
    except ValidationError as e:
        issues = Issues()
        for err in e.errors()[:100]:
            loc = tuple(err["loc"])
            issues.add(
                err["msg"].removeprefix("Value error, "),
                file=name,
                line=line(_document_path(loc, document)),
                field=".".join(str(p) for p in loc) or None,
            )
        issues.raise_if_any()
        raise  # pragma: no cover (an error always has a location)
    if source == "backstage":
        _check_backstage_classes(mapping, name, line)
    return mapping


def _no_line(path: tuple[str | int, ...]) -> int | None:
    return None


def _document_path(loc: tuple[Any, ...], document: dict[str, Any]) -> tuple[str | int, ...]:
    """The part of a validation location that the override document holds (pydantic adds
    the names of union members and validators to locations)."""
    out: list[str | int] = []
    node: Any = document
    for step in loc:
        in_dict = isinstance(node, dict) and step in node
        in_list = isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node)
        if not (in_dict or in_list):
            break
        node = node[step]
        out.append(step)
    return tuple(out)


def _check_backstage_classes(mapping: Mapping, name: str, line: Any) -> None:
    issues = Issues()
    for key in mapping.classes:
        kind = key.split(":", 1)[0].strip().lower()
        if kind in BACKSTAGE_NOT_ESTATE:
            issues.add(
                f"{kind} entities are never estate components (APIs connect consumers to "
                "providers; groups, users, domains, locations and templates are not run)",
                file=name,
                line=line(("classes", key)),
                field=f"classes.{key}",
            )
    issues.raise_if_any()


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """``override`` merged into ``base`` (neither is changed).

    The sections of rules merge key by key (a rule replaces the rule of that name, ``null``
    removes it), ``fields`` merges field by field, anything else is replaced; ``defaults:
    false`` starts from an empty mapping that keeps only ``source``.

    >>> merge({"source": "x", "classes": {"a": 1, "b": 2}}, {"classes": {"b": None, "c": 3}})
    {'source': 'x', 'classes': {'a': 1, 'c': 3}}
    """
    override = dict(override)
    start = override.pop("defaults", True)
    out: dict[str, Any] = {k: v for k, v in base.items()} if start is not False else {}
    out.setdefault("source", base["source"])
    if start not in (True, False):
        out["defaults"] = start  # reported by validation as an unknown value
    for key, value in override.items():
        current = out.get(key)
        if key in (*_MERGED_SECTIONS, "fields") and isinstance(value, dict):
            section = dict(current) if isinstance(current, dict) else {}
            for name, rule in value.items():
                if rule is None and key != "fields":
                    section.pop(name, None)
                else:
                    section[name] = rule
            out[key] = section
        else:
            out[key] = value
    return out


# ---------------------------------------------------------------------------------------------
# printing

_HEADER = """\
# impactgraph import {source}: the mapping in force (print it with --print-mapping,
# override it with --mapping FILE: rules given there replace these by name, null removes one,
# 'defaults: false' starts from nothing). The format is described in docs/import.md.
"""


def mapping_text(mapping: Mapping) -> str:
    """The mapping as a YAML document that :func:`load_mapping` reads back to an equal one
    (each rule on one line)."""
    parts = [_block({"source": mapping.source})]
    for name, rules in (("classes", mapping.classes), ("relations", mapping.relations)):
        if rules:
            lines = [f"  {_flow(k)}: {_flow(_rule_doc(r))}" for k, r in rules.items()]
            parts.append(f"{name}:\n" + "\n".join(lines) + "\n")
    if mapping.class_labels:
        parts.append(_block({"class_labels": dict(mapping.class_labels)}))
    if mapping.relation_type_ids:
        parts.append(_block({"relation_type_ids": dict(mapping.relation_type_ids)}))
    fields = {}
    for name in Fields.model_fields:
        rule: FieldRule | None = getattr(mapping.fields, name)
        if rule is not None:
            short = rule.unit is None and not rule.values
            fields[name] = rule.field if short else rule.model_dump(exclude_defaults=True)
    if fields:
        parts.append(_block({"fields": fields}))
    if mapping.exclude:
        parts.append(_block({"exclude": {k: list(v) for k, v in mapping.exclude.items()}}))
    parts.append(_block({"cluster_min_up": mapping.cluster_min_up}))
    return _HEADER.format(source=mapping.source) + "".join(parts)


def _flow(value: Any) -> str:
    """A key or value as YAML on one line."""
    text: str = yaml.safe_dump(
        value, default_flow_style=True, allow_unicode=True, width=10**6, sort_keys=False
    )
    return text.strip().removesuffix("...").strip()


def _block(doc: dict[str, Any]) -> str:
    text: str = yaml.safe_dump(
        doc, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False
    )
    return text


def _rule_doc(rule: ClassRule | RelationRule) -> Any:
    if isinstance(rule, ClassRule) and rule.skip:
        return "skip"
    if isinstance(rule, RelationRule) and rule.role == "skip":
        return "skip"
    out = rule.model_dump(mode="json", exclude_defaults=True)
    if isinstance(rule, RelationRule) and rule.role == "dependency":
        out = {"type": rule.type, **out}  # the type always: what the edge is called
    for key in ("tolerance", "activation"):
        if out.get(key):
            out[key] = format_duration(out[key])
    return out
