"""``impactgraph check``: continuity checks on the model (exit 0 clean, 3 with findings)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import click
from rich.table import Table

from impactgraph.cli.common import format_option, read_graph, source_options, stdout_console
from impactgraph.engine.checks import Finding
from impactgraph.render.formats import to_json

#: exit code when the model has findings (warnings alone do not count)
FINDINGS_EXIT = 3


def _markdown(findings: list[Finding]) -> str:
    counted = [f for f in findings if f.counts]
    warnings = [f for f in findings if not f.counts]
    out = ["# Continuity checks", "", f"{len(counted)} finding(s), {len(warnings)} warning(s)", ""]
    for title, items in (("Findings", counted), ("Warnings", warnings)):
        if items:
            out += [
                f"## {title}",
                "",
                "| severity | check | component | detail |",
                "|---|---|---|---|",
            ]
            out += [
                f"| {f.severity} | {f.code} | {f.component} | {f.message.replace('|', '/')} |"
                for f in items
            ]
            out.append("")
    return "\n".join(out)


@click.command()
@source_options
@format_option
def check(model_path: Path | None, store_url: str | None, fmt: str) -> None:
    """Continuity checks on the model: RTO vs MTPD, recovery chains vs RTO, RPO vs backups,
    tier inversions. Warnings (missing recovery_time, RTO, backup_interval) are listed but do
    not count.

    Exit code 0 without findings, 3 with findings, 2 for bad input.

    \b
    Example:
      impactgraph check --model examples/estate.yaml
      impactgraph check --format json | jq '.findings[] | select(.severity == "high")'
    """
    from impactgraph.engine.checks import check as run_checks

    findings = run_checks(read_graph(model_path, store_url))
    counted = [f for f in findings if f.counts]
    if fmt == "json":
        click.echo(
            to_json(
                {
                    "findings": [f.as_dict() for f in counted],
                    "warnings": [f.as_dict() for f in findings if not f.counts],
                }
            ),
            nl=False,
        )
    elif fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(("severity", "code", "component", "message"))
        w.writerows((f.severity, f.code, f.component, f.message) for f in findings)
        click.echo(buf.getvalue(), nl=False)
    elif fmt == "markdown":
        click.echo(_markdown(findings))
    else:
        console = stdout_console()
        table = Table(title="Continuity checks", title_justify="left")
        for col in ("severity", "check", "component", "detail"):
            table.add_column(col)
        style = {"high": "red", "medium": "yellow", "warning": "dim"}
        for f in findings:
            table.add_row(f.severity, f.code, f.component, f.message, style=style[f.severity])
        console.print(table)
        console.print(f"{len(counted)} finding(s), {len(findings) - len(counted)} warning(s)")
    if counted:
        raise click.exceptions.Exit(FINDINGS_EXIT)
