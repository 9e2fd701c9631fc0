"""Continuity check findings in every ``--format``: a rich table, JSON, CSV and a Markdown report.

Findings count (the command exits 3 with any); warnings are listed apart and do not count.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from impactgraph.engine.checks import Finding
from impactgraph.render.formats import csv_text, markdown_table, plain, show, to_json

COLUMNS = ("severity", "check", "component", "detail")
CSV_HEADER = ("severity", "code", "component", "message")
STYLE = {"high": "red", "medium": "yellow", "warning": "dim"}
#: rows of the terminal table at most (findings come first); the other formats list all
TABLE_ROWS = 1000


def _row(f: Finding) -> tuple[str, str, str, str]:
    return (f.severity, f.code, f.component, f.message)


def show_findings(findings: Sequence[Finding], fmt: str) -> None:
    """Print the findings and warnings of ``impactgraph check``."""
    show(
        fmt,
        {
            "json": lambda: findings_json(findings),
            "csv": lambda: csv_text(CSV_HEADER, map(_row, findings)),
            "markdown": lambda: findings_markdown(findings) + "\n",
        },
        lambda console: print_findings(console, findings),
    )


def findings_json(findings: Sequence[Finding]) -> str:
    """``{"findings": [...], "warnings": [...]}``, each ``{severity, code, component, message}``."""
    return to_json(
        {
            "findings": [f.as_dict() for f in findings if f.counts],
            "warnings": [f.as_dict() for f in findings if not f.counts],
        }
    )


def findings_markdown(findings: Sequence[Finding]) -> str:
    """A report: the counts, then a table of findings and one of warnings."""
    counted = [f for f in findings if f.counts]
    warnings = [f for f in findings if not f.counts]
    out = ["# Continuity checks", "", f"{len(counted)} finding(s), {len(warnings)} warning(s)", ""]
    for title, items in (("Findings", counted), ("Warnings", warnings)):
        if items:
            out += [f"## {title}", "", *markdown_table(COLUMNS, map(_row, items)), ""]
    return "\n".join(out)


def print_findings(console: Console, findings: Sequence[Finding]) -> None:
    """One row per finding or warning, coloured by severity, then the counts."""
    table = Table(title="Continuity checks", title_justify="left")
    for col in COLUMNS:
        table.add_column(col)
    for f in findings[:TABLE_ROWS]:  # rich takes about 1 ms a row: 50k rows would be a minute
        table.add_row(*map(plain, _row(f)), style=STYLE[f.severity])
    console.print(table)
    if len(findings) > TABLE_ROWS:
        console.print(
            f"… and {len(findings) - TABLE_ROWS} more (--format json, csv or markdown lists all)"
        )
    counted = sum(1 for f in findings if f.counts)
    console.print(f"{counted} finding(s), {len(findings) - counted} warning(s)")
