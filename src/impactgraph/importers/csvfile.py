"""Spreadsheets → the model: three CSV files whose columns are named after the model's fields.

* components (``id``, ``kind`` required; ``name``, ``type``, ``tier``, ``rto``, ``rpo``,
  ``mtpd``, ``recovery_time``, ``restart_time``, ``backup_interval``, ``impact_per_hour``,
  ``owner``, ``team``, ``tags`` (separated by ``;`` or ``,``), ``min_up`` (groups),
  ``external_id`` (default: the id));
* dependencies (``from``, ``to`` required; ``type``, ``strength``, ``tolerance``): *from needs to*;
* members, optional (``group``, ``member`` required; ``mode``, ``activation``).

The mapping's ``fields`` can rename the component columns (``tier: Criticality``). Durations
are written with a unit (``4h``, ``PT4H``); an empty cell leaves the field unset. A CSV file is
written by people: a value that cannot be read is an error naming the file, line and column
(every one at once), not a skipped value. A dependency or member naming an id not in the
components is *dangling*: counted and skipped, or an error with ``strict``.
:func:`write_template` writes the three files with their headers and an example estate.
"""

from __future__ import annotations

import csv
import difflib
import io
import os
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from impactgraph.errors import ModelError, quote
from impactgraph.importers.inputs import CsvTable, Input, csv_table, texts
from impactgraph.importers.mapping import FieldRule, Mapping, default_mapping
from impactgraph.importers.result import (
    Built,
    ImportInputError,
    ImportResult,
    Issues,
    Progress,
    RecordIssue,
    Tallies,
    fail,
    report_for,
)
from impactgraph.importers.values import convert
from impactgraph.model import Component, Dependency, Member, Model
from impactgraph.modelfile import write_atomically

DEPENDENCY_COLUMNS = ("from", "to", "type", "strength", "tolerance")
MEMBER_COLUMNS = ("group", "member", "mode", "activation")
_REQUIRED_DEPENDENCY = ("from", "to")
_REQUIRED_MEMBER = ("group", "member")


