"""Source documents in the shapes the sources document, built from one small estate.

The estate is the SPEC §3 worked example as a CMDB would hold it: two data centres, a SAN,
hosts, a database cluster (primary and standby), services, two business services. Builders
write it as:

* a ServiceNow Table API export, with ``{"value", "display_value", "link"}`` objects
  (``sysparm_display_value=all``) or with plain values (the default form, references as bare
  sys_ids, relation types as sys_ids only);
* the same tables as CSV exports;
* an IRE payload (relations by index and by ``internal_id``);

and a Backstage catalog (Systems, Components, Resources, APIs, Groups) as descriptor YAML
and as the catalog API's JSON.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from typing import Any

import yaml

INSTANCE = "https://acme.service-now.com"
REL_TYPE_IDS = {
    "Depends on::Used by": "1a9cb166f1571100a92eb60da2bce5c5",
    "Runs on::Runs": "60bc4e22c0a8010e01f074cbe6bd73c3",
    "Members::Member of": "55c913d3c0a8010e012d1563182d6050",
    "Cluster of::Cluster": "a99d39118f10310091769012cbbe4429",
    "Contains::Contained by": "55c95bf6c0a8010e0118ec7056ebc54d",
    "Hosted on::Hosts": "5f985e0ec0a8010e00a9714f2a172815",
    "Uses::Used by": "cb5592603751200032ff8c00dfbe5d17",
}


def sys_id(name: str) -> str:
    """A stable 32-hex sys_id for a name."""
    return hashlib.md5(f"fixture:{name}".encode()).hexdigest()


#: (name, class, extra fields)
CIS: list[tuple[str, str, dict[str, str]]] = [
    ("DC1", "cmdb_ci_datacenter", {}),
    ("DC2", "cmdb_ci_datacenter", {}),
    ("san1", "cmdb_ci_san_fabric", {}),
    ("host1", "cmdb_ci_linux_server", {"support_group": "Unix"}),
    ("host2", "cmdb_ci_linux_server", {"support_group": "Unix"}),
    ("db-primary", "cmdb_ci_db_ora_instance", {"support_group": "DBA"}),
    ("db-standby", "cmdb_ci_db_ora_instance", {"support_group": "DBA"}),
    ("db-cluster", "cmdb_ci_cluster", {}),
    ("fraud-svc", "cmdb_ci_appl", {}),
    ("payments-api", "cmdb_ci_service_auto", {}),
    ("Card Payments", "cmdb_ci_service_business", {"business_criticality": "1 - most critical"}),
    ("settlement-batch", "cmdb_ci_appl", {}),
    ("Reporting", "cmdb_ci_service", {"business_criticality": "2 - somewhat critical"}),
    ("10.0.0.1", "cmdb_ci_ip_address", {}),
]

#: (parent, type, child)
RELATIONS: list[tuple[str, str, str]] = [
    ("san1", "Located in::Houses", "DC1"),
    ("host1", "Located in::Houses", "DC1"),
    ("host1", "Depends on::Used by", "san1"),
    ("host2", "Located in::Houses", "DC2"),
    ("db-primary", "Runs on::Runs", "host1"),
    ("db-standby", "Runs on::Runs", "host2"),
    ("db-cluster", "Members::Member of", "db-primary"),
    ("db-cluster", "Members::Member of", "db-standby"),
    ("fraud-svc", "Runs on::Runs", "host1"),
    ("payments-api", "Hosted on::Hosts", "host2"),
    ("payments-api", "Depends on::Used by", "db-cluster"),
    ("payments-api", "Uses::Used by", "fraud-svc"),
    ("Card Payments", "Depends on::Used by", "payments-api"),
    ("settlement-batch", "Runs on::Runs", "host1"),
    ("Reporting", "Depends on::Used by", "settlement-batch"),
    ("host1", "IP Connection::IP Connection", "10.0.0.1"),
    ("Card Payments", "Managed by::Manages", "payments-api"),
]


def _value(value: str, display: str | None, form: str) -> Any:
    return value if form == "plain" else {"display_value": display or value, "value": value}


def _ref(table: str, value: str, display: str, form: str) -> Any:
    if form == "plain":
        return value
    return {"display_value": display, "link": f"{INSTANCE}/api/now/table/{table}/{value}",
            "value": value}  # fmt: skip


def ci_records(form: str = "all", cis: list[tuple[str, str, dict[str, str]]] | None = None
               ) -> list[dict[str, Any]]:  # fmt: skip
    """CI rows as the Table API gives them (``all``: display values; ``plain``: values)."""
    out = []
    for name, cls, extra in CIS if cis is None else cis:
        row: dict[str, Any] = {
            "sys_id": _value(sys_id(name), None, form),
            "name": _value(name, None, form),
            "sys_class_name": _value(cls, cls.removeprefix("cmdb_ci_").title(), form),
            "install_status": _value("1", "Installed", form),
        }
        for field, value in extra.items():
            if field == "support_group":
                row[field] = _ref("sys_user_group", sys_id("group:" + value), value, form)
            else:
                row[field] = _value(value, None, form)
        out.append(row)
    return out


def relation_records(form: str = "all", relations: list[tuple[str, str, str]] | None = None
                     ) -> list[dict[str, Any]]:  # fmt: skip
    """cmdb_rel_ci rows. In the plain form the type is its sys_id only (types without an
    out-of-box sys_id keep their name, as a custom type's sys_id would be unknown)."""
    out = []
    for parent, kind, child in RELATIONS if relations is None else relations:
        type_id = REL_TYPE_IDS.get(kind)
        out.append({
            "sys_id": _value(sys_id(f"rel:{parent}:{kind}:{child}"), None, form),
            "parent": _ref("cmdb_ci", sys_id(parent), parent, form),
            "child": _ref("cmdb_ci", sys_id(child), child, form),
            "type": (type_id or kind) if form == "plain"
            else _ref("cmdb_rel_type", type_id or sys_id(kind), kind, form),
        })  # fmt: skip
    return out


def table_api(records: list[dict[str, Any]]) -> str:
    """A Table API answer."""
    return json.dumps({"result": records}, indent=2)


def servicenow_csv(form: str = "ci") -> str:
    """The CI table (``ci``) or cmdb_rel_ci (``rel``) as a ServiceNow CSV export: references
    as display values (relations name CIs by name), classes as table names."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    if form == "ci":
        w.writerow(["sys_id", "name", "sys_class_name", "support_group", "business_criticality"])
        for name, cls, extra in CIS:
            w.writerow([sys_id(name), name, cls, extra.get("support_group", ""),
                        extra.get("business_criticality", "")])  # fmt: skip
    else:
        w.writerow(["sys_id", "parent", "type", "child"])
        for parent, kind, child in RELATIONS:
            w.writerow([sys_id(f"rel:{parent}:{kind}:{child}"), parent, kind, child])
    return buf.getvalue()


def ire_payload() -> str:
    """The estate as an IRE payload: items with className and values; relations by index,
    except those from db-cluster, which use internal_ids."""
    items = []
    index = {}
    for i, (name, cls, extra) in enumerate(CIS):
        item: dict[str, Any] = {"className": cls, "values": {"name": name, **extra}}
        item["internal_id"] = f"ci-{name}"
        if name.startswith("host"):  # identified by its source's key, as SCCM would send it
            item["sys_object_source_info"] = {"source_name": "SCCM", "source_native_key": name}
        items.append(item)
        index[name] = i
    relations: list[dict[str, str | int]] = []
    for parent, kind, child in RELATIONS:
        if parent == "db-cluster":
            relations.append({"parent": f"ci-{parent}", "child": f"ci-{child}", "type": kind})
        else:
            relations.append({"parent": index[parent], "child": index[child], "type": kind})
    return json.dumps({"items": items, "relations": relations}, indent=2)


# ---------------------------------------------------------------------------------------------
# Backstage


def entity(kind: str, name: str, spec: dict[str, Any] | None = None, **metadata: Any
           ) -> dict[str, Any]:  # fmt: skip
    """A catalog entity."""
    return {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": kind,
        "metadata": {"name": name, **metadata},
        "spec": spec or {},
    }


def catalog() -> list[dict[str, Any]]:
    """A catalog with Systems, Components, Resources, APIs, a Group, a User and a Domain.

    ``payments`` (a System, tier 1) has parts payments-api (Component), payments-db
    (Resource) and the payments-rest API (served by payments-api); payments-api consumes
    fraud-grpc (served by fraud-svc) and depends on payments-db; checkout (System) has
    checkout-web, which consumes payments-rest and depends on the shared CDN in namespace
    ``platform``; payments-db depends on storage (same namespace as the CDN) and is, by
    ``dependencyOf``, needed by the reporting job.
    """
    return [
        entity("Domain", "commerce", {"owner": "team-payments"}),
        entity("System", "payments", {"owner": "team-payments", "domain": "commerce"},
               title="Card Payments",
               annotations={"impactgraph.dev/tier": "1", "impactgraph.dev/rto": "4h"}),
        entity("System", "checkout", {"owner": "group:default/team-shop"},
               annotations={"impactgraph.dev/tier": "2"}),
        entity("Component", "payments-api", {
            "type": "service", "lifecycle": "production", "owner": "team-payments",
            "system": "payments", "providesApis": ["payments-rest"],
            "consumesApis": ["api:fraud-grpc"], "dependsOn": ["resource:payments-db"],
        }, tags=["java", "pci"]),
        entity("Component", "fraud-svc", {
            "type": "service", "lifecycle": "production", "owner": "team-payments",
            "providesApis": ["fraud-grpc"],
        }),
        entity("Component", "checkout-web", {
            "type": "website", "lifecycle": "experimental", "owner": "team-shop",
            "system": "checkout", "consumesApis": ["payments-rest"],
            "dependsOn": ["resource:platform/cdn"],
        }),
        entity("Component", "reporting-job", {"type": "batch", "owner": "team-data"}),
        entity("Resource", "payments-db", {
            "type": "database", "owner": "team-payments", "system": "payments",
            "dependsOn": ["resource:platform/storage"],
            "dependencyOf": ["component:reporting-job"],
        }),
        entity("Resource", "cdn", {"type": "cdn", "owner": "team-platform"}, namespace="platform"),
        entity("Resource", "storage", {"type": "storage", "owner": "team-platform"},
               namespace="platform"),
        entity("API", "payments-rest", {"type": "openapi", "owner": "team-payments",
                                        "system": "payments", "definition": "openapi: 3.0.0"}),
        entity("API", "fraud-grpc", {"type": "grpc", "owner": "team-payments",
                                     "definition": "syntax = 'proto3';"}),
        entity("Group", "team-payments", {"type": "team", "children": []}),
        entity("User", "alice", {"memberOf": ["team-payments"]}),
    ]  # fmt: skip


def catalog_yaml(entities: list[dict[str, Any]] | None = None) -> str:
    """Entities as one multi-document descriptor file."""
    return yaml.safe_dump_all(catalog() if entities is None else entities, sort_keys=False)


def catalog_api_json(entities: list[dict[str, Any]] | None = None, page: bool = False) -> str:
    """Entities as ``GET /api/catalog/entities`` gives them (a list, with metadata.uid and
    relations), or as an ``/entities/by-query`` page."""
    items = []
    for e in catalog() if entities is None else entities:
        e = json.loads(json.dumps(e))
        e["metadata"].setdefault("namespace", "default")
        e["metadata"]["uid"] = sys_id(e["metadata"]["name"])
        e["relations"] = [{"type": "ownedBy", "targetRef": "group:default/team-payments"}]
        items.append(e)
    if page:
        return json.dumps({"items": items, "totalItems": len(items),
                           "pageInfo": {"nextCursor": "abc"}})  # fmt: skip
    return json.dumps(items)
