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
input whatever its order (:mod:`impactgraph.importers.ids`).

>>> result = read_csv(
...     Named("c.csv", "id,kind\\ndc1,site\\nweb,service\\n"),
...     Named("d.csv", "from,to,type\\nweb,dc1,located_at\\n"))
>>> [(c.id, c.source, c.external_id) for c in result.model.components]
[('dc1', 'csv', 'dc1'), ('web', 'csv', 'web')]
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Protocol

from impactgraph.importers.backstage import read_backstage
from impactgraph.importers.csvfile import read_csv, template_texts, write_template
from impactgraph.importers.inputs import Input, Named
from impactgraph.importers.mapping import (
    SOURCES,
    Mapping,
    default_mapping,
    load_mapping,
    mapping_text,
)
from impactgraph.importers.result import (
    ImportInputError,
    ImportReport,
    ImportResult,
    Progress,
    RecordIssue,
    Tally,
)
from impactgraph.importers.servicenow import read_servicenow


class Reader(Protocol):
    """A source's reader: its inputs and mapping in, the model and report out."""

    def __call__(
        self,
        inputs: Iterable[Input],
        mapping: Mapping | None = None,
        *,
        strict: bool = False,
        progress: Progress | None = None,
        reserved_ids: Collection[str] = (),
    ) -> ImportResult: ...


#: the readers of the sources that take a list of inputs
READERS: dict[str, Reader] = {"servicenow": read_servicenow, "backstage": read_backstage}

__all__ = [
    "READERS",
    "SOURCES",
    "ImportInputError",
    "ImportReport",
    "ImportResult",
    "Input",
    "Mapping",
    "Named",
    "Progress",
    "Reader",
    "RecordIssue",
    "Tally",
    "default_mapping",
    "load_mapping",
    "mapping_text",
    "read_backstage",
    "read_csv",
    "read_servicenow",
    "template_texts",
    "write_template",
]