def read_csv(
    components: Input,
    dependencies: Input | None = None,
    members: Input | None = None,
    mapping: Mapping | None = None,
    *,
    strict: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """The model of a components file, a dependencies file and a members file (paths or
    contents: see :mod:`impactgraph.importers.inputs`).

    Raises :class:`~impactgraph.importers.result.ImportInputError` with every problem found
    (file, line, column), and nothing is made.
    """
    return prepare_csv(
        components, dependencies, members, mapping, strict=strict, progress=progress
    ).result


def prepare_csv(
    components: Input,
    dependencies: Input | None = None,
    members: Input | None = None,
    mapping: Mapping | None = None,
    *,
    strict: bool = False,
    progress: Progress | None = None,
) -> Built:
    """:func:`read_csv` as a :class:`~impactgraph.importers.result.Prepared`: the ids are the
    spreadsheet's own, the same wherever the model goes."""
    mapping = mapping or default_mapping("csv")
    issues = Issues()
    skipped = Tallies()
    comp_table = _table(components)
    dep_table = _table(dependencies) if dependencies is not None else None
    mem_table = _table(members) if members is not None else None
    columns = _component_columns(mapping, comp_table)
    parsed = [
        _component(line, row, columns, comp_table.name, issues) for line, row in comp_table.rows
    ]
    if progress is not None:
        progress("reading the components", len(parsed), len(parsed))
    lines = {str(c["id"]): line for c, line in parsed if c is not None}
    index = {cid: i for i, cid in enumerate(lines)}
    known = set(lines)
    group_members: dict[str, list[tuple[int, Member]]] = {}
    if mem_table is not None:
        _check_columns(mem_table, MEMBER_COLUMNS, _REQUIRED_MEMBER)
        for line, row in mem_table.rows:
            member = _member(line, row, mem_table.name, issues, known, skipped, strict)
            if member is not None:
                group_members.setdefault(member[0], []).append((line, member[1]))
    built: list[Component] = []
    for values, line in parsed:
        if values is None:
            continue
        entries = group_members.get(str(values["id"]), [])
        if entries:
            values["members"] = tuple(m for _, m in entries)
        values.setdefault("external_id", str(values["id"]))
        values["source"] = mapping.source
        try:
            built.append(Component.model_validate(values))
        except ValidationError as e:
            record = f"component {quote(values['id'])}"
            _report(e, issues, comp_table.name, line, record=record, columns=columns)
    deps: list[Dependency] = []
    dep_lines: list[int] = []
    if dep_table is not None:
        _check_columns(dep_table, DEPENDENCY_COLUMNS, _REQUIRED_DEPENDENCY)
        for line, row in dep_table.rows:
            dep = _dependency(line, row, dep_table.name, issues, known, skipped, strict)
            if dep is not None:
                deps.append(dep)
                dep_lines.append(line)
    issues.raise_if_any()
    try:
        model = Model.build(built, deps)
    except ModelError as e:
        raise ImportInputError(
            [_located(i, comp_table, dep_table, lines, index, dep_lines) for i in e.issues]
        ) from None
    inputs = [t.name for t in (comp_table, dep_table, mem_table) if t is not None]
    report = report_for(
        model,
        mapping.source,
        records=len(comp_table.rows),
        relations=len(dep_table.rows) if dep_table else 0,
        skipped=skipped,
        adjusted=Tallies(),
        inputs=inputs,
    )
    return Built(ImportResult(model, report))


def _table(item: Input) -> CsvTable:
    found = list(texts([item], (".csv",)))
    if len(found) != 1:
        name = os.fspath(item) if isinstance(item, os.PathLike) else "<input>"
        raise fail("name one CSV file, not a directory", file=str(name))
    return csv_table(found[0])


def _component_columns(mapping: Mapping, table: CsvTable) -> dict[str, str]:
    """Model field → column, for the columns the header has; an unknown column is an error."""
    by_column: dict[str, str] = {}
    for name in type(mapping.fields).model_fields:
        rule: FieldRule | None = getattr(mapping.fields, name)
        if rule is not None and name not in ("tolerance",):
            by_column[rule.field] = name
    unknown = [c for c in table.header if c not in by_column]
    if unknown:
        hint = difflib.get_close_matches(unknown[0], list(by_column), n=1, cutoff=0.7)
        raise fail(
            f"unknown column {quote(unknown[0])}"
            + (f"; did you mean {hint[0]!r}?" if hint else "")
            + f" (the columns are {', '.join(by_column)})",
            file=table.name,
            line=1,
            field=unknown[0],
        )
    for need in ("id", "kind"):
        rule = getattr(mapping.fields, need)
        if rule is None or rule.field not in table.header:
            raise fail(
                f"the header has no {quote(rule.field if rule else need)} column; components "
                "need an id and a kind",
                file=table.name,
                line=1,
            )
    return {by_column[c]: c for c in table.header}


def _component(
    line: int, row: dict[str, str], columns: dict[str, str], name: str, issues: Issues
) -> tuple[dict[str, Any] | None, int]:
    values: dict[str, Any] = {}
    ok = True
    for field, column in columns.items():
        cell = row.get(column, "").strip()
        if not cell:
            continue
        if field in ("id", "kind", "external_id"):
            values[field] = cell
            continue
        try:
            values[field] = convert(field, (cell, cell), FieldRule(field=column))
        except ValueError as e:
            ok = False
            issues.add(str(e), file=name, line=line, record=_record(row, columns), field=column)
    for need in ("id", "kind"):
        if need not in values:
            ok = False
            issues.add(
                "this column is required", file=name, line=line, field=columns.get(need, need)
            )
    return (values if ok else None), line


def _record(row: dict[str, str], columns: dict[str, str]) -> str | None:
    cid = row.get(columns.get("id", "id"), "").strip()
    return f"component {quote(cid)}" if cid else None


def _check_columns(table: CsvTable, allowed: tuple[str, ...], required: tuple[str, ...]) -> None:
    for column in table.header:
        if column not in allowed:
            raise fail(
                f"unknown column {quote(column)} (the columns are {', '.join(allowed)})",
                file=table.name,
                line=1,
                field=column,
            )
    for column in required:
        if column not in table.header:
            raise fail(f"the header has no {quote(column)} column", file=table.name, line=1)


def _cells(row: dict[str, str], columns: tuple[str, ...]) -> dict[str, str]:
    return {c: row[c].strip() for c in columns if row.get(c, "").strip()}


def _dependency(
    line: int,
    row: dict[str, str],
    name: str,
    issues: Issues,
    known: set[str],
    skipped: Tallies,
    strict: bool,
) -> Dependency | None:
    cells = _cells(row, DEPENDENCY_COLUMNS)
    for need in _REQUIRED_DEPENDENCY:
        if need not in cells:
            issues.add("this column is required", file=name, line=line, field=need)
            return None
    for end in ("from", "to"):
        if cells[end] not in known:
            _dangling(name, line, end, cells[end], issues, skipped, strict)
            return None
    data: dict[str, Any] = dict(cells)
    if "tolerance" in cells:
        try:
            data["tolerance"] = convert(
                "tolerance", (cells["tolerance"],) * 2, FieldRule(field="t")
            )
        except ValueError as e:
            issues.add(str(e), file=name, line=line, field="tolerance")
            return None
    try:
        return Dependency.model_validate(data)
    except ValidationError as e:
        _report(e, issues, name, line)
        return None


def _member(
    line: int,
    row: dict[str, str],
    name: str,
    issues: Issues,
    known: set[str],
    skipped: Tallies,
    strict: bool,
) -> tuple[str, Member] | None:
    cells = _cells(row, MEMBER_COLUMNS)
    for need in _REQUIRED_MEMBER:
        if need not in cells:
            issues.add("this column is required", file=name, line=line, field=need)
            return None
    for end in ("group", "member"):
        if cells[end] not in known:
            _dangling(name, line, end, cells[end], issues, skipped, strict)
            return None
    data: dict[str, Any] = {"id": cells["member"]}
    if "mode" in cells:
        data["mode"] = cells["mode"].lower()
    if "activation" in cells:
        try:
            data["activation"] = convert(
                "tolerance", (cells["activation"],) * 2, FieldRule(field="activation")
            )
        except ValueError as e:
            issues.add(str(e), file=name, line=line, field="activation")
            return None
    try:
        return cells["group"], Member.model_validate(data)
    except ValidationError as e:
        _report(e, issues, name, line)
        return None


def _report(
    e: ValidationError,
    issues: Issues,
    name: str,
    line: int,
    *,
    record: str | None = None,
    columns: dict[str, str] | None = None,
) -> None:
    """Each error of a row the model refused, at its file, line and column (``columns``:
    the model's field → the sheet's column name, where they differ)."""
    for err in e.errors():
        field = str(err["loc"][0]) if err["loc"] else None
        issues.add(
            err["msg"].removeprefix("Value error, "),
            file=name,
            line=line,
            record=record,
            field=(columns or {}).get(field or "", field),
        )


def _dangling(
    name: str, line: int, field: str, value: str, issues: Issues, skipped: Tallies, strict: bool
) -> None:
    if strict:
        issues.add(
            f"{quote(value)} is not a component in the components file (run without --strict "
            "to skip such rows)",
            file=name,
            line=line,
            field=field,
        )
    skipped.add("dangling_reference", value[:120], f"{name}:{line}")


def _located(
    issue: Any,
    components: CsvTable,
    dependencies: CsvTable | None,
    lines: dict[str, int],
    index: dict[str, int],
    dep_lines: list[int],
) -> RecordIssue:
    """A model issue (path into the model) as an issue in the CSV file it came from."""
    path = issue.path
    file, line = components.name, lines.get(issue.component or "")
    if path[:1] == ("dependencies",) and dependencies is not None and len(path) > 1:
        n = path[1]
        file = dependencies.name
        line = dep_lines[n] if isinstance(n, int) and n < len(dep_lines) else None
    return RecordIssue(
        issue.message,
        file=file,
        line=line,
        field=issue.field,
        record=f"component {quote(issue.component)}" if issue.component else None,
    )


# ---------------------------------------------------------------------------------------------
# the template

_TEMPLATE_COMPONENTS: list[tuple[str, ...]] = [
    ("id", "name", "kind", "type", "tier", "rto", "rpo", "mtpd", "recovery_time",
     "restart_time", "backup_interval", "impact_per_hour", "owner", "team", "tags", "min_up",
     "external_id"),
    ("dc1", "Primary data centre", "site", "datacenter", "", "", "", "", "8h", "", "", "", "",
     "facilities", "", "", ""),
    ("host1", "Host 1", "infrastructure", "server", "", "", "", "", "2h", "15m", "", "", "",
     "unix", "", "", ""),
    ("host2", "Host 2", "infrastructure", "server", "", "", "", "", "2h", "15m", "", "", "",
     "unix", "", "", ""),
    ("db-primary", "Payments DB (primary)", "infrastructure", "database", "", "", "", "", "1h",
     "", "15m", "", "", "dba", "pci", "", ""),
    ("db-standby", "Payments DB (standby)", "infrastructure", "database", "", "", "", "", "1h",
     "", "15m", "", "", "dba", "pci", "", ""),
    ("db-cluster", "Payments DB cluster", "group", "cluster", "", "", "", "", "", "", "", "",
     "", "dba", "", "1", ""),
    ("payments-api", "Payments API", "service", "api", "1", "", "", "", "30m", "5m", "", "",
     "", "payments", "pci", "", ""),
    ("card-payments", "Card payments", "business_service", "", "1", "4h", "15m", "1d", "", "",
     "", "50000", "Head of Payments", "payments", "pci;customer-facing", "", ""),
]  # fmt: skip
_TEMPLATE_DEPENDENCIES: list[tuple[str, ...]] = [
    DEPENDENCY_COLUMNS,
    ("host1", "dc1", "located_at", "", ""),
    ("host2", "dc1", "located_at", "", ""),
    ("db-primary", "host1", "runs_on", "", ""),
    ("db-standby", "host2", "runs_on", "", ""),
    ("payments-api", "host2", "runs_on", "", ""),
    ("payments-api", "db-cluster", "depends_on", "hard", ""),
    ("card-payments", "payments-api", "depends_on", "hard", "5m"),
]
_TEMPLATE_MEMBERS: list[tuple[str, ...]] = [
    MEMBER_COLUMNS,
    ("db-cluster", "db-primary", "active", ""),
    ("db-cluster", "db-standby", "standby", "30m"),
]
TEMPLATE_FILES = ("components.csv", "dependencies.csv", "members.csv")


def template_texts() -> dict[str, str]:
    """The template's files by name: headers and a small example estate that imports."""
    out = {}
    for name, rows in zip(
        TEMPLATE_FILES,
        (_TEMPLATE_COMPONENTS, _TEMPLATE_DEPENDENCIES, _TEMPLATE_MEMBERS),
        strict=True,
    ):
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        out[name] = buf.getvalue()
    return out


def write_template(directory: str | os.PathLike[str]) -> list[Path]:
    """Write the template's files into ``directory`` (made if missing); a file that exists
    already is an error, so that no spreadsheet is overwritten."""
    folder = Path(directory)
    files = template_texts()
    clash = [folder / n for n in files if (folder / n).exists()]
    if clash:
        raise fail("exists already; choose an empty directory for the template", file=str(clash[0]))
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, body in files.items():
        write_atomically(folder / name, body)
        written.append(folder / name)
    return written
