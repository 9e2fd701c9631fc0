"""What ``impactgraph import`` says: what was read, what the model holds, what the sync did,
and every record skipped or adjusted, by reason.

``table`` is for people (a few lines, then a table of skipped and one of adjusted records);
``json`` is one document, ``{"import": {...}, "destination", "sync": {...}}``, the same the
HTTP API answers (:meth:`~impactgraph.importers.Imported.as_dict`).
"""

from __future__ import annotations

from rich.table import Table

from impactgraph.importers import Imported
from impactgraph.importers.result import Tally as Skipped
from impactgraph.render.formats import answering, plain, stdout_console, to_json, write
from impactgraph.sync import SyncReport, Tally


def show_import(imported: Imported, fmt: str) -> None:
    """An import's report, as ``table`` or ``json``."""
    if fmt == "json":
        write(to_json(imported.as_dict()))
        return
    with answering():
        console = stdout_console()
        for line in import_lines(imported):
            console.print(plain(line))
        r = imported.result.report
        for title, tallies in (("skipped", r.skipped), ("adjusted", r.adjusted)):
            if tallies:
                console.print(_tallies_table(title, tallies))


def import_lines(imported: Imported) -> list[str]:
    """The report's head, for people: what was read, the model, what the sync did.

    >>> from impactgraph.importers import Named, read_csv
    >>> from impactgraph.importers.destinations import compare
    >>> from impactgraph.model import Model
    >>> result = read_csv(Named("c.csv", "id,kind\\ndc1,site\\n"))
    >>> sync = compare(Model(), result.model, "csv", dry_run=True)
    >>> print("\\n".join(import_lines(Imported(result, sync, "m.yaml"))))
    read 1 input: 1 records, 0 relations (csv)
    model: 1 components (0 groups), 0 dependencies
    would write m.yaml
      components   1 created, 0 updated, 0 unchanged, 0 removed
      dependencies 0 created, 0 updated, 0 unchanged, 0 removed
    """
    r, sync = imported.result.report, imported.sync
    return [
        f"read {len(r.inputs)} input{'s' if len(r.inputs) != 1 else ''}: {r.records} records, "
        f"{r.relations} relations ({r.source})",
        f"model: {r.components} components ({r.groups} groups), {r.dependencies} dependencies",
        _destination_line(sync, imported.destination),
        "  components   " + _counts(sync.components),
        "  dependencies " + _counts(sync.dependencies),
    ]


def _tallies_table(title: str, tallies: tuple[Skipped, ...]) -> Table:
    table = Table(title=f"{title}: {sum(t.count for t in tallies)}", title_justify="left")
    for column in ("reason", "what", "count", "examples"):
        table.add_column(column, justify="right" if column == "count" else "left")
    for t in tallies:
        table.add_row(plain(t.reason), plain(t.what), str(t.count), plain("; ".join(t.examples)))
    return table


def _destination_line(sync: SyncReport, where: str) -> str:
    version = f" (version {sync.version})" if sync.version else ""
    if not sync.changed:
        return f"{where}{version}: nothing to change"
    return f"{'would write' if sync.dry_run else 'wrote'} {where}{version}"


def _counts(tally: Tally) -> str:
    return ", ".join(f"{n} {what}" for what, n in tally.counts().items())
