"""What an import gives back: the model, and a report of what was read, skipped and adjusted.

A reader never drops anything silently: every record it does not turn into a component or an
edge is counted in :attr:`ImportReport.skipped` under a reason (an unmapped class, a relation
type the mapping does not know, a reference to a CI that is not in the input, …), with the
first few records as examples; every record it imports but changes (a cluster with no member
left, two relations merged into one edge) is counted in :attr:`ImportReport.adjusted`.

Input that cannot be read at all — not JSON, the wrong shape, two records with one key — is an
:class:`ImportInputError` (exit 2) naming the file, line, record and field, and nothing is
written.

>>> tally = Tallies()
>>> tally.add("unmapped_relation_type", "Managed by::Manages", "sys_id 'r1'")
>>> tally.add("unmapped_relation_type", "Managed by::Manages", "sys_id 'r2'")
>>> [t.as_dict() for t in tally.items()]  # doctest: +NORMALIZE_WHITESPACE
[{'reason': 'unmapped_relation_type', 'what': 'Managed by::Manages', 'count': 2,
  'examples': ["sys_id 'r1'", "sys_id 'r2'"]}]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from impactgraph.errors import MAX_LISTED_ISSUES, Issue, ModelError, quote
from impactgraph.importers.ids import KnownIds
from impactgraph.model import Kind, Model

#: called with (what is being done, how far, out of how many or None) during long imports
Progress = Callable[[str, int, int | None], None]

#: examples kept per reason and subject
MAX_EXAMPLES = 3

#: why a record made no component or edge; every reason the readers use, with its meaning
SKIP_REASONS = {
    "unmapped_class": "no class rule in the mapping: the CI makes no component",
    "skipped_class": "the mapping says to skip this class",
    "excluded": "the record matches an exclude rule of the mapping (e.g. retired)",
    "not_estate": "not an estate component (Backstage Groups, Users, Domains, Locations, APIs)",
    "unmapped_relation_type": "no relation rule in the mapping: the relation makes no edge",
    "skipped_relation_type": "the mapping says to skip this relation type",
    "unknown_relation_type": "a relation type sys_id that the mapping cannot name",
    "dangling_reference": "the relation or reference names something not in the input",
    "endpoint_not_imported": "the relation's other end was skipped (unmapped, excluded, …)",
    "self_relation": "a relation from a record to itself",
    "duplicate_record": "the same record given twice with the same content (kept once)",
    "api_without_provider": "an API that no Component in the input provides",
    "unreadable_value": "a field whose value cannot be read (the component keeps the rest)",
}

#: what was imported but changed on the way, and why
ADJUST_REASONS = {
    "merged_edges": "several relations between the same two components, merged into one edge",
    "membership_over_dependency": "a cluster's dependency on its own member, dropped: the "
    "membership already says the cluster needs it (a hard dependency would defeat redundancy)",
    "cluster_without_members": "a cluster with no member in the input: imported as a plain "
    "component",
    "min_up_lowered": "the mapping's min_up is above the cluster's active members: lowered",
    "id_held_by_another_source": "the readable id is another source's component in the "
    "store: the component takes its qualified id",
    "id_held_by_stored_component": "the readable id is held in the store by another component "
    "of this source (which keeps it): the new component takes its qualified id",
    "resolved_by_name": "a reference given by display name, not sys_id, matched to the one CI "
    "of that name",
}


@dataclass(frozen=True)
class Tally:
    """How many records were skipped (or adjusted) for one reason and subject."""

    reason: str
    #: the subject: a class, a relation type, a missing sys_id or entity ref
    what: str
    count: int
    #: the first few records (``sys_id '…'``, an entity ref, ``file.csv:12``)
    examples: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """``{reason, what, count, examples}``."""
        return {
            "reason": self.reason,
            "what": self.what,
            "count": self.count,
            "examples": list(self.examples),
        }


class Tallies:
    """Counts by (reason, subject), with the first few examples of each."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, str], int] = {}
        self._examples: dict[tuple[str, str], list[str]] = {}

    def add(self, reason: str, what: str, example: str | None = None, count: int = 1) -> None:
        """Count ``count`` records skipped for ``reason`` (``what`` names the subject)."""
        key = (reason, what)
        self._counts[key] = self._counts.get(key, 0) + count
        if example is not None:
            kept = self._examples.setdefault(key, [])
            if len(kept) < MAX_EXAMPLES:
                kept.append(example)

    def items(self) -> tuple[Tally, ...]:
        """Every tally, by reason then by falling count then subject."""
        return tuple(
            Tally(reason, what, n, tuple(self._examples.get((reason, what), ())))
            for (reason, what), n in sorted(
                self._counts.items(), key=lambda kv: (kv[0][0], -kv[1], kv[0][1])
            )
        )

    def total(self) -> int:
        """The number of records counted."""
        return sum(self._counts.values())

    def copy(self) -> Tallies:
        """A copy to add to without changing this one."""
        out = Tallies()
        out._counts = dict(self._counts)
        out._examples = {k: list(v) for k, v in self._examples.items()}
        return out


