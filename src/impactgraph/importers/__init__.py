"""Importers: an estate from ServiceNow, Backstage or spreadsheets, as a model.

Each source has one reader, a function of its inputs and a mapping that returns an
:class:`ImportResult` (the model and a report of what was skipped and why); the CLI
(``impactgraph import``) and the HTTP API call the same functions::

    from pathlib import Path
    from impactgraph.importers import load_mapping, read_servicenow

    result = read_servicenow([Path("cmdb_ci.json"), Path("cmdb_rel_ci.json")])
    result.model                 # every component with source="servicenow" and its sys_id
    result.report.as_dict()      # counts, and what was skipped: unmapped classes, …

Inputs are paths (a directory is walked), :class:`Named` contents, or bare ``bytes``/``str``
contents (never a path); every input is read within :mod:`impactgraph.document`'s bounds.
The mapping is data (:mod:`impactgraph.importers.mapping`): a default per source, and an
override file merged into it. Ids are readable slugs of the names, the same for the same
input whatever its order, and stable across syncs into a store
(:mod:`impactgraph.importers.ids`).

Each reader is also split in two: ``prepare_*`` reads, checks and resolves the input (the
costly part) and gives a :class:`Prepared`, whose ``build(known)`` makes the model against
what its destination holds (:class:`KnownIds`). :func:`import_into_store` (the CLI's
``--store``) and :func:`plan_import` (the HTTP API's compare-and-swap) build it against the
store's current model, so that ids stay stable (:mod:`impactgraph.importers.destinations`).

>>> result = read_csv(
...     Named("c.csv", "id,kind\\ndc1,site\\nweb,service\\n"),
...     Named("d.csv", "from,to,type\\nweb,dc1,located_at\\n"))
>>> [(c.id, c.source, c.external_id) for c in result.model.components]
[('dc1', 'csv', 'dc1'), ('web', 'csv', 'web')]
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from impactgraph.importers.backstage import prepare_backstage, read_backstage
from impactgraph.importers.build import Drafted
from impactgraph.importers.csvfile import prepare_csv, read_csv, template_texts, write_template
from impactgraph.importers.destinations import Imported, compare, import_into_store, plan_import
from impactgraph.importers.ids import KnownIds
from impactgraph.importers.inputs import Input, InputFormat, Named
from impactgraph.importers.mapping import (
    SOURCES,
    Mapping,
    default_mapping,
    load_mapping,
    mapping_text,
)
from impactgraph.importers.result import (
    Built,
    ImportInputError,
    ImportReport,
    ImportResult,
    Prepared,
    Progress,
    RecordIssue,
    Tally,
)
from impactgraph.importers.servicenow import prepare_servicenow, read_servicenow


class Preparer(Protocol):
    """A source's reader, first half: its inputs and mapping in, the input read, checked and
    resolved out (its ``build(known)`` makes the model)."""

    def __call__(
        self,
        inputs: Iterable[Input],
        mapping: Mapping | None = None,
        *,
        strict: bool = False,
        progress: Progress | None = None,
    ) -> Drafted: ...


#: the preparers of the sources that take a list of inputs (files, directories, contents)
PREPARERS: dict[str, Preparer] = {
    "servicenow": prepare_servicenow,
    "backstage": prepare_backstage,
}

__all__ = [
    "PREPARERS",
    "SOURCES",
    "Built",
    "Drafted",
    "ImportInputError",
    "ImportReport",
    "ImportResult",
    "Imported",
    "Input",
    "InputFormat",
    "KnownIds",
    "Mapping",
    "Named",
    "Prepared",
    "Preparer",
    "Progress",
    "RecordIssue",
    "Tally",
    "compare",
    "default_mapping",
    "import_into_store",
    "load_mapping",
    "mapping_text",
    "plan_import",
    "prepare_backstage",
    "prepare_csv",
    "prepare_servicenow",
    "read_backstage",
    "read_csv",
    "read_servicenow",
    "template_texts",
    "write_template",
]