@dataclass(frozen=True)
class ImportReport:
    """What an import read, made and left out."""

    #: the name written on every component's ``source``
    source: str
    #: records read: CIs or entities, and relations
    records: int
    relations: int
    components: int
    dependencies: int
    groups: int
    skipped: tuple[Tally, ...] = ()
    adjusted: tuple[Tally, ...] = ()
    #: the files (or named texts) read, in order
    inputs: tuple[str, ...] = ()

    def skipped_count(self) -> int:
        """The number of records skipped, for every reason."""
        return sum(t.count for t in self.skipped)

    def as_dict(self) -> dict[str, Any]:
        """The report as plain data (for ``--format json`` and the HTTP API)."""
        return {
            "source": self.source,
            "inputs": list(self.inputs),
            "read": {"records": self.records, "relations": self.relations},
            "model": {
                "components": self.components,
                "dependencies": self.dependencies,
                "groups": self.groups,
            },
            "skipped": [t.as_dict() for t in self.skipped],
            "adjusted": [t.as_dict() for t in self.adjusted],
        }


@dataclass(frozen=True)
class ImportResult:
    """A source turned into a model: the model (every component with ``source`` and
    ``external_id``) and the report."""

    model: Model
    report: ImportReport


class Prepared(Protocol):
    """A source read, checked and resolved, waiting only for its destination: :meth:`build`
    gives the model and report, its ids stable against what the destination holds. Reading
    is the costly part; building again (for a writer that lost a race) is cheap."""

    @property
    def source(self) -> str:
        """The name written on every component's ``source``."""
        ...

    def build(
        self, known: KnownIds | None = None, progress: Progress | None = None
    ) -> ImportResult:
        """The model and report; ``known`` is what the destination holds already."""
        ...


@dataclass(frozen=True)
class Built:
    """A :class:`Prepared` whose ids come from the input itself (a spreadsheet's ``id``
    column): the same model wherever it goes."""

    result: ImportResult

    @property
    def source(self) -> str:
        """The name written on every component's ``source``."""
        return self.result.report.source

    def build(
        self, known: KnownIds | None = None, progress: Progress | None = None
    ) -> ImportResult:
        """The result, as read."""
        return self.result


def report_for(
    model: Model,
    source: str,
    *,
    records: int,
    relations: int,
    skipped: Tallies,
    adjusted: Tallies,
    inputs: Iterable[str],
) -> ImportReport:
    """The report of an import that made ``model``."""
    return ImportReport(
        source=source,
        records=records,
        relations=relations,
        components=len(model.components),
        dependencies=len(model.dependencies),
        groups=sum(1 for c in model.components if c.kind is Kind.GROUP),
        skipped=skipped.items(),
        adjusted=adjusted.items(),
        inputs=tuple(inputs),
    )


# ---------------------------------------------------------------------------------------------
# errors


@dataclass(frozen=True)
class RecordIssue(Issue):
    """An :class:`~impactgraph.errors.Issue` in an import: where (file, line), which record
    (``sys_id '…'``, ``entity 'component:default/x'``) and which field."""

    record: str | None = None

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "") + ": "
        what = [self.record] if self.record else []
        if self.component is not None:
            what.append(f"component {quote(self.component)}")
        if self.field:
            what.append(f"field {quote(self.field)}")
        prefix = (", ".join(what) + ": ") if what else ""
        return f"{where}{prefix}{self.message}"


class ImportInputError(
    ModelError, problem="invalid-import", title="Invalid import input", status=422
):
    """Import input that cannot be read: every issue found, each with file, line, record and
    field. A :class:`~impactgraph.errors.ModelError` (exit 2), so that callers that handle bad
    models handle bad imports too."""

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__(issues)
        n = len(self.issues)
        head = f"{n} error{'s' if n != 1 else ''} in the import input"
        listed = [f"  {i}" for i in self.issues[:MAX_LISTED_ISSUES]]
        if n > MAX_LISTED_ISSUES:
            listed.append(f"  … and {n - MAX_LISTED_ISSUES} more")
        self.args = (head + ":\n" + "\n".join(listed),)


class Issues:
    """Issues collected while reading; :meth:`raise_if_any` raises them all at once.

    Reading stops early once :data:`MAX_ISSUES` are found: a file that is wrong throughout
    says so quickly.
    """

    MAX_ISSUES = 1000

    def __init__(self) -> None:
        self.found: list[Issue] = []

    def add(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        record: str | None = None,
        field: str | None = None,
    ) -> None:
        """Note one issue; raise at once when there are too many to be worth reading on."""
        self.found.append(RecordIssue(message, file=file, line=line, field=field, record=record))
        if len(self.found) >= self.MAX_ISSUES:
            raise ImportInputError(self.found)

    def raise_if_any(self) -> None:
        """Raise :class:`ImportInputError` with every issue noted, if there is one."""
        if self.found:
            raise ImportInputError(self.found)


def fail(
    message: str,
    *,
    file: str | None = None,
    line: int | None = None,
    record: str | None = None,
    field: str | None = None,
) -> ImportInputError:
    """One issue as an error, to ``raise``."""
    return ImportInputError(
        [RecordIssue(message, file=file, line=line, field=field, record=record)]
    )
